// TypeScript types of a Serverless Workflow DSL 1.0 document as parsed JSON (YAML or
// JSON text -> plain values). They mirror workflow.schema.yaml (1.0.0 .. 1.0.3) field
// by field, plus weft's extensions (DESIGN.md "weft extensions to DSL 1.0"), which are
// marked `@weft`. A value of these types has passed `validate()`: the compiler may
// rely on the shapes below, but not on references resolving to anything in particular
// beyond what the validator checks (see docs/validation.md).
//
// Conventions: a field typed `RuntimeExpression` is a string `${ ... }`; a field typed
// `Expression` (if, when, while, for.in, ...) is jq text with or without `${ }`.

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** `${ jq }`: the whole string is the expression. */
export type RuntimeExpression = string;
/** jq text, with or without the `${ }` wrapper (expression-only fields). */
export type Expression = string;
/** A URI or URI template (`https://x/{id}`). */
export type UriTemplate = string;

// ---------------------------------------------------------------- document

export interface WorkflowDocument {
  document: DocumentHeader;
  input?: Input;
  use?: Use;
  do: TaskList;
  timeout?: Timeout | string;
  output?: Output;
  schedule?: Schedule;
  /** @weft default priority, concurrency and rate limits of the executions. */
  limits?: Limits;
}

/** @weft `limits` (docs/extensions.md): how executions are admitted by workers. */
export interface Limits {
  /** Default priority (higher first); a start request's priority overrides it. */
  priority?: number;
  /** Running executions at most, per workflow (no key) or per value of `key`. */
  concurrency?: { key?: Expression; limit: number }[];
  /** Admissions (starts of running) at most per `period`, per workflow or key. */
  rate?: { key?: Expression; limit: number; period: Duration }[];
}

export interface DocumentHeader {
  /** DSL version: weft accepts 1.0.0 through 1.0.3. */
  dsl: string;
  namespace: string;
  name: string;
  /** Semantic version of the workflow. */
  version: string;
  title?: string;
  summary?: string;
  tags?: JsonObject;
  metadata?: JsonObject;
}

export interface Use {
  authentications?: Record<string, AuthenticationPolicy>;
  errors?: Record<string, ErrorDefinition>;
  /** Each item holds exactly one named extension. */
  extensions?: Record<string, Extension>[];
  functions?: Record<string, Task>;
  retries?: Record<string, RetryPolicy>;
  secrets?: string[];
  timeouts?: Record<string, Timeout>;
  catalogs?: Record<string, Catalog>;
}

export interface Schedule {
  every?: Duration;
  cron?: string;
  after?: Duration;
  on?: EventConsumptionStrategy;
}

export interface Extension {
  extend:
    | 'call'
    | 'composite'
    | 'emit'
    | 'for'
    | 'listen'
    | 'raise'
    | 'run'
    | 'set'
    | 'switch'
    | 'try'
    | 'wait'
    | 'all';
  when?: Expression;
  before?: TaskList;
  after?: TaskList;
}

export interface Catalog {
  endpoint: Endpoint;
}

// ---------------------------------------------------------------- data flow

export interface Input {
  schema?: Schema;
  from?: Expression | JsonObject;
}

export interface Output {
  schema?: Schema;
  as?: Expression | JsonObject;
}

export interface Export {
  schema?: Schema;
  as?: Expression | JsonObject;
}

export type Schema =
  { format?: string; document: JsonValue } | { format?: string; resource: ExternalResource };

// ---------------------------------------------------------------- tasks

/** Each item holds exactly one task, keyed by its name. */
export type TaskItem = Record<string, Task>;
export type TaskList = TaskItem[];

/** `continue`, `exit`, `end`, the name of a task in the same list, or `break` (@weft). */
export type FlowDirective = 'continue' | 'exit' | 'end' | 'break' | (string & {});

export interface TaskBase {
  if?: Expression;
  input?: Input;
  output?: Output;
  export?: Export;
  timeout?: Timeout | string;
  then?: FlowDirective;
  metadata?: JsonObject;
}

export type Task =
  | CallTask
  | DoTask
  | ForkTask
  | EmitTask
  | ForTask
  | ListenTask
  | RaiseTask
  | RunTask
  | SetTask
  | SwitchTask
  | TryTask
  | WaitTask;

/** The key that decides a task's type. */
export type TaskKind =
  | 'call'
  | 'do'
  | 'fork'
  | 'emit'
  | 'for'
  | 'listen'
  | 'raise'
  | 'run'
  | 'set'
  | 'switch'
  | 'try'
  | 'wait';

export const TASK_KINDS: readonly TaskKind[] = [
  'call',
  'do',
  'fork',
  'emit',
  'for',
  'listen',
  'raise',
  'run',
  'set',
  'switch',
  'try',
  'wait',
];

/** @weft `cache: { key, ttl }` on call/run tasks: reuse a fresh recorded result. */
export interface Cache {
  /** jq expression (with or without `${ }`) whose value keys the cache. */
  key: Expression;
  /** How long a recorded result stays fresh. */
  ttl: Duration;
}

// call ------------------------------------------------------------

export type CallTask =
  | CallHttpTask
  | CallOpenApiTask
  | CallGrpcTask
  | CallAsyncApiTask
  | CallA2ATask
  | CallMcpTask
  | CallFunctionTask;

interface CallBase extends TaskBase {
  /** @weft */
  cache?: Cache;
}

export interface CallHttpTask extends CallBase {
  call: 'http';
  with: HttpArguments;
}

export interface HttpArguments {
  method: string;
  endpoint: Endpoint;
  headers?: Record<string, string> | RuntimeExpression;
  body?: JsonValue;
  query?: Record<string, string> | RuntimeExpression;
  output?: 'raw' | 'content' | 'response';
  redirect?: boolean;
}

export interface CallOpenApiTask extends CallBase {
  call: 'openapi';
  with: {
    document: ExternalResource;
    operationId: string;
    parameters?: JsonObject;
    authentication?: ReferenceableAuthenticationPolicy;
    output?: 'raw' | 'content' | 'response';
    redirect?: boolean;
  };
}

export interface CallGrpcTask extends CallBase {
  call: 'grpc';
  with: {
    proto: ExternalResource;
    service: {
      name: string;
      host: string;
      port?: number;
      authentication?: ReferenceableAuthenticationPolicy;
    };
    method: string;
    arguments?: JsonObject;
  };
}

export interface CallAsyncApiTask extends CallBase {
  call: 'asyncapi';
  with: {
    document: ExternalResource;
    channel?: string;
    operation?: string;
    server?: { name: string; variables?: JsonObject };
    protocol?: string;
    message?: { payload?: JsonObject; headers?: JsonObject };
    subscription?: {
      filter?: RuntimeExpression;
      consume: {
        for?: Duration;
        amount?: number;
        while?: RuntimeExpression;
        until?: RuntimeExpression;
      };
      foreach?: SubscriptionIterator;
    };
    authentication?: ReferenceableAuthenticationPolicy;
  };
}

export interface CallA2ATask extends CallBase {
  call: 'a2a';
  with: {
    agentCard?: ExternalResource;
    server?: Endpoint;
    method: string;
    parameters?: JsonObject | string;
  };
}

export interface CallMcpTask extends CallBase {
  call: 'mcp';
  with: {
    protocolVersion?: string;
    method: string;
    parameters?: JsonObject | string;
    timeout?: Duration;
    transport: {
      http?: { endpoint: Endpoint; headers?: Record<string, string> };
      stdio?: { command: string; arguments?: string[]; environment?: Record<string, string> };
      options?: Record<string, string>;
    };
    client?: { name: string; version: string; description?: string };
  };
}

/**
 * `call: NAME` where NAME is a function in `use.functions`, a TypeScript function
 * registered by the embedding application, or a catalog function `name:version@catalog`.
 */
export interface CallFunctionTask extends CallBase {
  call: string;
  with?: JsonObject;
}

// composite -------------------------------------------------------

export interface DoTask extends TaskBase {
  do: TaskList;
}

export interface ForkTask extends TaskBase {
  fork: {
    branches: TaskList;
    compete?: boolean;
    /** @weft: complete when this many branches completed (1 <= quorum <= branches). */
    quorum?: number;
  };
}

export interface ForTask extends TaskBase {
  for: {
    /** Name of the item variable (default `item`). */
    each?: string;
    /** The collection to iterate. @weft: may be omitted, then `while` is required. */
    in?: Expression;
    /** Name of the index variable (default `index`). */
    at?: string;
    /** @weft: run up to N iterations at a time (integer >= 1). */
    concurrency?: number;
  };
  while?: Expression;
  do: TaskList;
}

export interface TryTask extends TaskBase {
  try: TaskList;
  /** Required unless `finally` (@weft) is given. */
  catch?: Catch;
  /** @weft: runs after try/catch whatever happened; output discarded. */
  finally?: TaskList;
}

export interface Catch {
  errors?: { with?: ErrorFilter };
  /** Name of the caught-error variable (default `error`). */
  as?: string;
  when?: Expression;
  exceptWhen?: Expression;
  retry?: RetryPolicy | string;
  do?: TaskList;
}

export interface SwitchTask extends TaskBase {
  /** Each item holds exactly one named case. */
  switch: Record<string, SwitchCase>[];
}

export interface SwitchCase {
  when?: Expression;
  then: FlowDirective;
}

// simple tasks ----------------------------------------------------

export interface SetTask extends TaskBase {
  set: JsonObject | RuntimeExpression;
}

export interface RaiseTask extends TaskBase {
  /** An inline error or the name of one in `use.errors`. */
  raise: { error: ErrorDefinition | string };
}

export interface WaitTask extends TaskBase {
  /** A duration, or @weft `{ until: TIME }` (ISO 8601 date-time or an expression). */
  wait: Duration | WaitUntil;
}

/** @weft */
export interface WaitUntil {
  until: string;
}

export interface EmitTask extends TaskBase {
  emit: { event: EmitEvent };
}

/** The event to emit; `with` (when given) needs `source` and `type`. */
export interface EmitEvent {
  with?: EventProperties;
  [key: string]: JsonValue | EventProperties | undefined;
}

export interface ListenTask extends TaskBase {
  listen: { to: EventConsumptionStrategy; read?: 'data' | 'envelope' | 'raw' };
  foreach?: SubscriptionIterator;
}

export interface SubscriptionIterator {
  item?: string;
  at?: string;
  do?: TaskList;
  output?: Output;
  export?: Export;
}

// run -------------------------------------------------------------

export interface RunTask extends TaskBase {
  run: RunProcess;
  /** @weft */
  cache?: Cache;
}

interface RunCommon {
  await?: boolean;
  return?: 'stdout' | 'stderr' | 'code' | 'all' | 'none';
}

export type RunProcess =
  | (RunCommon & { container: RunContainer })
  | (RunCommon & { script: RunScript })
  | (RunCommon & { shell: RunShell })
  | (RunCommon & { workflow: RunWorkflow });

export interface RunContainer {
  image: string;
  name?: string;
  command?: string;
  ports?: JsonObject;
  volumes?: JsonObject;
  environment?: JsonObject;
  stdin?: string;
  arguments?: string[];
  lifetime?: { cleanup: 'always' | 'never' | 'eventually'; after?: Duration };
  pullPolicy?: 'ifNotPresent' | 'always' | 'never';
}

export type RunScript = {
  language: string;
  stdin?: string;
  arguments?: string[];
  environment?: JsonObject;
} & ({ code: string } | { source: ExternalResource });

export interface RunShell {
  command: string;
  stdin?: string;
  arguments?: string[];
  environment?: JsonObject;
}

/** A child workflow. */
export interface RunWorkflow {
  namespace: string;
  name: string;
  /** Default `latest`. */
  version: string;
  input?: JsonObject;
}

// ---------------------------------------------------------------- durations, timeouts

/**
 * `{days, hours, minutes, seconds, milliseconds}` (integers, at least one), an ISO 8601
 * duration string (`PT1M30S`), or a runtime expression.
 */
export type Duration = DurationObject | string;
export interface DurationObject {
  days?: number;
  hours?: number;
  minutes?: number;
  seconds?: number;
  milliseconds?: number;
}

export interface Timeout {
  after: Duration;
}

// ---------------------------------------------------------------- errors, retries

/** An RFC 7807 problem, as the DSL defines errors. */
export interface ErrorDefinition {
  type: UriTemplate | RuntimeExpression;
  status: number;
  instance?: string;
  title?: string;
  detail?: string;
}

export interface ErrorFilter {
  type?: string;
  status?: number;
  instance?: string;
  title?: string;
  details?: string;
}

export interface RetryPolicy {
  when?: Expression;
  exceptWhen?: Expression;
  delay?: Duration;
  backoff?: { constant: JsonObject } | { exponential: JsonObject } | { linear: JsonObject };
  limit?: {
    /** `count` counts every attempt, the first included (DESIGN.md). */
    attempt?: { count?: number; duration?: Duration };
    duration?: Duration;
  };
  jitter?: { from: Duration; to: Duration };
}

// ---------------------------------------------------------------- endpoints, auth

export type Endpoint = RuntimeExpression | UriTemplate | EndpointConfiguration;

export interface EndpointConfiguration {
  uri: UriTemplate | RuntimeExpression;
  authentication?: ReferenceableAuthenticationPolicy;
}

export interface ExternalResource {
  name?: string;
  endpoint: Endpoint;
}

/** `{ use: NAME }` names a policy in `use.authentications`. */
export type ReferenceableAuthenticationPolicy = { use: string } | AuthenticationPolicy;

/** `{ use: SECRET }` takes the policy's properties from a secret. */
export interface SecretBasedAuthentication {
  use: string;
}

export type AuthenticationPolicy =
  | { basic: { username: string; password: string } | SecretBasedAuthentication }
  | { bearer: { token: string } | SecretBasedAuthentication }
  | { digest: { username: string; password: string } | SecretBasedAuthentication }
  | {
      oauth2:
        | (OAuth2Properties & {
            endpoints?: { token?: string; revocation?: string; introspection?: string };
          })
        | SecretBasedAuthentication;
    }
  | { oidc: OAuth2Properties | SecretBasedAuthentication };

export interface OAuth2Properties {
  authority?: UriTemplate;
  grant?:
    | 'authorization_code'
    | 'client_credentials'
    | 'password'
    | 'refresh_token'
    | 'urn:ietf:params:oauth:grant-type:token-exchange';
  client?: {
    id?: string;
    secret?: string;
    assertion?: string;
    authentication?:
      | 'client_secret_basic'
      | 'client_secret_post'
      | 'client_secret_jwt'
      | 'private_key_jwt'
      | 'none';
  };
  request?: { encoding?: 'application/x-www-form-urlencoded' | 'application/json' };
  issuers?: string[];
  scopes?: string[];
  audiences?: string[];
  username?: string;
  password?: string;
  subject?: { token: string; type: string };
  actor?: { token: string; type: string };
}

// ---------------------------------------------------------------- events

/** CloudEvent attributes; extra attributes are allowed. */
export interface EventProperties {
  id?: string;
  source?: UriTemplate | RuntimeExpression;
  type?: string;
  time?: string;
  subject?: string;
  datacontenttype?: string;
  dataschema?: UriTemplate | RuntimeExpression;
  data?: JsonValue;
  [attribute: string]: JsonValue | undefined;
}

export interface EventFilter {
  with: EventProperties;
  correlate?: Record<string, { from: Expression; expect?: string }>;
}

export type EventConsumptionStrategy =
  | { all: EventFilter[] }
  | { any: EventFilter[]; until?: Expression | EventConsumptionStrategy }
  | { one: EventFilter };
