// `builtins`: the names of every builtin, as jq lists them ("name/arity").
import { builtinNames } from '../defs.js';
import { NATIVES } from '../registry.js';
import { fn0 } from './helpers.js';

fn0('builtins', () =>
  [...new Set([...NATIVES.keys(), ...builtinNames()])].filter((n) => !n.startsWith('_')),
);
