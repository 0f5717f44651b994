/**
 * Policy benchmark on real compiler output (issue 4): the synthetic bench tree of issue 2
 * with 5,000 apps (Deployment, Service, HPA and generated ConfigMap each: 20,000 rendered
 * resources), built by kforge (`buildDir`), then `runChecks` with every check on at prod
 * severities, with the CLI's file locator (as `kforge check` runs it). Prints the median of
 * 5 timed runs (after one warm-up); the target is under 2 s. Also times the same runs
 * without the locator, to separate the checks from the cost of finding each field's line.
 *
 *   node dist/test/bench/policy-bench.js [--apps 5000] [--runs 5] [--json]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeBenchTree } from './tree.js';
import { buildDir } from '../../compiler/index.js';
import { fileLocator } from '../../compiler/render.js';
import { DEFAULT_KUBERNETES_VERSION } from '../../compiler/env.js';
import { runChecks } from '../../policies/index.js';
import type { Environment } from '../../compiler/types.js';
import type { Report } from '../../policies/types.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export interface PolicyBenchResult {
  apps: number;
  resources: number;
  buildMs: number;
  runsMs: number[];
  medianMs: number;
  /** The same without the file locator: findings keep their document line only. */
  runsNoLocateMs: number[];
  medianNoLocateMs: number;
  findings: number;
  byCheck: Record<string, number>;
}

export function benchPolicies(apps = 5000, runs = 5): PolicyBenchResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-policy-bench-'));
  try {
    const overlay = writeBenchTree(path.join(dir, 'tree'), apps);
    const t0 = performance.now();
    const built = buildDir(overlay);
    const buildMs = Math.round(performance.now() - t0);
    if (!built.resources) throw new Error(`bench tree does not build: ${built.diagnostics.map((d) => d.message).join('; ')}`);
    const resources = built.resources;
    const env: Environment = { name: 'prod', kubernetesVersion: DEFAULT_KUBERNETES_VERSION };
    const opts = { today: '2026-06-01', locateField: fileLocator() };
    let report: Report = runChecks(resources, env, opts); // warm-up
    const runsMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      report = runChecks(resources, env, opts);
      runsMs.push(Math.round(performance.now() - t));
    }
    const bare = { today: opts.today };
    runChecks(resources, env, bare);
    const runsNoLocateMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      runChecks(resources, env, bare);
      runsNoLocateMs.push(Math.round(performance.now() - t));
    }
    const byCheck: Record<string, number> = {};
    for (const f of report.findings) byCheck[f.id] = (byCheck[f.id] ?? 0) + 1;
    return { apps, resources: resources.length, buildMs, runsMs, medianMs: median(runsMs), runsNoLocateMs, medianNoLocateMs: median(runsNoLocateMs), findings: report.findings.length, byCheck };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const self = path.resolve(new URL(import.meta.url).pathname);
if (process.argv[1] && path.resolve(process.argv[1]) === self) {
  const r = benchPolicies(Number(arg('apps', '5000')), Number(arg('runs', '5')));
  if (process.argv.includes('--json')) console.log(JSON.stringify(r));
  else {
    console.log(`build: ${r.resources} resources from ${r.apps} apps in ${r.buildMs} ms`);
    console.log(`runChecks (prod, all checks): median ${r.medianMs} ms of ${r.runsMs.length} runs [${r.runsMs.join(', ')}]; target < 2000 ms ${r.medianMs < 2000 ? 'met' : 'MISSED'}`);
    console.log(`runChecks without the file locator (document lines only): median ${r.medianNoLocateMs} ms [${r.runsNoLocateMs.join(', ')}]`);
    console.log(`findings: ${r.findings} ${JSON.stringify(r.byCheck)}`);
  }
}
