// Random jq programs for the differential test, built from workflow-typical pieces
// (field access, map/select, reduce, interpolation, object construction, `//`, regex,
// dates, paths and assignment, formats) combined to a bounded depth. Generation is
// loosely typed: each piece asks for a number, string, boolean, array or object, but
// the document may not oblige, so a fair share of programs end in a jq error (which
// weft must reproduce). A few programs are deliberately invalid (compile errors).
//
// Left out on purpose, because jq 1.7.1 (the reference) and jq 1.8 (weft's target)
// differ there, or because the reference build cannot do it: number literals whose
// text jq 1.7 preserves (1.0, huge integers), transcendental math (libm vs V8 last
// bits), regexes that match empty strings next to non-ASCII text (a jq 1.7 bug),
// implode of invalid codepoints (jq 1.7 aborts), %Z/%z/%c in strftime (the wasm build
// fails), 1.8-only builtins (trim, abs, toarray, have_decnum), ltrimstr/rtrimstr on
// non-strings (1.7 returns the input, 1.8 errors), error messages (1.8 writes
// `string ("a")` where 1.7 writes `string "a"`, so `catch` keeps only the type),
// reverse on strings (1.8 reverses them, 1.7 gives []), lowercase `t`/`z` in dates
// (the reference's libc accepts them, glibc does not: dates are upper-cased first), and
// `?` right after a parenthesised term where jq 1.7 wants a term (`(x)? as $v`,
// `{a: (x)?}`: a syntax error there), so `(x)?` is always parenthesised again;
// `last(empty)` (null in 1.7, nothing in 1.8: jq PR #3179), the sign of a zero
// remainder of a negative dividend, and sqrt of negatives (NaN dates).
import { edgeNodes } from './edges.js';
import type { Rng } from './random.js';

type Kind = 'num' | 'str' | 'bool' | 'arr' | 'obj' | 'any';
type Gen = (rng: Rng, d: number) => string;

const NUM_LIT = ['0', '1', '2', '3', '10', '0.5', '2.5', '100', '-1', '7'];
const STR_LIT = ['"a"', '"x"', '"hello world"', '""', '"alpha"', '"sku-1"', '"A,b"', '"ünï"'];
const KEY = ['"a"', '"id"', '"name"', '"price"', '"meta"', '"tags"', '"zz"'];
const FIELD = ['a', 'b', 'id', 'name', 'price', 'status', 'tags', 'items', 'meta', 'ok', 'note'];
const REGEX = [
  '"a"',
  '"[aeiou]"',
  '"^a"',
  '"[0-9]+"',
  '"(?<w>[a-z]+)"',
  '"l+"',
  '", *"',
  '"\\\\s"',
];
const DATE_FMT = ['"%Y-%m-%d"', '"%Y-%m-%dT%H:%M:%SZ"', '"%A, %B %d, %Y"', '"%j %e %H:%M"'];

const sub =
  (k: Kind): Gen =>
  (rng, d) =>
    expr(rng, k, d - 1);
const lit =
  (items: readonly string[]): Gen =>
  (rng) =>
    rng.pick(items);
const t =
  (parts: TemplateStringsArray, ...gens: Gen[]): Gen =>
  (rng, d) =>
    parts.reduce((acc, p, i) => acc + p + (i < gens.length ? gens[i]!(rng, d) : ''), '');

const N = sub('num');
const S = sub('str');
const B = sub('bool');
const A = sub('arr');
const O = sub('obj');
const X = sub('any');
const F: Gen = (rng) => rng.pick(FIELD);
const NL = lit(NUM_LIT);
const SL = lit(STR_LIT);
const RE = lit(REGEX);

/** Leaves: no recursion. */
const LEAVES: Record<Kind, Gen[]> = {
  num: [
    NL,
    lit(['.price', '.id', '.meta.a', '(.items|length)', '.items[0].qty', '(.tags|length)']),
  ],
  str: [SL, lit(['.name', '.status', '.meta.b', '.tags[0]', '.when', '(.items[0].sku)'])],
  bool: [lit(['true', 'false', '.ok', '(.tags|length > 1)', '(.price > 10)'])],
  arr: [
    lit(['.tags', '.items', '[.items[].price]', '[]', '[1,2,3]', '[.tags[]?]', '(.items // [])']),
  ],
  obj: [lit(['.', '.meta', '.items[0]', '{}', '{"a":1,"b":[2]}', '{name, status}'])],
  any: [lit(['.', '.a', '.note', 'null', '.meta?', '.[0]?', '$__loc__', 'empty'])],
};

/** Element-level filters for map/select/sort_by/...: `.` is an item, a tag or a number. */
const ELEM = [
  '.price',
  '.qty * .price',
  '{sku, total: (.price * .qty)}',
  'select(.qty > 1)',
  'ascii_upcase',
  'length',
  'select(type == "string" and startswith("a"))',
  '. + 1',
  'tostring',
  'type',
  '.sku // "none"',
  'select(. != null)',
  '(.price // 0) * 2',
  'if type == "object" then .sku else . end',
];
const EL = lit(ELEM);

const NODES: Record<Kind, Gen[]> = {
  num: [
    t`(${N} + ${N})`,
    t`(${N} - ${N})`,
    t`(${N} * ${N})`,
    t`(${N} / ${NL})`,
    t`((${N} | fabs) % ${NL})`,
    t`(${A} | length)`,
    t`(${S} | length)`,
    t`(${A} | add)`,
    t`([${A}[] | numbers] | max)`,
    t`(${N} | floor)`,
    t`(${N} | fabs)`,
    t`(${N} | fabs | sqrt | floor)`,
    t`pow(${NL}; 2)`,
    t`(${N} | tostring | tonumber)`,
    t`(reduce ${A}[] as $x (0; . + ($x | numbers)))`,
    t`(${S} | utf8bytelength)`,
    t`(${S} | ascii_upcase | fromdate)`,
    t`(${S} | index(${SL}))`,
    t`(${S} | tonumber)`,
    t`([${A}[] | ${EL}] | length)`,
  ],
  str: [
    t`(${S} + ${S})`,
    t`"\\(${X})-\\(${N})"`,
    t`(${X} | tostring)`,
    t`(${X} | tojson)`,
    t`(${S} | ascii_downcase)`,
    t`(${S} | ascii_upcase)`,
    t`(${A} | join(", "))`,
    t`(${S} | strings | ltrimstr(${SL}))`,
    t`(${S} | strings | rtrimstr(${SL}))`,
    t`(${S} | sub(${RE}; "<\\(.)>"))`,
    t`(${S} | gsub(${RE}; "_"))`,
    t`(${S} | gsub("(?<c>[a-z])"; "\\(.c|ascii_upcase)"))`,
    t`(${S} | @base64)`,
    t`(${S} | @base64 | @base64d)`,
    t`(${X} | @uri)`,
    t`(${X} | @html)`,
    t`(${A} | @csv)`,
    t`(${A} | @tsv)`,
    t`(${X} | @sh)`,
    t`(${X} | @json)`,
    t`@base64 "v=\\(${X})"`,
    t`(${N} | todate)`,
    t`(${N} | strftime(${lit(DATE_FMT)}))`,
    t`(${S} | .[1:3])`,
    t`(${S} | split(" ") | join("-"))`,
    t`(${S} | explode | implode)`,
    t`(${X} | type)`,
    t`(if ${B} then ${S} else ${S} end)`,
    t`(${S} | ascii_downcase | split(",") | first)`,
    t`(${S} | [scan("[a-z]+")] | join("/"))`,
  ],
  bool: [
    t`(${N} < ${N})`,
    t`(${N} == ${N})`,
    t`(${S} == ${S})`,
    t`(${X} != null)`,
    t`(${S} | test(${RE}))`,
    t`(${S} | test(${RE}; "i"))`,
    t`(${S} | startswith(${SL}))`,
    t`(${S} | endswith(${SL}))`,
    t`(${A} | any)`,
    t`(${A} | all(. != null))`,
    t`any(${A}[]; . == 1)`,
    t`(${O} | has(${lit(KEY)}))`,
    t`(${B} and ${B})`,
    t`(${B} or ${B})`,
    t`(${B} | not)`,
    t`(${A} | contains([${X}]))`,
    t`(${S} | inside(${SL}))`,
    t`isempty(${A}[] | select(. == 2))`,
    t`(${X} | type == "number")`,
  ],
  arr: [
    t`[${A}[] | ${EL}]`,
    t`(${A} | map(${EL}))`,
    t`[${A}[] | select(${B})]`,
    t`(${A} | sort)`,
    t`(${A} | unique)`,
    t`(${A} | arrays | reverse)`,
    t`(${A} | sort_by(${EL}))`,
    t`(${A} | group_by(type) | map(length))`,
    t`(${A} | unique_by(length))`,
    t`[range(${lit(['0', '3', '5'])})]`,
    t`[range(0; 10; 3)]`,
    t`(${A} | .[1:])`,
    t`(${A} | .[:-1])`,
    t`(${A} | to_entries)`,
    t`(${O} | to_entries)`,
    t`(${O} | keys)`,
    t`(${O} | keys_unsorted)`,
    t`[${X} | paths]`,
    t`(${A} | flatten)`,
    t`[limit(2; ${A}[])]`,
    t`(${S} | split(","))`,
    t`[${S} | splits(", *")]`,
    t`[${S} | match(${RE}; "g") | .offset]`,
    t`[${S} | capture("(?<first>[a-z])(?<rest>[a-z]*)")]`,
    t`(${A} + ${A})`,
    t`(${A} - ${A})`,
    t`([${A}[] | numbers] | sort)`,
    t`[foreach ${A}[] as $x (0; . + 1; [$x, .])]`,
    t`(${A} | indices(1))`,
    t`[${X} | tostream]`,
    t`[paths(type == "number")]`,
    t`(${A} | min_by(length), max_by(length) | [.])`,
    t`[${A}[] | objects | .sku]`,
    t`(${S} | explode)`,
    t`[.[]?]`,
    t`[${N} | gmtime | .[0:3][]]`,
    t`(${S} | ascii_upcase | strptime("%Y-%m-%dT%H:%M:%SZ"))`,
    t`[${X}, ${X}]`,
    t`(${A} | transpose)`,
    t`([${A} | combinations] | length | [.])`,
    t`([${A}[] | strings] | sort_by(length))`,
  ],
  obj: [
    t`{a: ${X}, b: ${N}}`,
    t`{(${S}): ${X}}`,
    t`{"k\\(${N})": ${S}}`,
    t`(${O} + ${O})`,
    t`(${O} * ${O})`,
    t`(${O} | with_entries(.value |= tostring))`,
    t`(${O} | with_entries(select(.value != null)))`,
    t`(${O} | map_values(${EL}))`,
    t`(${O} | del(.${F}))`,
    t`(${O} | .${F} = ${X})`,
    t`(${O} | .${F} |= ${EL})`,
    t`(${O} | .${F} += 1)`,
    t`(${O} | .${F} //= ${SL})`,
    t`(${O} | to_entries | from_entries)`,
    t`setpath([${lit(KEY)}, "b"]; ${X})`,
    t`(${O} | pick(.${F}))`,
    t`(. as {name: $n, price: $p} | {$n, $p})`,
    t`(${O} | walk(if type == "number" then . + 1 else . end))`,
    t`(${A} | group_by(.) | map({k: .[0], n: length}) | first // {})`,
    t`(${O} | tojson | fromjson)`,
    t`{total: ([.items[]? | .price * .qty] | add), count: (.items | length)}`,
    t`(${O} | getpath(["meta", "a"]) as $v | {v: $v})`,
    t`(${O} | delpaths([[${lit(KEY)}]]))`,
    t`(reduce ${A}[] as $i ({}; .[$i | tostring] += 1))`,
    t`({} | .a.b.c = ${X})`,
    t`(${O} | .[] |= ${EL})`,
  ],
  any: [
    t`(try ${X} catch type)`,
    t`(${X} // ${X})`,
    t`((${X})?)`,
    t`first(${X})`,
    t`(${X} | ${X})`,
    t`(${X}, ${X})`,
    t`error(${X})`,
    t`(if ${B} then ${X} elif ${B} then ${X} else ${X} end)`,
    t`(if ${B} then ${X} end)`,
    t`(${X} as $v | [$v, .])`,
    t`(label $out | ${A}[] | if . == 2 then ., break $out else . end)`,
    t`(def f(g): [g, g]; f(${X}))`,
    t`(def inc($n): . + $n; ${N} | inc(1))`,
    t`[limit(3; ${X})]`,
    t`[.. | numbers]`,
    t`([..] | length)`,
    t`(${X} | .. |= ${EL})`,
    t`(${A} | .[${lit(['0', '1', '-1', '5'])}])`,
    t`(${O} | .${F})`,
    t`(${O} | .[${SL}])`,
    t`(${X} | getpath(["a", 0]))`,
    t`[${A}[] | numbers | until(. > 100 or . < 0.5; . * 2)]`,
    t`[limit(4; repeat(${N}))]`,
    t`[${N} | recurse(if . < 5 then . + 1 else empty end)]`,
    t`(${X} | tojson | fromjson)`,
    t`(${X} | ${EL})`,
    t`(${A} | first, last)`,
    t`nth(1; ${A}[])`,
    t`([${A}[]] | add // "none")`,
    t`(${A}[] as [$a, $b] | {a: $a, b: $b})`,
    t`(${O} | to_entries[] | select(.value | type == "number") | .key)`,
    t`(${X} | with_entries(.key |= ascii_upcase))`,
    t`(${S} | fromjson)`,
  ],
};

const KINDS: Kind[] = ['num', 'str', 'bool', 'arr', 'obj', 'any'];

for (const [kind, gens] of Object.entries(edgeNodes({ t, lit, N, S, B, A, O, X }))) {
  NODES[kind as Kind].push(...gens);
}

export function expr(rng: Rng, kind: Kind, depth: number): string {
  if (kind === 'any' && rng.chance(0.5)) kind = rng.pick(KINDS);
  if (depth <= 0 || rng.chance(0.25)) return rng.pick(LEAVES[kind])(rng, depth);
  return rng.pick(NODES[kind])(rng, depth);
}

/** Programs that must not compile, in jq 1.7 as in weft. */
const INVALID = [
  '.a |',
  '{',
  '[1,]',
  'foo(1)',
  'map()',
  '. as [$a] | $b',
  '"\\(1"',
  '1 +',
  '.[',
  'if . then 1 else 2',
  'reduce . as $x (0)',
  '{(1,2)}',
  '.a.[',
  'def f: ; f',
  '. as $x | $y',
  '}',
  '"\\x"',
];

export function program(rng: Rng): string {
  if (rng.chance(0.02)) return rng.pick(INVALID);
  const p = expr(rng, rng.pick(KINDS), 2 + rng.int(3));
  // jq reads a program starting with '-' as an option: a leading space avoids that.
  return p.startsWith('-') ? ' ' + p : p;
}
