/**
 * Issue 7, part 4: the same tree gives the same bytes and the same git tree, whatever the
 * working directory, time zone, locale and order of the environment variables.
 */
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { repoRoot, kforgeCli } from '../helpers.js';

const run = promisify(execFile);
const ROOT = repoRoot();
const CLI = kforgeCli();
const made: string[] = [];

test.after(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-det-'));
  made.push(d);
  return d;
}

/** The environment with its variables in a shuffled (seeded) order, plus overrides. */
function env(seed: number, over: Record<string, string>): NodeJS.ProcessEnv {
  const entries = Object.entries({ ...process.env, NO_COLOR: '1', ...over }).filter(([k]) => !['KFORGE_DEBUG', 'GITHUB_ACTIONS', 'FORCE_COLOR'].includes(k));
  let s = seed;
  for (let i = entries.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [entries[i], entries[j]] = [entries[j], entries[i]];
  }
  return Object.fromEntries(entries);
}

test('kforge build overlays/prod: byte-identical across cwd, TZ, LANG/LC_ALL and environment order', async () => {
  const elsewhere = tmp();
  const variants: Array<{ cwd: string; dir: string; env: NodeJS.ProcessEnv }> = [
    { cwd: ROOT, dir: 'overlays/prod', env: env(1, { TZ: 'UTC', LANG: 'C', LC_ALL: 'C' }) },
    { cwd: elsewhere, dir: path.join(ROOT, 'overlays', 'prod'), env: env(2, { TZ: 'Asia/Shanghai', LANG: 'zh_CN.UTF-8', LC_ALL: 'zh_CN.UTF-8' }) },
  ];
  const outs = await Promise.all(variants.map((v) => run(process.execPath, [CLI, 'build', v.dir], { cwd: v.cwd, env: v.env, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' })));
  assert.ok(outs[0].stdout.length > 1000, 'prod renders');
  for (let i = 1; i < outs.length; i++) {
    assert.ok(outs[i].stdout === outs[0].stdout, `variant ${i} differs from variant 0 (${outs[i].stdout.length} vs ${outs[0].stdout.length} bytes)`);
  }
  // Warnings on stderr may name files relative to the cwd; the set of codes must not vary.
  const codes = (s: string) => [...s.matchAll(/\b(KF\d{4})\b/g)].map((m) => m[1]).sort().join(',');
  for (let i = 1; i < outs.length; i++) assert.is(codes(outs[i].stderr), codes(outs[0].stderr));
});

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', LANG: 'C', LC_ALL: 'C' } }).trim();
}

test('render prod into two fresh clones with different TZ/LANG: the same deploy tree (and commit)', async () => {
  // One shared copy of dist/ (the compiled environment definitions and custom checks must be newer than the
  // clones' sources) and node_modules, linked into each clone and excluded from git status.
  const shared = tmp();
  fs.cpSync(path.join(ROOT, 'dist'), path.join(shared, 'dist'), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(shared, 'node_modules'));
  const future = new Date(Date.now() + 3600_000);
  for (const e of fs.readdirSync(path.join(shared, 'dist', 'overlays'))) {
    const f = path.join(shared, 'dist', 'overlays', e, 'environment.js');
    if (fs.existsSync(f)) fs.utimesSync(f, future, future);
  }
  const customDist = path.join(shared, 'dist', 'policies', 'custom');
  for (const f of fs.existsSync(customDist) ? fs.readdirSync(customDist) : []) fs.utimesSync(path.join(customDist, f), future, future);
  const clones = [tmp(), tmp()].map((d) => {
    git(d, 'clone', '-q', '--shared', ROOT, 'repo');
    const c = path.join(d, 'repo');
    fs.symlinkSync(path.join(shared, 'dist'), path.join(c, 'dist'));
    fs.symlinkSync(path.join(shared, 'node_modules'), path.join(c, 'node_modules'));
    fs.appendFileSync(path.join(c, '.git', 'info', 'exclude'), '\n/dist\n/node_modules\n');
    return c;
  });
  const envs = [
    env(5, { TZ: 'UTC', LANG: 'C', LC_ALL: 'C', KFORGE_TODAY: '2026-01-15' }),
    env(6, { TZ: 'Asia/Shanghai', LANG: 'zh_CN.UTF-8', LC_ALL: 'zh_CN.UTF-8', KFORGE_TODAY: '2026-01-15' }),
  ];
  const results = await Promise.allSettled(clones.map((c, i) => run(process.execPath, [CLI, 'render', 'prod'], { cwd: c, env: envs[i], encoding: 'utf8' })));
  for (const r of results) {
    if (r.status === 'rejected') {
      const e = r.reason as { code?: number; stdout?: string; stderr?: string };
      assert.unreachable(`render failed with exit ${e.code}:\n${e.stdout}\n${e.stderr}`);
    }
  }
  const trees = clones.map((c) => git(c, 'rev-parse', 'refs/heads/environments/prod^{tree}'));
  assert.is(trees[0], trees[1], 'deploy tree ids differ');
  const commits = clones.map((c) => git(c, 'rev-parse', 'refs/heads/environments/prod'));
  assert.is(commits[0], commits[1], 'deploy commit ids differ (the commit should depend on the source only)');
  for (const c of clones) {
    assert.is(git(c, 'status', '--porcelain'), '', 'render leaves the work tree clean');
    git(c, 'fsck', '--no-dangling', '--no-progress');
  }
});

test.run();
