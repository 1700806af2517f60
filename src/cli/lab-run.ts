/**
 * @module cli/lab-run
 * The bodies of `tcpscope lab server|client|list|run`, loaded only when one runs.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventToJson, jsonReplacer } from '../events.js';
import { runLabClient } from '../lab/client.js';
import { parseDurationMs } from '../sockets/duration.js';
import { runLab } from '../lab/runner.js';
import { findScenario, SCENARIOS } from '../lab/scenarios/index.js';
import { runLabServer } from '../lab/server.js';
import type { Lang } from '../report/explain/index.js';
import { renderLabReport } from '../report/lab.js';
import { InputError } from '../util/errors.js';

type Opts = Record<string, string | boolean | undefined>;

function int(v: string | boolean | undefined, name: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new InputError(`${name}: "${String(v)}" is not a whole number in ${min}..${max}`);
  return n;
}

function lang(v: string | boolean | undefined): Lang {
  if (v === 'en' || v === 'zh') return v;
  throw new InputError(`--lang: "${String(v)}" is not en or zh`);
}

const out = (line: string): void => void process.stdout.write(`${line}\n`);

export async function runServerCommand(o: Opts): Promise<void> {
  await startServer(o).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL')
      throw new InputError(`cannot listen on ${String(o.host)}:${String(o.port)}: ${e.code} (try --port 0)`);
    throw e;
  });
  await new Promise<never>(() => undefined); // serves until killed
}

async function startServer(o: Opts): Promise<number> {
  return runLabServer({
    port: int(o.port, '--port', 0, 65535),
    host: String(o.host),
    replySize: int(o.size, '--size', 1, 65536),
    keepWriting: o.keepWriting === true,
    intervalMs: parseDurationMs(String(o.interval), '--interval'),
    trapSignals: o.trapSignals === true,
    maxSends: int(o.maxSends, '--max-sends', 1, 1e9),
    log: out,
  });
}

export async function runClientCommand(o: Opts): Promise<void> {
  await runLabClient({
    port: int(o.port, '--port', 1, 65535),
    host: String(o.host),
    intervalMs: parseDurationMs(String(o.interval), '--interval'),
    size: int(o.size, '--size', 1, 65536),
    trapSignals: o.trapSignals === true,
    read: o.read === true,
    once: o.once === true,
    maxSends: int(o.maxSends, '--max-sends', 1, 1e9),
    log: out,
  });
}

export function listCommand(o: { lang: string; json?: boolean }): void {
  const l = lang(o.lang);
  if (o.json) {
    out(JSON.stringify(SCENARIOS.map((s) => ({ name: s.name, summary: s.summary[l] }))));
    return;
  }
  for (const s of SCENARIOS) out(`${s.name.padEnd(20)} ${s.summary[l]}`);
}

function stamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

export async function runCommand(name: string, o: Opts): Promise<void> {
  const scenario = findScenario(name);
  if (!scenario)
    throw new InputError(
      `no scenario "${name}" (tcpscope lab list shows them: ${SCENARIOS.map((s) => s.name).join(', ')})`,
    );
  const l = lang(o.lang);
  const port = o.port === 'auto' ? 'auto' : int(o.port, '--port', 0, 65535);
  const outDir = resolve(typeof o.out === 'string' ? o.out : `tcpscope-lab-${scenario.name}-${stamp()}`);
  const result = await runLab({
    scenario,
    intervalMs: parseDurationMs(String(o.interval), '--interval'),
    trapSignals: o.trapSignals === true,
    port,
    size: int(o.size, '--size', 1, 60000),
    outDir,
    cliPath: fileURLToPath(new URL('./main.js', import.meta.url)),
    progress: (line) => void process.stderr.write(`${line}\n`),
  });
  const report = renderLabReport(scenario, result, l);
  writeFileSync(join(outDir, 'timeline.ndjson'), result.events.map((e) => eventToJson(e) + '\n').join(''));
  writeFileSync(join(outDir, 'report.txt'), report);
  const failed = result.checks.filter((c) => !c.held);
  if (o.json) {
    out(
      JSON.stringify(
        {
          scenario: scenario.name,
          ok: failed.length === 0,
          outDir,
          facts: result.facts,
          checks: result.checks,
          notes: result.notes,
          childPids: result.childPids,
          traceInstance: result.traceInstance,
        },
        jsonReplacer,
      ),
    );
  } else {
    process.stdout.write(report);
    out(
      `saved: ${join(outDir, 'capture.pcap')}, ${join(outDir, 'timeline.ndjson')}, ${join(outDir, 'report.txt')}`,
    );
  }
  for (const c of failed)
    process.stderr.write(`tcpscope lab: expected observation did not hold: ${c.id}: ${c.detail}\n`);
  process.exitCode = failed.length === 0 ? 0 : 1;
}
