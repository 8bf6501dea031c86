// The weft processes of the multi-process chaos run (chaos/multi.ts): `weft serve` and
// `weft worker` started from source as separate OS processes, their stderr read line by
// line (refused commits, the server's address), killed, stopped and continued by signal.
import { type ChildProcess, spawn } from 'node:child_process';

const entry = new URL('../src/cli/entry.ts', import.meta.url).pathname;

/** `weft worker: commit refused (lease-lost): execution ID: ...` (src/cli/refusals.ts). */
const refusedLine = /commit refused \(([a-z-]+)\): execution (\S+):/;

export interface Refusal {
  /** The slot (w1..) and its incarnation (1, 2, ... after restarts). */
  name: string;
  incarnation: number;
  code: string;
  executionId: string;
  at: number;
}

export interface WeftProcOptions {
  name: string;
  args: string[];
  /** The environment of each incarnation (1, 2, ...). */
  env: (incarnation: number) => Record<string, string>;
  /** Called for every refused commit this process reports. */
  onRefusal: (r: Refusal) => void;
  /** Every stderr line, for the run's log (optional). */
  onLine?: (name: string, line: string) => void;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One slot (the server, or worker w1..w4) and its current OS process. */
export class WeftProc {
  incarnation = 0;
  child: ChildProcess | undefined;
  /** Resolves when the current incarnation exits. */
  exited: Promise<Exit> = Promise.resolve({ code: 0, signal: null });
  /** The last stderr lines of the current incarnation, for failure messages. */
  tail: string[] = [];
  stopped = false;
  private readonly lineWaiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];

  constructor(private readonly o: WeftProcOptions) {}

  get name(): string {
    return this.o.name;
  }

  get alive(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  start(): void {
    this.incarnation++;
    this.tail = [];
    this.stopped = false;
    const incarnation = this.incarnation;
    const child = spawn(process.execPath, ['--import', 'tsx', entry, ...this.o.args], {
      env: { ...process.env, ...this.o.env(incarnation) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    let partial = '';
    child.stderr!.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop()!;
      for (const line of lines) this.line(line, incarnation);
    });
    this.exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        if (partial) this.line(partial, incarnation);
        resolve({ code, signal });
      }),
    );
  }

  private line(line: string, incarnation: number): void {
    this.tail.push(line);
    if (this.tail.length > 20) this.tail.shift();
    this.o.onLine?.(this.o.name, line);
    const m = refusedLine.exec(line);
    if (m)
      this.o.onRefusal({
        name: this.o.name,
        incarnation,
        code: m[1]!,
        executionId: m[2]!,
        at: Date.now(),
      });
    for (let i = this.lineWaiters.length - 1; i >= 0; i--) {
      const w = this.lineWaiters[i]!;
      const found = w.re.exec(line);
      if (found) {
        this.lineWaiters.splice(i, 1);
        w.resolve(found);
      }
    }
  }

  /** The first later stderr line matching `re` (e.g. the server's address). */
  waitForLine(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `${this.name}: no line matching ${re} in ${timeoutMs} ms: ${this.tail.join(' | ')}`,
            ),
          ),
        timeoutMs,
      );
      this.lineWaiters.push({
        re,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.alive) return;
    this.child!.kill(signal);
    if (signal === 'SIGSTOP') this.stopped = true;
    if (signal === 'SIGCONT') this.stopped = false;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit. */
  async stop(graceMs = 10_000): Promise<Exit> {
    if (!this.alive) return this.exited;
    if (this.stopped) this.signal('SIGCONT');
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }
}
