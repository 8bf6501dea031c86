// `@name` formats and string interpolation under a format, wired to formats.ts.
import type { Json } from '../api.js';
import { checkLength } from '../runtime.js';
import { applyFormat } from './formats.js';

export function formatString(name: string, v: Json): string {
  const s = applyFormat(name, v);
  checkLength(s.length);
  return s;
}

export function isFormat(name: string): boolean {
  try {
    applyFormat(name, '');
    return true;
  } catch (e) {
    return !(e instanceof Error && e.message.endsWith('is not a valid format'));
  }
}
