// The workflows an engine knows: registered from text (YAML/JSON, one or more documents)
// or a parsed document, validated (supported features only), compiled to IR once, and
// immutable by namespace/name/version (registering the same version with other content is
// a conflict). Registration is where configuration mistakes are caught: a `call: NAME`
// that is neither built in nor in `use.functions` must be a registered TypeScript
// function by then.
import { createHash } from 'node:crypto';
import { formatDiagnostic, loadWorkflows } from '../dsl/index.js';
import { compileWorkflow } from '../dsl/compile.js';
import type { WorkflowIR } from '../dsl/ir.js';
import type { Json, WorkflowRef } from '../history/events.js';
import type { FunctionRegistry } from './functions.js';
import { builtinCalls } from './functions.js';
import { ProblemError, problem } from './problems.js';
import { jsonSchemaOf } from './schema.js';

export interface RegisteredWorkflow {
  ref: WorkflowRef;
  hash: string;
  document: Json;
  ir: WorkflowIR;
  /** Names in the document's `use.secrets`. */
  secrets: string[];
}

/** The document is invalid: `diagnostics` are `file:line:col: message` lines. */
export class WorkflowDefinitionError extends ProblemError {
  constructor(
    readonly diagnostics: string[],
    filename = '<input>',
  ) {
    super(
      problem(
        'configuration',
        'Invalid workflow definition',
        `${filename}: ${diagnostics.length} problem(s): ${diagnostics.join('; ')}`,
      ),
      false,
    );
    this.name = 'WorkflowDefinitionError';
  }
}

export function refKey(ref: WorkflowRef): string {
  return `${ref.namespace}/${ref.name}@${ref.version}`;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** Every `call` of the IR that names neither a built-in nor a `use.functions` entry. */
function unknownCalls(
  node: unknown,
  fns: FunctionRegistry,
  out: { name: string; at: string }[],
): void {
  if (Array.isArray(node)) {
    for (const item of node) unknownCalls(item, fns, out);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  if (o.kind === 'call' && typeof o.call === 'string' && o.function === undefined) {
    if (!builtinCalls.has(o.call) && !fns.has(o.call)) out.push({ name: o.call, at: String(o.id) });
  }
  for (const [k, v] of Object.entries(o)) {
    if (k === 'definition' || k === 'program' || k === 'expr') continue;
    unknownCalls(v, fns, out);
  }
}

/** Orders versions: numeric parts as numbers (1.10.0 after 1.2.0), others as text. */
function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  const pb = b.split(/[.-]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? -1;
    const y = pb[i] ?? -1;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

export class WorkflowRegistry {
  private readonly byRef = new Map<string, RegisteredWorkflow>();

  constructor(private readonly functions: FunctionRegistry) {}

  /** Registers every document of `source`; returns them in order. Throws WorkflowDefinitionError. */
  register(source: string | Json, filename = '<input>'): RegisteredWorkflow[] {
    const text = typeof source === 'string' ? source : JSON.stringify(source);
    const { documents, diagnostics } = loadWorkflows(text, { filename, supportedOnly: true });
    const errors = diagnostics.filter((d) => d.severity !== 'warning');
    if (errors.length || documents.length === 0)
      throw new WorkflowDefinitionError(
        errors.length
          ? errors.map((d) => formatDiagnostic(d, filename))
          : [`${filename}:1:1: no workflow document`],
        filename,
      );
    const prepared = documents.map((d) => this.prepare(d.value as unknown as Json, filename));
    for (const w of prepared) {
      const existing = this.byRef.get(refKey(w.ref));
      if (existing && existing.hash !== w.hash)
        throw new WorkflowDefinitionError(
          [
            `${filename}: workflow ${refKey(w.ref)} is already registered with other content; registered versions are immutable, bump document.version`,
          ],
          filename,
        );
    }
    for (const w of prepared) if (!this.byRef.has(refKey(w.ref))) this.byRef.set(refKey(w.ref), w);
    return prepared.map((w) => this.byRef.get(refKey(w.ref))!);
  }

  private prepare(document: Json, filename: string): RegisteredWorkflow {
    const ir = compileWorkflow(document);
    const problems = ir.diagnostics.map((d) => `${filename}: ${d.message} (at ${d.path})`);
    const unknown: { name: string; at: string }[] = [];
    unknownCalls(ir.do, this.functions, unknown);
    for (const u of unknown)
      problems.push(
        `${filename}: call '${u.name}' is not a built-in call, a use.functions entry or a registered function (at ${u.at}); register it with engine.registerFunction('${u.name}', fn) first`,
      );
    if (ir.inputSchema !== undefined) {
      try {
        jsonSchemaOf(ir.inputSchema);
      } catch (e) {
        problems.push(`${filename}: ${(e as Error).message} (at /input/schema)`);
      }
    }
    if (problems.length) throw new WorkflowDefinitionError(problems, filename);
    const doc = document as { use?: { secrets?: unknown } };
    const secrets = Array.isArray(doc.use?.secrets)
      ? doc.use.secrets.filter((s): s is string => typeof s === 'string')
      : [];
    return {
      ref: {
        namespace: ir.document.namespace,
        name: ir.document.name,
        version: ir.document.version,
      },
      hash: createHash('sha256').update(canonical(document)).digest('hex'),
      document,
      ir,
      secrets,
    };
  }

  get(ref: WorkflowRef): RegisteredWorkflow | undefined {
    return this.byRef.get(refKey(ref));
  }

  /** Every registered version of namespace/name. */
  versions(namespace: string, name: string): RegisteredWorkflow[] {
    return [...this.byRef.values()].filter(
      (w) => w.ref.namespace === namespace && w.ref.name === name,
    );
  }

  /** A registered workflow by exact version, or the latest when the version is absent or `latest`. */
  resolve(ref: { namespace: string; name: string; version?: string }): RegisteredWorkflow {
    if (ref.version !== undefined && ref.version !== 'latest') {
      const w = this.get(ref as WorkflowRef);
      if (w) return w;
      throw unknownWorkflow(refKey(ref as WorkflowRef));
    }
    const latest = this.versions(ref.namespace, ref.name)
      .sort((a, b) => compareVersions(a.ref.version, b.ref.version))
      .at(-1);
    if (!latest) throw unknownWorkflow(`${ref.namespace}/${ref.name}`);
    return latest;
  }
}

function unknownWorkflow(name: string): ProblemError {
  return new ProblemError(
    problem('configuration', 'Unknown workflow', `workflow ${name} is not registered`),
    false,
  );
}
