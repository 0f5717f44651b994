/**
 * The long fuzz run: `npm run fuzz -- --iterations 20000 --seed 1`.
 *   --iterations N   how many mutated trees to build (default 20000)
 *   --seed S         first seed; iteration i uses seed S + i (default 1)
 *   --save DIR       write each crashing tree under DIR/fuzz-<seed>/ (a reproducer)
 *   --only SEED      run one seed and print its mutations and diagnostics
 *   --large          also build the 50 MB manifests and print time and peak RSS
 * Prints the iterations, the outcomes by diagnostic code, and every crash or contract
 * violation with its seed and mutations. Exit 1 when anything crashed.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildDir } from '../../compiler/index.js';
import { memFs } from '../../compiler/fs.js';
import { formatDiagnostic } from '../../compiler/diagnostics.js';
import { repoRoot } from '../helpers.js';
import { describe, loadCorpus, mutate, runOne, writeTree } from './mutate.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = process.argv[i + 1];
  return v && !v.startsWith('--') ? v : 'true';
}

const root = repoRoot();
const corpus = loadCorpus(root);

const only = arg('only');
if (only !== undefined) {
  const seed = Number(only);
  const m = mutate(corpus, seed);
  console.log(describe(seed, m));
  try {
    const res = buildDir(m.corpus.entry, { fs: memFs(m.files) });
    for (const d of res.diagnostics) console.log(formatDiagnostic(d));
    console.log(res.output === undefined ? '(no output)' : `(${res.output.length} bytes of output)`);
  } catch (e) {
    console.log(`CRASH: ${(e as Error).stack}`);
  }
  const save = arg('save');
  if (save && save !== 'true') {
    writeTree(path.join(save, `fuzz-${seed}`), m.files);
    console.log(`saved to ${path.join(save, `fuzz-${seed}`)}`);
  }
  process.exit(0);
}

if (arg('large') !== undefined) {
  const cli = path.join(root, 'dist', 'compiler', 'cli.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-large-'));
  try {
    const cases: Array<[string, (fd: number) => void]> = [
      ['50 MB, one large value', (fd) => {
        fs.writeSync(fd, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  value: ');
        const mb = Buffer.alloc(1024 * 1024, 'x');
        for (let i = 0; i < 50; i++) fs.writeSync(fd, mb);
        fs.writeSync(fd, '\n');
      }],
      ['50 MB, ~110,000 ConfigMaps', (fd) => {
        let size = 0;
        for (let i = 0; size < 50 * 1024 * 1024; i++) {
          const s = `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n  value: "${'x'.repeat(400)}"\n`;
          fs.writeSync(fd, s);
          size += s.length;
        }
      }],
      ['65 MB, above MAX_YAML_BYTES', (fd) => {
        fs.writeSync(fd, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  value: ');
        const mb = Buffer.alloc(1024 * 1024, 'x');
        for (let i = 0; i < 65; i++) fs.writeSync(fd, mb);
      }],
    ];
    for (const [name, gen] of cases) {
      fs.writeFileSync(path.join(dir, 'kustomization.yaml'), 'resources:\n- big.yaml\n');
      const fd = fs.openSync(path.join(dir, 'big.yaml'), 'w');
      gen(fd);
      fs.closeSync(fd);
      const t0 = Date.now();
      const timeBin = fs.existsSync('/usr/bin/time');
      const r = spawnSync(timeBin ? '/usr/bin/time' : process.execPath, timeBin ? ['-f', 'RSS %M', process.execPath, cli, 'build', dir] : [cli, 'build', dir], {
        encoding: 'utf8',
        maxBuffer: 1024 * 1024 * 1024,
      });
      const rss = /RSS (\d+)/.exec(r.stderr)?.[1];
      const firstErr = r.stderr.split('\n').find((l) => /error KF/.test(l)) ?? '';
      console.log(`${name}: exit ${r.status}, ${Date.now() - t0} ms, peak RSS ${rss ? `${Math.round(Number(rss) / 1024)} MB` : '?'}, stdout ${r.stdout.length} bytes ${firstErr}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const iterations = Number(arg('iterations') ?? 20000);
const seed0 = Number(arg('seed') ?? 1);
const save = arg('save');
const byCode = new Map<string, number>();
const problems: string[] = [];
const crashSignatures = new Map<string, number[]>();
let ok = 0;
const t0 = Date.now();
for (let i = 0; i < iterations; i++) {
  const seed = seed0 + i;
  const m = mutate(corpus, seed);
  const out = runOne(m.files, m.corpus.entry);
  if (out.kind === 'ok') ok++;
  else if (out.kind === 'errors') for (const c of out.codes) byCode.set(c, (byCode.get(c) ?? 0) + 1);
  else {
    const sig = out.kind === 'crash' ? `crash: ${out.error.split('\n')[0].slice(0, 160)}` : `violation: ${out.problem.split('\n')[0].replace(/\d+/g, 'N').slice(0, 160)}`;
    const list = crashSignatures.get(sig) ?? [];
    list.push(seed);
    crashSignatures.set(sig, list);
    if (list.length <= 2) {
      problems.push(`${describe(seed, m)}\n  → ${sig}${out.kind === 'crash' && out.stack ? `\n${out.stack.split('\n').slice(1, 6).join('\n')}` : ''}`);
      if (save && save !== 'true') writeTree(path.join(save, `fuzz-${seed}`), m.files);
    }
  }
  if ((i + 1) % 5000 === 0) console.error(`… ${i + 1} iterations, ${Date.now() - t0} ms`);
}
const ms = Date.now() - t0;
console.log(`iterations: ${iterations} (seeds ${seed0}..${seed0 + iterations - 1}), ${ms} ms, corpus ${corpus.length} trees`);
console.log(`ok (built): ${ok}`);
console.log('errors by code (iterations reporting it):');
for (const [c, n] of [...byCode].sort()) console.log(`  ${c} ${n}`);
console.log(`crashes / contract violations: ${[...crashSignatures.values()].reduce((a, b) => a + b.length, 0)} (${crashSignatures.size} distinct)`);
for (const [sig, seeds] of crashSignatures) console.log(`  ${seeds.length}× ${sig}\n     seeds: ${seeds.slice(0, 10).join(', ')}${seeds.length > 10 ? ' …' : ''}`);
if (problems.length) {
  console.log('\nreproducers (node dist/test/fuzz/fuzz.js --only SEED [--save DIR]):');
  for (const p of problems) console.log(p);
}
process.exit(crashSignatures.size ? 1 : 0);
