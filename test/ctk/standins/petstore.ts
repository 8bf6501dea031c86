// A stand-in for https://petstore.swagger.io on 127.0.0.1: its Swagger 2 document (the
// operations the CTK and the examples use) and an in-memory pet store behind it.
import { type TestServer, json, startServer } from '../../runtime/helpers/server.js';

interface Pet {
  id: number;
  name: string;
  status: string;
  category?: { id: number; name: string };
  photoUrls: string[];
  tags: { id: number; name: string }[];
}

const petSchema = {
  type: 'object',
  required: ['name', 'photoUrls'],
  properties: {
    id: { type: 'integer', format: 'int64' },
    name: { type: 'string' },
    status: { type: 'string', enum: ['available', 'pending', 'sold'] },
  },
};

export const swagger = {
  swagger: '2.0',
  info: { title: 'Swagger Petstore (weft stand-in)', version: '1.0.7' },
  host: 'petstore.swagger.io',
  basePath: '/v2',
  schemes: ['https', 'http'],
  paths: {
    '/pet': {
      post: {
        operationId: 'addPet',
        consumes: ['application/json', 'application/xml'],
        produces: ['application/json'],
        parameters: [
          { in: 'body', name: 'body', required: true, schema: { $ref: '#/definitions/Pet' } },
        ],
        responses: { '200': { description: 'ok' } },
      },
      put: {
        operationId: 'updatePet',
        consumes: ['application/json'],
        parameters: [
          { in: 'body', name: 'body', required: true, schema: { $ref: '#/definitions/Pet' } },
        ],
        responses: { '200': { description: 'ok' } },
      },
    },
    '/pet/findByStatus': {
      get: {
        operationId: 'findPetsByStatus',
        produces: ['application/json'],
        parameters: [
          {
            name: 'status',
            in: 'query',
            required: true,
            type: 'array',
            items: { type: 'string' },
            collectionFormat: 'multi',
          },
        ],
        responses: { '200': { description: 'ok' } },
      },
    },
    '/pet/{petId}': {
      parameters: [{ $ref: '#/parameters/petId' }],
      get: {
        operationId: 'getPetById',
        produces: ['application/json'],
        responses: { '200': { description: 'ok' } },
      },
      delete: {
        operationId: 'deletePet',
        parameters: [{ name: 'api_key', in: 'header', required: false, type: 'string' }],
        responses: { '200': { description: 'ok' } },
      },
    },
  },
  parameters: {
    petId: { name: 'petId', in: 'path', required: true, type: 'integer', format: 'int64' },
  },
  definitions: { Pet: petSchema },
};

export function initialPets(): Pet[] {
  return [
    {
      id: 1,
      name: 'Rex',
      status: 'available',
      category: { id: 1, name: 'dogs' },
      photoUrls: [],
      tags: [],
    },
    {
      id: 2,
      name: 'Tom',
      status: 'available',
      category: { id: 2, name: 'cats' },
      photoUrls: [],
      tags: [],
    },
    { id: 3, name: 'Nemo', status: 'sold', photoUrls: [], tags: [] },
    { id: 4, name: 'Polly', status: 'pending', photoUrls: [], tags: [] },
  ];
}

export interface Petstore extends TestServer {
  pets: Pet[];
}

export async function startPetstore(): Promise<Petstore> {
  const pets = initialPets();
  const server = await startServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    // like the real service, a trailing slash names the same resource (/v2/pet/ is /v2/pet)
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/$/, '') : url.pathname;
    if (req.method === 'GET' && path === '/v2/swagger.json') return json(res, 200, swagger);
    if (req.method === 'GET' && path === '/v2/pet/findByStatus') {
      const wanted = url.searchParams.getAll('status').flatMap((s) => s.split(','));
      return json(
        res,
        200,
        pets.filter((p) => wanted.includes(p.status)),
      );
    }
    if ((req.method === 'POST' || req.method === 'PUT') && path === '/v2/pet') {
      let pet: Pet;
      try {
        pet = JSON.parse(req.body) as Pet;
      } catch {
        return json(res, 405, { code: 405, type: 'unknown', message: 'Invalid input' });
      }
      pet.id ??= Math.max(0, ...pets.map((p) => p.id)) + 1;
      pet.photoUrls ??= [];
      pet.tags ??= [];
      const at = pets.findIndex((p) => p.id === pet.id);
      if (at >= 0) pets[at] = pet;
      else pets.push(pet);
      return json(res, 200, pet);
    }
    const m = /^\/v2\/pet\/(\d+)$/.exec(path);
    if (m) {
      const id = Number(m[1]);
      const at = pets.findIndex((p) => p.id === id);
      if (at < 0) return json(res, 404, { code: 1, type: 'error', message: 'Pet not found' });
      if (req.method === 'DELETE') {
        pets.splice(at, 1);
        return json(res, 200, { code: 200, type: 'unknown', message: String(id) });
      }
      return json(res, 200, pets[at]);
    }
    return json(res, 404, {
      code: 404,
      type: 'unknown',
      message: 'java.lang.NumberFormatException',
    });
  });
  return Object.assign(server, { pets });
}
