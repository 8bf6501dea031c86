// Named prepared statements for the store's parameterized SQL. A parameterized query
// without a name is parsed and planned again on every call; the step's statements
// (lock the heads, lock the holders, insert events, update heads) measured 0.40-0.55 ms
// a round trip unnamed and 0.10-0.36 ms named, on the 2-core dev VM (one connection,
// 300 commits each, alternating; docs/benchmarks.md 2026-11-26). pg prepares a named
// statement once per connection and then only binds and executes it.
//
// Not named: statements whose result columns come from `*` (SELECT * / RETURNING *).
// A prepared statement whose result type changes under it fails with "cached plan must
// not change result type": a migration that adds a column, run by a newer process during
// a rolling upgrade, would break the older processes' `*` statements. Statements with
// explicit columns are re-planned by PostgreSQL after DDL without that error.
//
// Off (PostgresStoreOptions.preparedStatements: false) behind a pooler in transaction
// mode (PgBouncer before 1.21), where a connection's prepared statements are not ours.

import pg from 'pg';

const names = new Map<string, string>();
/** More distinct texts than the store has would mean dynamic SQL: those stay unnamed. */
const maxNames = 500;
const star = /\b(SELECT|RETURNING)\s+(DISTINCT\s+)?(\w+\.)?\*/i;

/** The statement's name, or undefined when it must not be prepared. */
export function statementName(text: string): string | undefined {
  let name = names.get(text);
  if (name !== undefined) return name;
  if (star.test(text) || names.size >= maxNames) return undefined;
  name = `weft_${names.size}`;
  names.set(text, name);
  return name;
}

type QueryArgs = Parameters<pg.Client['query']>;

/** pg.Client that sends `query(text, values[, callback])` as a named statement. */
export class PreparingClient extends pg.Client {
  // @ts-expect-error: one implementation for pg's overloads, which it passes through
  override query(...args: QueryArgs) {
    const [text, values, callback] = args as unknown[];
    if (typeof text === 'string' && Array.isArray(values)) {
      const name = statementName(text);
      if (name !== undefined) {
        const config = { name, text, values };
        return typeof callback === 'function'
          ? super.query(config, callback as never)
          : super.query(config);
      }
    }
    return (super.query as (...a: unknown[]) => unknown)(...args);
  }
}
