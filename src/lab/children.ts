/**
 * @module lab/children
 * The lab's child processes (the peers): spawned with an argv array, their stdout read line by
 * line, their exit recorded as a `ProcessEvent` (lens `lab`), and killed by pid on every exit path.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { ProcessEvent } from '../events.js';

/** Realtime now in ns (ms resolution: Date.now, the clock tcpdump also uses). */
export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/** One running peer. */
export class Peer {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly lines: { tsNs: bigint; text: string }[] = [];
  readonly exited: Promise<ProcessEvent>;
  exit: ProcessEvent | undefined;
  private waiters: { pred: (text: string) => boolean; resolve: (text: string) => void }[] = [];

  constructor(
    readonly role: 'client' | 'server',
    command: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv,
    onLine: (peer: Peer, text: string) => void,
  ) {
    this.child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    if (this.child.pid === undefined) throw new Error(`could not start the lab ${role}`);
    this.pid = this.child.pid;
    let buf = '';
    const take = (chunk: Buffer): void => {
      buf += chunk.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const text = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        this.lines.push({ tsNs: nowNs(), text });
        onLine(this, text);
        this.waiters = this.waiters.filter((w) => (w.pred(text) ? (w.resolve(text), false) : true));
      }
    };
    this.child.stdout?.on('data', take);
    this.child.stderr?.on('data', take);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exit = {
          kind: 'process',
          lens: 'lab',
          tsNs: nowNs(),
          action: 'exit',
          pid: this.pid,
          comm: `lab-${role}`,
          exitCode: code,
          signal,
        };
        resolve(this.exit);
      });
    });
  }

  /** Resolves with the first line (already seen or future) matching `pred`, or undefined at `timeoutMs`/exit. */
  waitLine(pred: (text: string) => boolean, timeoutMs: number): Promise<string | undefined> {
    const seen = this.lines.find((l) => pred(l.text));
    if (seen) return Promise.resolve(seen.text);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(undefined), timeoutMs);
      const done = (text: string | undefined): void => {
        clearTimeout(t);
        resolve(text);
      };
      this.waiters.push({ pred, resolve: done });
      void this.exited.then(() => setTimeout(() => done(undefined), 50));
    });
  }

  /** Resolves when the process has exited, or after `timeoutMs` (then with undefined). */
  async waitExit(timeoutMs: number): Promise<ProcessEvent | undefined> {
    let t: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((r) => (t = setTimeout(() => r(undefined), timeoutMs)));
    const r = await Promise.race([this.exited, timeout]);
    clearTimeout(t);
    return r;
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  /** Sends a signal by pid; ignores a process that is already gone. */
  signal(sig: NodeJS.Signals): void {
    if (!this.alive) return;
    try {
      process.kill(this.pid, sig);
    } catch {
      // already gone
    }
  }

  /** SIGKILL by pid and wait (bounded) for the exit. */
  async kill(): Promise<void> {
    this.signal('SIGKILL');
    await this.waitExit(3000);
  }
}
