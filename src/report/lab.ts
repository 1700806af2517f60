/**
 * @module report/lab
 * The `tcpscope lab run` report (text, English or Simplified Chinese): the scenario, the lenses
 * that ran, the expected packets, one merged timeline (packet lines exactly as `tcpdump -n` prints
 * them with their explanations; state transitions, resets, signals, syscalls, peer send results,
 * exits and socket-table snapshots indented with their time), the checks, the conclusion and the
 * fix. Pure: it reads the run's result, never the OS.
 */
import type { SocketRowSummary, SocketSnapshotEvent, TimelineEvent } from '../events.js';
import { renderPacketNotes } from '../analysis/render.js';
import { labText } from '../lab/explain.js';
import type { LabRunResult } from '../lab/runner.js';
import type { Scenario } from '../lab/scenario.js';
import { explain, type Lang } from './explain/index.js';

const SIGNO: Readonly<Record<string, number>> = {
  SIGINT: 2,
  SIGKILL: 9,
  SIGPIPE: 13,
  SIGTERM: 15,
  SIGHUP: 1,
};
const NOTE = '      # ';

function ep(e: { addr: string; port: number }): string {
  return e.addr.includes(':') ? `[${e.addr}]:${e.port}` : `${e.addr}:${e.port}`;
}

function since(tsNs: bigint, t0: bigint): string {
  const us = Number((tsNs - t0) / 1000n);
  return `+${(us / 1e6).toFixed(6)}s`.padStart(12);
}

/** netstat -tanp-like rows for one snapshot, with the notes that explain surprising numbers. */
export function renderSnapshot(
  s: SocketSnapshotEvent,
  size: number,
  lang: Lang,
  hadConnection = false,
): string[] {
  const out = [
    '      Proto Recv-Q Send-Q Local Address          Foreign Address        State       PID/Program name',
  ];
  const notes: string[] = [];
  for (const r of s.rows) {
    const owner = r.pid !== undefined ? `${r.pid}/${r.comm ?? '?'}` : '-';
    const remote = r.state === 'LISTEN' ? '0.0.0.0:*' : ep(r.remote);
    out.push(
      `      ${r.proto.padEnd(5)} ${String(r.recvQ).padStart(6)} ${String(r.sendQ).padStart(6)} ${ep(r.local).padEnd(22)} ${remote.padEnd(22)} ${r.state.padEnd(11)} ${owner}`,
    );
    notes.push(...rowNotes(r, size, lang));
  }
  if (hadConnection && !s.rows.some((r) => r.state !== 'LISTEN')) notes.push(labText('rows-gone', {}, lang));
  return [...out, ...[...new Set(notes)].map((n) => NOTE + n)];
}

function rowNotes(r: SocketRowSummary, size: number, lang: Lang): string[] {
  const n: string[] = [];
  if (r.state === 'LISTEN') return n;
  if (r.state === 'CLOSE_WAIT' && r.recvQ > 0 && r.recvQ === size + 1)
    n.push(explain('recv-q-includes-fin', { recvQ: r.recvQ, unread: r.recvQ - 1 }, lang));
  if ((r.state === 'FIN_WAIT1' || r.state === 'LAST_ACK') && r.sendQ === 1)
    n.push(labText('sendq-fin', {}, lang));
  if (r.pid === undefined && r.state !== 'TIME_WAIT') n.push(labText('orphan-owner', {}, lang));
  return n;
}

function who(pid: number | undefined, facts: LabRunResult['facts']): string {
  if (pid === facts.clientPid) return `lab-client[${pid}]`;
  if (pid === facts.serverPid) return `lab-server[${pid}]`;
  return pid === undefined ? '?' : `pid ${pid}`;
}

/** One non-packet event as an indented line (undefined: not shown). */
function eventLine(
  e: TimelineEvent,
  r: LabRunResult,
  lang: Lang,
  kernelMarkers: Set<string>,
): string[] | undefined {
  const f = r.facts;
  const side = (l: { port: number }): string =>
    labText(l.port === f.serverPort ? 'ev-side-server' : 'ev-side-client', {}, lang);
  switch (e.kind) {
    case 'state': {
      const dur =
        e.inOldStateNs !== undefined
          ? ` (${labText('ev-in-state', { ms: (Number(e.inOldStateNs / 1000n) / 1000).toFixed(3), state: e.oldState }, lang)})`
          : '';
      return [`[kernel] ${side(e.local)} ${ep(e.local)}: ${e.oldState} -> ${e.newState}${dur}`];
    }
    case 'reset':
      return [
        `[kernel] ${side(e.local)} ${ep(e.local)} ${labText(e.direction === 'sent' ? 'ev-reset-sent' : 'ev-reset-received', {}, lang)}` +
          (e.state ? ` ${labText('ev-reset-in', { state: e.state }, lang)}` : '') +
          (e.reason ? `, ${labText('ev-reason', { reason: e.reason }, lang)}` : ''),
      ];
    case 'retransmit':
      return [`[kernel] ${side(e.local)} ${ep(e.local)} retransmits`];
    case 'signal': {
      const lines = [
        `[kernel] ${labText('ev-signal', { signame: e.signame, sig: e.sig, who: who(e.pid, f), result: e.result }, lang)}`,
      ];
      if (e.sig === 13 && e.result === 'delivered') lines.push(NOTE + explain('epipe-sigpipe', {}, lang));
      return lines;
    }
    case 'syscall':
      return [`[kernel] ${who(e.pid, f)} ${e.name}() = ${e.ret}${e.errno ? ` ${e.errno}` : ''}`];
    case 'process': {
      const name = `${who(e.pid, f)}`;
      if (e.action !== 'exit') return [`[${e.lens}] ${name} started`];
      const text = e.signal
        ? labText('exit-signal', { who: name, signal: e.signal, status: 128 + (SIGNO[e.signal] ?? 0) }, lang)
        : labText('exit-code', { who: name, code: String(e.exitCode ?? '?') }, lang);
      return [`[${e.lens === 'lab' ? 'lab' : 'kernel'}] ${text}`];
    }
    case 'marker': {
      // Peer lines: on the kernel clock when the kernel lens ran, else as the lab read them.
      if (e.lens === 'lab' && kernelMarkers.has(e.text)) return undefined;
      return [`[${e.lens === 'lab' ? 'peer' : 'process'}] ${e.text.replace(/^tcpscope-lab /, '')}`];
    }
    case 'socket-snapshot': {
      const before = r.events.some(
        (x) =>
          x.kind === 'socket-snapshot' && x.tsNs < e.tsNs && x.rows.some((row) => row.state !== 'LISTEN'),
      );
      return ['[socket table]', ...renderSnapshot(e, f.size, lang, before)];
    }
    case 'annotation':
      return [`[note] ${e.text}`];
    case 'packet':
      return undefined;
  }
}

/**
 * The whole report.
 * @example process.stdout.write(renderLabReport(scenario, result, 'zh'));
 */
export function renderLabReport(scenario: Scenario, r: LabRunResult, lang: Lang = 'en'): string {
  const f = r.facts;
  const out: string[] = [];
  out.push(
    `tcpscope lab run ${scenario.name}${f.trapSignals ? ' --trap-signals' : ''}`,
    '',
    scenario.about[lang],
    '',
  );
  out.push(
    `server 127.0.0.1:${f.serverPort} ${who(f.serverPid, f)}, client ${who(f.clientPid, f)}, ${f.size} bytes per message`,
  );
  const clock = r.clock ? `, kernel clock offset known within ±${r.clock.uncertaintyNs} ns` : '';
  out.push(
    `${labText('lenses', {}, lang)}: packets ${f.lenses.wire ? `on (${r.packets.lines.length})` : 'OFF'}, kernel+process ${f.lenses.kernel ? 'on' : 'OFF'}${clock}, socket table ${f.lenses.sockets ? `on (${r.socketSamples} samples, changes kept)` : 'OFF'}`,
  );
  for (const n of r.notes) out.push(`! ${n}`);
  out.push('', labText('heading-expected', {}, lang), ...scenario.expectedPackets.map((p) => `  ${p}`));
  out.push('', labText('heading-timeline', {}, lang), '');
  const t0 = r.events[0]?.tsNs ?? 0n;
  const kernelMarkers = new Set(
    r.events
      .filter((e) => e.kind === 'marker' && e.lens !== 'lab')
      .map((e) => (e.kind === 'marker' ? e.text : '')),
  );
  for (const e of r.events) {
    if (e.kind === 'packet') {
      out.push(r.packets.lines[e.index] ?? e.line);
      out.push(
        ...renderPacketNotes(r.packets.analysis[e.index], lang).map((n) => NOTE + n.replace(/^\s*#\s*/, '')),
      );
      continue;
    }
    const lines = eventLine(e, r, lang, kernelMarkers);
    if (!lines) continue;
    out.push(`  ${since(e.tsNs, t0)} ${lines[0]}`, ...lines.slice(1));
  }
  out.push('', labText('heading-checks', {}, lang));
  const texts = new Map(scenario.expectations(f.trapSignals).map((x) => [x.id, x.text[lang]]));
  for (const c of r.checks) {
    const mark = c.held ? 'ok  ' : c.unchecked ? 'SKIP' : 'FAIL';
    out.push(`  ${mark} ${c.id}: ${texts.get(c.id) ?? ''}`, `         ${c.detail}`);
  }
  const failed = r.checks.filter((c) => !c.held).length;
  out.push(
    failed === 0
      ? `  => ${labText('all-held', { n: r.checks.length }, lang)}`
      : `  => ${labText('some-failed', { failed, n: r.checks.length }, lang)}`,
  );
  const unchecked = r.checks.filter((c) => c.unchecked).length;
  if (unchecked > 0) out.push(`     ${labText('unchecked', { n: unchecked }, lang)}`);
  out.push('', labText('heading-conclusion', {}, lang));
  if (scenario.name === 'close-wait-client') {
    out.push(`  ${labText('conclusion-close-wait-client', { recvQ: f.size + 1, size: f.size }, lang)}`);
    out.push(`  ${labText(f.trapSignals ? 'ending-trapped' : 'ending-dies', {}, lang)}`);
  } else {
    out.push(`  ${labText('conclusion-close-wait-server', {}, lang)}`);
  }
  out.push(
    '',
    labText('heading-fix', {}, lang),
    `  ${labText('fix', {}, lang)}`,
    `  (${explain('close-wait-lesson', {}, lang)})`,
    '',
  );
  return out.join('\n');
}
