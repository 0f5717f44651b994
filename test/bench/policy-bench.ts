/**
 * Policy benchmark on real compiler output (issue 4): the synthetic bench tree of issue 2
 * with 5,000 apps (Deployment, Service, HPA and generated ConfigMap each: 20,000 rendered
 * resources), built by kforge (`buildDir`), then `runChecks` with every check on at prod
 * severities, with the CLI's file locator (as `kforge check` runs it). Prints the median of
 * 5 timed runs (after one warm-up); the target is under 2 s. Also times the same runs
 * without the locator, to separate the checks from the cost of finding each field's line.
 *
 * Then times the runs again with 20 bound ValidatingAdmissionPolicies and 50 vendored CRDs.
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
import { runChecks, loadAdmissionFolder, loadCrdFolder } from '../../policies/index.js';
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
  /** The same (with the locator) with 20 ValidatingAdmissionPolicies bound and 50 vendored CRDs loaded (issue 17). */
  runsAdmissionMs: number[];
  medianAdmissionMs: number;
  admissionFindings: number;
}

/** 20 policies (each bound, Deny) over Deployments, Services and ConfigMaps, and 50 CRDs, as YAML files. */
function writeAdmission(dir: string): { admission: string; crds: string } {
  const admission = path.join(dir, 'admission');
  const crds = path.join(dir, 'crds');
  fs.mkdirSync(admission, { recursive: true });
  fs.mkdirSync(crds, { recursive: true });
  const targets = [
    ['apps', 'deployments', "object.spec.template.spec.containers.all(c, c.image.contains(':'))"],
    ['apps', 'deployments', 'has(object.spec.replicas) ? object.spec.replicas <= 50 : true'],
    ['', 'services', "object.spec.ports.all(p, p.port > 0 && p.port < 65536)"],
    ['', 'configmaps', "!has(object.data) || object.data.size() < 200"],
  ];
  const docs: string[] = [];
  for (let i = 0; i < 20; i++) {
    const [group, resource, expr] = targets[i % targets.length];
    docs.push(`apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: p${i}}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: ["${group}"], apiVersions: [v1], operations: [CREATE], resources: [${resource}]}
  validations:
  - expression: ${JSON.stringify(expr)}
    message: policy ${i}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: b${i}}
spec: {policyName: p${i}, validationActions: [Deny]}`);
  }
  fs.writeFileSync(path.join(admission, 'policies.yaml'), docs.join('\n---\n') + '\n');
  for (let i = 0; i < 50; i++) {
    fs.writeFileSync(path.join(crds, `crd${i}.yaml`), `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: things${i}.bench${i}.example.com}
spec:
  group: bench${i}.example.com
  names: {kind: Thing${i}, plural: things${i}}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer, minimum: 0}
            x-kubernetes-validations:
            - {rule: "self.size < 10", message: too big}
`);
  }
  return { admission, crds };
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
    const extra = writeAdmission(dir);
    const withAdmission = { ...opts, admission: loadAdmissionFolder(dir, extra.admission).objects, crds: loadCrdFolder(dir, extra.crds).crds };
    let admissionReport = runChecks(resources, env, withAdmission);
    const runsAdmissionMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      admissionReport = runChecks(resources, env, withAdmission);
      runsAdmissionMs.push(Math.round(performance.now() - t));
    }
    return {
      apps, resources: resources.length, buildMs, runsMs, medianMs: median(runsMs), runsNoLocateMs, medianNoLocateMs: median(runsNoLocateMs), findings: report.findings.length, byCheck,
      runsAdmissionMs, medianAdmissionMs: median(runsAdmissionMs), admissionFindings: admissionReport.findings.length - report.findings.length,
    };
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
    console.log(`runChecks with 20 admission policies and 50 CRDs: median ${r.medianAdmissionMs} ms [${r.runsAdmissionMs.join(', ')}]; ${r.admissionFindings} more finding(s)`);
  }
}
