import { describe, expect, it } from 'vitest';
import { parseKeyValues, parseSockaddr } from './fields.js';
import { inInterrupt, parseTraceLine } from './line.js';

// Lines as Linux 6.18 printed them in an instance with record-tgid and trace_clock=mono.
const STATE_SOFTIRQ =
  '      seedclient-8442    (   8442) [001] ..s2.   829.812082: inet_sock_set_state: family=AF_INET protocol=IPPROTO_TCP sport=37163 dport=56142 saddr=127.0.0.1 daddr=127.0.0.1 saddrv6=::ffff:127.0.0.1 daddrv6=::ffff:127.0.0.1 oldstate=TCP_LISTEN newstate=TCP_SYN_RECV';
const CONNECT =
  '            node-8442    (   8442) [001] .....   829.811950: inet_sock_set_state: family=AF_INET protocol=IPPROTO_TCP sport=0 dport=37163 saddr=127.0.0.1 daddr=127.0.0.1 saddrv6=::ffff:127.0.0.1 daddrv6=::ffff:127.0.0.1 oldstate=TCP_CLOSE newstate=TCP_SYN_SENT';
const UNKNOWN_TASK =
  '           <...>-8431    (-------) [000] .....   829.759721: inet_sock_set_state: family=AF_INET protocol=IPPROTO_TCP sport=37163 dport=0 saddr=127.0.0.1 daddr=0.0.0.0 saddrv6=::ffff:127.0.0.1 daddrv6=::ffff:0.0.0.0 oldstate=TCP_CLOSE newstate=TCP_LISTEN';
const V6 =
  '            curl-900     (    900) [000] .....   100.000001: inet_sock_set_state: family=AF_INET6 protocol=IPPROTO_TCP sport=0 dport=80 saddr=0.0.0.0 daddr=0.0.0.0 saddrv6=::1 daddrv6=::1 oldstate=TCP_CLOSE newstate=TCP_SYN_SENT';
const SEND_RESET =
  '      seedclient-8442    (   8442) [001] ..s1.   829.962253: tcp_send_reset: skbaddr=00000000dc70cdff skaddr=00000000dc381c90 src=127.0.0.1:37163 dest=127.0.0.1:56142 state=TCP_TIME_WAIT reason=TCP_TIMEWAIT_SOCKET';
const SEND_RESET_OLD =
  '          <idle>-0       [000] ..s.   50.100000: tcp_send_reset: skbaddr=000000001 skaddr=000000002 sport=8006 dport=40000 saddr=127.0.0.1 daddr=127.0.0.1 saddrv6=::ffff:127.0.0.1 daddrv6=::ffff:127.0.0.1';
const RECV_RESET =
  '      seedclient-8442    (   8442) [001] .....   829.962309: tcp_receive_reset: family=AF_INET sport=56142 dport=37163 saddr=127.0.0.1 daddr=127.0.0.1 saddrv6=::ffff:127.0.0.1 daddrv6=::ffff:127.0.0.1 sock_cookie=5e26';
const SIGNAL =
  '      seedclient-8442    (   8442) [001] dN.1.   830.112864: signal_generate: sig=13 errno=0 code=0 comm=Web Content pid=8442 grp=0 res=1';
const EXIT =
  '            node-8443    (   8442) [000] .....   830.113090: sched_process_exit: comm=node pid=8443 prio=120 group_dead=true';
const SYSCALL =
  '      seedclient-8442    (   8442) [001] .N...   830.112886: sys_write -> 0xffffffffffffffe0';
const EXIT_GROUP = '            node-15652   [000] .....  1365.212716: sys_exit_group(error_code: 0x1f)';
const MARKER =
  '            bash-7995    (   7995) [001] ...1.   777.678321: tracing_mark_write: marker: hello world';
const SPACED = ' npm exec tsc -p-9188    (   9188) [000] .....   905.229912: sys_exit_group(error_code: 0)';

describe('parseTraceLine', () => {
  it('parses a softirq state transition with its header', () => {
    const r = parseTraceLine(STATE_SOFTIRQ);
    expect(r).toMatchObject({
      type: 'state',
      comm: 'seedclient',
      tid: 8442,
      tgid: 8442,
      cpu: 1,
      flags: '..s2.',
      monoUs: 829812082,
      local: { addr: '127.0.0.1', port: 37163 },
      remote: { addr: '127.0.0.1', port: 56142 },
      oldState: 'LISTEN',
      newState: 'SYN_RECV',
      family: 4,
    });
    expect(r.type === 'state' && inInterrupt(r.flags)).toBe(true);
  });
  it('keeps sport=0 of CLOSE -> SYN_SENT and an unknown task', () => {
    expect(parseTraceLine(CONNECT)).toMatchObject({
      local: { port: 0 },
      remote: { port: 37163 },
      newState: 'SYN_SENT',
    });
    const r = parseTraceLine(UNKNOWN_TASK);
    expect(r).toMatchObject({ comm: '<...>', tid: 8431, newState: 'LISTEN' });
    expect(r.type === 'state' && r.tgid).toBe(undefined);
  });
  it('uses the v6 addresses for AF_INET6', () => {
    expect(parseTraceLine(V6)).toMatchObject({
      family: 6,
      local: { addr: '::1' },
      remote: { addr: '::1', port: 80 },
    });
  });
  it('parses resets in the new (sockaddr, reason) and old (ports, no reason) layouts', () => {
    expect(parseTraceLine(SEND_RESET)).toMatchObject({
      type: 'send-reset',
      local: { addr: '127.0.0.1', port: 37163 },
      remote: { port: 56142 },
      state: 'TIME_WAIT',
      reason: 'TCP_TIMEWAIT_SOCKET',
    });
    const old = parseTraceLine(SEND_RESET_OLD);
    expect(old).toMatchObject({ type: 'send-reset', tid: 0, local: { port: 8006 }, remote: { port: 40000 } });
    expect(old.type === 'send-reset' && old.reason).toBe(undefined);
    expect(parseTraceLine(RECV_RESET)).toMatchObject({ type: 'receive-reset', local: { port: 56142 } });
  });
  it('parses signals (comm with spaces), exits, syscalls, exit_group, markers', () => {
    expect(parseTraceLine(SIGNAL)).toMatchObject({
      type: 'signal',
      sig: 13,
      targetPid: 8442,
      targetComm: 'Web Content',
      result: 1,
    });
    expect(parseTraceLine(EXIT)).toMatchObject({ type: 'exit', tgid: 8442, exitTid: 8443, groupDead: true });
    expect(parseTraceLine(SYSCALL)).toMatchObject({ type: 'syscall', name: 'write', ret: -32 });
    expect(parseTraceLine(EXIT_GROUP)).toMatchObject({ type: 'exit-group', code: 31, tid: 15652 });
    expect(parseTraceLine(MARKER)).toMatchObject({ type: 'marker', text: 'marker: hello world' });
    expect(parseTraceLine(SPACED)).toMatchObject({ comm: 'npm exec tsc -p', tid: 9188, code: 0 });
  });
  it('counts lost events and reports garbage as an issue', () => {
    expect(parseTraceLine('CPU:1 [LOST 1234 EVENTS]')).toEqual({ type: 'lost', cpu: 1, count: 1234 });
    expect(parseTraceLine('garbage')).toMatchObject({ type: 'issue', raw: 'garbage' });
    expect(parseTraceLine(SEND_RESET.replace(/src=.*/, 'src=x'))).toMatchObject({ type: 'issue' });
  });
  it('never throws on any prefix of a valid line', () => {
    for (const l of [STATE_SOFTIRQ, SEND_RESET, SIGNAL, EXIT, SYSCALL, EXIT_GROUP])
      for (let i = 0; i <= l.length; i++) expect(() => parseTraceLine(l.slice(0, i))).not.toThrow();
  });
});

describe('helpers', () => {
  it('parses key=value bodies and sockaddrs', () => {
    expect([...parseKeyValues('a=1 b=x y c=')]).toEqual([
      ['a', '1'],
      ['b', 'x'],
      ['c', ''],
    ]);
    expect(parseSockaddr('[::1]:443')).toEqual({ addr: '::1', port: 443 });
    expect(parseSockaddr('[::ffff:10.0.0.1]:80')).toEqual({ addr: '10.0.0.1', port: 80 });
    expect(parseSockaddr('1.2.3.4:99999')).toBeUndefined();
  });
});

describe('parseTraceLine on arbitrary input', () => {
  it('never throws, whatever the line', async () => {
    const fc = await import('fast-check');
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const r = parseTraceLine(s);
        return typeof r.type === 'string';
      }),
      { numRuns: 3000, interruptAfterTimeLimit: 5000 },
    );
    const prefix = '  x-1 (    1) [000] .....   1.000001: ';
    fc.assert(
      fc.property(
        fc.constantFrom(
          'inet_sock_set_state',
          'tcp_send_reset',
          'signal_generate',
          'sched_process_exit',
          'sys_write',
        ),
        fc.string(),
        (ev, body) => {
          const r = parseTraceLine(`${prefix}${ev}: ${body}`);
          return typeof r.type === 'string';
        },
      ),
      { numRuns: 3000, interruptAfterTimeLimit: 5000 },
    );
  });
});
