// Inputs for the differential test: mostly workflow-like documents (an order with
// items, tags, a nested object), sometimes with fields missing or of the wrong type,
// and sometimes plain scalars and arrays. Numbers stay small and exactly printable so
// that jq 1.7's literal-preserving number output cannot differ for that reason alone.
import type { Json } from '../../../src/jq/api.js';
import type { Rng } from './random.js';

const WORDS = ['alpha', 'beta', 'gamma', 'a b', 'x,y', 'Hello', 'ünï', 'tab\there', '', 'a'];
const STATUS = ['open', 'paid', 'shipped', 'cancelled'];
const NUMS = [0, 1, 2, 3, 5, 10, 42, -1, -7, 0.5, 2.5, 1.25, 100, 1000, 1425599507];

export function scalar(rng: Rng): Json {
  switch (rng.int(5)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick(NUMS);
    default:
      return rng.pick(WORDS);
  }
}

function item(rng: Rng): Json {
  const it: { [k: string]: Json } = {
    sku: 'sku-' + rng.int(100),
    price: rng.pick(NUMS.slice(0, 13)),
    qty: rng.int(5),
  };
  if (rng.chance(0.2)) it['note'] = rng.pick(WORDS);
  return it;
}

export function document(rng: Rng): Json {
  const doc: { [k: string]: Json } = {};
  const set = (k: string, v: Json) => {
    if (!rng.chance(0.08)) doc[k] = v; // sometimes missing
  };
  set('id', rng.int(1000));
  set('name', rng.pick(WORDS));
  set('status', rng.pick(STATUS));
  set('price', rng.pick(NUMS));
  set(
    'tags',
    Array.from({ length: rng.int(4) }, () => rng.pick(WORDS)),
  );
  set(
    'items',
    Array.from({ length: rng.int(4) }, () => item(rng)),
  );
  set('meta', { a: rng.chance(0.8) ? rng.pick(NUMS) : null, b: rng.pick(WORDS) });
  set('ok', rng.chance(0.5));
  set('note', null);
  set('when', rng.pick(['2015-03-05T23:51:47Z', '2024-02-29T12:00:00Z', '1970-01-01T00:00:00Z']));
  // A field of the wrong type now and then, so that type errors are exercised.
  if (rng.chance(0.1)) doc[rng.pick(['price', 'tags', 'items', 'meta', 'name'])] = scalar(rng);
  return doc;
}

export function input(rng: Rng): Json {
  const r = rng.next();
  if (r < 0.8) return document(rng);
  if (r < 0.9) return scalar(rng);
  return Array.from({ length: rng.int(5) }, () => (rng.chance(0.7) ? rng.pick(NUMS) : scalar(rng)));
}
