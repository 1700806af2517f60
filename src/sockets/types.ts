/**
 * @module sockets/types
 * The socket-table lens's data types: one row per TCP socket (netstat/ss columns plus owner,
 * timer, uid and inode), the options of `readSockets`, and the typed parse issues.
 */
import type { Endpoint, TcpState } from '../events.js';

/** Which kernel timer is armed on a socket, as `netstat -o` and `ss -o` name them. */
export type TimerKind = 'off' | 'on' | 'keepalive' | 'timewait' | 'persist' | 'unknown';

/** The timer columns of /proc/net/tcp (`tr`, `tm->when`, `retrnsmt`, `timeout`). */
export interface SocketTimer {
  readonly kind: TimerKind;
  /** Raw `tr` code: 0 none, 1 retransmit/probe, 2 keepalive, 3 TIME_WAIT, 4 zero-window probe. */
  readonly code: number;
  /** Time until the timer fires in USER_HZ ticks (1/100 s), as /proc prints it. */
  readonly expiresTicks: number;
  /** Same in milliseconds. */
  readonly expiresMs: number;
  /** Retransmissions of the current segment (`retrnsmt`). */
  readonly retransmits: number;
  /** Unanswered probes (keepalive/zero-window), /proc's `timeout` column. */
  readonly probes: number;
}

/** One process holding a socket open. */
export interface SocketOwner {
  readonly pid: number;
  readonly fd: number;
  /** `/proc/<pid>/comm` (what `ss -p` prints). */
  readonly comm: string;
  /** What `netstat -p` prints after `pid/`: argv[0], its basename when it is an absolute path. */
  readonly program: string;
  /** Whole command line, arguments joined by spaces (only with `cmdline: true`). */
  readonly cmdline?: string;
}

/** One TCP socket: a row of `netstat -tanp` / `ss -tanp`, with everything /proc knows. */
export interface SocketRow {
  readonly proto: 'tcp' | 'tcp6';
  /** Address family of the table the row came from (a v4-mapped address is family 6). */
  readonly family: 4 | 6;
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly state: TcpState;
  /** LISTEN: connections waiting in the accept queue. Otherwise: bytes not yet read (+1 for a FIN). */
  readonly recvQ: number;
  /** Bytes (and a FIN) sent but not yet acknowledged. */
  readonly sendQ: number;
  /** Socket inode; 0 for TIME_WAIT and SYN_RECV mini-sockets. */
  readonly inode: number;
  readonly uid: number;
  /** User name for `uid` from /etc/passwd, when known. */
  readonly user?: string;
  readonly timer: SocketTimer;
  /** First owner found (lowest pid, then lowest fd), as netstat picks it; absent for orphans. */
  readonly pid?: number;
  readonly fd?: number;
  readonly comm?: string;
  readonly program?: string;
  readonly cmdline?: string;
  /** Every owner, when more than one process holds the socket (e.g. after fork). */
  readonly owners?: readonly SocketOwner[];
}

/**
 * A row as the pure parser yields it: owner and user fields present but undefined (one object
 * shape for every row, filled in place by the reader).
 */
export type ProcTcpEntry = SocketRow;

/** Why a /proc/net/tcp line could not be used. Names the field and quotes the raw text. */
export interface ProcTcpIssue {
  readonly code: 'malformed-line' | 'bad-field' | 'unknown-state';
  /** /proc file the line came from (`tcp` or `tcp6`). */
  readonly proto: 'tcp' | 'tcp6';
  /** 1-based line number in the file (the header is line 1). */
  readonly lineNumber: number;
  /** Field name as /proc's header names it (`local_address`, `st`, `tx_queue`, …). */
  readonly field: string;
  /** The offending text. */
  readonly raw: string;
  readonly reason: string;
}

/** Options of `readSockets`. */
export interface ReadSocketsOptions {
  /** Root of procfs; tests point it at a fixture tree. Default `/proc`. */
  readonly procRoot?: string;
  /** Root under which `etc/passwd` is read for user names. Default `/`. */
  readonly rootDir?: string;
  /** Map sockets to owning processes by scanning `<procRoot>/<pid>/fd`. Default true. */
  readonly owners?: boolean;
  /** Also read each owner's full command line. Default false. */
  readonly cmdline?: boolean;
  /** Address families to read. Default both. */
  readonly families?: readonly (4 | 6)[];
  /** Resolve uids to user names. Default true. */
  readonly users?: boolean;
  /** Byte order of the /proc hex addresses. Default: this machine's (`os.endianness()`). */
  readonly endianness?: 'LE' | 'BE';
  /**
   * Scan fds on a worker thread too: true, false, or 'auto' (default: when net/sockstat counts
   * at least 3000 sockets). Only `readSockets` (async) uses it.
   */
  readonly parallel?: boolean | 'auto';
}

/** Counters of one owner scan; vanished processes and denied fds are counted, never fatal. */
export interface SocketScanStats {
  readonly processesScanned: number;
  /** Processes that disappeared between listing /proc and reading their fds. */
  readonly vanished: number;
  /** Processes or fds we were not allowed to read (EACCES/EPERM). */
  readonly denied: number;
  readonly fdsRead: number;
  readonly socketsOwned: number;
  readonly orphans: number;
  readonly durationMs: number;
}

export interface ReadSocketsResult {
  readonly rows: SocketRow[];
  readonly issues: ProcTcpIssue[];
  readonly stats: SocketScanStats;
}
