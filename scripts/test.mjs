#!/usr/bin/env node
// The test runner behind `npm test`: the compiled test files (dist/test/**/*.test.js) split into
// a few parallel `uvu` processes, each a plain `uvu dist/test '<its files>'`, with one summary.
//
//   node scripts/test.mjs [dir] [pattern] [--jobs N] [--list]   N: $KFORGE_TEST_JOBS, else CPUs + 1, at most 3
//   node scripts/test.mjs --measure [--jobs N] [dir] [pattern]   re-measures test/durations.json
//
// The split: longest-first onto the least loaded process, by each file's duration when run
// alone (test/durations.json, written by --measure; a file missing there counts as the
// median). Each process gets its own empty TMPDIR (so HOME-in-tmpdir caches, redact keys and
// leaked scratch folders are never shared between processes), on /dev/shm when that is a
// large, executable tmpfs: the tests make and delete many small git repositories, and on a
// disk mounted with `discard` deleting them costs more than the tests. The folder is removed
// at the end. KFORGE_TEST_TMP=DIR puts the scratch folder elsewhere.
//
// Every kforge the tests run, in whatever temporary clone, compiles environment definitions into
// one cache folder (KFORGE_CACHE_DIR): this checkout's own, node_modules/.cache/kforge/, which
// `npm run render` here uses too. Its entries are keyed by content and validated against every
// input, so a definition is type-checked once, not once per clone and run.
// KFORGE_TEST_CACHE=fresh gives the run an empty one in its scratch folder (a cold run, as on a
// fresh CI machine); a KFORGE_CACHE_DIR of the caller's is kept.
//
// The summary sums every process's own uvu totals: `Total`, `Passed`, `Skipped` as uvu prints
// them, then `N passed, N failed`. The exit code is non-zero when any process failed, crashed
// or printed no totals (then the suites it did finish count, plus one failure for the crash). Outputs of processes that
// passed are printed first, failing ones last, each whole (uvu's failure reports included).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const uvuBin = path.join(root, 'node_modules', 'uvu', 'bin.js');
const durationsFile = path.join(root, 'test', 'durations.json');

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const bool = (name) => {
  const i = args.indexOf(name);
  if (i >= 0) args.splice(i, 1);
  return i >= 0;
};
const measure = bool('--measure');
const listOnly = bool('--list');
const jobsArg = flag('--jobs') ?? process.env.KFORGE_TEST_JOBS;
const dir = path.resolve(root, args[0] ?? 'dist/test');
const pattern = new RegExp(args[1] ?? '\\.test\\.js$', 'i');

/** Test files as uvu names them: paths relative to dir, `/`-separated, sorted as uvu sorts them. */
function testFiles() {
  const out = [];
  const walk = (d, rel) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const name = rel ? `${rel}/${e.name}` : e.name;
      if (/^\.git|node_modules/i.test(name)) continue;
      if (e.isDirectory()) walk(path.join(d, e.name), name);
      else if (pattern.test(name)) out.push(name);
    }
  };
  walk(dir, '');
  return out.sort((a, b) => a.localeCompare(b));
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The pattern uvu gets for exactly these files. */
const only = (files) => `^(?:${files.map(escape).join('|')})$`;

const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');
/** The last totals uvu printed, or undefined when it printed none (it crashed or was killed). */
function totals(out) {
  const text = strip(out);
  const last = (re) => {
    const all = [...text.matchAll(re)];
    return all.length ? Number(all[all.length - 1][1]) : undefined;
  };
  const total = last(/^ *Total: *(\d+)/gm);
  const passed = last(/^ *Passed: *(\d+)/gm);
  const skipped = last(/^ *Skipped: *(\d+)/gm) ?? 0;
  return total === undefined || passed === undefined ? undefined : { total, passed, skipped };
}

/** A scratch folder for the run: /dev/shm when it is a tmpfs with room and exec, else the system's. */
function scratchBase() {
  if (process.env.KFORGE_TEST_TMP) return process.env.KFORGE_TEST_TMP;
  try {
    const mount = fs
      .readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' '))
      .find((f) => f[1] === '/dev/shm');
    const s = fs.statfsSync('/dev/shm');
    if (mount && mount[2] === 'tmpfs' && !mount[3].split(',').includes('noexec') && s.bavail * s.bsize >= 2 * 1024 ** 3) {
      fs.accessSync('/dev/shm', fs.constants.W_OK);
      return '/dev/shm';
    }
  } catch {
    /* not Linux, or no /dev/shm */
  }
  return os.tmpdir();
}

function runUvu(files, tmp, opts = {}) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const env = { ...process.env, TMPDIR: tmp, TMP: tmp, TEMP: tmp, KFORGE_CACHE_DIR: cacheDir };
    const child = spawn(process.execPath, [uvuBin, dir, only(files)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const take = (b) => (out += b);
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (e) => (out += `\n${e.stack}\n`));
    child.on('close', (code, signal) => resolve({ files, out, code, signal, ms: Date.now() - t0, child }));
    opts.started?.(child);
  });
}

function readDurations() {
  try {
    return JSON.parse(fs.readFileSync(durationsFile, 'utf8')).seconds ?? {};
  } catch {
    return {};
  }
}

/** Longest first onto the least loaded shard. */
function split(files, jobs, seconds) {
  const known = Object.values(seconds).sort((a, b) => a - b);
  const fallback = known.length ? known[Math.floor(known.length / 2)] : 1;
  const weight = (f) => seconds[f] ?? fallback;
  const shards = Array.from({ length: jobs }, () => ({ files: [], load: 0 }));
  for (const f of [...files].sort((a, b) => weight(b) - weight(a) || a.localeCompare(b))) {
    const s = shards.reduce((m, x) => (x.load < m.load ? x : m));
    s.files.push(f);
    s.load += weight(f);
  }
  for (const s of shards) s.files.sort((a, b) => a.localeCompare(b));
  return shards.filter((s) => s.files.length);
}

const files = testFiles();
if (!files.length) {
  console.error(`no test files matching ${pattern} under ${path.relative(root, dir) || '.'}`);
  process.exit(1);
}
const base = fs.mkdtempSync(path.join(scratchBase(), 'kforge-test-'));
const cacheDir =
  process.env.KFORGE_CACHE_DIR ||
  (process.env.KFORGE_TEST_CACHE !== 'fresh' && fs.existsSync(path.join(root, 'node_modules')) ? path.join(root, 'node_modules', '.cache', 'kforge') : path.join(base, 'kforge-cache'));
const children = new Set();
const cleanup = () => fs.rmSync(base, { recursive: true, force: true });
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const c of children) c.kill(sig);
    cleanup();
    process.exit(130);
  });
}

if (measure) {
  // Each file alone in its own uvu process (--jobs N of them at a time; 1 by default), on an
  // otherwise quiet machine.
  const seconds = {};
  const queue = [...files];
  const worker = async () => {
    for (let f = queue.shift(); f; f = queue.shift()) {
      const tmp = fs.mkdtempSync(path.join(base, 'm-'));
      const r = await runUvu([f], tmp);
      fs.rmSync(tmp, { recursive: true, force: true });
      seconds[f] = Math.round(r.ms / 100) / 10;
      console.log(`${seconds[f].toFixed(1).padStart(6)} s  ${f}${r.code === 0 ? '' : '  (failed)'}`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Number(jobsArg) || 1) }, worker));
  cleanup();
  const sum = Object.values(seconds).reduce((a, b) => a + b, 0);
  const note = `Seconds each test file took alone (node scripts/test.mjs --measure${Number(jobsArg) > 1 ? ` --jobs ${jobsArg}` : ''}): relative weights for splitting the files between scripts/test.mjs's parallel uvu processes.`;
  const sorted = Object.fromEntries(Object.entries(seconds).sort(([a], [b]) => a.localeCompare(b)));
  fs.writeFileSync(durationsFile, JSON.stringify({ note, node: process.version, cpus: os.cpus().length, total: Math.round(sum), seconds: sorted }, null, 2) + '\n');
  console.log(`${sum.toFixed(1)} s in all; wrote ${path.relative(root, durationsFile)}`);
  process.exit(0);
}

const cpus = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
const jobs = Math.max(1, Math.min(files.length, Number(jobsArg) || Math.min(3, cpus + 1)));
const shards = split(files, jobs, readDurations());
if (listOnly) {
  for (const [i, s] of shards.entries()) console.log(`process ${i + 1}: ${s.load.toFixed(1)} s\n  ${s.files.join('\n  ')}`);
  cleanup();
  process.exit(0);
}

const t0 = Date.now();
console.log(`${files.length} test files in ${shards.length} uvu processes (scratch: ${base})`);
const results = await Promise.all(
  shards.map((s, i) => {
    const tmp = path.join(base, `p${i + 1}`);
    fs.mkdirSync(tmp);
    return runUvu(s.files, tmp, { started: (c) => children.add(c) }).then((r) => {
      children.delete(r.child);
      const t = totals(r.out);
      const ok = r.code === 0 && !r.signal && t !== undefined && t.passed === t.total;
      console.log(`  process ${i + 1}: ${s.files.length} files, ${(r.ms / 1000).toFixed(1)} s, ${t ? `${t.passed}/${t.total} passed` : 'no totals'}${ok ? '' : ' — FAILED'}`);
      return { ...r, i, t, ok };
    });
  }),
);
cleanup();

let total = 0;
let passed = 0;
let skipped = 0;
let failed = 0;
for (const r of [...results.filter((x) => x.ok), ...results.filter((x) => !x.ok)]) {
  process.stdout.write(`\n── uvu process ${r.i + 1}/${results.length} (${r.files.length} files: ${r.files.join(' ')}) ──\n`);
  process.stdout.write(r.out.replace(/^\s*(Total|Passed|Skipped|Duration):.*\n/gm, ''));
  if (r.t) {
    total += r.t.total;
    passed += r.t.passed;
    skipped += r.t.skipped;
    failed += r.t.total - r.t.passed;
  }
  if (!r.ok) {
    const why = r.signal ? `killed by ${r.signal}` : r.t === undefined ? `exit ${r.code} before printing its totals` : `exit ${r.code}`;
    process.stdout.write(`\n  uvu process ${r.i + 1} failed (${why})\n`);
    if (!r.t) {
      // it crashed before its totals: count the suites that did finish ("(passed / total)")
      for (const m of strip(r.out).matchAll(/ \((\d+) \/ (\d+)\)$/gm)) {
        passed += Number(m[1]);
        total += Number(m[2]);
        failed += Number(m[2]) - Number(m[1]);
      }
    }
    // and one failure for the crash or the bad exit code, so the run cannot pass
    if (!r.t || r.t.total === r.t.passed) {
      failed += 1;
      total += 1;
    }
  }
}
const ok = results.every((r) => r.ok);
process.stdout.write(`\n  Total:     ${total}\n  Passed:    ${passed}\n  Skipped:   ${skipped}\n  Duration:  ${((Date.now() - t0) / 1000).toFixed(1)} s (${results.length} parallel uvu processes)\n\n`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(ok ? 0 : 1);
