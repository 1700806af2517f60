/**
 * Induced loss between two network namespaces created here (veth pair, 10.213.0.0/30 inside
 * them only), with nftables at the receiver's prerouting hook dropping exactly one
 * data segment: the first one whose payload starts with 'F' (the 6th of 12 back-to-back
 * MSS-sized writes), once,
 * via a 1500-byte quota (the retransmission exceeds it and passes). Dropping in the sender's own
 * output hook does not work: TCP sees the local drop and resends at once, so no loss is visible.
 * Captured on the sender's veth, where the receiver's duplicate ACKs and the retransmission show. The
 * retransmission goes out after later segments; measured here: one duplicate ACK (with SACK),
 * then the resend, which Wireshark (and tcpscope) label Out-Of-Order because it follows the newest
 * segment within the handshake RTT.
 * Captured on the receiver's veth; flags compared frame by frame with tshark.
 * (This kernel has no netem; random loss would be `numgen random mod 10 < 1 drop`, not used
 * here because a test needs a deterministic expectation.)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeFile, ourFlags, sleep, startTcpdump, tempDir, tsharkFlags } from './harness.js';

const id = randomBytes(3).toString('hex');
const NS_A = `tcpscope-${id}-a`;
const NS_B = `tcpscope-${id}-b`;
const PORT = 8006; // inside a namespace of our own: no other listener can exist there
const tools = ['ip', 'nft', 'tcpdump', 'tshark'].every(
  (t) => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0,
);
const children: ChildProcess[] = [];
const tmp = tempDir();

function sh(cmd: string): void {
  const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
}

const SERVER = `const s=require('net').createServer(c=>{c.on('data',()=>{});c.on('end',()=>c.end())});s.listen(${PORT},'10.213.0.2',()=>console.log('up'));setTimeout(()=>process.exit(0),20000)`;
const CLIENT = `const c=require('net').connect({port:${PORT},host:'10.213.0.2',noDelay:true},async()=>{for(let i=0;i<12;i++)c.write(Buffer.alloc(1448,65+i));setTimeout(()=>c.end(),1500)});c.on('close',()=>process.exit(0));setTimeout(()=>process.exit(1),15000)`;

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
  });

  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    spawnSync('ip', ['netns', 'del', NS_A]);
    spawnSync('ip', ['netns', 'del', NS_B]);
    tmp.remove();
  });

  it('one segment lost on the way (sender-side capture): dup ACKs, then a (fast) retransmission; tshark agrees', async () => {
    const file = `${tmp.dir}/loss.pcap`;
    const cap = await startTcpdump(file, `veth-${id}a`, `tcp port ${PORT}`, NS_A);
    const server = spawn('ip', ['netns', 'exec', NS_B, process.execPath, '-e', SERVER], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(server);
    await new Promise<void>((r) => server.stdout.once('data', () => r()));
    const client = spawn('ip', ['netns', 'exec', NS_A, process.execPath, '-e', CLIENT], { stdio: 'inherit' });
    children.push(client);
    const code = await new Promise<number | null>((r) => client.once('exit', r));
    expect(code).toBe(0);
    await sleep(200);
    await cap.stop();
    server.kill('SIGKILL');
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
});
