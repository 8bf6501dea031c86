// The validator's working state: the diagnostics found so far, the positions of the
// parsed text, the options, and the small type checks every part of the validator
// uses so that messages read the same everywhere:
//   "'document.version' must be a semantic version like 1.0.0, got '1.0'"
//   "missing required property 'do'"
//   "unknown property 'methd' in 'with'; did you mean 'method'?"
import type { Diagnostic, Severity } from './diagnostic.js';
import type { Positions, SourcePosition } from './parse.js';
import { didYouMean } from './suggest.js';

export interface ValidateOptions {
  /** Reject every weft extension (`weft validate --strict`). */
  strict?: boolean;
  /**
   * Report features weft cannot run yet (run: script/shell/container, call: grpc/
   * asyncapi/a2a/mcp) as errors; by default they are warnings. Registration and
   * `weft run` set this.
   */
  supportedOnly?: boolean;
}

/** Where a check happens: the label used in messages, e.g. 'with.endpoint'. */
export type Check = (value: unknown, path: string, name: string) => void;

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** 'a string', 'a number (3)', 'an array', 'null', ... for "got ..." in messages. */
export function describe(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') {
    // One line, short: a diagnostic is printed as one `file:line:col: message` line.
    const text = v.length > 60 ? v.slice(0, 57) + '...' : v;
    return `'${text.replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}'`;
  }
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'boolean') return `${v}`;
  return typeof v;
}

/** Joins a label and a key: ('with', 'endpoint') -> 'with.endpoint'. */
export function sub(name: string, key: string | number): string {
  if (typeof key === 'number') return `${name}[${key}]`;
  return name === '' ? key : `${name}.${key}`;
}

export interface ObjectSpec {
  /** Known properties and the check of each value. */
  props: Record<string, Check>;
  required?: readonly string[];
  /** weft extension properties: allowed unless strict. */
  extensions?: Record<string, Check>;
  /** Other properties are allowed (schema `additionalProperties: true`). */
  open?: boolean;
  /** Messages for known properties in the wrong place (e.g. `cache` on a set task). */
  misplaced?: Record<string, string>;
  /** A check of the whole mapping after its properties (combinations of fields). */
  then?: (v: JsonObject, path: string, name: string) => void;
}

export class Context {
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    readonly positions: Positions | undefined,
    readonly options: ValidateOptions,
  ) {}

  /** Position of a pointer, or of its nearest ancestor the parser saw. */
  positionOf(path: string): SourcePosition {
    let p = path;
    for (;;) {
      const pos = this.positions?.get(p);
      if (pos) return pos;
      if (p === '') return { line: 1, col: 1 };
      p = p.slice(0, p.lastIndexOf('/'));
    }
  }

  report(path: string, message: string, severity?: Severity): void {
    // Values quoted in messages may hold line breaks; a diagnostic stays one line.
    const oneLine = message.replace(/\r/g, '\\r').replace(/\n/g, '\\n');
    const d: Diagnostic = { path, ...this.positionOf(path), message: oneLine };
    if (severity === 'warning') d.severity = 'warning';
    this.diagnostics.push(d);
  }

  /** Reports a weft extension under --strict; returns whether it is allowed. */
  extension(path: string, name: string): boolean {
    if (!this.options.strict) return true;
    this.report(path, `'${name}' is a weft extension; not allowed with --strict`);
    return false;
  }

  /**
   * A feature weft cannot run yet: an error with supportedOnly (registration, `weft
   * run`), a warning otherwise (the document is valid DSL).
   */
  unsupported(path: string, what: string): void {
    this.report(
      path,
      `${what} is not supported yet by weft`,
      this.options.supportedOnly ? 'error' : 'warning',
    );
  }

  expectObject(v: unknown, path: string, name: string): v is JsonObject {
    if (isObject(v)) return true;
    this.report(path, `'${name}' must be a mapping, got ${describe(v)}`);
    return false;
  }

  /** Checks a mapping's properties against a spec; returns false when not a mapping. */
  object(v: unknown, path: string, name: string, spec: ObjectSpec): v is JsonObject {
    if (!this.expectObject(v, path, name)) return false;
    for (const key of spec.required ?? []) {
      if (!(key in v)) {
        this.report(
          path,
          name === ''
            ? `missing required property '${key}'`
            : `missing required property '${key}' in '${name}'`,
        );
      }
    }
    for (const [key, value] of Object.entries(v)) {
      const path2 = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      const check = spec.props[key];
      if (check) {
        check(value, path2, sub(name, key));
        continue;
      }
      const ext = spec.extensions?.[key];
      if (ext) {
        if (this.extension(path2, sub(name, key))) ext(value, path2, sub(name, key));
        continue;
      }
      if (spec.open) continue;
      const misplaced = spec.misplaced?.[key];
      if (misplaced !== undefined) {
        this.report(path2, misplaced);
        continue;
      }
      const known = [...Object.keys(spec.props), ...Object.keys(spec.extensions ?? {})];
      const hint = didYouMean(key, known);
      const where = name === '' ? 'at the top level of the workflow' : `in '${name}'`;
      this.report(path2, `unknown property '${key}' ${where}${hint}`);
    }
    spec.then?.(v, path, name);
    return true;
  }

  string(v: unknown, path: string, name: string): v is string {
    if (typeof v === 'string') return true;
    this.report(path, `'${name}' must be a string, got ${describe(v)}`);
    return false;
  }

  boolean(v: unknown, path: string, name: string): v is boolean {
    if (typeof v === 'boolean') return true;
    this.report(path, `'${name}' must be true or false, got ${describe(v)}`);
    return false;
  }

  integer(v: unknown, path: string, name: string, min?: number, max?: number): v is number {
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      this.report(path, `'${name}' must be an integer, got ${describe(v)}`);
      return false;
    }
    if ((min !== undefined && v < min) || (max !== undefined && v > max)) {
      const range =
        max === undefined
          ? `at least ${min}`
          : min === undefined
            ? `at most ${max}`
            : `${min}..${max}`;
      this.report(path, `'${name}' must be ${range}, got ${v}`);
      return false;
    }
    return true;
  }

  oneOf(v: unknown, path: string, name: string, allowed: readonly string[]): boolean {
    if (typeof v === 'string' && allowed.includes(v)) return true;
    const hint = typeof v === 'string' ? didYouMean(v, allowed) : '';
    this.report(path, `'${name}' must be one of ${allowed.join(', ')}, got ${describe(v)}${hint}`);
    return false;
  }

  stringList(v: unknown, path: string, name: string): void {
    if (!Array.isArray(v)) {
      this.report(path, `'${name}' must be a list of strings, got ${describe(v)}`);
      return;
    }
    v.forEach((item, i) => this.string(item, `${path}/${i}`, sub(name, i)));
  }

  stringMap(v: unknown, path: string, name: string): void {
    if (!this.expectObject(v, path, name)) return;
    for (const [k, item] of Object.entries(v)) this.string(item, `${path}/${k}`, sub(name, k));
  }
}
