// JSON Schema validation for the core (workflow and task input/output/export schemas) with
// ajv's 2020-12 dialect. The DSL writes a schema as {format?, document} or
// {format?, resource}; only inline `document` JSON schemas are supported today: a
// `resource` schema is a configuration error at registration.
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Json } from '../history/events.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

/** The JSON Schema inside a DSL schema object (or the object itself when it is one). */
export function jsonSchemaOf(schema: Json): Json {
  if (schema !== null && typeof schema === 'object' && !Array.isArray(schema)) {
    if ('resource' in schema)
      throw new Error(
        "schemas by 'resource' are not supported yet; inline the schema as 'document'",
      );
    if ('document' in schema && schema.document !== undefined) {
      const format = schema.format;
      if (typeof format === 'string' && !/^json(:|$)/.test(format))
        throw new Error(`schema format '${format}' is not supported; use json`);
      return schema.document;
    }
  }
  return schema;
}

export type SchemaValidator = (schema: Json, value: Json) => string[] | null;

/** A validator with its own ajv instance and a cache of compiled schemas. */
export function createSchemaValidator(): SchemaValidator {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  const cache = new Map<string, ValidateFunction>();
  return (schema, value) => {
    const js = jsonSchemaOf(schema);
    const key = JSON.stringify(js);
    let validate = cache.get(key);
    if (!validate) {
      validate = ajv.compile(js as object);
      cache.set(key, validate);
    }
    if (validate(value)) return null;
    return (validate.errors ?? []).map(
      (e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`,
    );
  };
}
