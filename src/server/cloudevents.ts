// CloudEvents in over HTTP (CloudEvents HTTP binding 1.0), body parsers chosen strictly
// by Content-Type:
//   application/cloudevents+json        structured mode: one event, JSON
//   application/cloudevents-batch+json  batched mode: a JSON array of events
//   anything else with ce-* headers     binary mode: attributes in ce-* headers, the
//                                       body is `data` (JSON when the type is JSON)
// application/json without ce-* headers is taken as structured (a common client habit).
import type { CloudEvent, Json } from '../history/events.js';
import { badRequest, unsupportedMedia } from './errors.js';
import { CloudEvent as CloudEventSchema } from './schemas.js';

const isJsonType = (t: string) => t === 'application/json' || /\+json$/.test(t);

function check(value: unknown, where: string): CloudEvent {
  const r = CloudEventSchema.safeParse(value);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${where}/${i.path.join('/')}: ${i.message}`);
    throw badRequest(`not a CloudEvent 1.0: ${issues.join('; ')}`, { errors: issues });
  }
  return r.data as CloudEvent;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(`the body is not JSON: ${(e as Error).message}`);
  }
}

export function parseCloudEvents(headers: Headers, body: string): CloudEvent[] {
  const type = (headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const binary = headers.has('ce-specversion');
  if (type === 'application/cloudevents-batch+json') {
    const v = parseJson(body);
    if (!Array.isArray(v)) throw badRequest('a batch is a JSON array of CloudEvents');
    return v.map((e, i) => check(e, `/${i}`));
  }
  if (type === 'application/cloudevents+json' || (type === 'application/json' && !binary)) {
    return [check(parseJson(body), '')];
  }
  if (!binary)
    throw unsupportedMedia(
      `'${type || 'no content type'}': send application/cloudevents+json, application/cloudevents-batch+json, or binary mode with ce-* headers`,
    );
  const event: Record<string, unknown> = {};
  headers.forEach((value, name) => {
    if (name.startsWith('ce-')) event[name.slice(3)] = decodeURIComponent(value);
  });
  if (type) event.datacontenttype = type;
  if (body !== '') event.data = isJsonType(type) ? (parseJson(body) as Json) : body;
  return [check(event, '')];
}
