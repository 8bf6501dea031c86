// Who holds a claim on a SQLite file (docs/operations.md "Workers"). One process serves
// the file, but others drive the executions they start (`weft run`, an application that
// does not serve); their claims last while they live. A worker names itself
// `host:pid:tag` by default (claims.ts), so the serving process can tell, on its own
// machine, whether the process behind a claim still runs: the kernel knows its pid.
//
// Decision: a probe of the kernel, not a heartbeat or a lock per process. The holder
// counts as alive only when a process with its pid runs on this machine AND has this
// database file open (Linux: /proc/PID/fd): a copy of the file (a backup restored beside
// the original) carries the claims of the process that serves the original, which must
// not keep them. A probe that cannot tell (another machine, a name of its own given with
// --name, no /proc, another user's process) counts the holder as gone, as every holder
// did before this check: a SQLite file is used by the processes of one machine, and a
// named process is a serving one, of which the file has one, the caller. A reused pid
// that happens to have the file open is the one way to keep a dead holder's claims, as
// before, until that process ends too.
import { readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { hostname } from 'node:os';

export type HolderState = 'this-process' | 'alive' | 'gone';

/** Whether process `pid` has `file` open (Linux); false when it cannot be told. */
function hasOpen(pid: number, file: string): boolean {
  const dir = `/proc/${pid}/fd`;
  let fds: string[];
  try {
    fds = readdirSync(dir);
  } catch {
    return false; // no such process, no /proc, or not ours to read
  }
  for (const fd of fds) {
    try {
      if (readlinkSync(`${dir}/${fd}`) === file) return true;
    } catch {
      // closed meanwhile
    }
  }
  return false;
}

/** The path the kernel shows for `path` (symlinks resolved), or `path` itself. */
export function kernelPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * The state of the process a claim names (`host:pid:tag`), for the database at `file`
 * (kernelPath of it).
 */
export function holderState(name: string, file: string, host = hostname()): HolderState {
  const parts = name.split(':');
  if (parts.length < 3) return 'gone';
  const pid = Number(parts[parts.length - 2]);
  if (parts.slice(0, -2).join(':') !== host || !Number.isSafeInteger(pid) || pid <= 0)
    return 'gone';
  if (pid === process.pid) return 'this-process';
  return hasOpen(pid, file) ? 'alive' : 'gone';
}
