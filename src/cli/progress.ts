/**
 * @module cli/progress
 * A progress bar on stderr for long reads: it appears only after the work has taken a second,
 * and only on a terminal.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number): void;
  stop(): void;
}

export function startProgress(total: number, delayMs = 1000): Progress {
  const startedAt = Date.now();
  let bar: cliProgress.SingleBar | undefined;
  let last = 0;
  return {
    update(done) {
      last = done;
      if (!bar && Date.now() - startedAt >= delayMs) {
        bar = new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format: 'reading [{bar}] {percentage}% | {value}/{total} bytes | ETA {eta}s',
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, done);
      }
      bar?.update(done);
    },
    stop() {
      if (bar) {
        bar.update(Math.max(last, total));
        bar.stop();
      }
    },
  };
}
