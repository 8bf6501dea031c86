import { beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../../../src/jq/api.js';
import { JqError } from '../../../src/jq/api.js';
import * as d from '../../../src/jq/builtins/dates.js';
import { Rng } from '../gen/random.js';
import { loadJqWeb, runJqWeb } from '../support/engine.js';

let jq: Awaited<ReturnType<typeof loadJqWeb>>;
beforeAll(async () => {
  jq = await loadJqWeb();
});

function jqLines(filter: string, input: Json): string[] {
  const r = runJqWeb(jq, filter, JSON.stringify(input));
  if (!r.ok) throw new Error(r.stderr);
  return r.stdout.trim().split('\n');
}

// Times from 1900 to 2100, and some around leap days and year ends.
const rng = new Rng(3);
const TIMES = [
  0,
  -1,
  951782400, // 2000-02-29
  1704067199, // 2023-12-31T23:59:59Z
  1709164800, // 2024-02-29
  -2208988800, // 1900-01-01
  ...Array.from({ length: 200 }, () => Math.floor(rng.next() * 6.3e9) - 2.2e9),
];

// Everything glibc has but %k %l %Z: the WebAssembly jq cannot format those
// ("unknown system failure"); %Z is UTC in weft, %k/%l are checked below.
const FORMAT =
  '%a %A %b %B %c %C %d %D %e %F %g %G %h %H %I %j %m %M %n %p %r %R %s %S %t %T %u %U %V %w %W %x %X %y %Y %z %%';

describe('dates.ts against jq 1.7.1', () => {
  it('gmtime agrees on 206 times from 1900 to 2100', () => {
    const expected = jqLines('.[] | gmtime', TIMES).map((l) => JSON.parse(l) as Json);
    expect(TIMES.map(d.gmtime)).toEqual(expected);
  });

  it('strftime agrees on every directive the reference can format', () => {
    const expected = jqLines(`.[] | strftime(${JSON.stringify(FORMAT)})`, TIMES);
    expect(TIMES.map((t) => JSON.stringify(d.strftime(t, FORMAT)))).toEqual(expected);
  });

  it('mktime inverts gmtime, and todate/fromdate round-trip', () => {
    for (const t of TIMES) {
      expect(d.mktime(d.gmtime(t))).toBe(t);
      expect(d.fromdate(d.todate(t))).toBe(t);
    }
  });

  // Not compared: a format without a date ('%T'). The reference's libc starts from
  // 1970-01-01, glibc from a zeroed struct tm; weft starts from 1900-01-01.
  it('strptime agrees on several formats', () => {
    const cases: [string, string][] = [
      ['2015-03-05T23:51:47Z', '%Y-%m-%dT%H:%M:%SZ'],
      ['10 March 2015', '%d %B %Y'],
      ['Thursday, Mar 5 2015 11:51:47 PM', '%A, %b %d %Y %I:%M:%S %p'],
      ['05/03/15 23:51', '%d/%m/%y %H:%M'],
      ['1999-12-31 23:59:59 +0100', '%Y-%m-%d %H:%M:%S %z'],
      ['2024-02-29', '%F'],
    ];
    for (const [s, fmt] of cases) {
      const [expected] = jqLines(`strptime(${JSON.stringify(fmt)})`, s);
      expect(JSON.stringify(d.strptime(s, fmt)), `${s} / ${fmt}`).toBe(expected);
    }
  });
});

describe('dates.ts', () => {
  it('formats %k %l %Z and %z in UTC', () => {
    expect(d.strftime(1425599507, '%k|%l|%Z|%z')).toBe('23|11|UTC|+0000');
    expect(d.strftime(0, '%k|%l')).toBe(' 0|12');
  });

  it('keeps the fraction of the seconds in gmtime and drops it in mktime and strftime', () => {
    expect(d.gmtime(1425599507.25)).toEqual([2015, 2, 5, 23, 51, 47.25, 4, 63]);
    expect(d.mktime([2015, 2, 5, 23, 51, 47.9, 4, 63])).toBe(1425599507);
    expect(d.todate(1425599507.9)).toBe('2015-03-05T23:51:47Z');
  });

  it('normalises fields out of range as timegm does, and pads short arrays (jq 1.8)', () => {
    expect(d.mktime([2015, 14, 40, 23, 51, 47, 0, 0])).toBe(1460245907);
    expect(d.mktime([2024, 8, 21])).toBe(1726876800);
    expect(d.strftime([2024, 2, 15], '%Y-%m-%dT%H:%M:%SZ')).toBe('2024-03-15T00:00:00Z');
  });

  it('fails with jq messages on bad input', () => {
    const cases: [() => unknown, string][] = [
      [() => d.gmtime('x'), 'gmtime() requires numeric inputs'],
      [() => d.mktime('x'), 'mktime requires array inputs'],
      [() => d.mktime(['a', 1, 2, 3, 4, 5, 6, 7]), 'mktime requires parsed datetime inputs'],
      [() => d.strftime(['a', 1], '%Y'), 'strftime/1 requires parsed datetime inputs'],
      [() => d.strftime(0, []), 'strftime/1 requires a string format'],
      [() => d.strflocaltime(0, {}), 'strflocaltime/1 requires a string format'],
      [() => d.strptime(5, '%Y'), 'strptime/1 requires string inputs and arguments'],
      [() => d.strptime('x', '%Y'), 'date "x" does not match format "%Y"'],
      [() => d.fromdate('2015-03-05T23:51:47.123Z'), 'does not match format "%Y-%m-%dT%H:%M:%SZ"'],
    ];
    for (const [f, message] of cases) {
      expect(f).toThrow(JqError);
      expect(f).toThrow(message);
    }
  });
});
