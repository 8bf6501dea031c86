// parseDocuments: YAML and JSON text -> values with line:col per JSON pointer, and
// clean diagnostics (never a crash or a hang) for hostile or broken input.
import { describe, expect, it } from 'vitest';
import { parseDocuments } from '../../src/dsl/parse.js';
import { loadWorkflows } from '../../src/dsl/index.js';

const WORKFLOW = `document:
  dsl: '1.0.3'
  namespace: test
  name: hello
  version: '1.0.0'
do:
  - greet:
      set:
        message: hello
`;

describe('parseDocuments', () => {
  it('keeps the line and column of every JSON pointer', () => {
    const { documents, diagnostics } = parseDocuments(WORKFLOW);
    expect(diagnostics).toEqual([]);
    const pos = documents[0]!.positions;
    expect(pos.get('/document/version')).toEqual({ line: 5, col: 3 });
    expect(pos.get('/do/0')).toEqual({ line: 7, col: 5 });
    expect(pos.get('/do/0/greet/set/message')).toEqual({ line: 9, col: 9 });
  });

  it('escapes ~ and / in pointer tokens (RFC 6901)', () => {
    const { documents } = parseDocuments('a/b:\n  c~d: 1\n');
    expect(documents[0]!.positions.get('/a~1b/c~0d')).toEqual({ line: 2, col: 3 });
  });

  it('returns every document of a multi-document YAML file, with its index', () => {
    const { documents, diagnostics } = parseDocuments(`a: 1\n---\nb: 2\n---\n`);
    expect(diagnostics).toEqual([]);
    expect(documents.map((d) => [d.index, d.value])).toEqual([
      [0, { a: 1 }],
      [1, { b: 2 }],
    ]);
    expect(documents[1]!.positions.get('/b')).toEqual({ line: 3, col: 1 });
  });

  it('ignores a byte order mark and reads CRLF line ends', () => {
    const json = parseDocuments('\uFEFF{"a": {"b": 1}}', { filename: 'w.json' });
    expect(json.diagnostics).toEqual([]);
    expect(json.documents[0]!.positions.get('/a/b')).toEqual({ line: 1, col: 8 });
    const crlf = parseDocuments('\uFEFFa: 1\r\nb:\r\n  c: 2\r\n');
    expect(crlf.documents[0]!.value).toEqual({ a: 1, b: { c: 2 } });
    expect(crlf.documents[0]!.positions.get('/b/c')).toEqual({ line: 3, col: 3 });
  });

  it('reads JSON with positions too', () => {
    const { documents } = parseDocuments('{\n  "do": [\n    {"a": {"set": {"x": 1}}}\n  ]\n}', {
      filename: 'w.json',
    });
    expect(documents[0]!.value).toEqual({ do: [{ a: { set: { x: 1 } } }] });
    expect(documents[0]!.positions.get('/do/0/a/set')).toEqual({ line: 3, col: 12 });
  });

  it('rejects JSON with a trailing comma, naming the line and column', () => {
    const { documents, diagnostics } = parseDocuments('{\n  "a": 1,\n}\n', { filename: 'w.json' });
    expect(documents).toEqual([]);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ line: 3, col: 1 });
    expect(diagnostics[0]!.message).toMatch(/^invalid JSON: /);
  });

  it('tells JSON from YAML by file name, else by the first character', () => {
    const flow = '{a: 1}';
    expect(parseDocuments(flow, { filename: 'w.yaml' }).diagnostics).toEqual([]);
    expect(parseDocuments(flow, { filename: 'w.json' }).diagnostics[0]!.message).toMatch(
      /^invalid JSON/,
    );
    expect(parseDocuments(flow, { filename: '<input>' }).diagnostics[0]!.message).toMatch(
      /^invalid JSON/,
    );
    expect(parseDocuments('a: 1', { filename: '<input>' }).diagnostics).toEqual([]);
  });

  it('reports malformed YAML with line:col', () => {
    const { documents, diagnostics } = parseDocuments('a: 1\nb: [1, 2\nc: 3\n');
    expect(documents).toEqual([]);
    expect(diagnostics[0]!.message).toMatch(/^invalid YAML: /);
    expect(diagnostics[0]!.line).toBeGreaterThanOrEqual(2);
  });

  it('rejects duplicate keys', () => {
    const { diagnostics } = parseDocuments('a: 1\na: 2\n');
    expect(diagnostics[0]).toMatchObject({ line: 2, col: 1 });
    expect(diagnostics[0]!.message).toContain('unique');
  });

  it('says an empty file is empty', () => {
    for (const text of ['', '   \n\n', '---\n']) {
      const { documents, diagnostics } = parseDocuments(text);
      expect(documents).toEqual([]);
      expect(diagnostics).toEqual([
        { path: '', line: 1, col: 1, message: 'file is empty; expected a workflow document' },
      ]);
    }
  });

  it('says binary garbage is binary', () => {
    const bytes = Array.from({ length: 4096 }, (_, i) => String.fromCharCode((i * 37) % 256));
    const { documents, diagnostics } = parseDocuments(bytes.join(''));
    expect(documents).toEqual([]);
    expect(diagnostics[0]!.message).toContain('binary');
  });

  it('rejects text over maxBytes before parsing it, with both sizes in the message', () => {
    const big = 'a: "' + 'x'.repeat(10 * 1024 * 1024) + '"\n';
    const { documents, diagnostics } = parseDocuments(big);
    expect(documents).toEqual([]);
    expect(diagnostics[0]!.message).toBe(
      'document is 10.0 MB; the maximum is 5.0 MB (limit maxBytes)',
    );
  });

  it('parses a large document when maxBytes allows it', () => {
    const tasks = Array.from({ length: 5000 }, (_, i) => `  - t${i}:\n      set:\n        x: ${i}`);
    const text = `document: {}\ndo:\n${tasks.join('\n')}\n`;
    const { documents } = parseDocuments(text, { limits: { maxBytes: 1024 * 1024 } });
    expect((documents[0]!.value as { do: unknown[] }).do).toHaveLength(5000);
    expect(documents[0]!.positions.get('/do/4999/t4999/set/x')).toEqual({ line: 15002, col: 9 });
  });

  it('stops a YAML alias bomb at maxAliasedValues', () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [prev, name] of ['ab', 'bc', 'cd', 'de', 'ef', 'fg', 'gh', 'hi']) {
      lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const { documents, diagnostics } = parseDocuments(lines.join('\n'));
    expect(documents).toEqual([]);
    expect(diagnostics[0]!.message).toBe(
      'YAML aliases expand to more than 10000 values (an alias bomb?); limit maxAliasedValues',
    );
  });

  it('expands ordinary aliases', () => {
    const { documents, diagnostics } = parseDocuments('base: &b {x: 1}\nuse: *b\n');
    expect(diagnostics).toEqual([]);
    expect(documents[0]!.value).toEqual({ base: { x: 1 }, use: { x: 1 } });
  });

  it('stops at maxNodes values in all', () => {
    const { diagnostics } = parseDocuments('[1, 2, 3, 4, 5]', { limits: { maxNodes: 4 } });
    expect(diagnostics[0]!.message).toBe('document has more than 4 values; limit maxNodes');
  });

  it('rejects an alias that refers to a value containing it', () => {
    const { diagnostics } = parseDocuments('a: &x\n  b: *x\n');
    expect(diagnostics).toHaveLength(1);
  });

  it('stops nesting deeper than maxDepth', () => {
    const deep = '['.repeat(300) + ']'.repeat(300);
    const { documents, diagnostics } = parseDocuments(deep);
    expect(documents).toEqual([]);
    expect(diagnostics[0]!.message).toBe(
      'document is nested deeper than 200 levels; limit maxDepth',
    );
  });

  it('turns nesting too deep for the YAML parser into a diagnostic', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const { diagnostics } = parseDocuments(deep);
    expect(diagnostics[0]!.message).toMatch(/nested too deeply|nested deeper/);
  });

  it('keeps a __proto__ key as data, not as a prototype', () => {
    const { documents } = parseDocuments('__proto__:\n  polluted: true\n');
    const value = documents[0]!.value as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });

  it('rejects values JSON cannot hold', () => {
    const { diagnostics } = parseDocuments('a: .inf\n');
    expect(diagnostics[0]).toMatchObject({ path: '/a', message: 'Infinity is not a JSON number' });
  });
});

describe('loadWorkflows', () => {
  it('returns the documents when there is no error', () => {
    const r = loadWorkflows(WORKFLOW);
    expect(r.diagnostics).toEqual([]);
    expect(r.documents[0]!.value.document.name).toBe('hello');
  });

  it('returns no document when any document of the file has an error', () => {
    const r = loadWorkflows(`${WORKFLOW}---\n${WORKFLOW.replace("'1.0.0'", "'1.0'")}`);
    expect(r.documents).toEqual([]);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ document: 1, path: '/document/version', line: 15 });
  });
});
