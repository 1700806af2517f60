/**
 * Induced loss and reordering between two network namespaces created here (veth pair,
 * 10.213.0.0/30 inside them only). This kernel has no netem, so:
 * - Loss: nftables at the receiver's prerouting hook drops exactly one data segment, the first
 *   whose payload starts with 'F' (the 6th of 12 back-to-back MSS-sized writes), once, via a
 *   1500-byte quota (the retransmission exceeds it and passes). Dropping in the sender's own
 *   output hook does not work: TCP sees the local drop and resends at once. Captured on the
 *   sender's veth, where the receiver's duplicate ACKs and the retransmission show.
 * - Reordering: an HTB qdisc on the sender's veth with a slow class that nftables feeds the 'E'
 *   and 'F' segments (`meta priority set 1:20`): F waits about 2 ms while the later segments
 *   overtake it. Captured on the receiver's veth, where the gap and the late segment show.
 * Per-packet flags are compared frame by frame with tshark. (Random loss would be
 * `numgen random mod 10 < 1 drop`, not used here because a test needs a deterministic
 * expectation.)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeFile, ourFlags, sleep, startTcpdump, tempDir, tsharkFlags } from './harness.js';

const id = randomBytes(3).toString('hex');
const NS_A = `tcpscope-${id}-a`;
const NS_B = `tcpscope-${id}-b`;
const PORT = 8006; // inside a namespace of our own: no other listener can exist there
const REORDER_PORT = 8007;
const tools = ['ip', 'nft', 'tc', 'tcpdump', 'tshark'].every(
  (t) => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0,
);
const children: ChildProcess[] = [];
const tmp = tempDir();

function sh(cmd: string): void {
  const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
}

const server = (port: number) =>
  `const s=require('net').createServer(c=>{c.on('data',()=>{});c.on('end',()=>c.end())});s.listen(${port},'10.213.0.2',()=>console.log('up'));setTimeout(()=>process.exit(0),20000)`;
const client = (port: number) =>
  `const c=require('net').connect({port:${port},host:'10.213.0.2',noDelay:true},async()=>{for(let i=0;i<12;i++)c.write(Buffer.alloc(1448,65+i));setTimeout(()=>c.end(),1500)});c.on('close',()=>process.exit(0));setTimeout(()=>process.exit(1),15000)`;

describe.runIf(tools && process.getuid?.() === 0)('loss and reordering between network namespaces', () => {
  beforeAll(() => {
    sh(`ip netns add ${NS_A} && ip netns add ${NS_B}`);
    sh(`ip link add veth-${id}a netns ${NS_A} type veth peer name veth-${id}b netns ${NS_B}`);
    sh(
      `ip -n ${NS_A} addr add 10.213.0.1/30 dev veth-${id}a && ip -n ${NS_A} link set veth-${id}a up && ip -n ${NS_A} link set lo up`,
    );
    sh(
      `ip -n ${NS_B} addr add 10.213.0.2/30 dev veth-${id}b && ip -n ${NS_B} link set veth-${id}b up && ip -n ${NS_B} link set lo up`,
    );
    // No offloads, so tcpdump sees the segments as sent (no GSO super-packets).
    spawnSync('sh', [
      '-c',
      `ip netns exec ${NS_A} ethtool -K veth-${id}a tso off gso off gro off 2>/dev/null; ip netns exec ${NS_B} ethtool -K veth-${id}b tso off gso off gro off 2>/dev/null`,
    ]);
    sh(
      `ip netns exec ${NS_B} nft -f - <<'EOF'
table inet tcpscope_loss {
  chain pre {
    type filter hook prerouting priority -300; policy accept;
    tcp dport ${PORT} counter
    tcp dport ${PORT} @ih,0,8 0x46 counter quota until 1500 bytes drop
  }
}
EOF`,
    );
    // Reordering: the sender's veth gets an HTB qdisc with a fast default class and a slow one
    // (6 Mbit/s, a 10-byte bucket). nftables puts the segments starting with 'E' and 'F' (once
    // each, by quota) in the slow class: HTB lets E out at once and charges the class for it,
    // so F waits about 2 ms while the later segments overtake it. Nothing is dropped.
    sh(
      `ip netns exec ${NS_A} tc qdisc add dev veth-${id}a root handle 1: htb default 10 && ` +
        `ip netns exec ${NS_A} tc class add dev veth-${id}a parent 1: classid 1:10 htb rate 10gbit && ` +
        `ip netns exec ${NS_A} tc class add dev veth-${id}a parent 1: classid 1:20 htb rate 6mbit burst 10 cburst 10`,
    );
    sh(
      `ip netns exec ${NS_A} nft -f - <<'EOF'
table inet tcpscope_reorder {
  chain out {
    type filter hook output priority 0; policy accept;
    tcp dport ${REORDER_PORT} @ih,0,8 { 0x45, 0x46 } counter quota until 3000 bytes meta priority set 1:20
  }
}
EOF`,
    );
  });

  /** Runs the 12-segment client against the server on `port`, capturing on `dev` in `ns`. */
  async function exchange(port: number, file: string, dev: string, ns: string): Promise<void> {
    const cap = await startTcpdump(file, dev, `tcp port ${port}`, ns);
    const srv = spawn('ip', ['netns', 'exec', NS_B, process.execPath, '-e', server(port)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(srv);
    await new Promise<void>((r) => srv.stdout.once('data', () => r()));
    const cli = spawn('ip', ['netns', 'exec', NS_A, process.execPath, '-e', client(port)], {
      stdio: 'inherit',
    });
    children.push(cli);
    const code = await new Promise<number | null>((r) => cli.once('exit', r));
    expect(code).toBe(0);
    await sleep(200);
    await cap.stop();
    srv.kill('SIGKILL');
  }

  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    spawnSync('ip', ['netns', 'del', NS_A]);
    spawnSync('ip', ['netns', 'del', NS_B]);
    tmp.remove();
  });

  it('one segment lost on the way (sender-side capture): dup ACKs, then a (fast) retransmission; tshark agrees', async () => {
    const file = `${tmp.dir}/loss.pcap`;
    await exchange(PORT, file, `veth-${id}a`, NS_A);
    const { connections } = analyzeFile(file);
    expect(connections).toHaveLength(1);
    const c = connections[0]!;
    expect(c.connState).toBe('SF');
    expect(c.history).toMatch(/^ShAD.*T/); // Zeek: the late retransmission is 'T'
    expect(c.flagCounts['previous-segment-not-captured']).toBeUndefined(); // the sender saw everything
    // Duplicate ACKs appear only when later segments reach the receiver before the resend (SACK +
    // RACK); under load the tail-loss probe or the RTO may resend first, so they are not required.
    const resent =
      (c.flagCounts['retransmission'] ?? 0) +
      (c.flagCounts['fast-retransmission'] ?? 0) +
      (c.flagCounts['out-of-order'] ?? 0) +
      (c.flagCounts['spurious-retransmission'] ?? 0);
    expect(resent).toBeGreaterThanOrEqual(1);
    expect(ourFlags(file)).toEqual(tsharkFlags(file));
  });

  it('one segment delayed behind later ones (receiver-side capture): a gap, then the late segment; tshark agrees', async () => {
    const file = `${tmp.dir}/reorder.pcap`;
    await exchange(REORDER_PORT, file, `veth-${id}b`, NS_B);
    const { connections, packets } = analyzeFile(file);
    expect(connections).toHaveLength(1);
    const c = connections[0]!;
    expect(c.connState).toBe('SF');
    // The receiver saw sequence space skipped (the overtaking segments)...
    expect(c.flagCounts['previous-segment-not-captured']).toBeGreaterThanOrEqual(1);
    // ...then the delayed segment (or the sender's fast resend, whichever came first) filled it:
    // Wireshark's rule calls it Out-Of-Order only within the handshake RTT (tens of µs here),
    // so a 2 ms delay reads as a retransmission.
    const late =
      (c.flagCounts['out-of-order'] ?? 0) +
      (c.flagCounts['retransmission'] ?? 0) +
      (c.flagCounts['fast-retransmission'] ?? 0) +
      (c.flagCounts['spurious-retransmission'] ?? 0);
    expect(late).toBeGreaterThanOrEqual(1);
    // The receiver answered the gap with duplicate ACKs.
    expect(c.flagCounts['duplicate-ack']).toBeGreaterThanOrEqual(1);
    expect(packets.some((p) => p?.flags.includes('previous-segment-not-captured'))).toBe(true);
    expect(ourFlags(file)).toEqual(tsharkFlags(file));
  });
});
