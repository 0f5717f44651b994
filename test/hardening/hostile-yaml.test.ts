/**
 * Issue 15, hostile YAML: inputs too large for fixtures, generated in a temp dir and built by
 * the CLI in a child process whose time and peak memory are bounded. Peak RSS is read from
 * `process.resourceUsage().maxRSS` by a preloaded script (no /usr/bin/time needed).
 *
 * Measured on the 2-core development machine, loaded (before → after the fix):
 *   - a 100 MB file: read whole, then refused (~260 MB RSS) → refused by its size before being
 *     read (~57 MB RSS, 0.4 s);
 *   - a 60 MB ConfigMap of 2.6 M keys: 130 s, 3.6 GB, refused with a message about aliases →
 *     refused at its millionth value by the fast reader (~5–9 s, ~520 MB), naming the limit;
 *   - three files whose aliases expand to ~890,000 values each (each under the per-file limit):
 *     refused by the build's alias budget after the second file.
 * The 150-document alias bomb and 880 levels of nesting are small: they are corpus cases
 * (test/fixtures/malformed/53-…, 54-…, 55-…).
 * Bounds (generous for a loaded CI machine): 15 s of CPU time (user + system, which a loaded
 * machine does not inflate as it does wall time; wall time is bounded at 60 s) and 1 GB each.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_BUILD_ALIAS_VALUES, MAX_YAML_BYTES, MAX_YAML_NODES } from '../../compiler/load/yaml/index.js';
import { repoRoot, kforgeCli } from '../helpers.js';

const CLI = kforgeCli();
const STACK = /^\s+at .*\(.*:\d+:\d+\)$|^\s+at .*:\d+:\d+$|node:internal/m;
const CPU_MS = 15_000;
const WALL_MS = 60_000;
const RSS_KB = 1024 * 1024;
const made: string[] = [];

function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-hostile-'));
  made.push(d);
  return d;
}

test.after(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** `kforge build dir` in a child: status, streams, wall time and peak RSS (KB). */
function build(root: string, dir: string): { status: number; stdout: string; stderr: string; ms: number; cpuMs: number; rssKb: number } {
  const preload = path.join(root, 'rss.cjs');
  fs.writeFileSync(
    preload,
    "process.on('exit', () => { const u = process.resourceUsage(); process.stderr.write('\\nKFORGE-RSS ' + u.maxRSS + ' ' + Math.round((u.userCPUTime + u.systemCPUTime) / 1000) + '\\n'); });\n",
  );
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.KFORGE_DEBUG;
  delete env.GITHUB_ACTIONS;
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--require', preload, CLI, 'build', dir], { cwd: root, encoding: 'utf8', env, timeout: WALL_MS, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 });
  const ms = Date.now() - t0;
  let stderr = r.stderr ?? '';
  let rssKb = Number.NaN;
  let cpuMs = Number.NaN;
  const m = /\nKFORGE-RSS (\d+) (\d+)\n$/.exec(stderr);
  if (m) {
    rssKb = Number(m[1]);
    cpuMs = Number(m[2]);
    stderr = stderr.slice(0, m.index);
  }
  if (r.signal) stderr += `\nKILLED (${r.signal}) after ${ms} ms`;
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr, ms, cpuMs, rssKb };
}

function refusedWithin(r: ReturnType<typeof build>, where: string, message: RegExp): void {
  const ctx = `\n--- stderr (${r.ms} ms wall, ${r.cpuMs} ms CPU, ${r.rssKb} KB) ---\n${r.stderr.slice(0, 3000)}`;
  assert.is(r.status, 2, `exit code${ctx}`);
  assert.is(r.stdout, '', ctx);
  assert.not.match(r.stderr, STACK, ctx);
  const line = r.stderr.split('\n').find((l) => l.startsWith(where) && l.includes('error KF1012:'));
  assert.ok(line, `expected ${where} … error KF1012${ctx}`);
  assert.match(line!, message, ctx);
  assert.ok(r.cpuMs < CPU_MS, `refused after ${r.cpuMs} ms of CPU (bound ${CPU_MS})${ctx}`);
  assert.ok(r.ms < WALL_MS, `refused in ${r.ms} ms (bound ${WALL_MS})${ctx}`);
  assert.ok(r.rssKb < RSS_KB, `peak RSS ${r.rssKb} KB (bound ${RSS_KB})${ctx}`);
}

test('a 100 MB file is refused by its size before being read (KF1012 names the size and the limit)', () => {
  const root = tmp();
  fs.mkdirSync(path.join(root, 'app'));
  fs.writeFileSync(path.join(root, 'app', 'kustomization.yaml'), 'resources:\n- huge.yaml\n');
  const fd = fs.openSync(path.join(root, 'app', 'huge.yaml'), 'w');
  fs.writeSync(fd, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: huge\ndata:\n  a: "');
  const chunk = Buffer.alloc(1024 * 1024, 'x');
  for (let i = 0; i < 100; i++) fs.writeSync(fd, chunk);
  fs.writeSync(fd, '"\n');
  fs.closeSync(fd);
  const r = build(root, 'app');
  refusedWithin(r, 'app/huge.yaml:1:1:', new RegExp(`100 MiB, larger than the ${MAX_YAML_BYTES / 1024 / 1024} MiB`));
  // Not read: far less memory than the file's size (reading it made ~260 MB).
  assert.ok(r.rssKb < 160 * 1024, `peak RSS ${r.rssKb} KB: the file was read`);
});

test('a 60 MB flat ConfigMap of 2.6 M keys is refused early, naming the limit on values', () => {
  const root = tmp();
  fs.mkdirSync(path.join(root, 'app'));
  fs.writeFileSync(path.join(root, 'app', 'kustomization.yaml'), 'resources:\n- flat.yaml\n');
  const parts = ['apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flat\ndata:\n'];
  for (let i = 0; i < 2_600_000; i++) parts.push(`  key${i}: val${i}\n`);
  fs.writeFileSync(path.join(root, 'app', 'flat.yaml'), parts.join(''));
  parts.length = 0;
  const r = build(root, 'app');
  // The data starts on line 6: the value past the limit is on line 6 + MAX_YAML_NODES - 1 (the
  // ConfigMap and its metadata hold 6 values before the data's keys).
  refusedWithin(r, 'app/flat.yaml:', new RegExp(`more than ${MAX_YAML_NODES} values`));
  assert.not.match(r.stderr, /error KF1012: .*alias(es)? of/, 'the message names the limit on values, not aliases');
});

test('aliases are limited per build: three files each under the per-file limit are refused together', () => {
  const root = tmp();
  fs.mkdirSync(path.join(root, 'app'));
  // ~890,000 values per file after expansion (10 + 100 + … + 700,000).
  const doc = (name: string) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n` +
    '  a: &a [x, x, x, x, x, x, x, x, x, x]\n' +
    ['b', 'c', 'd', 'e'].map((n, i) => `  ${n}: &${n} [${new Array(10).fill('*' + 'abcd'[i]).join(', ')}]\n`).join('') +
    `  f: [${new Array(7).fill('*e').join(', ')}]\n`;
  const files = ['one.yaml', 'two.yaml', 'three.yaml'];
  fs.writeFileSync(path.join(root, 'app', 'kustomization.yaml'), `resources:\n${files.map((f) => `- ${f}\n`).join('')}`);
  for (const f of files) fs.writeFileSync(path.join(root, 'app', f), doc(f.replace('.yaml', '')));
  const r = build(root, 'app');
  refusedWithin(r, 'app/two.yaml:', new RegExp(`aliases of this build expand to more than ${MAX_BUILD_ALIAS_VALUES} values`));
});

test.run();
