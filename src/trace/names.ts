/**
 * @module trace/names
 * Linux signal and errno names (x86-64/arm64 numbering, the generic Linux ABI). Pure.
 */

const SIGNALS: readonly string[] = [
  '',
  'SIGHUP',
  'SIGINT',
  'SIGQUIT',
  'SIGILL',
  'SIGTRAP',
  'SIGABRT',
  'SIGBUS',
  'SIGFPE',
  'SIGKILL',
  'SIGUSR1',
  'SIGSEGV',
  'SIGUSR2',
  'SIGPIPE',
  'SIGALRM',
  'SIGTERM',
  'SIGSTKFLT',
  'SIGCHLD',
  'SIGCONT',
  'SIGSTOP',
  'SIGTSTP',
  'SIGTTIN',
  'SIGTTOU',
  'SIGURG',
  'SIGXCPU',
  'SIGXFSZ',
  'SIGVTALRM',
  'SIGPROF',
  'SIGWINCH',
  'SIGIO',
  'SIGPWR',
  'SIGSYS',
];

/**
 * @example signalName(13) // 'SIGPIPE'
 */
export function signalName(sig: number): string {
  return SIGNALS[sig] || (sig >= 34 && sig <= 64 ? `SIGRTMIN+${sig - 34}` : `SIG${sig}`);
}

/**
 * Parses `13`, `PIPE` or `SIGPIPE` (any case) into a signal number; undefined when unknown.
 * @example parseSignal('sigpipe') // 13
 */
export function parseSignal(text: string): number | undefined {
  const t = text.trim().toUpperCase();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    return n >= 1 && n <= 64 ? n : undefined;
  }
  const name = t.startsWith('SIG') ? t : `SIG${t}`;
  const i = SIGNALS.indexOf(name);
  return i > 0 ? i : undefined;
}

const ERRNO: Readonly<Record<number, string>> = {
  1: 'EPERM',
  2: 'ENOENT',
  4: 'EINTR',
  5: 'EIO',
  9: 'EBADF',
  11: 'EAGAIN',
  12: 'ENOMEM',
  13: 'EACCES',
  14: 'EFAULT',
  22: 'EINVAL',
  24: 'EMFILE',
  32: 'EPIPE',
  88: 'ENOTSOCK',
  90: 'EMSGSIZE',
  95: 'EOPNOTSUPP',
  98: 'EADDRINUSE',
  99: 'EADDRNOTAVAIL',
  100: 'ENETDOWN',
  101: 'ENETUNREACH',
  103: 'ECONNABORTED',
  104: 'ECONNRESET',
  105: 'ENOBUFS',
  106: 'EISCONN',
  107: 'ENOTCONN',
  110: 'ETIMEDOUT',
  111: 'ECONNREFUSED',
  113: 'EHOSTUNREACH',
  114: 'EALREADY',
  115: 'EINPROGRESS',
};

/**
 * @example errnoName(32) // 'EPIPE'
 */
export function errnoName(errno: number): string {
  return ERRNO[errno] ?? `E${errno}`;
}
