/**
 * @module analysis/row-prep
 * Summary rows written when a connection closes, not when it leaves the table. A closed
 * connection stays in the table for the linger time (2 s of capture) in case late packets come;
 * by then its state has left the CPU caches, and reading a dozen cold fields per connection was
 * the biggest cost of `--summary` on captures of many short connections. At close the state is
 * hot: the row body is written into a fixed slot of one slab. When the connection retires with
 * no packet since (the usual case), the slot is the row; otherwise the row is written again.
 */
import type { Connection } from './connection.js';
import type { TcpAnalyzer } from './engine.js';
import { RowBytes, verdictText, writeRowBody, type RowFields } from './summary-stream.js';
import { connWorthALook, rowFieldsOf } from './summary.js';
import { ZEEK_CONN_STATES, type ZeekConnState } from './types.js';

/** Receives a finished row body: id, conn_state, bytes[start, start + len), verdict text. */
export type RowSink = (
  id: number,
  state: ZeekConnState,
  bytes: Uint8Array,
  start: number,
  len: number,
  verdict: string | undefined,
) => void;

/** Slot size: an IPv4 row is about 140 bytes; longer rows are written at retire instead. */
const SLOT = 192;
/** `preparedState` bit: the connection was worth a look when prepared. */
const WORTH = 0x100;

/** Writes rows for `emit`: call `close` from `onClose` and `retire` from `onRetire`. */
export class RowPreparer {
  private slab = new Uint8Array(SLOT * 1024);
  private slots = 0;
  private readonly fields = {} as RowFields;
  private readonly tmp = new RowBytes(1024);

  constructor(
    private readonly emit: RowSink,
    private readonly lang: 'en' | 'zh' = 'en',
  ) {}

  /** For `AnalyzerOptions.onClose`. */
  readonly close = (conn: Connection, a: TcpAnalyzer): void => {
    const f = rowFieldsOf(conn, a.originSec, a.originFracNs, this.fields);
    const t = this.tmp;
    t.len = 0;
    writeRowBody(t, f);
    if (t.len > SLOT) {
      conn.preparedAt = -1;
      return;
    }
    if (conn.reporterSlot < 0) {
      if ((this.slots + 1) * SLOT > this.slab.length) {
        const bigger = new Uint8Array(this.slab.length * 2);
        bigger.set(this.slab);
        this.slab = bigger;
      }
      conn.reporterSlot = this.slots++;
    }
    this.slab.set(t.buf.subarray(0, t.len), conn.reporterSlot * SLOT);
    conn.preparedLen = t.len;
    const state = ZEEK_CONN_STATES.indexOf(f.state as ZeekConnState);
    conn.preparedState = state | (connWorthALook(conn, f.state) ? WORTH : 0);
    conn.preparedAt = conn.lastIndex;
  };

  /** For `AnalyzerOptions.onRetire`. */
  readonly retire = (conn: Connection, a: TcpAnalyzer): void => {
    if (conn.preparedAt === conn.lastIndex && !conn.evicted) {
      const s = conn.preparedState;
      this.emit(
        conn.id,
        ZEEK_CONN_STATES[s & 0xff]!,
        this.slab,
        conn.reporterSlot * SLOT,
        conn.preparedLen,
        s & WORTH ? verdictText(a.summarize(conn), this.lang) : undefined,
      );
      return;
    }
    const f = rowFieldsOf(conn, a.originSec, a.originFracNs, this.fields);
    const t = this.tmp;
    t.len = 0;
    writeRowBody(t, f);
    const state = f.state as ZeekConnState;
    this.emit(
      conn.id,
      state,
      t.buf,
      0,
      t.len,
      connWorthALook(conn, state) ? verdictText(a.summarize(conn), this.lang) : undefined,
    );
  };
}
