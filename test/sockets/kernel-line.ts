/**
 * @module test/sockets/kernel-line
 * Test helper: writes /proc/net/tcp{,6} lines exactly as the kernel's get_tcp4_sock /
 * get_tcp6_sock / get_timewait*_sock format them (little-endian host), so fixtures and property
 * tests use the real layout.
 */

export interface KernelLineFields {
  sl: number;
  /** Address bytes in network order (4 or 16). */
  local: number[];
  localPort: number;
  remote: number[];
  remotePort: number;
  state: number;
  txQueue: number;
  rxQueue: number;
  timer: number;
  whenTicks: number;
  retransmits: number;
  uid: number;
  probes: number;
  inode: number;
  /** TIME_WAIT / request-socket layout: fewer trailing fields. */
  short?: boolean;
}

const hex = (v: number, width: number): string => v.toString(16).toUpperCase().padStart(width, '0');

/** The %08X of one 32-bit word read from memory on a little-endian machine. */
function wordLE(b: number[], i: number): string {
  const v = ((b[i + 3] ?? 0) << 24) | ((b[i + 2] ?? 0) << 16) | ((b[i + 1] ?? 0) << 8) | (b[i] ?? 0);
  return hex(v >>> 0, 8);
}

export function addrHexLE(bytes: number[]): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 4) s += wordLE(bytes, i);
  return s;
}

/** One line, padded like the kernel's seq_setwidth (to 149 chars for tcp). */
export function kernelLine(f: KernelLineFields): string {
  const head =
    `${String(f.sl).padStart(4)}: ${addrHexLE(f.local)}:${hex(f.localPort, 4)} ${addrHexLE(f.remote)}:${hex(f.remotePort, 4)} ` +
    `${hex(f.state, 2)} ${hex(f.txQueue, 8)}:${hex(f.rxQueue, 8)} ${hex(f.timer, 2)}:${hex(f.whenTicks, 8)} ` +
    `${hex(f.retransmits, 8)} ${String(f.uid).padStart(5)} ${String(f.probes).padStart(8)} ${f.inode}`;
  const tail = f.short ? ' 1 0000000000000000' : ' 1 0000000000000000 20 4 30 10 -1';
  const line = head + tail;
  return f.local.length === 4 ? line.padEnd(149) : line;
}

export const TCP_HEADER =
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     ';
export const TCP6_HEADER =
  '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';

export const V4 = (a: number, b: number, c: number, d: number): number[] => [a, b, c, d];
export const V6_LOOPBACK = [...Array<number>(15).fill(0), 1];
export const V6_ANY = Array<number>(16).fill(0);
export const V4_MAPPED = (a: number, b: number, c: number, d: number): number[] => [
  ...Array<number>(10).fill(0),
  0xff,
  0xff,
  a,
  b,
  c,
  d,
];
