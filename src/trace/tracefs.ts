/**
 * @module trace/tracefs
 * The tracefs instance manager (I/O shell). Works only inside a private instance
 * `<root>/instances/<prefix>-<pid>[-n]`: the global buffer and global tracing state are never
 * touched. Every step is synchronous so teardown also works from `exit` and signal handlers.
 */
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  constants,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
  mkdirSync,
} from 'node:fs';
import { join } from 'node:path';
import { PermissionError, TcpscopeError } from '../util/errors.js';
import { buildFilter, parseEventFormat, type EventFormat, type FilterWants } from './format.js';

/** The tracefs root, mounting it when asked and allowed. Throws PermissionError when unusable. */
export function resolveTracefs(root: string, mount: boolean): { root: string; mounted: boolean } {
  if (existsSync(join(root, 'instances'))) return { root, mounted: false };
  if (mount) {
    try {
      mkdirSync(root, { recursive: true });
      execFileSync('mount', ['-t', 'tracefs', 'nodev', root], { stdio: 'ignore', timeout: 5000 });
    } catch {
      // fall through to the error below
    }
    if (existsSync(join(root, 'instances'))) return { root, mounted: true };
  }
  throw new PermissionError(
    `tracefs at ${root}`,
    `Not mounted or not accessible. As root: mount -t tracefs nodev ${root}`,
  );
}

/** Unmounts a tracefs we mounted ourselves (best effort: busy when others use it). */
export function unmountTracefs(root: string): boolean {
  try {
    execFileSync('umount', [root], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}

/** Writes an existing control file (flag r+: never creates one), ignoring failures. */
function quietWrite(path: string, text: string): void {
  try {
    writeFileSync(path, text, { flag: 'r+' });
  } catch {
    // best effort during teardown
  }
}

/** Disables every event of an instance and removes it; true when the directory is gone. */
export function destroyInstance(path: string): boolean {
  quietWrite(join(path, 'tracing_on'), '0');
  quietWrite(join(path, 'events', 'enable'), '0');
  for (let i = 0; i < 3; i++) {
    try {
      rmdirSync(path);
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') return true;
    }
  }
  return !existsSync(path);
}

/** Removes `<prefix>-<pid>` instances whose pid is gone; returns the names removed. */
export function removeStaleInstances(root: string, prefix: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(join(root, 'instances'));
  } catch {
    return removed;
  }
  const re = new RegExp(`^${prefix.replace(/[^A-Za-z0-9_]/g, '\\$&')}-(\\d+)(?:-\\d+)?$`);
  for (const name of names) {
    const m = re.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || pidAlive(pid)) continue;
    if (destroyInstance(join(root, 'instances', name))) removed.push(name);
  }
  return removed;
}

let seq = 0;

/** Creates a fresh private instance; returns its path. */
export function createInstance(root: string, prefix: string): string {
  for (let n = 0; n < 100; n++) {
    const name = n === 0 && seq === 0 ? `${prefix}-${process.pid}` : `${prefix}-${process.pid}-${++seq}`;
    const path = join(root, 'instances', name);
    try {
      mkdirSync(path);
      return path;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'EEXIST') {
        if (n === 0 && seq === 0) seq++;
        continue;
      }
      if (code === 'EACCES' || code === 'EPERM')
        throw new PermissionError(`creating ${path}`, 'Run as root (or with tracefs write access).');
      throw new TcpscopeError('TCPSCOPE_ERR_TRACEFS', `cannot create ${path}: ${(err as Error).message}`);
    }
  }
  throw new TcpscopeError('TCPSCOPE_ERR_TRACEFS', 'no free tracefs instance name');
}

/** Reads one event's format file from the instance; undefined when the kernel lacks the event. */
export function readEventFormat(instance: string, event: string): EventFormat | undefined {
  try {
    return parseEventFormat(readFileSync(join(instance, 'events', event, 'format'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Writes the event's filter (built from its format) and enables it; false when it is missing. */
export function enableEvent(instance: string, event: string, wants: FilterWants): EventFormat | undefined {
  const format = readEventFormat(instance, event);
  if (!format) return undefined;
  const dir = join(instance, 'events', event);
  const name = event.slice(event.indexOf('/') + 1);
  const filter = buildFilter(name, format, wants);
  if (filter !== '') {
    try {
      writeFileSync(join(dir, 'filter'), filter);
    } catch (err) {
      throw new TcpscopeError(
        'TCPSCOPE_ERR_TRACEFS',
        `filter "${filter}" rejected for ${event}: ${(err as Error).message}`,
      );
    }
  }
  writeFileSync(join(dir, 'enable'), '1');
  return format;
}

/** Rewrites an enabled event's filter (e.g. new ports); false when the kernel refuses it. */
export function refilterEvent(instance: string, event: string, wants: FilterWants): boolean {
  const format = readEventFormat(instance, event);
  if (!format) return false;
  const name = event.slice(event.indexOf('/') + 1);
  const filter = buildFilter(name, format, wants);
  try {
    writeFileSync(join(instance, 'events', event, 'filter'), filter === '' ? '0' : filter, { flag: 'r+' });
    return true;
  } catch {
    return false;
  }
}

/** Sets the instance's clock, buffer size and tgid recording. */
export function configureInstance(instance: string, bufferSizeKb: number): void {
  writeFileSync(join(instance, 'trace_clock'), 'mono');
  writeFileSync(join(instance, 'buffer_size_kb'), String(bufferSizeKb));
  quietWrite(join(instance, 'options', 'record-tgid'), '1');
}

/** Sum over CPUs of the ring buffer's overrun and dropped-event counters. */
export function readCpuStats(instance: string): { overrun: number; dropped: number } {
  let overrun = 0;
  let dropped = 0;
  let cpus: string[] = [];
  try {
    cpus = readdirSync(join(instance, 'per_cpu'));
  } catch {
    return { overrun, dropped };
  }
  for (const cpu of cpus) {
    let text = '';
    try {
      text = readFileSync(join(instance, 'per_cpu', cpu, 'stats'), 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const [k, v] = line.split(':');
      if (k === 'overrun') overrun += Number(v) || 0;
      else if (k === 'dropped events') dropped += Number(v) || 0;
    }
  }
  return { overrun, dropped };
}

/** Opens trace_pipe non-blocking (reads return EAGAIN when empty, so nothing blocks a thread). */
export function openTracePipe(instance: string): number {
  return openSync(join(instance, 'trace_pipe'), constants.O_RDONLY | constants.O_NONBLOCK);
}

export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

/** Names of instance events that are enabled (`set_event`), for leak checks. */
export function enabledEvents(instance: string): string[] {
  try {
    return readFileSync(join(instance, 'set_event'), 'utf8')
      .split('\n')
      .filter((l) => l !== '');
  } catch {
    return [];
  }
}
