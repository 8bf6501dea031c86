// Every response a test receives through `call` is checked against the server's own
// OpenAPI document: the route must be in it, the status declared, and a JSON body must
// match the declared schema. Checked responses are counted per operation, so
// openapi.test.ts can tell which routes the run exercised.
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { expect } from 'vitest';

type Doc = {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>
  >;
};

let doc: Doc | undefined;
let ajv: Ajv2020 | undefined;
export const seen = new Map<string, Set<number>>();
const compiled = new Map<string, ValidateFunction>();

async function load(api: string): Promise<void> {
  if (doc) return;
  doc = (await (await fetch(`${api}/openapi.json`)).json()) as Doc;
  ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema(doc as object, 'openapi');
}

function match(path: string): string | undefined {
  for (const template of Object.keys(doc!.paths)) {
    const re = new RegExp('^' + template.replace(/\{[^}]+\}/g, '[^/]+') + '$');
    if (re.test(path)) return template;
  }
  return undefined;
}

/** fetch, then check the response against the OpenAPI document. */
export async function call(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const u = new URL(url);
  const api = u.origin + '/api/v1';
  await load(api);
  const res = await fetch(url, init);
  const text = await res.text();
  const type = (res.headers.get('content-type') ?? '').split(';')[0]!;
  const body = text === '' ? undefined : type.includes('json') ? JSON.parse(text) : text;
  const path = u.pathname.slice('/api/v1'.length);
  const template = match(path);
  const method = (init.method ?? 'GET').toLowerCase();
  const op = template === undefined ? undefined : doc!.paths[template]![method];
  if (op) {
    const declared = op.responses[String(res.status)];
    expect(declared, `${method} ${template} declares ${res.status}`).toBeDefined();
    const schema = declared?.content?.[type]?.schema;
    if (body !== undefined) {
      expect(schema, `${method} ${template} ${res.status} declares ${type}`).toBeDefined();
      const ref = `openapi#/paths/${pointer(template!)}/${method}/responses/${res.status}/content/${pointer(type)}/schema`;
      let validate = compiled.get(ref);
      if (!validate) compiled.set(ref, (validate = ajv!.compile({ $ref: ref })));
      expect(validate(body) ? [] : validate.errors, `${method} ${template} ${res.status}`).toEqual(
        [],
      );
    }
    const key = `${method} ${template}`;
    if (!seen.has(key)) seen.set(key, new Set());
    seen.get(key)!.add(res.status);
  } else {
    // unknown routes answer 404 problems
    expect(res.status).toBe(404);
    expect(type).toBe('application/problem+json');
  }
  return { status: res.status, body, headers: res.headers };
}

function pointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

export const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});
