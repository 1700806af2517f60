import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildFilter, hasField, parseEventFormat, symbolNames } from './format.js';

const fmt = (name: string) =>
  parseEventFormat(readFileSync(new URL(`./fixtures/${name}.format`, import.meta.url), 'utf8'));

describe('event format files', () => {
  it('parses fields and the print format', () => {
    const f = fmt('inet_sock_set_state');
    expect(f.name).toBe('inet_sock_set_state');
    expect(f.id).toBeGreaterThan(0);
    expect(f.fields.find((x) => x.name === 'sport')).toEqual({
      name: 'sport',
      type: '__u16',
      offset: 24,
      size: 2,
      signed: false,
    });
    expect(f.fields.find((x) => x.name === 'saddr')?.type).toBe('__u8[4]');
  });
  it('lists every reset reason this kernel knows', () => {
    const f = fmt('tcp_send_reset');
    expect(hasField(f, 'reason')).toBe(true);
    expect(hasField(f, 'sport')).toBe(false);
    const reasons = symbolNames(f.printFmt, 'reason');
    expect(reasons.slice(0, 2)).toEqual(['NOT_SPECIFIED', 'NO_SOCKET']);
    expect(reasons).toContain('TCP_TIMEWAIT_SOCKET');
    expect(reasons).toContain('TCP_ABORT_ON_CLOSE');
  });
  it('builds kernel filters only from fields the format has', () => {
    const wants = { ports: [8006, 9000], signals: [13], pids: [] };
    expect(buildFilter('inet_sock_set_state', fmt('inet_sock_set_state'), wants)).toBe(
      'protocol == 6 && (sport == 8006 || dport == 8006 || sport == 9000 || dport == 9000)',
    );
    // tcp_send_reset prints sockaddrs here: no port fields, so no port filter (done in user space).
    expect(buildFilter('tcp_send_reset', fmt('tcp_send_reset'), wants)).toBe('');
    const sig = parseEventFormat(
      'name: signal_generate\nID: 1\nformat:\n\tfield:int sig;\toffset:8;\tsize:4;\tsigned:1;\n',
    );
    expect(buildFilter('signal_generate', sig, { ports: [], signals: [13, 9], pids: [] })).toBe(
      'sig == 13 || sig == 9',
    );
  });
  it('matches the running kernel when tracefs is readable', () => {
    let text: string;
    try {
      text = readFileSync('/sys/kernel/tracing/events/tcp/tcp_send_reset/format', 'utf8');
    } catch {
      return; // no tracefs on this machine: the fixture tests above still ran
    }
    expect(parseEventFormat(text).name).toBe('tcp_send_reset');
  });
});
