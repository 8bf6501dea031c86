// Per-task runtime options, read from the task's `metadata.weft` in the document (the DSL
// leaves `metadata` free-form, so a strict validator still accepts it):
//
//   - pay:
//       call: http
//       metadata:
//         weft:
//           idempotencyKey: true            # send Idempotency-Key: <effect key>
//           # idempotencyKey: X-Request-Id  # or in a header of this name
import type { Json } from '../history/events.js';

/** The value at a JSON pointer (RFC 6901) inside `doc`, or undefined. */
export function atPointer(doc: Json, pointer: string): Json | undefined {
  if (pointer === '') return doc;
  let cur: Json | undefined = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) cur = cur[Number(token)];
    else if (cur !== null && typeof cur === 'object') cur = cur[token];
    else return undefined;
  }
  return cur;
}

/** The header a task asks its idempotency key to be sent in, if any. */
export function taskIdempotencyHeader(definition: Json, taskId: string): string | undefined {
  const task = atPointer(definition, taskId);
  if (task === null || typeof task !== 'object' || Array.isArray(task)) return undefined;
  const metadata = task.metadata;
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))
    return undefined;
  const weft = metadata.weft;
  if (weft === null || typeof weft !== 'object' || Array.isArray(weft)) return undefined;
  const v = weft.idempotencyKey;
  if (v === true) return 'Idempotency-Key';
  return typeof v === 'string' && v !== '' ? v : undefined;
}
