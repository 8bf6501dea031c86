// jq's date builtins as plain functions over JSON values, all in UTC and with no clock
// reads (`now` is the core's business: it comes from RunOptions.now).
//
// A broken-down time is jq's array [year, month 0-11, day of month 1-31, hours,
// minutes, seconds (may carry a fraction), day of week 0-6 (Sunday 0), day of year
// 0-365] -- note: the full year, not year-1900, exactly as jq prints it.
//
// Contract (each throws JqError with jq's message on bad input):
// - gmtime(t): seconds since the epoch -> broken-down time. `localtime` is the same
//   function (weft runs in UTC).
// - mktime(bt): broken-down time -> whole seconds since the epoch (timegm: fields out
//   of range are normalised, seconds are floored). Short arrays are padded with 0 (1.8).
// - strftime(v, fmt, name?): v a broken-down time or a number of seconds (gmtime'd
//   first); glibc's C-locale directives; %Z prints UTC, %z +0000. `name` is the
//   builtin named in errors ('strftime' or 'strflocaltime').
// - strptime(s, fmt): glibc-style parsing (whitespace in fmt matches any run of
//   whitespace; %z and %Z are read and ignored, as jq does) -> broken-down time with
//   day of week and day of year computed. Trailing whitespace is allowed.
// - todate(v) = strftime(v, "%Y-%m-%dT%H:%M:%SZ"); fromdate(s) = mktime(strptime(s,
//   same)). dateadd/datesub/date are jq's trivial definitions on top.
import { JqError } from '../api.js';
import type { Json } from '../api.js';

export const ISO8601 = '%Y-%m-%dT%H:%M:%SZ';

export function gmtime(t: Json): Json[] {
  if (typeof t !== 'number') throw new JqError('gmtime() requires numeric inputs');
  if (!Number.isFinite(t)) throw new JqError('gmtime() requires a valid time');
  const whole = Math.floor(t);
  const days = Math.floor(whole / 86400);
  const secs = whole - days * 86400;
  const [y, m, d] = civilFromDays(days);
  return [
    y,
    m - 1,
    d,
    Math.floor(secs / 3600),
    Math.floor((secs % 3600) / 60),
    (secs % 60) + (t - whole),
    (((days + 4) % 7) + 7) % 7,
    days - daysFromCivil(y, 1, 1),
  ];
}

export const localtime = gmtime;

const INT_MAX = 2147483647;
const INT_MIN = -2147483648;

/** jq's jv2tm: numbers only, truncated toward zero and clamped to C int like jq 1.8. */
export function brokenDownFields(bt: Json, message: string): number[] {
  if (!Array.isArray(bt)) throw new JqError(message);
  const out: number[] = [];
  for (let i = 0; i < 8; i++) {
    const v = bt[i];
    if (v === undefined) {
      out.push(i === 2 ? 0 : 0);
      continue;
    }
    if (typeof v !== 'number' || Number.isNaN(v)) throw new JqError(message);
    out.push(i === 5 ? v : Math.max(INT_MIN, Math.min(INT_MAX, Math.trunc(v))));
  }
  return out;
}

export function timegm(f: readonly number[]): number {
  const [year = 0, mon = 0, mday = 0, h = 0, mi = 0, s = 0] = f;
  const y = year + Math.floor(mon / 12);
  const m = ((mon % 12) + 12) % 12;
  const days = daysFromCivil(y, m + 1, 1) + mday - 1;
  return days * 86400 + h * 3600 + mi * 60 + Math.floor(s);
}

export function mktime(bt: Json): number {
  if (!Array.isArray(bt)) throw new JqError('mktime requires array inputs');
  const t = timegm(brokenDownFields(bt, 'mktime requires parsed datetime inputs'));
  if (!Number.isFinite(t)) throw new JqError('invalid gmtime representation');
  return t;
}

export function strftime(v: Json, fmt: Json, name = 'strftime'): string {
  if (typeof v === 'number') v = gmtime(v);
  if (!Array.isArray(v)) throw new JqError(`${name}/1 requires parsed datetime inputs`);
  if (typeof fmt !== 'string') throw new JqError(`${name}/1 requires a string format`);
  const f = brokenDownFields(v, `${name}/1 requires parsed datetime inputs`);
  return formatTime(f, fmt);
}

export function strflocaltime(v: Json, fmt: Json): string {
  return strftime(v, fmt, 'strflocaltime');
}

export function strptime(s: Json, fmt: Json): Json[] {
  if (typeof s !== 'string' || typeof fmt !== 'string') {
    throw new JqError('strptime/1 requires string inputs and arguments');
  }
  const f = fmt === ISO8601 ? (parseIso(s) ?? parseTime(s, fmt)) : parseTime(s, fmt);
  if (!f) throw new JqError(`date "${s}" does not match format "${fmt}"`);
  return f;
}

export function todate(v: Json): string {
  return strftime(v, ISO8601);
}

/** Digits of s from i to i+n as a number, or -1 when one is not a digit. */
function digits(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = i; k < i + n; k++) {
    const c = s.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

export function fromdate(s: Json): number {
  // Fast path, read by hand (a RegExp costs more than the rest): YYYY-MM-DDTHH:MM:SSZ
  // straight to seconds, no broken-down array in between. Anything else: strptime.
  if (
    typeof s === 'string' &&
    s.length === 20 &&
    s[4] === '-' &&
    s[7] === '-' &&
    s[10] === 'T' &&
    s[13] === ':' &&
    s[16] === ':' &&
    s[19] === 'Z'
  ) {
    const year = digits(s, 0, 4);
    const mon = digits(s, 5, 2) - 1;
    const mday = digits(s, 8, 2);
    const h = digits(s, 11, 2);
    const mi = digits(s, 14, 2);
    const sec = digits(s, 17, 2);
    if (year >= 0 && mon >= 0 && mon <= 11 && mday >= 1 && mday <= 31 && h >= 0 && h <= 23) {
      if (mi >= 0 && mi <= 59 && sec >= 0 && sec <= 61) {
        return (daysFromCivil(year, mon + 1, mday) * 24 + h) * 3600 + mi * 60 + sec;
      }
    }
  }
  return mktime(strptime(s, ISO8601));
}

/** jq: `def dateadd(u; n): .+n;` (the unit is ignored, as in jq). */
export function dateadd(v: Json, n: Json): Json {
  if (typeof v !== 'number' || typeof n !== 'number') {
    throw new JqError('dateadd requires numeric time and amount');
  }
  return v + n;
}

/** jq: `def datesub(u; n): .-n;` */
export function datesub(v: Json, n: Json): Json {
  if (typeof v !== 'number' || typeof n !== 'number') {
    throw new JqError('datesub requires numeric time and amount');
  }
  return v - n;
}

/** jq: `def date: todate;` */
export const date = todate;

// --- calendar arithmetic (proleptic Gregorian; Howard Hinnant's days_from_civil) ---

export function daysFromCivil(year: number, month: number, day: number): number {
  const y = year - (month <= 2 ? 1 : 0);
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

// --- strftime (glibc, C locale) ---

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

function pad(n: number, width: number, fill = '0'): string {
  const s = String(Math.abs(n)).padStart(width, fill);
  return n < 0 ? '-' + s : s;
}

/** ISO 8601 week-based year and week number (for %G %g %V). */
function isoWeek(year: number, yday: number, wday: number): [number, number] {
  const wdayMon = (wday + 6) % 7; // Monday 0
  const week = Math.floor((yday - wdayMon + 10) / 7);
  const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (week < 1) {
    const prev = year - 1;
    const prevDays = isLeap(prev) ? 366 : 365;
    return [prev, Math.floor((yday + prevDays - wdayMon + 10) / 7)];
  }
  const days = isLeap(year) ? 366 : 365;
  if (week === 53 && yday - wdayMon + 3 >= days) return [year + 1, 1];
  return [year, week];
}

export function formatTime(f: readonly number[], fmt: string): string {
  const [year = 0, mon = 0, mday = 0, h = 0, mi = 0, sRaw = 0, wdayIn = 0, ydayIn = 0] = f;
  const s = Math.floor(sRaw);
  const wday = ((wdayIn % 7) + 7) % 7;
  const yday = ydayIn;
  const monName = MONTHS[((mon % 12) + 12) % 12] ?? '?';
  const dayName = DAYS[wday] ?? '?';
  const h12 = h % 12 === 0 ? 12 : h % 12;
  const one = (c: string): string => {
    switch (c) {
      case 'a':
        return dayName.slice(0, 3);
      case 'A':
        return dayName;
      case 'b':
      case 'h':
        return monName.slice(0, 3);
      case 'B':
        return monName;
      case 'c':
        return formatTime(f, '%a %b %e %H:%M:%S %Y');
      case 'C':
        return pad(Math.floor(year / 100), 2);
      case 'd':
        return pad(mday, 2);
      case 'D':
      case 'x':
        return formatTime(f, '%m/%d/%y');
      case 'e':
        return pad(mday, 2, ' ');
      case 'F':
        return formatTime(f, '%Y-%m-%d');
      case 'g':
        return pad(((isoWeek(year, yday, wday)[0] % 100) + 100) % 100, 2);
      case 'G':
        return String(isoWeek(year, yday, wday)[0]);
      case 'H':
        return pad(h, 2);
      case 'I':
        return pad(h12, 2);
      case 'j':
        return pad(yday + 1, 3);
      case 'k':
        return pad(h, 2, ' ');
      case 'l':
        return pad(h12, 2, ' ');
      case 'm':
        return pad(mon + 1, 2);
      case 'M':
        return pad(mi, 2);
      case 'n':
        return '\n';
      case 'p':
        return h < 12 ? 'AM' : 'PM';
      case 'P':
        return h < 12 ? 'am' : 'pm';
      case 'r':
        return formatTime(f, '%I:%M:%S %p');
      case 'R':
        return formatTime(f, '%H:%M');
      case 's':
        return String(timegm(f));
      case 'S':
        return pad(s, 2);
      case 't':
        return '\t';
      case 'T':
      case 'X':
        return formatTime(f, '%H:%M:%S');
      case 'u':
        return String(wday === 0 ? 7 : wday);
      case 'U':
        return pad(Math.floor((yday + 7 - wday) / 7), 2);
      case 'V':
        return pad(isoWeek(year, yday, wday)[1], 2);
      case 'w':
        return String(wday);
      case 'W':
        return pad(Math.floor((yday + 7 - ((wday + 6) % 7)) / 7), 2);
      case 'y':
        return pad(((year % 100) + 100) % 100, 2);
      case 'Y':
        return String(year);
      case 'z':
        return '+0000';
      case 'Z':
        return 'UTC';
      case '%':
        return '%';
      default:
        return '%' + c; // glibc prints an unknown directive as it is
    }
  };
  let out = '';
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    if (c !== '%' || i + 1 >= fmt.length) {
      out += c;
      continue;
    }
    out += one(fmt[++i]!);
  }
  return out;
}

// --- strptime (glibc-like) ---

const ISO_RE = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z$/;

/** Fast path for fromdate's format (the common case); null defers to parseTime. */
function parseIso(s: string): number[] | null {
  const m = ISO_RE.exec(s);
  if (!m) return null;
  const year = +m[1]!;
  const mon = +m[2]! - 1;
  const mday = +m[3]!;
  const h = +m[4]!;
  const mi = +m[5]!;
  const sec = +m[6]!;
  if (mon > 11 || mday < 1 || mday > 31 || h > 23 || mi > 59 || sec > 61) return null;
  const days = daysFromCivil(year, mon + 1, mday);
  const wday = (((days + 4) % 7) + 7) % 7;
  return [year, mon, mday, h, mi, sec, wday, days - daysFromCivil(year, 1, 1)];
}

const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);

/** Parses s against fmt; null when it does not match. */
export function parseTime(s: string, fmt: string): number[] | null {
  let pos = 0;
  let year = 1900;
  let mon = 0;
  let mday = 1;
  let h = 0;
  let mi = 0;
  let sec = 0;
  let yday: number | undefined;
  let haveDate = false;
  let pm: boolean | undefined;
  let century: number | undefined;
  let yy: number | undefined;
  let epoch: number | undefined;

  const num = (maxDigits: number, lo: number, hi: number, signed = false): number | null => {
    while (s[pos] === ' ') pos++;
    let sign = 1;
    if (signed && (s[pos] === '-' || s[pos] === '+')) {
      sign = s[pos] === '-' ? -1 : 1;
      pos++;
    }
    const start = pos;
    while (pos - start < maxDigits && s[pos] !== undefined && s[pos]! >= '0' && s[pos]! <= '9')
      pos++;
    if (pos === start) return null;
    const n = sign * Number(s.slice(start, pos));
    return n < lo || n > hi ? null : n;
  };
  const name = (names: string[]): number | null => {
    const rest = s.slice(pos).toLowerCase();
    for (let i = 0; i < names.length; i++) {
      const full = names[i]!.toLowerCase();
      if (rest.startsWith(full)) {
        pos += full.length;
        return i;
      }
    }
    for (let i = 0; i < names.length; i++) {
      if (rest.startsWith(names[i]!.slice(0, 3).toLowerCase())) {
        pos += 3;
        return i;
      }
    }
    return null;
  };

  const directive = (c: string): boolean => {
    let n: number | null;
    switch (c) {
      case 'Y':
        if ((n = num(4, -9999, 9999, true)) === null) return false;
        year = n;
        haveDate = true;
        return true;
      case 'm':
        if ((n = num(2, 1, 12)) === null) return false;
        mon = n - 1;
        haveDate = true;
        return true;
      case 'd':
      case 'e':
        if ((n = num(2, 1, 31)) === null) return false;
        mday = n;
        haveDate = true;
        return true;
      case 'H':
      case 'k':
        if ((n = num(2, 0, 23)) === null) return false;
        h = n;
        return true;
      case 'I':
      case 'l':
        if ((n = num(2, 1, 12)) === null) return false;
        h = n % 12;
        return true;
      case 'M':
        if ((n = num(2, 0, 59)) === null) return false;
        mi = n;
        return true;
      case 'S':
        if ((n = num(2, 0, 61)) === null) return false;
        sec = n;
        return true;
      case 'j':
        if ((n = num(3, 1, 366)) === null) return false;
        yday = n - 1;
        return true;
      case 'y':
        if ((n = num(2, 0, 99)) === null) return false;
        yy = n;
        return true;
      case 'C':
        if ((n = num(2, 0, 99)) === null) return false;
        century = n;
        return true;
      case 'a':
      case 'A':
        return name(DAYS) !== null;
      case 'b':
      case 'B':
      case 'h':
        if ((n = name(MONTHS)) === null) return false;
        mon = n;
        haveDate = true;
        return true;
      case 'p':
      case 'P': {
        const r = s.slice(pos, pos + 2).toUpperCase();
        if (r !== 'AM' && r !== 'PM') return false;
        pm = r === 'PM';
        pos += 2;
        return true;
      }
      case 's': {
        const start = pos;
        if (s[pos] === '-') pos++;
        while (s[pos] !== undefined && s[pos]! >= '0' && s[pos]! <= '9') pos++;
        if (pos === start) return false;
        epoch = Number(s.slice(start, pos));
        return true;
      }
      case 'z': {
        if (s[pos] === 'Z') {
          pos++;
          return true;
        }
        const m = /^[+-]\d{2}(:?\d{2})?/.exec(s.slice(pos));
        if (!m) return false;
        pos += m[0].length;
        return true;
      }
      case 'Z':
        while (s[pos] !== undefined && !isSpace(s[pos])) pos++;
        return true;
      case 'n':
      case 't':
        while (isSpace(s[pos])) pos++;
        return true;
      case '%':
        return s[pos++] === '%';
      case 'T':
        return run('%H:%M:%S');
      case 'D':
        return run('%m/%d/%y');
      case 'F':
        return run('%Y-%m-%d');
      case 'R':
        return run('%H:%M');
      case 'r':
        return run('%I:%M:%S %p');
      case 'c':
        return run('%a %b %e %H:%M:%S %Y');
      default:
        return false;
    }
  };
  const run = (f: string): boolean => {
    for (let i = 0; i < f.length; i++) {
      const c = f[i]!;
      if (isSpace(c)) {
        while (isSpace(s[pos])) pos++;
      } else if (c === '%' && i + 1 < f.length) {
        if (!directive(f[++i]!)) return false;
      } else if (s[pos] === c) {
        pos++;
      } else {
        return false;
      }
    }
    return true;
  };

  if (!run(fmt)) return null;
  if (pos < s.length && !/^\s*$/.test(s.slice(pos))) return null;
  if (epoch !== undefined) return gmtime(epoch) as number[];
  if (yy !== undefined)
    year = century !== undefined ? century * 100 + yy : yy < 69 ? 2000 + yy : 1900 + yy;
  else if (century !== undefined) year = century * 100;
  if (pm !== undefined) h = (h % 12) + (pm ? 12 : 0);
  if (yday !== undefined && !haveDate) {
    const [, m, d] = civilFromDays(daysFromCivil(year, 1, 1) + yday);
    mon = m - 1;
    mday = d;
  }
  const days = daysFromCivil(year, mon + 1, mday);
  return [
    year,
    mon,
    mday,
    h,
    mi,
    sec,
    (((days + 4) % 7) + 7) % 7,
    days - daysFromCivil(year, 1, 1),
  ];
}
