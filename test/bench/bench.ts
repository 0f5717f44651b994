/**
 * `npm run bench`: kforge's build time on the synthetic tree for N = 100, 500, 5000
 * (median of several whole-process runs, peak RSS), and `kubectl kustomize` on the same
 * trees where kubectl is on the PATH, with the ratio.
 *
 *   npm run bench                      # defaults
 *   npm run bench -- --sizes 100,500   # other sizes
 *   npm run bench -- --runs 5 --kubectl-max 500
 *   npm run bench -- --sizes 100 --publish-sizes 5000 --render-runs 5   (the render table)
 *   npm run bench -- --shapes 0        # without the table of shapes (shapes.ts)
 *   npm run bench -- --flow 2000 --synthetic 5000   # sizes of the shapes' trees
 */
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { repoRoot } from '../helpers.js';
import { parseAllDocuments } from 'yaml';
import { benchShapes, shapeTable } from './shapes.js';
import { writeBenchTree } from './tree.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : def;
}

// a size of 0 (or none: `--publish-sizes ''`) leaves that table out
const sizes = arg('sizes', '100,500,5000').split(',').map(Number).filter((n) => n > 0);
const publishSizes = arg('publish-sizes', '500,5000').split(',').map(Number).filter((n) => n > 0);
const runs = Number(arg('runs', '5'));
const kubectlMax = Number(arg('kubectl-max', '500'));
const kubectlRuns = Number(arg('kubectl-runs', '3'));
const renderRuns = Number(arg('render-runs', '3'));
// The shipped bin (the bundle) when `npm run prepare` made it, else the compiled modules.
const bundled = path.join(repoRoot(), 'dist', 'kforge', 'kforge.js');
const cli = fs.existsSync(bundled) ? bundled : path.join(repoRoot(), 'dist', 'compiler', 'cli.js');
const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
const hasTime = fs.existsSync('/usr/bin/time');

/** One whole-process render: wall time, and wall time less the render's own build phase. */
interface Render {
  secs: number;
  beyond: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Wall time (s) and peak RSS (MiB) of one whole-process run. */
function timeRun(cmd: string, args: string[]): { secs: number; rssMiB: number; bytes: number } {
  const t0 = process.hrtime.bigint();
  const full = hasTime ? ['-f', '%M', cmd, ...args] : args;
  const res = spawnSync(hasTime ? '/usr/bin/time' : cmd, full, { encoding: 'utf8', maxBuffer: 1 << 30 });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${res.status}):\n${res.stderr.slice(-2000)}`);
  const lines = res.stderr.trim().split('\n');
  const kb = hasTime ? Number(lines[lines.length - 1]) : NaN;
  return { secs, rssMiB: kb / 1024, bytes: Buffer.byteLength(res.stdout) };
}

// Node 20 reads the certificates NODE_EXTRA_CA_CERTS names at every start (about 50 ms a
// process on the 2-core machine, for Debian's 220 KB bundle); Node 22 and later only when a
// TLS connection needs them. Figures taken with it set are not what a user without it sees.
if (process.env.NODE_EXTRA_CA_CERTS && Number(process.versions.node.split('.')[0]) < 22) {
  console.log(`Note: NODE_EXTRA_CA_CERTS is set and Node ${process.version} reads those certificates at every start-up; the one-process-per-directory figures include that. Run with it unset (env -u NODE_EXTRA_CA_CERTS npm run bench) for the figures of a machine without it.\n`);
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-bench-'));
if (arg('shapes', '1') !== '0') {
  const shapeRows = benchShapes(tmp, {
    runs,
    kubectlRuns,
    kforge: [process.execPath, cli],
    hasKubectl,
    kubectlMax: Number(arg('shapes-kubectl-max', '100')),
    synthetic: Number(arg('synthetic', '5000')),
    flow: Number(arg('flow', '2000')),
    parse: (t) => parseAllDocuments(t).map((d) => d.toJSON() as unknown),
  });
  console.log(`Shapes of real repositories (${path.relative(repoRoot(), cli)}; medians of ${runs} runs, kubectl ${kubectlRuns}), whole process, on ${os.cpus().length} cores\n`);
  console.log(shapeTable(shapeRows) + '\n');
}
const rows: string[] = [];
rows.push('| N | resources | output | kforge median | kforge peak RSS | kubectl kustomize median | ratio |');
rows.push('|---|---|---|---|---|---|---|');
for (const n of sizes) {
  const overlay = writeBenchTree(path.join(tmp, `n${n}`), n);
  const ks: number[] = [];
  let rss = 0;
  let bytes = 0;
  for (let i = 0; i < runs; i++) {
    const r = timeRun(process.execPath, [cli, 'build', overlay]);
    ks.push(r.secs);
    rss = Math.max(rss, r.rssMiB);
    bytes = r.bytes;
  }
  let kube = '–';
  let ratio = '–';
  if (hasKubectl && n <= kubectlMax) {
    const kk: number[] = [];
    for (let i = 0; i < kubectlRuns; i++) kk.push(timeRun('kubectl', ['kustomize', overlay]).secs);
    kube = `${median(kk).toFixed(2)} s`;
    ratio = `${(median(kk) / median(ks)).toFixed(1)}×`;
  }
  rows.push(`| ${n} | ${n * 4} | ${(bytes / 1e6).toFixed(2)} MB | ${median(ks).toFixed(2)} s | ${Number.isFinite(rss) ? rss.toFixed(0) + ' MiB' : '?'} | ${kube} | ${ratio} |`);
  process.stderr.write(rows[rows.length - 1] + '\n');
}
// Publishing (issue 5): the same trees committed in a temporary git repository, then
// `kforge render bench` (build + checks + publish). Every run starts from a fresh repository
// (no objects from an earlier run, the worst case), renders it, renders it again unchanged,
// then commits a change to one app and renders that (the everyday case: one pull request).
const prow: string[] = [
  '| N | build | render, first (fresh repository) | beyond the build | render, unchanged | render, one app changed | beyond the build |',
  '|---|---|---|---|---|---|---|',
];
for (const n of publishSizes) {
  const template = path.join(tmp, `tree${n}`);
  writeBenchTree(template, n);
  const builds: number[] = [];
  const firsts: Render[] = [];
  const again: Render[] = [];
  const incr: Render[] = [];
  for (let i = 0; i < renderRuns; i++) {
    const repo = path.join(tmp, `repo${n}-${i}`);
    fs.cpSync(template, repo, { recursive: true });
    const git = (...a: string[]) => {
      const r = spawnSync('git', a, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.com' } });
      if (r.status !== 0) throw new Error(`git ${a.join(' ')}: ${r.stderr}`);
    };
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-q', '-m', 'bench tree');
    builds.push(timeRun(process.execPath, [cli, 'build', path.join(repo, 'overlays', 'bench')]).secs);
    const render = (what: string, expect: RegExp): Render => {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [cli, 'render', 'bench', '--timings'], { cwd: repo, encoding: 'utf8', maxBuffer: 1 << 28 });
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      if (r.status !== 0 || !expect.test(r.stdout)) throw new Error(`${what} render: exit ${r.status}\n${r.stdout}${r.stderr.slice(-1500)}`);
      // the render's own build phase (--timings), so "beyond the build" is measured in the same process
      const build = Number(/\bbuild=(\d+)ms/.exec(r.stderr)?.[1] ?? 0) / 1000;
      return { secs, beyond: secs - build };
    };
    firsts.push(render('first', /published/));
    again.push(render('unchanged', /up to date/));
    const dep = path.join(repo, 'bases', 'app00000', 'deployment.yaml');
    fs.writeFileSync(dep, fs.readFileSync(dep, 'utf8').replace('replicas: 2', 'replicas: 3'));
    git('commit', '-q', '-am', 'app00000: 3 replicas');
    incr.push(render('incremental', /1 changed/));
    fs.rmSync(repo, { recursive: true, force: true });
  }
  const med = (rs: Render[], k: keyof Render) => median(rs.map((r) => r[k])).toFixed(2);
  prow.push(`| ${n} | ${median(builds).toFixed(2)} s | ${med(firsts, 'secs')} s | ${med(firsts, 'beyond')} s | ${med(again, 'secs')} s | ${med(incr, 'secs')} s | ${med(incr, 'beyond')} s |`);
  process.stderr.write(prow[prow.length - 1] + '\n');
}
fs.rmSync(tmp, { recursive: true, force: true });
if (sizes.length) {
  console.log(`kforge build, median of ${runs} runs (kubectl: ${kubectlRuns}), whole process, on ${os.cpus().length} cores\n`);
  console.log(rows.join('\n'));
}
if (publishSizes.length) console.log(`\nrender (medians of ${renderRuns}), whole process; "beyond the build" is the render's wall time less its own build phase (--timings)\n\n${prow.join('\n')}`);
