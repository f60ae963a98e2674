#!/usr/bin/env node
/**
 * Release-readiness check for every publishable package in `packages/*`.
 *
 * Run with `pnpm release:check` from the repository root. Steps:
 *
 *   1. `pnpm build`: compile every package to `dist/`.
 *   2. `pnpm pack` each package into a temporary directory. Always pnpm, never npm: pnpm rewrites
 *      `workspace:^` ranges to real versions. The `exports` map is shipped as it is: `types`/`default` point
 *      at `dist/`, and only the `@tessera/source` condition (which the workspace's vitest, tsx and tsc ask
 *      for) points at `src/*.ts`.
 *   3. Lint each tarball (which must hold the package's README.md, linking to the main README):
 *        - publint on the extracted tarball (what would actually be published). Any message at all,
 *          including suggestions, is a failure.
 *        - @arethetypeswrong/cli (attw) on the tarball with `--profile esm-only`. The packages are
 *          ESM-only on purpose (`type: module`, no `require` condition), so the profile drops the `node10`
 *          and `node16-cjs` resolution modes, whose only possible complaint is "cannot be required".
 *          Every other problem in `node16-esm` and `bundler` still fails the check.
 *   4. Install all tarballs together (so `@tessera/core` resolves to the local tarball, not the registry)
 *      plus `express@5` and `redis@6` into a scratch npm project outside the workspace, and run a smoke
 *      script there that imports every public entry point and actually uses it. Then the same smoke script
 *      in a second scratch project that installs the package folders themselves (`file:` links, as
 *      `npm install ../tessera/packages/core` does): plain Node must get the built JavaScript.
 *   4b. TypeScript support range: `typescript@${TYPESCRIPT_MIN}` and `typescript@latest` (installed from npm
 *      into the temporary directory) each compile a file that imports every entry point of the installed
 *      tarballs with `skipLibCheck: false`, so every shipped `.d.ts` is checked at both ends of the range.
 *   5. Run `changeset version` on a copy of the workspace's manifests and pending changesets: every package
 *      named in a changeset must get a higher version and a CHANGELOG.md, and the adapters' dependency on
 *      `@tessera/core` must keep pointing at the workspace. With no pending changesets (just after
 *      `pnpm version-packages`) there is nothing to bump and the step passes.
 *   6. Print a PASS/FAIL summary; exit non-zero if anything failed.
 *
 * Environment: `KEEP_TMP=1` keeps the temporary directory (tarballs and scratch project) for inspection.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const attwBin = join(here, 'node_modules', '.bin', 'attw');

/** The packages to release, as directories relative to the repository root. */
const PACKAGES = ['packages/core', 'packages/adapter-express', 'packages/adapter-genauth', 'packages/store-redis', 'packages/store-postgres', 'packages/metadata'];

/** Longest any one step (build, pack, install, smoke test) may take. */
const STEP_TIMEOUT_MS = 10 * 60_000;

/** Extra registry packages the scratch project needs: the adapters' peers and what the smoke script uses. */
const SCRATCH_EXTRAS = ['express@5', 'redis@6', '@electric-sql/pglite@0.5'];

/**
 * The oldest TypeScript whose checker must accept the shipped declarations (README: Install). The
 * declarations say `Uint8Array<ArrayBuffer>`; typed arrays became generic in TypeScript 5.7.
 */
const TYPESCRIPT_MIN = '5.7';

/** Types a TypeScript consumer of the tarballs installs: the adapters' `.d.ts` refer to Express and Node. */
const TYPES_EXTRAS = ['@types/express@5', '@types/node@20'];

/** Longest one compiler install or one compilation of the TypeScript range check may take. */
const TYPESCRIPT_TIMEOUT_MS = 3 * 60_000;

/**
 * How to invoke pnpm. Under `pnpm run`, `npm_execpath` points at the running pnpm (a JS file or a
 * standalone binary); otherwise fall back to `npx -y pnpm@10.34.9`.
 */
function pnpmCommand() {
  const execPath = process.env.npm_execpath;
  if (execPath && /pnpm/i.test(execPath) && existsSync(execPath)) {
    return /\.[cm]?js$/.test(execPath) ? [process.execPath, execPath] : [execPath];
  }
  return ['npx', '-y', 'pnpm@10.34.9'];
}
const PNPM = pnpmCommand();

/** One line per check: `{ name, ok, detail }`. */
const results = [];
function record(name, ok, detail = '') {
  results.push({ name, ok, detail });
  console.log(`${ok ? 'ok  ' : 'FAIL'}  ${name}${detail && !ok ? `\n${indent(detail)}` : ''}`);
}
const indent = (text) => text.trimEnd().replace(/^/gm, '      ');

/** Runs a command synchronously; returns `{ ok, output }` with stdout and stderr combined. */
function run(command, args, cwd, { quiet = true, timeoutMs = STEP_TIMEOUT_MS } = {}) {
  // Every step is bounded: a hung install or smoke test fails the check instead of hanging CI.
  const child = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: quiet ? 'pipe' : 'inherit', env: process.env, timeout: timeoutMs, killSignal: 'SIGKILL' });
  const output = `${child.stdout ?? ''}${child.stderr ?? ''}${child.error ? String(child.error) : ''}`;
  return { ok: child.status === 0 && !child.error, output };
}

const started = Date.now();
const work = mkdtempSync(join(tmpdir(), 'tessera-release-check-'));
const tarballDir = join(work, 'tarballs');
const scratch = join(work, 'scratch');
mkdirSync(tarballDir);
mkdirSync(scratch);
console.log(`release-check: working in ${work}\n`);

try {
  await main();
} catch (error) {
  record('release-check itself', false, String(error?.stack ?? error));
} finally {
  if (process.env.KEEP_TMP) console.log(`\n(kept ${work})`);
  else rmSync(work, { recursive: true, force: true });
}
summary();

async function main() {
  // 1. Build everything. Nothing after this is meaningful if the build fails.
  const build = run(PNPM[0], [...PNPM.slice(1), 'build'], root);
  record('pnpm build', build.ok, build.output);
  if (!build.ok) return;

  // 2.-3. Pack, then lint each tarball.
  const tarballs = [];
  for (const pkgDir of PACKAGES) {
    const { name } = JSON.parse(readFileSync(join(root, pkgDir, 'package.json'), 'utf8'));
    const before = new Set(readdirSync(tarballDir));
    const pack = run(PNPM[0], [...PNPM.slice(1), 'pack', '--pack-destination', tarballDir], join(root, pkgDir));
    const tarball = readdirSync(tarballDir).find((file) => file.endsWith('.tgz') && !before.has(file));
    record(`${name}: pnpm pack`, pack.ok && Boolean(tarball), pack.output);
    if (!pack.ok || !tarball) continue;
    const tarballPath = join(tarballDir, tarball);
    tarballs.push(tarballPath);

    // Extract (npm tarballs hold everything under `package/`) to check exactly what publishing would ship.
    const extracted = join(work, 'extracted', tarball.replace(/\.tgz$/, ''));
    mkdirSync(extracted, { recursive: true });
    const untar = run('tar', ['-xzf', tarballPath, '-C', extracted], root);
    if (!untar.ok) {
      record(`${name}: extract tarball`, false, untar.output);
      continue;
    }
    const packed = join(extracted, 'package');

    // Every package ships its README (npm and pnpm always pack README*, whatever `files` says).
    const readme = join(packed, 'README.md');
    record(`${name}: tarball has README.md`, existsSync(readme) && readFileSync(readme, 'utf8').includes('../../README.md'), 'missing, or without a link to the main README');

    // pnpm must have rewritten workspace: ranges, and every export a consumer resolves must be built
    // JavaScript or declarations; only the workspace's own `@tessera/source` condition may name `src/*.ts`.
    const packedManifest = readFileSync(join(packed, 'package.json'), 'utf8');
    const leaks = [...(packedManifest.match(/workspace:[^"]*/g) ?? []), ...exportLeaks(JSON.parse(packedManifest).exports)];
    record(`${name}: packed package.json has dist exports and real versions`, leaks.length === 0, `found: ${leaks.join(', ')}`);

    // publint's JS API; `pack: false` because the directory already is the packed content. Any message
    // (error, warning or suggestion) fails the check.
    try {
      const { messages, pkg } = await publint({ pkgDir: packed, pack: false, level: 'suggestion' });
      const lines = messages.map((message) => `${message.type}: ${formatMessage(message, pkg) ?? message.code}`);
      record(`${name}: publint`, messages.length === 0, lines.join('\n'));
    } catch (error) {
      record(`${name}: publint`, false, String(error?.stack ?? error));
    }

    // attw on the tarball itself; see the header for why `--profile esm-only`.
    const attw = run(attwBin, [tarballPath, '--profile', 'esm-only', '--no-color'], root);
    record(`${name}: attw --profile esm-only`, attw.ok, attw.output);
  }
  checkVersioning();
  if (tarballs.length !== PACKAGES.length) return;

  // 4. Scratch project outside the workspace: install the tarballs together, then smoke-test them.
  const init = run('npm', ['init', '-y'], scratch);
  if (init.ok) {
    const pkg = JSON.parse(readFileSync(join(scratch, 'package.json'), 'utf8'));
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ ...pkg, private: true, type: 'module' }, null, 2));
  }
  const install = init.ok
    ? run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs, ...SCRATCH_EXTRAS], scratch)
    : init;
  record(`scratch: npm install ${tarballs.length} tarballs + ${SCRATCH_EXTRAS.join(' ')}`, install.ok, install.output);
  if (!install.ok) return;

  // npm must not have fetched @tessera/core from a registry, nor nested a second copy under an adapter.
  const lock = JSON.parse(readFileSync(join(scratch, 'package-lock.json'), 'utf8'));
  const coreResolved = lock.packages?.['node_modules/@tessera/core']?.resolved ?? '';
  const nested = Object.keys(lock.packages ?? {}).filter((key) => /.+\/node_modules\/@tessera\//.test(key));
  record(
    'scratch: a single @tessera/core, from the local tarball',
    coreResolved.startsWith('file:') && nested.length === 0,
    `resolved: ${coreResolved || '(missing)'}; nested copies: ${nested.join(', ') || 'none'}`,
  );

  // The smoke script lives next to this file and runs as plain Node ESM inside the scratch project.
  writeFileSync(join(scratch, 'smoke.mjs'), readFileSync(join(here, 'smoke.mjs'), 'utf8'));
  const smoke = run(process.execPath, ['smoke.mjs'], scratch);
  console.log(indent(smoke.output));
  record('scratch: smoke.mjs imports and uses every entry point', smoke.ok, smoke.ok ? '' : '(see output above)');

  checkFolderInstall();
  checkTypeScriptRange();
}

/**
 * Every export target a consumer can resolve (any condition but `@tessera/source`) that is not under
 * `./dist/` (or `./package.json`).
 *
 * @param {unknown} exports - the manifest's `exports`
 * @returns {string[]}
 */
function exportLeaks(exports, path = 'exports') {
  if (typeof exports === 'string') return exports === './package.json' || exports.startsWith('./dist/') ? [] : [`${path}: ${exports}`];
  if (exports === null || typeof exports !== 'object') return [`${path}: ${JSON.stringify(exports)}`];
  return Object.entries(exports)
    .filter(([key]) => key !== '@tessera/source')
    .flatMap(([key, value]) => exportLeaks(value, `${path}[${key}]`));
}

/** A scratch npm project of its own, `type: module`; returns whether `npm init` worked. */
function initScratch(dir) {
  mkdirSync(dir, { recursive: true });
  const init = run('npm', ['init', '-y'], dir);
  if (!init.ok) {
    record(`${dir}: npm init`, false, init.output);
    return false;
  }
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pkg, private: true, type: 'module' }, null, 2));
  return true;
}

/**
 * Step 4, second half: the package folders installed with `file:` (npm links them, as
 * `npm install ../tessera/packages/core` does) must load as built JavaScript under plain Node. npm links a
 * folder without installing into it, so the linked packages use the workspace's own `node_modules`, and
 * the workspace's tracked files must be unchanged afterwards.
 */
function checkFolderInstall() {
  const linked = join(work, 'linked');
  if (!initScratch(linked)) return;
  const statusBefore = run('git', ['status', '--porcelain'], root).output;
  const folders = PACKAGES.map((pkgDir) => `file:${join(root, pkgDir)}`);
  const install = run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...folders, ...SCRATCH_EXTRAS], linked);
  record(`linked: npm install ${PACKAGES.length} package folders (file:) + ${SCRATCH_EXTRAS.join(' ')}`, install.ok, install.output);
  if (!install.ok) return;
  writeFileSync(join(linked, 'smoke.mjs'), readFileSync(join(here, 'smoke.mjs'), 'utf8'));
  const smoke = run(process.execPath, ['smoke.mjs'], linked);
  console.log(indent(smoke.output));
  record('linked: smoke.mjs runs against the linked folders under plain node', smoke.ok, smoke.ok ? '' : '(see output above)');
  const statusAfter = run('git', ['status', '--porcelain'], root).output;
  record('linked: installing the folders left the workspace unchanged', statusAfter === statusBefore, `before:\n${statusBefore}\nafter:\n${statusAfter}`);
}

/**
 * Step 4b: the oldest supported TypeScript and the newest one each type-check every entry point of the
 * installed tarballs with `skipLibCheck: false`. The compilers are installed under aliases into the
 * temporary directory, never into the workspace.
 */
function checkTypeScriptRange() {
  const compilers = join(work, 'typescript');
  if (!initScratch(compilers)) return;
  const ranges = { oldest: TYPESCRIPT_MIN, newest: 'latest' };
  const specs = Object.entries(ranges).map(([alias, range]) => `${alias}@npm:typescript@${range}`);
  const install = run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...specs], compilers, { timeoutMs: TYPESCRIPT_TIMEOUT_MS });
  record(`typescript: npm install typescript@${TYPESCRIPT_MIN} and typescript@latest`, install.ok, install.output);
  if (!install.ok) return;
  const types = run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...TYPES_EXTRAS], scratch, { timeoutMs: TYPESCRIPT_TIMEOUT_MS });
  record(`typescript: npm install ${TYPES_EXTRAS.join(' ')} beside the tarballs`, types.ok, types.output);
  if (!types.ok) return;

  const entryPoints = [
    '@tessera/core',
    '@tessera/core/testing',
    '@tessera/core/adapter',
    '@tessera/adapter-express',
    '@tessera/adapter-genauth',
    '@tessera/adapter-genauth/node',
    '@tessera/store-redis',
    '@tessera/store-postgres',
    '@tessera/metadata',
  ];
  const consumer = entryPoints.map((entry, i) => `import * as entry${i} from '${entry}';`).join('\n');
  writeFileSync(join(scratch, 'consumer.ts'), `${consumer}\nexport const entryPoints: unknown[] = [${entryPoints.map((_, i) => `entry${i}`).join(', ')}];\n`);
  // A strict Node consumer. `lib` is left at its default, which includes DOM: the declarations name
  // WebCrypto's `CryptoKey` and the Fetch API's `HeadersInit`, which @types/node does not declare globally.
  const compilerOptions = { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, skipLibCheck: false, noEmit: true, types: ['node'] };
  writeFileSync(join(scratch, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer.ts'] }, null, 2));
  for (const alias of Object.keys(ranges)) {
    const { version } = JSON.parse(readFileSync(join(compilers, 'node_modules', alias, 'package.json'), 'utf8'));
    const tsc = run(process.execPath, [join(compilers, 'node_modules', alias, 'bin', 'tsc'), '-p', 'tsconfig.json'], scratch, { timeoutMs: TYPESCRIPT_TIMEOUT_MS });
    record(`typescript ${version} (${alias} supported): every entry point's .d.ts compiles with skipLibCheck false`, tsc.ok, tsc.output);
  }
}

/**
 * Step 5: `changeset version` on a copy of the workspace (manifests, workspace file and `.changeset/` only),
 * so the real tree is never touched. Judged on the copy's manifests and changelogs afterwards.
 */
function checkVersioning() {
  const pending = pendingChangesetPackages();
  if (pending.size === 0) {
    record('changeset version: no pending changesets, nothing to bump', true);
    return;
  }
  const copy = join(work, 'versioning');
  const manifests = ['package.json', 'pnpm-workspace.yaml', ...workspaceManifests()];
  for (const file of manifests) cpSync(join(root, file), join(copy, file), { recursive: true });
  cpSync(join(root, '.changeset'), join(copy, '.changeset'), { recursive: true });
  const changesetBin = join(root, 'node_modules', '@changesets', 'cli', 'bin.js');
  const version = run(process.execPath, [changesetBin, 'version'], copy);
  const problems = [];
  const bumped = [];
  for (const pkgDir of PACKAGES) {
    const before = JSON.parse(readFileSync(join(root, pkgDir, 'package.json'), 'utf8'));
    const after = JSON.parse(readFileSync(join(copy, pkgDir, 'package.json'), 'utf8'));
    const coreRange = after.dependencies?.['@tessera/core'] ?? after.peerDependencies?.['@tessera/core'];
    if (coreRange !== undefined && !coreRange.startsWith('workspace:')) problems.push(`${before.name}: @tessera/core range ${coreRange}`);
    if (!pending.has(before.name)) continue;
    bumped.push(`${before.name}@${after.version}`);
    if (!isNewer(after.version, before.version)) problems.push(`${before.name}: version ${before.version} → ${after.version}`);
    if (!existsSync(join(copy, pkgDir, 'CHANGELOG.md'))) problems.push(`${before.name}: no CHANGELOG.md`);
  }
  record(`changeset version bumps each package with a changeset (${bumped.join(', ')})`, version.ok && problems.length === 0, [version.output, ...problems].join('\n'));
}

/**
 * The packages named in the frontmatter of pending changesets (`.changeset/*.md` other than its README), as
 * changesets writes them: `'@scope/name': minor`.
 */
function pendingChangesetPackages() {
  const names = new Set();
  const dir = join(root, '.changeset');
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.md') && name !== 'README.md')) {
    const frontmatter = /^---\n([\s\S]*?)\n---/.exec(readFileSync(join(dir, file), 'utf8'))?.[1] ?? '';
    for (const match of frontmatter.matchAll(/^\s*['"]?([^'":\s]+)['"]?\s*:/gm)) names.add(match[1]);
  }
  return names;
}

/** `package.json` of every workspace package, relative to the root. */
function workspaceManifests() {
  return ['packages', 'tools', '.']
    .flatMap((parent) => readdirSync(join(root, parent), { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => join(parent, entry.name)))
    .filter((dir) => !/(^|\/)(node_modules|\.git|\.changeset)$/.test(dir) && existsSync(join(root, dir, 'package.json')))
    .map((dir) => join(dir, 'package.json'));
}

/** Whether semver `next` is higher than `previous` (plain x.y.z). */
function isNewer(next, previous) {
  const parse = (version) => String(version).split('.').map(Number);
  const [a, b] = [parse(next), parse(previous)];
  for (let i = 0; i < 3; i += 1) if (a[i] !== b[i]) return a[i] > b[i];
  return false;
}

/** Prints the PASS/FAIL summary and sets the exit code. */
function summary() {
  const failed = results.filter((result) => !result.ok);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`\n${'='.repeat(60)}`);
  console.log(`release-check: ${results.length - failed.length}/${results.length} checks passed in ${seconds}s`);
  for (const { name } of failed) console.log(`  FAIL  ${name}`);
  console.log(failed.length === 0 ? 'PASS' : 'FAIL');
  process.exitCode = failed.length === 0 ? 0 : 1;
}
