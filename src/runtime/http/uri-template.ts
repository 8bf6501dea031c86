// RFC 6570 URI templates (levels 1-4): `https://h/pet/{petId}`, `{?status,tags*}`, `{/path}`.
// The DSL expands an endpoint's template with the task's input (its top-level properties
// are the variables); an endpoint written as `${ ... }` is an expression and the core has
// already evaluated it. Undefined and null variables expand to nothing, per the RFC.
import type { Json } from '../../history/events.js';

interface Operator {
  first: string;
  sep: string;
  named: boolean;
  ifEmpty: string;
  /** Reserved expansion: keep reserved characters (+ and #). */
  reserved: boolean;
}

const operators: Record<string, Operator> = {
  '': { first: '', sep: ',', named: false, ifEmpty: '', reserved: false },
  '+': { first: '', sep: ',', named: false, ifEmpty: '', reserved: true },
  '#': { first: '#', sep: ',', named: false, ifEmpty: '', reserved: true },
  '.': { first: '.', sep: '.', named: false, ifEmpty: '', reserved: false },
  '/': { first: '/', sep: '/', named: false, ifEmpty: '', reserved: false },
  ';': { first: ';', sep: ';', named: true, ifEmpty: '', reserved: false },
  '?': { first: '?', sep: '&', named: true, ifEmpty: '=', reserved: false },
  '&': { first: '&', sep: '&', named: true, ifEmpty: '=', reserved: false },
};

function encode(value: string, reserved: boolean): string {
  if (reserved) {
    // keep reserved and unreserved characters and existing %XX triplets
    return value.replace(/%[0-9A-Fa-f]{2}|[^A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]/g, (c) =>
      c.length === 3 && c[0] === '%' ? c : encodeURIComponent(c),
    );
  }
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase(),
  );
}

function scalar(v: Json): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function expandExpression(body: string, vars: Record<string, Json>, where: string): string {
  const opChar = /^[+#./;?&]/.test(body) ? body[0]! : '';
  if (/^[=,!@|]/.test(body))
    throw new Error(`URI template ${where}: reserved operator in '{${body}}'`);
  const op = operators[opChar]!;
  const specs = body.slice(opChar.length).split(',');
  const parts: string[] = [];
  for (const spec of specs) {
    const m = /^([A-Za-z0-9_.%]+)(\*|:(\d{1,4}))?$/.exec(spec.trim());
    if (!m) throw new Error(`URI template ${where}: bad variable '${spec}' in '{${body}}'`);
    const name = m[1]!;
    const explode = m[2] === '*';
    const prefix = m[3] !== undefined ? Number(m[3]) : undefined;
    const value = vars[name];
    if (value === undefined || value === null) continue;
    if (Array.isArray(value) || typeof value === 'object') {
      const pairs: [string | undefined, string][] = Array.isArray(value)
        ? value.filter((x) => x !== null).map((x) => [undefined, scalar(x)])
        : Object.entries(value)
            .filter(([, x]) => x !== null)
            .map(([k, x]) => [k, scalar(x)]);
      if (pairs.length === 0) continue;
      if (explode) {
        parts.push(
          pairs
            .map(([k, x]) => {
              const key = k ?? (op.named ? name : undefined);
              if (key === undefined) return encode(x, op.reserved);
              return (
                encode(key, op.reserved) + (x === '' ? op.ifEmpty : '=' + encode(x, op.reserved))
              );
            })
            .join(op.sep),
        );
      } else {
        const joined = pairs
          .flatMap(([k, x]) =>
            k === undefined
              ? [encode(x, op.reserved)]
              : [encode(k, op.reserved), encode(x, op.reserved)],
          )
          .join(',');
        parts.push(op.named ? `${name}=${joined}` : joined);
      }
      continue;
    }
    let text = scalar(value);
    if (prefix !== undefined) text = [...text].slice(0, prefix).join('');
    const enc = encode(text, op.reserved);
    parts.push(op.named ? (enc === '' ? name + op.ifEmpty : `${name}=${enc}`) : enc);
  }
  return parts.length === 0 ? '' : op.first + parts.join(op.sep);
}

/**
 * Expands `template` with `vars`. Throws on a malformed template (unclosed brace, bad
 * variable name), naming it. Non-object `vars` (a task input that is not an object)
 * define no variables.
 */
export function expandUriTemplate(template: string, vars: Json, where = `'${template}'`): string {
  const scope: Record<string, Json> =
    vars !== null && typeof vars === 'object' && !Array.isArray(vars) ? vars : {};
  let out = '';
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open < 0) {
      out += template.slice(i);
      break;
    }
    const close = template.indexOf('}', open);
    if (close < 0) throw new Error(`URI template ${where}: unclosed '{' at offset ${open}`);
    out +=
      template.slice(i, open) + expandExpression(template.slice(open + 1, close), scope, where);
    i = close + 1;
  }
  return out;
}
