// More generator pieces for the differential test: the corners of the language where
// engines tend to differ (arithmetic on mixed types, slices out of range, paths and
// assignment through several levels, destructuring, sort order across types, string
// multiplication, label/foreach/limit edge cases).
import type { Rng } from './random.js';

type Gen = (rng: Rng, d: number) => string;
type Kind = 'num' | 'str' | 'bool' | 'arr' | 'obj' | 'any';

export interface Helpers {
  t: (parts: TemplateStringsArray, ...gens: Gen[]) => Gen;
  lit: (items: readonly string[]) => Gen;
  N: Gen;
  S: Gen;
  B: Gen;
  A: Gen;
  O: Gen;
  X: Gen;
}

export function edgeNodes({ t, lit, N, S, B, A, O, X }: Helpers): Partial<Record<Kind, Gen[]>> {
  const I = lit(['0', '1', '2', '-1', '-2', '10', 'null']);
  const MIXED = lit([
    '[3, "a", null, true, false, [1], {"a": 1}, -1, "B", [], {}]',
    '[{"a": 2}, {"a": 1, "b": 0}, {"b": 1}, {"a": 1}]',
    '[[1, 2], [1], [0, 5], []]',
    '["b", "a", "A", "", "ab", "é"]',
  ]);
  return {
    num: [
      t`((${N} | fabs) % ${lit(['3', '-3', '2.5', '0.5'])})`,
      t`(${lit(['5', '5.5', '7.5', '1e3'])} % ${lit(['3', '-2', '2'])})`,
      t`(${MIXED} | length)`,
      t`([${MIXED}[] | numbers] | add)`,
      t`(${A} | index(${X}))`,
      t`(${A} | rindex(${X}))`,
    ],
    str: [
      t`(${S} * ${lit(['0', '1', '3', '0.5', '-1'])} | tostring)`,
      t`(${S} | .[${I}:${I}])`,
      t`(${S} | ascii_downcase | explode | map(. + 1) | implode)`,
      t`([${MIXED}[] | tojson] | join(" "))`,
      t`(${X} | @text "<\\(.)>")`,
      t`(${S} / ${lit(['","', '" "', '"a"'])} | join("|"))`,
    ],
    bool: [
      t`(${MIXED} | .[${I}] < .[${I}])`,
      t`(${X} < ${X})`,
      t`(${O} | contains(${O}))`,
      t`(${S} | contains(${S}))`,
      t`(${A} | inside(${A}))`,
      t`(${MIXED} | any(.[]; type == "object"))`,
    ],
    arr: [
      t`(${MIXED} | sort)`,
      t`(${MIXED} | unique)`,
      t`(${MIXED} | group_by(type) | map(length))`,
      t`(${MIXED} | [min, max])`,
      t`(${MIXED} | sort_by(type, length?))`,
      t`(${A} | .[${I}:${I}])`,
      t`(${A} | .[${I}:])`,
      t`(${A} | .[2:1] = ["x"])`,
      t`(${A} | .[1:] |= map(tostring))`,
      t`(${A} | del(.[0, 2]))`,
      t`(${A} | del(.[] | select(. == null)))`,
      t`(${A} | to_entries | map(.key))`,
      t`[${A} | paths(type == "number")]`,
      t`[${X} | .. | scalars]`,
      t`(${A} | flatten(1))`,
      t`[range(${lit(['5', '0', '-3'])}; ${lit(['0', '5', '-1'])}; ${lit(['1', '-1', '2', '-2'])})]`,
      t`[limit(${lit(['0', '1', '3'])}; ${A}[])]`,
      t`[first(${A}[]), (${A} | last?)]`,
      t`[foreach ${A}[] as $x ({n: 0}; .n += 1; .n)]`,
      t`[label $f | foreach ${A}[] as $x (0; . + 1; if . > 2 then ., break $f else . end)]`,
      t`[${A}[] as [$a, $b] | [$b, $a]]`,
      t`[${A}[] as {a: $a} ?// [$a] | $a]`,
      t`(${A} | [.[] | numbers] | [combinations(2)] | length | [.])`,
      t`([${A}[] | strings] | map(ascii_downcase) | unique)`,
      t`(${A} | indices(${X}))`,
      t`([${A}, ${A}] | transpose)`,
      t`[${A} | splits("a")?]`,
      t`(${A} | [getpath([0], [1, "a"])?])`,
      t`[${A} | tostream] | fromstream(.[])`,
      t`[${X} | truncate_stream(1; tostream)]`,
    ],
    obj: [
      t`(${O} * {"meta": {"b": ${X}, "z": 1}})`,
      t`(${O} | .meta.list[1] = ${X})`,
      t`(${O} | .a += ${N})`,
      t`(${O} | .id -= 1)`,
      t`(${O} | .price *= 2)`,
      t`(${O} | .price /= 2)`,
      t`(${O} | .id %= 7)`,
      t`(${O} | .tags[0] //= "none")`,
      t`(${O} | to_entries | map(select(.value | type != "null")) | from_entries)`,
      t`(${O} | with_entries(.value += 1))`,
      t`(${O} | del(.. | nulls))`,
      t`(${O} | delpaths([paths(type == "number")]))`,
      t`(${O} | [paths] | length | {paths: .})`,
      t`(${O} | getpath(["items", 0, "sku"]) as $s | {$s})`,
      t`(${O} | . as {items: [$first]} | {first: $first})`,
      t`(${O} | . as {meta: {a: $a, b: $b}} | {$a, $b})`,
      t`({} | .[${S}] = ${X})`,
      t`(${MIXED} | INDEX(tojson))`,
      t`(${O} | map_values(select(. != null)))`,
      t`(${O} | pick(.meta.a, .id))`,
    ],
    any: [
      t`(${X} | try error catch type)`,
      t`(try error({code: 1}) catch .code)`,
      t`(${X} | if . then "t" else "f" end)`,
      t`(${X} | not)`,
      t`(${X} | tojson | fromjson | tojson)`,
      t`isempty(${X})`,
      t`(${X} | [.[]?] | length)`,
      t`(${X} | .[${I}]?)`,
      t`(${X} | has(${I})?)`,
      t`(${A} | getpath([${I}]))`,
      t`(reduce (${X}) as $x (null; [$x, .]))`,
      t`first(${X}, error("never"))`,
      t`(${X} | until(type != "array"; .[0]?) )`,
      t`([${X}] | length)`,
      t`(${X} | splits(", ")?)`,
      t`(${X} | ascii_downcase?)`,
      t`(${X} | strings | ltrimstr("a"))`,
      t`(${X} | @base64d?)`,
      t`(${X} | tostring | test("^[0-9]"))`,
      t`(${X} | [limit(2; recurse)] | length)`,
      t`(${B} and (${X} | length > 1))`,
      t`(${X} as [$a] ?// $a | $a)`,
    ],
  };
}
