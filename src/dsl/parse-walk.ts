// The walk from yaml's node tree to plain JSON values, recording the line:col of
// every JSON pointer on the way, and enforcing maxNodes, maxAliasedValues and
// maxDepth. Aliases are expanded in place; one that refers to a value containing it
// is an error (it would expand forever).
import { isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { Diagnostic } from './diagnostic.js';
import { pointer } from './diagnostic.js';
import type { ParseLimits, Positions, SourcePosition } from './parse.js';

export class Walker {
  readonly positions: Positions = new Map();
  readonly diagnostics: Diagnostic[] = [];
  private nodes = 0;
  /** Values reached through aliases, and how many aliases we are inside of. */
  private aliased = 0;
  private inAlias = 0;
  private stopped = false;
  private readonly stack = new Set<unknown>();

  constructor(
    private readonly doc: Document.Parsed,
    private readonly at: (offset: number) => SourcePosition,
    private readonly limits: ParseLimits,
    private readonly tag: { document?: number },
  ) {}

  private fail(path: string, offset: number, message: string): undefined {
    this.diagnostics.push({ path, ...this.at(offset), message, ...this.tag });
    this.stopped = true;
    return undefined;
  }

  walk(node: unknown, path: string, depth: number, keyOffset?: number): unknown {
    if (this.stopped) return undefined;
    const n = node as YamlNode;
    const offset = n.range?.[0] ?? 0;
    if (!this.positions.has(path)) this.positions.set(path, this.at(keyOffset ?? offset));
    if (++this.nodes > this.limits.maxNodes) {
      return this.fail(
        path,
        offset,
        `document has more than ${this.limits.maxNodes} values; limit maxNodes`,
      );
    }
    if (this.inAlias > 0 && ++this.aliased > this.limits.maxAliasedValues) {
      return this.fail(
        path,
        offset,
        `YAML aliases expand to more than ${this.limits.maxAliasedValues} values (an alias bomb?); limit maxAliasedValues`,
      );
    }
    if (depth > this.limits.maxDepth) {
      return this.fail(
        path,
        offset,
        `document is nested deeper than ${this.limits.maxDepth} levels; limit maxDepth`,
      );
    }
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      if (!target) return this.fail(path, offset, `unknown YAML alias *${node.source}`);
      if (this.stack.has(target)) {
        return this.fail(
          path,
          offset,
          `YAML alias *${node.source} refers to a value that contains it`,
        );
      }
      this.inAlias++;
      const value = this.walk(target, path, depth, keyOffset);
      this.inAlias--;
      return value;
    }
    if (isScalar(node)) {
      const v = node.value;
      if (typeof v === 'number' && !Number.isFinite(v)) {
        return this.fail(path, offset, `${String(v)} is not a JSON number`);
      }
      if (typeof v === 'bigint') return Number(v);
      if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
        return v;
      }
      if (v === undefined) return null;
      return this.fail(path, offset, `unsupported YAML value (${typeof v})`);
    }
    if (isSeq(node)) {
      this.stack.add(node);
      const out = node.items.map((item, i) => this.walk(item, pointer(path, i), depth + 1));
      this.stack.delete(node);
      return out;
    }
    if (isMap(node)) {
      this.stack.add(node);
      const out: Record<string, unknown> = {};
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = pair.key;
        const keyStart = (key as YamlNode | null)?.range?.[0] ?? offset;
        if (key !== null && !isScalar(key)) {
          this.fail(path, keyStart, 'keys must be strings, not mappings or sequences');
          break;
        }
        const name = key === null ? '' : String(key.value);
        const childPath = pointer(path, name);
        let child: unknown = null;
        if (pair.value === null || pair.value === undefined) {
          this.positions.set(childPath, this.at(keyStart));
        } else {
          child = this.walk(pair.value, childPath, depth + 1, keyStart);
        }
        // Plain assignment would turn a "__proto__" key into a prototype change.
        Object.defineProperty(out, name, {
          value: child,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      this.stack.delete(node);
      return out;
    }
    return this.fail(path, offset, 'unsupported YAML node');
  }
}
