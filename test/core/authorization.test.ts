// $authorization: {scheme, parameter} resolved from a call task's authentication policy,
// in its `with`, output.as and export.as (src/core/authorization.ts).
import { describe, expect, it } from 'vitest';
import type { Command } from '../../src/core/commands.js';
import { base64 } from '../../src/core/authorization.js';
import { commandsOf, runTasks } from './helpers/harness.js';

const call = (cmds: Command[]) => cmds.find((c) => c.type === 'ScheduleCall');

describe('$authorization', () => {
  it('is the bearer token of the call, resolved from $secrets, in with, output.as and export.as', () => {
    const run = runTasks(
      `
      - get:
          call: http
          with:
            method: get
            endpoint:
              uri: http://127.0.0.1/x
              authentication: {bearer: {token: '\${ $secrets.token }'}}
            headers: {x-scheme: '\${ $authorization.scheme }'}
          output: {as: '\${ {auth: $authorization} }'}
          export: {as: '\${ {scheme: $authorization.scheme} }'}
      - after: {set: '\${ {auth: .auth, context: $context, later: $authorization} }'}
    `,
      { ctx: { secrets: { token: 't0k' } } },
    );
    const scheduled = call(commandsOf(run));
    expect(scheduled && 'args' in scheduled ? scheduled.args : null).toMatchObject({
      headers: { 'x-scheme': 'Bearer' },
    });
    expect(run.execution.output).toEqual({
      auth: { scheme: 'Bearer', parameter: 't0k' },
      context: { scheme: 'Bearer' },
      later: null,
    });
  });

  it('is Basic with the base64 of username:password (UTF-8), from a named policy of use.authentications', () => {
    const run = runTasks(
      `
      - get:
          call: http
          with:
            method: get
            endpoint: {uri: http://127.0.0.1/x, authentication: {use: mine}}
          output: {as: '\${ $authorization }'}
    `,
      {},
      `use:\n  authentications:\n    mine: {basic: {username: ana, password: 'pässword'}}\n`,
    );
    expect(run.execution.output).toEqual({
      scheme: 'Basic',
      parameter: Buffer.from('ana:pässword', 'utf8').toString('base64'),
    });
  });

  it('takes basic and bearer credentials from a secret named by use, as the runtime does', () => {
    const run = runTasks(
      `
      - a:
          call: http
          with:
            method: get
            endpoint: {uri: http://127.0.0.1/x, authentication: {basic: {use: login}}}
          output: {as: '\${ $authorization }'}
      - b:
          call: http
          with:
            method: get
            endpoint: {uri: http://127.0.0.1/x, authentication: {bearer: {use: tok}}}
          output: {as: '\${ [$task.input, $authorization] }'}
    `,
      { ctx: { secrets: { login: { username: 'u', password: 'p' }, tok: 'plain-token' } } },
    );
    expect(run.execution.output).toEqual([
      { scheme: 'Basic', parameter: Buffer.from('u:p').toString('base64') },
      { scheme: 'Bearer', parameter: 'plain-token' },
    ]);
  });

  it('is found at with.authentication for openapi calls', () => {
    const run = runTasks(`
      - op:
          call: openapi
          with:
            document: {endpoint: http://127.0.0.1/openapi.json}
            operationId: getPet
            authentication: {bearer: {token: abc}}
          output: {as: '\${ $authorization.parameter }'}
    `);
    expect(run.execution.output).toBe('abc');
  });

  it('is null for oauth2 (the token exists only in the runtime) and for tasks without authentication', () => {
    const run = runTasks(`
      - op:
          call: http
          with:
            method: get
            endpoint:
              uri: http://127.0.0.1/x
              authentication:
                oauth2:
                  authority: http://127.0.0.1/auth
                  grant: client_credentials
                  client: {id: a, secret: b}
          output: {as: '\${ {a: $authorization} }'}
      - plain: {set: '\${ .a == null and $authorization == null }'}
    `);
    expect(run.execution.output).toBe(true);
  });

  it('encodes base64 as RFC 4648 with padding', () => {
    for (const s of ['', 'f', 'fo', 'foo', 'foob', 'fooba', 'foobar', 'é€😀']) {
      expect(base64(s)).toBe(Buffer.from(s, 'utf8').toString('base64'));
    }
  });
});
