import { describe, expect, it } from 'vitest';
import { applyHostMap, parseHostMap, resolveHostMap } from '../../src/runtime/hostmap.js';
import { secretsFor, secretsFromEnv, upperSnake } from '../../src/runtime/secrets.js';
import { ManualClock } from '../../src/runtime/clock.js';

describe('the host map', () => {
  it('parses WEFT_HOST_MAP entries and rewrites scheme, host and port, keeping path and query', () => {
    const map = parseHostMap(
      'petstore.swagger.io=http://127.0.0.1:8080, httpbin.org=http://127.0.0.1:9/base',
    );
    expect(applyHostMap(new URL('https://petstore.swagger.io/v2/pet/1?x=1'), map).href).toBe(
      'http://127.0.0.1:8080/v2/pet/1?x=1',
    );
    expect(applyHostMap(new URL('https://httpbin.org/get'), map).href).toBe(
      'http://127.0.0.1:9/base/get',
    );
    expect(applyHostMap(new URL('https://example.com/a'), map).href).toBe('https://example.com/a');
  });

  it('lets the engine option win over the environment variable', () => {
    const map = resolveHostMap(
      { 'a.example': 'http://127.0.0.1:2' },
      'a.example=http://127.0.0.1:1',
    );
    expect(map['a.example']).toBe('http://127.0.0.1:2');
  });

  it('rejects an entry that is not host=url, naming it', () => {
    expect(() => parseHostMap('petstore.swagger.io')).toThrow(
      /entry 'petstore.swagger.io' is not host=url/,
    );
    expect(() => parseHostMap('a=ftp://x')).toThrow(/must be http or https/);
    expect(() => parseHostMap('a=not a url')).toThrow(/'not a url' for 'a' is not a URL/);
  });
});

describe('secrets', () => {
  it('reads WEFT_SECRET_* variables, parsing JSON values', () => {
    expect(
      secretsFromEnv({
        WEFT_SECRET_TOKEN: 'abc',
        WEFT_SECRET_CREDS: '{"username":"u"}',
        OTHER: 'x',
      }),
    ).toEqual({
      TOKEN: 'abc',
      CREDS: { username: 'u' },
    });
  });

  it('resolves a declared name through its upper snake case spelling, and hides undeclared ones', () => {
    expect(upperSnake('petstoreToken')).toBe('PETSTORE_TOKEN');
    expect(
      secretsFor(['petstoreToken', 'missing'], { PETSTORE_TOKEN: 't', OTHER: 'hidden' }),
    ).toEqual({
      petstoreToken: 't',
    });
  });
});

describe('the manual clock', () => {
  it('fires due timers in due order and not before', () => {
    const clock = new ManualClock(100);
    const fired: string[] = [];
    clock.schedule(50, () => fired.push('b'));
    clock.schedule(10, () => fired.push('a'));
    const cancel = clock.schedule(20, () => fired.push('cancelled'));
    cancel();
    clock.advance(49);
    expect(fired).toEqual(['a']);
    clock.advance(1);
    expect(fired).toEqual(['a', 'b']);
    expect(clock.now()).toBe(150);
  });
});
