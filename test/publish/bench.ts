/**
 * Publishing benchmark (not part of the test suite):
 *   node .kforge-tmp/publish/test/publish/bench.js [resources=20000] [apps=100]
 * Synthesizes the rendered apps (no build), then measures, on 3 fresh repositories, medians of:
 *   plan     planRender (layout, digests, metadata)
 *   first    publish creating the deploy branch
 *   unchanged publish from a newer source commit with the same output (up-to-date)
 *   change   publish after one app changed
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { publish } from '../../compiler/publish/index.js';
import { planRender, type RenderedApp, type SourceInfo } from '../../compiler/emit/plan.js';
import { cleanup, commitAll, initSource, prod } from './helpers.js';

const N = Number(process.argv[2] ?? 20000);
const APPS = Number(process.argv[3] ?? 100);

function synth(variant: number): RenderedApp[] {
  const apps: RenderedApp[] = [];
  const per = Math.ceil(N / APPS);
  for (let a = 0; a < APPS; a++) {
    const resources: RenderedApp['resources'] = [];
    for (let i = 0; i < per && a * per + i < N; i++) {
      const kind = i % 3 === 0 ? 'Deployment' : i % 3 === 1 ? 'Service' : 'ConfigMap';
      const name = `app${a}-res${i}`;
      const v = a === 0 && i === 0 ? variant : 0;
      resources.push({
        id: { group: kind === 'Deployment' ? 'apps' : '', version: 'v1', kind, namespace: `ns${a}`, name },
        yaml: `apiVersion: ${kind === 'Deployment' ? 'apps/v1' : 'v1'}\nkind: ${kind}\nmetadata:\n  name: ${name}\n  namespace: ns${a}\n  labels:\n    app.kubernetes.io/name: app${a}\n    variant: "${v}"\nspec:\n  replicas: 2\n`,
      });
    }
    apps.push({ app: `app${String(a).padStart(3, '0')}`, resources });
  }
  return apps;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const t = { plan: [] as number[], first: [] as number[], unchanged: [] as number[], change: [] as number[] };
const apps0 = synth(0);
const apps1 = synth(1);
for (let run = 0; run < 3; run++) {
  const { dir } = initSource({ x: {} });
  let variant = apps0;
  const mk = (s: SourceInfo) => {
    const t0 = performance.now();
    const p = planRender({ environment: prod, apps: variant, source: s, kforgeVersion: 'bench', policy: { errors: 0, warnings: 0, waived: 0 }, allowDirty: false });
    t.plan.push(performance.now() - t0);
    return p;
  };
  let t0 = performance.now();
  let last = performance.now();
  const prog = (e: { phase: string }) => { if (process.env.BENCH_TRACE) console.log(e.phase, (performance.now() - last).toFixed(0)); last = performance.now(); };
  const r1 = await publish({ repoDir: dir, environment: prod, plan: mk, onProgress: prog });
  t.first.push(performance.now() - t0);
  fs.writeFileSync(path.join(dir, 'README'), 'docs\n');
  commitAll(dir, 'docs only');
  t0 = performance.now();
  const r2 = await publish({ repoDir: dir, environment: prod, plan: mk });
  t.unchanged.push(performance.now() - t0);
  fs.writeFileSync(path.join(dir, 'README'), 'docs 2\n');
  commitAll(dir, 'change one resource');
  variant = apps1;
  t0 = performance.now();
  const r3 = await publish({ repoDir: dir, environment: prod, plan: mk });
  t.change.push(performance.now() - t0);
  if (r1.status !== 'published' || r2.status !== 'up-to-date' || r3.status !== 'published') throw new Error(`unexpected ${r1.status} ${r2.status} ${r3.status}`);
  if (run === 0) console.log(r3.summary.text.join('\n'));
  cleanup();
}
const f = (xs: number[]) => `${median(xs).toFixed(0)} ms (runs: ${xs.map((x) => x.toFixed(0)).join(', ')})`;
console.log(`${N} resources in ${APPS} apps, medians of 3`);
console.log(`  planRender                 ${f(t.plan)}`);
console.log(`  first publish (incl. plan) ${f(t.first)}`);
console.log(`  unchanged re-publish       ${f(t.unchanged)}`);
console.log(`  one resource changed       ${f(t.change)}`);
