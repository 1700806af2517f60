/**
 * @module test/sockets/fixture-tree
 * Builds a fixture procfs tree in a temp dir: net/tcp and net/tcp6 in the kernel's layout
 * (every state, IPv4, IPv6, v4-mapped, malformed lines), <pid>/fd symlinks `socket:[inode]`,
 * comm and cmdline files, a vanished process, and etc/passwd. Returns the paths; the caller
 * removes the tree.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  kernelLine,
  TCP6_HEADER,
  TCP_HEADER,
  V4,
  V4_MAPPED,
  V6_ANY,
  V6_LOOPBACK,
  type KernelLineFields,
} from './kernel-line.js';

const base: Omit<
  KernelLineFields,
  'sl' | 'local' | 'localPort' | 'remote' | 'remotePort' | 'state' | 'inode'
> = {
  txQueue: 0,
  rxQueue: 0,
  timer: 0,
  whenTicks: 0,
  retransmits: 0,
  uid: 1000,
  probes: 0,
};
const LO = V4(127, 0, 0, 1);
const ANY = V4(0, 0, 0, 0);
const DB8_1 = [
  0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56, 0x78,
];
const DB8_2 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

/** The v4 lines, in file order; comments give what netstat shows. */
export const TCP4_LINES: KernelLineFields[] = [
  { ...base, sl: 0, local: ANY, localPort: 22, remote: ANY, remotePort: 0, state: 0x0a, inode: 1001, uid: 0 },
  {
    ...base,
    sl: 1,
    local: LO,
    localPort: 8006,
    remote: ANY,
    remotePort: 0,
    state: 0x0a,
    inode: 1002,
    rxQueue: 3,
  },
  { ...base, sl: 2, local: LO, localPort: 8006, remote: LO, remotePort: 40000, state: 0x01, inode: 1003 },
  {
    ...base,
    sl: 3,
    local: LO,
    localPort: 40000,
    remote: LO,
    remotePort: 8006,
    state: 0x08,
    inode: 1004,
    rxQueue: 59,
  },
  {
    ...base,
    sl: 4,
    local: LO,
    localPort: 8007,
    remote: LO,
    remotePort: 40001,
    state: 0x04,
    inode: 0,
    txQueue: 1,
    timer: 1,
    whenTicks: 20,
    retransmits: 1,
  },
  {
    ...base,
    sl: 5,
    local: LO,
    localPort: 8008,
    remote: LO,
    remotePort: 40002,
    state: 0x05,
    inode: 0,
    timer: 3,
    whenTicks: 5000,
    short: true,
    uid: 0,
  },
  {
    ...base,
    sl: 6,
    local: LO,
    localPort: 40003,
    remote: LO,
    remotePort: 8009,
    state: 0x06,
    inode: 0,
    timer: 3,
    whenTicks: 5900,
    short: true,
    uid: 0,
  },
  {
    ...base,
    sl: 7,
    local: LO,
    localPort: 40004,
    remote: V4(127, 0, 0, 2),
    remotePort: 9,
    state: 0x02,
    inode: 1005,
    timer: 1,
    whenTicks: 300,
    retransmits: 2,
  },
  {
    ...base,
    sl: 8,
    local: LO,
    localPort: 8006,
    remote: LO,
    remotePort: 40005,
    state: 0x03,
    inode: 0,
    timer: 1,
    whenTicks: 100,
    short: true,
  },
  {
    ...base,
    sl: 9,
    local: LO,
    localPort: 40006,
    remote: LO,
    remotePort: 8010,
    state: 0x09,
    inode: 0,
    txQueue: 1,
  },
  {
    ...base,
    sl: 10,
    local: LO,
    localPort: 40007,
    remote: LO,
    remotePort: 8011,
    state: 0x0b,
    inode: 0,
    txQueue: 1,
  },
  {
    ...base,
    sl: 11,
    local: V4(10, 1, 2, 3),
    localPort: 5000,
    remote: ANY,
    remotePort: 0,
    state: 0x07,
    inode: 1006,
  },
  {
    ...base,
    sl: 12,
    local: LO,
    localPort: 40008,
    remote: LO,
    remotePort: 8006,
    state: 0x01,
    inode: 1007,
    timer: 2,
    whenTicks: 720000,
    probes: 2,
  },
  {
    ...base,
    sl: 13,
    local: LO,
    localPort: 40009,
    remote: LO,
    remotePort: 8012,
    state: 0x01,
    inode: 1008,
    txQueue: 5000,
    timer: 4,
    whenTicks: 40,
    probes: 3,
  },
];

export const TCP6_LINES: KernelLineFields[] = [
  {
    ...base,
    sl: 0,
    local: V6_LOOPBACK,
    localPort: 8080,
    remote: V6_ANY,
    remotePort: 0,
    state: 0x0a,
    inode: 2001,
  },
  {
    ...base,
    sl: 1,
    local: V4_MAPPED(127, 0, 0, 1),
    localPort: 9000,
    remote: V4_MAPPED(127, 0, 0, 1),
    remotePort: 50000,
    state: 0x01,
    inode: 2002,
  },
  {
    ...base,
    sl: 2,
    local: DB8_1,
    localPort: 443,
    remote: DB8_2,
    remotePort: 50001,
    state: 0x01,
    inode: 2003,
  },
  {
    ...base,
    sl: 3,
    local: V6_ANY,
    localPort: 22,
    remote: V6_ANY,
    remotePort: 0,
    state: 0x0a,
    inode: 2004,
    uid: 0,
  },
];

/** Malformed lines appended to tcp, each with the field the issue must name. */
export const BAD_TCP4: { line: string; field: string }[] = [
  { line: '  14: garbage', field: 'line' },
  {
    line: '  15: 0100007F0:1F46 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 9001 1 0',
    field: 'local_address',
  },
  {
    line: '  16: 0100007F:1F46 00000000:0000 ZZ 00000000:00000000 00:00000000 00000000  1000        0 9002 1 0',
    field: 'st',
  },
  {
    line: '  17: 0100007F:1F46 00000000:0000 0E 00000000:00000000 00:00000000 00000000  1000        0 9003 1 0',
    field: 'st',
  },
  {
    line: '  18: 0100007F:1F46 00000000:0000 0A 0000000G:00000000 00:00000000 00000000  1000        0 9004 1 0',
    field: 'tx_queue:rx_queue',
  },
  {
    line: '  19: 0100007F:1F46 00000000:0000 0A 00000000:00000000 00:00000000 00000000  -12x        0 9005 1 0',
    field: 'uid',
  },
  {
    line: '  20: 0100007F:1F4 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 9006 1 0',
    field: 'local_address',
  },
];

export interface FixtureTree {
  readonly procRoot: string;
  readonly rootDir: string;
}

function proc(
  procRoot: string,
  pid: number,
  comm: string,
  cmdline: string,
  fds: Record<number, string> | undefined,
): void {
  const dir = join(procRoot, String(pid));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'comm'), comm + '\n');
  writeFileSync(join(dir, 'cmdline'), cmdline);
  if (!fds) return; // a process that vanished: no fd directory any more
  mkdirSync(join(dir, 'fd'));
  for (const [fd, target] of Object.entries(fds)) symlinkSync(target, join(dir, 'fd', fd));
}

/** Creates the tree; `withBadLines` appends BAD_TCP4 to net/tcp. */
export function makeFixtureTree(withBadLines = false): FixtureTree {
  const root = mkdtempSync(join(tmpdir(), 'tcpscope-sockets-'));
  const procRoot = join(root, 'proc');
  mkdirSync(join(procRoot, 'net'), { recursive: true });
  const tcp = [
    TCP_HEADER,
    ...TCP4_LINES.map(kernelLine),
    ...(withBadLines ? BAD_TCP4.map((b) => b.line) : []),
  ];
  writeFileSync(join(procRoot, 'net', 'tcp'), tcp.join('\n') + '\n');
  writeFileSync(
    join(procRoot, 'net', 'tcp6'),
    [TCP6_HEADER, ...TCP6_LINES.map(kernelLine)].join('\n') + '\n',
  );
  writeFileSync(
    join(procRoot, 'net', 'sockstat'),
    'sockets: used 20\nTCP: inuse 12 orphan 4 tw 2 alloc 14 mem 1\n',
  );
  proc(procRoot, 100, 'sshd', '/usr/sbin/sshd\0-D\0', {
    0: '/dev/null',
    3: 'socket:[1001]',
    4: 'socket:[2004]',
  });
  proc(procRoot, 200, 'nginx', 'nginx: master process /usr/sbin/nginx\0', {
    5: 'socket:[1002]',
    6: 'socket:[1003]',
  });
  proc(procRoot, 201, 'nginx', 'nginx: worker process\0', { 6: 'socket:[1003]', 7: 'pipe:[77]' });
  proc(procRoot, 300, 'client', '/usr/bin/node\0/srv/client.js\0', {
    3: 'socket:[1004]',
    4: 'socket:[1007]',
    5: 'socket:[1008]',
  });
  proc(procRoot, 400, 'python3', '/usr/bin/python3-with-a-very-long-name\0app.py\0', {
    3: 'socket:[2001]',
    4: 'socket:[2002]',
  });
  proc(procRoot, 500, 'gone', '', undefined);
  proc(procRoot, 600, 'idle', '/bin/sleep\0' + '100\0', {
    0: '/dev/null',
    1: 'anon_inode:[eventfd]',
    2: 'socket:[424242]',
  });
  proc(procRoot, 700, 'syn', 'synner\0', { 9: 'socket:[1005]', 10: 'socket:[1006]' });
  mkdirSync(join(root, 'etc'));
  writeFileSync(
    join(root, 'etc', 'passwd'),
    'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\nbroken line\n',
  );
  return { procRoot, rootDir: root };
}
