/**
 * @module trace/render
 * One explained line per kernel-lens event, tcpstates-like: time, local -> remote, OLD -> NEW,
 * time spent in the old state, owner pid/comm and a short meaning. Pure.
 */
import type { Endpoint, TimelineEvent } from '../events.js';
import type { Lang } from '../report/explain/explain.js';
import { resetReasonGloss, stateMeaning, traceNote } from './explain.js';

/** `HH:MM:SS.uuuuuu` (UTC unless `localOffsetMin` is given) of a realtime ns timestamp. */
export function formatClock(tsNs: bigint, localOffsetMin = 0): string {
  const us = tsNs / 1000n;
  const ms = Number(us / 1000n) - localOffsetMin * 60_000;
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const frac = String(us % 1_000_000n).padStart(6, '0');
  return `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${frac}`;
}

/** `1.234 ms`, `56 µs`, `2.5 s`. */
export function formatSpan(ns: bigint): string {
  const n = Number(ns);
  if (n < 1e6) return `${Math.round(n / 1e3)} µs`;
  if (n < 1e9) return `${(n / 1e6).toFixed(n < 1e7 ? 3 : 1)} ms`;
  return `${(n / 1e9).toFixed(n < 1e10 ? 3 : 1)} s`;
}

const ep = (e: Endpoint): string => (e.addr.includes(':') ? `[${e.addr}]:${e.port}` : `${e.addr}:${e.port}`);

function who(
  pid: number | undefined,
  comm: string | undefined,
  owner: boolean | undefined,
  lang: Lang,
): string {
  if (pid === undefined) return '-';
  return `${pid}/${comm ?? '?'}${owner === false ? ` ${traceNote('line-on-cpu', {}, lang)}` : ''}`;
}

/**
 * The watch line for one event.
 * @example formatWatchLine(stateEvent) // '16:30:01.123456 127.0.0.1:40000 -> 127.0.0.1:8006 ESTABLISHED -> CLOSE_WAIT (2.2 ms) 4242/client: the peer sent FIN; …'
 */
export function formatWatchLine(ev: TimelineEvent, lang: Lang = 'en', localOffsetMin = 0): string {
  const t = formatClock(ev.tsNs, localOffsetMin);
  switch (ev.kind) {
    case 'state': {
      const span = ev.inOldStateNs !== undefined ? ` (${formatSpan(ev.inOldStateNs)})` : '';
      const tag = ev.source === 'traced' ? '' : ` [${ev.source}]`;
      let meaning = stateMeaning(ev.oldState, ev.newState, lang);
      if (ev.source === 'sampled') meaning += `; ${traceNote('sampled', {}, lang)}`;
      else if (ev.source === 'synthesized' && ev.newState === 'TIME_WAIT')
        meaning += `; ${traceNote('time-wait-synthesized', {}, lang)}`;
      else if (ev.source === 'synthesized' && ev.oldState === 'TIME_WAIT')
        meaning = /reset/.test(ev.note ?? '')
          ? traceNote('time-wait-reset', {}, lang)
          : traceNote('time-wait-expired', { seconds: 60 }, lang);
      return `${t} ${ep(ev.local)} -> ${ep(ev.remote)} ${ev.oldState} -> ${ev.newState}${span}${tag} ${who(ev.pid, ev.comm, ev.pidIsOwner, lang)}: ${meaning}`;
    }
    case 'reset': {
      const state = ev.state !== undefined ? ` ${traceNote('line-in-state', { state: ev.state }, lang)}` : '';
      const reason =
        ev.reason !== undefined
          ? `; ${traceNote('line-reason', { reason: ev.reason }, lang)}: ${resetReasonGloss(ev.reason, lang)}`
          : '';
      const gloss = traceNote(ev.direction === 'sent' ? 'reset-sent' : 'reset-received', {}, lang);
      const what = traceNote(ev.direction === 'sent' ? 'line-rst-sent' : 'line-rst-received', {}, lang);
      return `${t} ${ep(ev.local)} -> ${ep(ev.remote)} ${what}${state} ${who(ev.pid, ev.comm, ev.pidIsOwner, lang)}: ${gloss}${reason}`;
    }
    case 'retransmit': {
      const state = ev.state !== undefined ? ` ${traceNote('line-in-state', { state: ev.state }, lang)}` : '';
      return `${t} ${ep(ev.local)} -> ${ep(ev.remote)} ${traceNote('line-retransmit', {}, lang)}${state}`;
    }
    case 'signal': {
      const result = traceNote(`signal-${ev.result}`, {}, lang);
      const extra = ev.sig === 13 ? `: ${traceNote('sigpipe', {}, lang)}` : '';
      const head = traceNote('line-signal', { signal: ev.signame, pid: ev.pid, comm: ev.comm }, lang);
      return `${t} ${head}: ${result}${extra}`;
    }
    case 'process': {
      const how =
        ev.signal != null
          ? traceNote('exit-signal', { signal: ev.signal }, lang)
          : ev.exitCode != null
            ? traceNote('exit-code', { code: ev.exitCode }, lang)
            : traceNote('exit-unknown', {}, lang);
      return `${t} ${traceNote('line-process', { pid: ev.pid, comm: ev.comm }, lang)} ${how}`;
    }
    case 'syscall':
      return `${t} ${ev.pid}/${ev.comm} ${ev.name}() = ${ev.ret}${ev.errno !== undefined ? ` ${ev.errno}` : ''}`;
    case 'marker':
      return `${t} marker${ev.pid !== undefined ? ` ${ev.pid}` : ''}: ${ev.text}`;
    case 'packet':
    case 'socket-snapshot':
    case 'annotation':
      return `${t} ${ev.kind}`;
  }
}
