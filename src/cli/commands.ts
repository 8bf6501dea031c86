// The table of subcommands. Each entry lazily loads its module so that `weft --help`
// and small commands start fast. A command module exports `run(args): Promise<number>`
// returning the process exit code; it writes to process.stdout/stderr itself.

export type CommandMain = (args: string[]) => Promise<number>;

export interface CommandEntry {
  summary: string;
  load: () => Promise<CommandMain>;
}

export const commands: Record<string, CommandEntry> = {
  validate: {
    summary: 'check workflow documents; exit 0 when valid, 2 otherwise',
    load: async () => (await import('./validate.js')).run,
  },
  run: {
    summary: 'run one execution of a workflow to its end and print its output',
    load: async () => (await import('./run.js')).run,
  },
  resume: {
    summary: 'finish every unfinished execution in the store and print one JSON line each',
    load: async () => (await import('./resume.js')).run,
  },
  worker: {
    summary: 'serve the executions in the store (recovery, timers) until SIGINT/SIGTERM',
    load: async () => (await import('./worker.js')).run,
  },
  jq: {
    summary: 'run a jq filter over JSON values from stdin',
    load: async () => (await import('./jq.js')).run,
  },
  serve: {
    summary: 'serve the HTTP API, WebSocket streams and webhooks with an embedded engine',
    load: async () => (await import('./serve.js')).run,
  },
  start: {
    summary: 'start an execution on a weft server (--server URL or WEFT_SERVER)',
    load: async () => (await import('./start.js')).run,
  },
  events: {
    summary: 'send CloudEvents to a weft server',
    load: async () => (await import('./events.js')).run,
  },
  keys: {
    summary: 'create, list and revoke API keys of weft serve',
    load: async () => (await import('./keys.js')).run,
  },
  approvals: {
    summary: 'list and answer human tasks on a weft server',
    load: async () => (await import('./approvals.js')).run,
  },
  backup: {
    summary: 'copy the SQLite store to a file while weft keeps running (online, consistent)',
    load: async () => (await import('./backup.js')).run,
  },
  executions: {
    summary:
      'list and show executions; cancel, terminate, suspend or resume one (in the store, or on a server with --server)',
    load: async () => (await import('./executions.js')).run,
  },
};
