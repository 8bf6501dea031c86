// Loads OpenAPI/Swagger documents for `call: openapi`, from http(s) (through the host map)
// or from a file (a path or file:// URL), as JSON or YAML. Each engine has one loader,
// which caches documents by resolved location: a document is fetched once per engine.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { Json } from '../../history/events.js';
import { type HostMap, applyHostMap } from '../hostmap.js';
import { ProblemError, problem } from '../problems.js';

export interface LoadedDocument {
  /** Where the document came from (before the host map): base of relative server URLs. */
  location: URL;
  spec: { [k: string]: Json };
}

function parseText(text: string, where: string): { [k: string]: Json } {
  let value: unknown;
  try {
    value = text.trimStart().startsWith('{') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new ProblemError(
      problem('configuration', 'Unreadable OpenAPI document', `${where}: ${(e as Error).message}`),
      false,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ProblemError(
      problem('configuration', 'Unreadable OpenAPI document', `${where}: not an object`),
      false,
    );
  return value as { [k: string]: Json };
}

export class DocumentLoader {
  private readonly cache = new Map<string, Promise<LoadedDocument>>();

  constructor(
    private readonly hostMap: HostMap,
    private readonly baseDir: string = process.cwd(),
  ) {}

  load(endpoint: string, signal?: AbortSignal, authorization?: string): Promise<LoadedDocument> {
    const location =
      /^[a-z][a-z0-9+.-]*:/i.test(endpoint) && !/^[a-z]:\\/i.test(endpoint)
        ? new URL(endpoint)
        : new URL(endpoint, `file://${this.baseDir.replace(/\/?$/, '/')}`);
    const key = location.href;
    let p = this.cache.get(key);
    if (!p) {
      p = this.fetchDocument(location, signal, authorization);
      this.cache.set(key, p);
      // a failed load is not cached: the next call tries again
      p.catch(() => this.cache.delete(key));
    }
    return p;
  }

  private async fetchDocument(
    location: URL,
    signal?: AbortSignal,
    authorization?: string,
  ): Promise<LoadedDocument> {
    if (location.protocol === 'file:') {
      const path = fileURLToPath(location);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        throw new ProblemError(
          problem(
            'configuration',
            'OpenAPI document not found',
            `${path}: ${(e as Error).message}`,
          ),
          false,
        );
      }
      return { location, spec: parseText(text, path) };
    }
    if (location.protocol !== 'http:' && location.protocol !== 'https:')
      throw new ProblemError(
        problem('configuration', 'Unsupported OpenAPI document location', location.href),
        false,
      );
    const url = applyHostMap(location, this.hostMap);
    let res: Response;
    try {
      res = await fetch(url, {
        signal,
        headers: {
          accept: 'application/json, application/yaml, */*',
          ...(authorization ? { authorization } : {}),
        },
      });
    } catch (e) {
      if (signal?.aborted) throw e;
      const cause = (e as { cause?: { code?: string } }).cause;
      throw new ProblemError(
        problem(
          'communication',
          'OpenAPI document unreachable',
          `${location.href}: ${cause?.code ?? (e as Error).message}`,
        ),
      );
    }
    const text = await res.text();
    if (!res.ok)
      throw new ProblemError(
        problem(
          'communication',
          'OpenAPI document unreachable',
          `${location.href} answered ${res.status}`,
          { status: res.status },
        ),
      );
    return { location, spec: parseText(text, location.href) };
  }
}
