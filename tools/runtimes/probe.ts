/**
 * Vitest setup file for `run.mjs`: it runs inside every test file's process, in whichever runtime executes
 * that file, and does two things.
 *
 *   1. It records, from inside the test process, which runtime it is (`Deno.version.deno`,
 *      `process.versions.bun` or `process.version`), with the executable and pid, as one JSON line per test
 *      file in `$TESSERA_RUNTIME_PROBE_DIR`. `run.mjs` checks every line against the runtime it launched.
 *   2. It skips the tests listed in `$TESSERA_RUNTIME_SKIPS` (JSON `[{ file, test, reason }]`, `test` being
 *      the full name `describe > test`), with the reason as the skip note. `run.mjs` prints each one and fails
 *      if a listed test no longer exists or any other test was skipped.
 *
 * Outside `run.mjs` (neither variable set) it does nothing.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, beforeEach } from 'vitest';

/** One `run.mjs` skip entry. */
interface Skip {
  file: string;
  test: string;
  reason: string;
}

/** The runtime executing this code, seen from inside. Deno first: Deno and Bun both fill `process.version`. */
function runtimeIdentity(): { runtime: string; version: string } {
  const deno = (globalThis as { Deno?: { version: { deno: string } } }).Deno;
  if (deno !== undefined) return { runtime: 'deno', version: deno.version.deno };
  const bun = process.versions['bun'];
  if (bun !== undefined) return { runtime: 'bun', version: bun };
  return { runtime: 'node', version: process.version.replace(/^v/, '') };
}

const probeDir = process.env['TESSERA_RUNTIME_PROBE_DIR'];
const skips = JSON.parse(process.env['TESSERA_RUNTIME_SKIPS'] ?? '[]') as Skip[];

beforeAll(({}, file) => {
  if (probeDir === undefined) return;
  const record = { ...runtimeIdentity(), execPath: process.execPath, pid: process.pid, file: file.name };
  appendFileSync(join(probeDir, `${process.pid}.jsonl`), `${JSON.stringify(record)}\n`);
});

beforeEach(({ task, skip }) => {
  const listed = skips.find((entry) => entry.file === task.file.name && entry.test === task.fullTestName);
  if (listed !== undefined) skip(listed.reason);
});
