import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Writes `files` (relative path → text) under `root`, making the folders they need. */
export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), text);
  }
}

/** The repository root: the nearest folder above this file holding package.json. */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'compiler'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('repository root not found');
    dir = up;
  }
}

export function fixture(...parts: string[]): string {
  return path.join(repoRoot(), 'test', 'fixtures', ...parts);
}

/** mulberry32: a tiny deterministic PRNG (tests, fuzzer, benchmarks): the same seed, the same sequence. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Copies this repository's source tree (bases/, overlays/, policies/; of the TypeScript files
 * only the environment definitions, which kforge compiles itself) into `dest`.
 */
export function copySourceTree(dest: string): void {
  const root = repoRoot();
  for (const d of ['bases', 'overlays', 'policies']) {
    if (fs.existsSync(path.join(root, d))) fs.cpSync(path.join(root, d), path.join(dest, d), { recursive: true, filter: (p) => !p.endsWith('.ts') || p.endsWith('environment.ts') });
  }
}

/** Runs the kforge CLI (`cli`, from kforgeCli) as a child process and collects its output. */
export function spawnCli(cli: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [cli, ...args], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * Makes a checkout of (a copy of) this repository runnable with this checkout's build: links
 * dist/ and node_modules/ into it (excluded from git status), and makes its environment.ts
 * and policies/custom/*.ts files older than the compiled ones so the staleness checks (KF4003,
 * KF4109) pass.
 */
export function linkBuild(checkout: string): void {
  const root = repoRoot();
  fs.symlinkSync(path.join(root, 'dist'), path.join(checkout, 'dist'));
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(checkout, 'node_modules'));
  // the symlinks are files to git (a `dist/` ignore rule matches folders only)
  const exclude = path.join(checkout, '.git', 'info', 'exclude');
  if (fs.existsSync(path.dirname(exclude))) fs.appendFileSync(exclude, '/dist\n/node_modules\n');
  const overlays = path.join(checkout, 'overlays');
  for (const env of fs.existsSync(overlays) ? fs.readdirSync(overlays) : []) {
    const src = path.join(overlays, env, 'environment.ts');
    if (fs.existsSync(src)) fs.utimesSync(src, new Date(0), new Date(0));
  }
  // and the custom policy checks (KF4109)
  const custom = path.join(checkout, 'policies', 'custom');
  for (const f of fs.existsSync(custom) ? fs.readdirSync(custom) : []) fs.utimesSync(path.join(custom, f), new Date(0), new Date(0));
}

/**
 * The kforge CLI the end-to-end tests spawn: the shipped bundle (dist/kforge/kforge.js, what
 * `bin` and the npm scripts run; it starts faster than ~170 separate modules) when it was
 * bundled after every compiled module of dist/compiler/ and dist/policies/ (`npm test` bundles after tsc), else
 * dist/compiler/cli.js, so a test never runs a stale bundle after a bare `tsc`. The bundle
 * printing exactly what the modules print is test/bundle's job.
 */
export function kforgeCli(): string {
  return (cliCache ??= pickCli());
}
let cliCache: string | undefined;
function pickCli(): string {
  const dist = path.join(repoRoot(), 'dist');
  const modules = path.join(dist, 'compiler', 'cli.js');
  const bundle = path.join(dist, 'kforge', 'kforge.js');
  const main = path.join(dist, 'kforge', 'main.js');
  if (process.env.KFORGE_TEST_CLI === 'modules' || !fs.existsSync(bundle) || !fs.existsSync(main)) return modules;
  const bundled = fs.statSync(main).mtimeMs;
  const stale = (dir: string): boolean =>
    fs.readdirSync(dir, { withFileTypes: true }).some((e) => (e.isDirectory() ? stale(path.join(dir, e.name)) : e.name.endsWith('.js') && fs.statSync(path.join(dir, e.name)).mtimeMs > bundled));
  return stale(path.join(dist, 'compiler')) || (fs.existsSync(path.join(dist, 'policies')) && stale(path.join(dist, 'policies'))) ? modules : bundle;
}
