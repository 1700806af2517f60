#!/usr/bin/env node
// Runs every benchmark script in sequence (or those named on the command line), each in its own
// node process so one's memory does not colour the next. Each script prints its own ratios
// against the reference tools (tcpdump, tshark, netstat, ss) measured in the same run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// One entry per area; scripts are added by the area that owns them.
const scripts = ['read.mjs', 'sockets.mjs', 'trace.mjs', 'analysis.mjs', 'lab.mjs'];

const wanted = process.argv.slice(2);
const chosen = wanted.length ? scripts.filter((s) => wanted.some((w) => s.startsWith(w))) : scripts;
let failed = 0;
for (const script of chosen) {
  const path = join(here, script);
  if (!existsSync(path)) {
    console.log(`\n== ${script}: not present, skipped`);
    continue;
  }
  console.log(`\n== ${script}`);
  const res = spawnSync(process.execPath, ['--expose-gc', path], { stdio: 'inherit' });
  if (res.status !== 0) {
    failed++;
    console.log(`== ${script} failed (status ${res.status ?? res.signal})`);
  }
}
process.exitCode = failed ? 1 : 0;
