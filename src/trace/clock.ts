/**
 * @module trace/clock
 * The monotonic → realtime offset (DESIGN.md "One clock"). `Date.now()` only has millisecond
 * resolution, so instead of reading it next to the monotonic clock we spin until it ticks: the
 * millisecond boundary then lies between the monotonic readings around the two reads, which pins
 * the offset to about a microsecond. Several edges are sampled and the tightest one kept. The
 * clocks are injected; `process.hrtime.bigint()` is CLOCK_MONOTONIC on Linux, the clock tracefs
 * calls `mono`.
 */

/** A measured offset: realtime ns = mono ns + offsetNs, known within ± uncertaintyNs. */
export interface ClockOffset {
  readonly offsetNs: bigint;
  readonly uncertaintyNs: bigint;
  readonly samples: number;
}

/** The clocks to compare (injected for tests). */
export interface ClockSources {
  /** Realtime in whole milliseconds (`Date.now`). */
  readonly realtimeMs: () => number;
  /** CLOCK_MONOTONIC in ns (`process.hrtime.bigint`). */
  readonly monoNs: () => bigint;
}

const defaultSources: ClockSources = { realtimeMs: () => Date.now(), monoNs: () => process.hrtime.bigint() };

/**
 * Measures the offset over `edges` millisecond ticks of the realtime clock (each wait is bounded
 * to 50 ms of spinning), keeping the tightest.
 * @example const { offsetNs, uncertaintyNs } = measureClockOffset(); // realtime = mono + offsetNs
 */
export function measureClockOffset(edges = 5, sources: ClockSources = defaultSources): ClockOffset {
  let best: { offsetNs: bigint; widthNs: bigint } | undefined;
  let samples = 0;
  for (let e = 0; e < edges; e++) {
    const deadline = sources.monoNs() + 50_000_000n;
    let prevBefore = sources.monoNs();
    const startMs = sources.realtimeMs();
    for (;;) {
      const before = sources.monoNs();
      const ms = sources.realtimeMs();
      const after = sources.monoNs();
      if (ms !== startMs) {
        // The boundary ms*1e6 was crossed after the previous read (which began after prevBefore)
        // and no later than this read (which ended before `after`).
        const width = after - prevBefore;
        const mid = prevBefore + width / 2n;
        const offsetNs = BigInt(ms) * 1_000_000n - mid;
        samples++;
        if (!best || width < best.widthNs) best = { offsetNs, widthNs: width };
        break;
      }
      if (after > deadline) break;
      prevBefore = before;
    }
  }
  if (!best) {
    // A frozen realtime clock (only under a fake clock): fall back to one plain pair.
    const mono = sources.monoNs();
    return {
      offsetNs: BigInt(sources.realtimeMs()) * 1_000_000n - mono,
      uncertaintyNs: 1_000_000n,
      samples: 1,
    };
  }
  return { offsetNs: best.offsetNs, uncertaintyNs: best.widthNs / 2n + 1n, samples };
}
