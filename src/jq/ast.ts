// The syntax tree of a jq program. `opt` marks a suffix written with `?` (`.a?`,
// `.[]?`): only that one indexing step is optional, errors of its target still count.
// Every node keeps the offset it starts at, for
// diagnostics and `$__loc__`.
import type { Json } from './api.js';

export type Pattern =
  | { kind: 'var'; name: string }
  | { kind: 'array'; items: Pattern[] }
  | { kind: 'object'; entries: { key: Node; keyVar?: string; value?: Pattern }[] };

export type StrPart = string | Node;

export type Node = { at: number } & (
  | { kind: 'identity' }
  | { kind: 'recurse' }
  | { kind: 'literal'; value: Json }
  | { kind: 'string'; parts: StrPart[]; format?: string }
  | { kind: 'format'; name: string }
  | { kind: 'field'; target: Node; name: string; opt?: boolean }
  | { kind: 'index'; target: Node; index: Node; opt?: boolean }
  | { kind: 'slice'; target: Node; from?: Node; to?: Node; opt?: boolean }
  | { kind: 'iterate'; target: Node; opt?: boolean }
  | { kind: 'try'; body: Node; handler?: Node }
  | { kind: 'array'; body?: Node }
  | { kind: 'object'; entries: { key: Node; value: Node }[] }
  | { kind: 'neg'; body: Node }
  | { kind: 'pipe'; left: Node; right: Node }
  | { kind: 'comma'; left: Node; right: Node }
  | { kind: 'binop'; op: string; left: Node; right: Node }
  | { kind: 'and'; left: Node; right: Node }
  | { kind: 'or'; left: Node; right: Node }
  | { kind: 'alt'; left: Node; right: Node }
  | { kind: 'assign'; op: string; left: Node; right: Node }
  | { kind: 'if'; cond: Node; then: Node; else?: Node }
  | { kind: 'reduce'; source: Node; pattern: Pattern; init: Node; update: Node }
  | {
      kind: 'foreach';
      source: Node;
      pattern: Pattern;
      init: Node;
      update: Node;
      extract?: Node;
    }
  | { kind: 'def'; name: string; params: string[]; body: Node; rest: Node }
  | { kind: 'call'; name: string; args: Node[] }
  | { kind: 'var'; name: string }
  | { kind: 'bind'; source: Node; patterns: Pattern[]; body: Node }
  | { kind: 'label'; name: string; body: Node }
  | { kind: 'break'; name: string }
  | { kind: 'loc'; line: number }
);
