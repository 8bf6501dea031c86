// Shared by the durable tests: a SQLite store in a temporary folder, engines on it, and a
// small workflow builder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { DurableEngine } from '../../src/runtime/durable/engine.js';
import type { DurableEngineOptions } from '../../src/runtime/durable/options.js';
import { openSqliteStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';

export interface Home {
  dir: string;
  path: string;
  open(): Store;
  remove(): void;
}

export function tempHome(prefix = 'weft-durable-'): Home {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const path = join(dir, 'weft.db');
  return {
    dir,
    path,
    open: () => openSqliteStore({ path, synchronous: 'NORMAL' }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function engineOn(
  store: Store,
  options: Omit<DurableEngineOptions, 'store'> = {},
): DurableEngine {
  return new DurableEngine({ store, env: {}, ...options });
}

/** A workflow document (YAML) with the given `do` list in JSON. */
export function doc(name: string, tasks: unknown[], version = '1.0.0'): string {
  return JSON.stringify({
    document: { dsl: '1.0.0', namespace: 'test', name, version },
    do: tasks,
  });
}

export function tick(ms = 0): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` every 10 ms until it holds; throws naming `what` after about 4 s. */
export async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await tick(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

export interface Opened {
  engine: DurableEngine;
  store: Store;
}

/**
 * The engines a test file opens (push them): after each test they are closed with their
 * stores, then the test's home is removed.
 */
export function closedAfterEach(home: () => Home | undefined): Opened[] {
  const opened: Opened[] = [];
  afterEach(async () => {
    for (const { engine, store } of opened.splice(0)) {
      await engine.close();
      await store.close();
    }
    home()?.remove();
  });
  return opened;
}
