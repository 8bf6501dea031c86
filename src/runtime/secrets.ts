// Where `$secrets` come from: the engine option `secrets` (an object), a secrets file
// (`weft run --secrets @file`, JSON or YAML object), and environment variables
// WEFT_SECRET_<NAME>. A document's `use.secrets: [name]` looks each name up as given,
// then as WEFT_SECRET_ + the name in upper snake case (mySecret -> WEFT_SECRET_MY_SECRET).
// An environment value that parses as JSON is that JSON (so an object secret such as
// {"username":..,"password":..} fits in one variable); otherwise it is the string.
// An execution sees only the secrets its document declares in `use.secrets`. Secrets
// are passed to the interpreter per execution and never recorded in history.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Json } from '../history/events.js';

const prefix = 'WEFT_SECRET_';

export function upperSnake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toUpperCase();
}

function parseValue(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}

/** Every WEFT_SECRET_* variable, by the name after the prefix. */
export function secretsFromEnv(env: NodeJS.ProcessEnv): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(env))
    if (k.startsWith(prefix) && v !== undefined) out[k.slice(prefix.length)] = parseValue(v);
  return out;
}

/** Reads a JSON or YAML object of secrets. Throws naming the file when it is not one. */
export function loadSecretsFile(path: string): Record<string, Json> {
  const text = readFileSync(path, 'utf8');
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (e) {
    throw new Error(`secrets file ${path}: ${(e as Error).message}`, { cause: e });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`secrets file ${path}: must hold an object of name: value`);
  return value as Record<string, Json>;
}

/** The secrets an execution sees: only those its document declares in `use.secrets`,
 *  each by its name or its upper-snake environment spelling. An undeclared secret is
 *  not visible, so one workflow cannot read another's credentials by guessing a name. */
export function secretsFor(
  declared: readonly string[],
  known: Record<string, Json>,
): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const name of declared) {
    const v = known[name] ?? known[upperSnake(name)];
    if (v !== undefined) out[name] = v;
  }
  return out;
}
