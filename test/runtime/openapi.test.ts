import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Json } from '../../src/history/events.js';
import { DocumentLoader, callOpenApi } from '../../src/runtime/openapi/index.js';
import { ProblemError } from '../../src/runtime/problems.js';
import { type Petstore, startPetstore } from '../ctk/standins/petstore.js';

let petstore: Petstore;
let loader: DocumentLoader;
const docUrl = 'https://petstore.swagger.io/v2/swagger.json';

beforeAll(async () => {
  petstore = await startPetstore();
  loader = new DocumentLoader({ 'petstore.swagger.io': petstore.url });
});
afterAll(() => petstore.close());

function ctx() {
  return {
    input: {} as Json,
    hostMap: { 'petstore.swagger.io': petstore.url },
    secrets: {},
    loader,
  };
}

async function problemOf(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    if (e instanceof ProblemError) return e.problem;
    throw e;
  }
  throw new Error('expected the call to fault');
}

describe('call: openapi', () => {
  it('calls a Swagger 2 query operation through the host map', async () => {
    const out = (await callOpenApi(
      {
        document: { endpoint: docUrl },
        operationId: 'findPetsByStatus',
        parameters: { status: 'available' },
      },
      ctx(),
    )) as Json[];
    expect(out.map((p) => (p as { name: string }).name)).toEqual(['Rex', 'Tom']);
    expect(petstore.received.at(-1)!.url).toBe('/v2/pet/findByStatus?status=available');
  });

  it('fills a path parameter declared at path level through a $ref, with output: response', async () => {
    const out = (await callOpenApi(
      {
        document: { endpoint: docUrl },
        operationId: 'getPetById',
        parameters: { petId: 2 },
        output: 'response',
      },
      ctx(),
    )) as { [k: string]: any };
    expect(out.statusCode).toBe(200);
    expect(out.request.uri).toBe(`${petstore.url}/v2/pet/2`);
    expect(out.content.name).toBe('Tom');
  });

  it('sends the body parameter as JSON and header parameters as headers', async () => {
    const added = (await callOpenApi(
      {
        document: { endpoint: docUrl },
        operationId: 'addPet',
        parameters: { body: { id: 10, name: 'Milou', status: 'available' } },
      },
      ctx(),
    )) as { [k: string]: Json };
    expect(added.name).toBe('Milou');
    expect(petstore.received.at(-1)!.headers['content-type']).toBe('application/json');
    await callOpenApi(
      {
        document: { endpoint: docUrl },
        operationId: 'deletePet',
        parameters: { petId: 10, api_key: 'k1' },
      },
      ctx(),
    );
    expect(petstore.received.at(-1)!.method).toBe('DELETE');
    expect(petstore.received.at(-1)!.headers.api_key).toBe('k1');
  });

  it('fetches the document once per loader', async () => {
    const before = petstore.received.filter((r) => r.url.endsWith('swagger.json')).length;
    for (const petId of [1, 2]) {
      await callOpenApi(
        { document: { endpoint: docUrl }, operationId: 'getPetById', parameters: { petId } },
        ctx(),
      );
    }
    expect(petstore.received.filter((r) => r.url.endsWith('swagger.json')).length).toBe(before);
  });

  it('loads a YAML OpenAPI 3 document from a file and uses its servers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-openapi-'));
    const doc = {
      openapi: '3.0.3',
      info: { title: 't', version: '1' },
      servers: [
        { url: '{base}/v2', variables: { base: { default: 'https://petstore.swagger.io' } } },
      ],
      paths: {
        '/pet/{petId}': {
          get: {
            operationId: 'getPet',
            parameters: [{ name: 'petId', in: 'path', required: true }],
          },
        },
      },
    };
    writeFileSync(join(dir, 'api.yaml'), stringify(doc));
    const out = await callOpenApi(
      {
        document: { endpoint: join(dir, 'api.yaml') },
        operationId: 'getPet',
        parameters: { petId: 1 },
      },
      { ...ctx(), loader: new DocumentLoader(ctx().hostMap) },
    );
    expect(out).toMatchObject({ id: 1, name: 'Rex' });
    rmSync(dir, { recursive: true, force: true });
  });

  it('repeats an array query parameter declared multi, as the petstore declares status', async () => {
    await callOpenApi(
      {
        document: { endpoint: docUrl },
        operationId: 'findPetsByStatus',
        parameters: { status: ['available', 'sold'] },
      },
      ctx(),
    );
    expect(petstore.received.at(-1)!.url).toBe('/v2/pet/findByStatus?status=available&status=sold');
  });

  it('faults naming an operationId the document does not have', async () => {
    const p = await problemOf(
      callOpenApi({ document: { endpoint: docUrl }, operationId: 'nope', parameters: {} }, ctx()),
    );
    expect(p.type).toMatch(/configuration$/);
    expect(p.detail).toContain(
      "operation 'nope' is not in https://petstore.swagger.io/v2/swagger.json",
    );
  });

  it('faults naming a missing required parameter', async () => {
    const p = await problemOf(
      callOpenApi(
        { document: { endpoint: docUrl }, operationId: 'getPetById', parameters: {} },
        ctx(),
      ),
    );
    expect(p.detail).toContain("operation parameter 'petId' (in path) is required");
  });

  it('faults with the HTTP status when the operation answers 404', async () => {
    const p = await problemOf(
      callOpenApi(
        { document: { endpoint: docUrl }, operationId: 'getPetById', parameters: { petId: 999 } },
        ctx(),
      ),
    );
    expect(p.status).toBe(404);
    expect(p.detail).toContain('Pet not found');
  });

  it('faults with a configuration problem for a missing document file', async () => {
    const p = await problemOf(
      callOpenApi(
        { document: { endpoint: '/nonexistent/api.json' }, operationId: 'x', parameters: {} },
        { ...ctx(), loader: new DocumentLoader({}) },
      ),
    );
    expect(p.title).toBe('OpenAPI document not found');
    expect(p.detail).toContain('/nonexistent/api.json');
  });
});
