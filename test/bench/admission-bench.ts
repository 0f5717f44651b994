/**
 * Admission-policy benchmark (issue 17): the 20,000-resource policy bench tree (5,000 apps:
 * Deployment, Service, HPA, generated ConfigMap) with 20 ValidatingAdmissionPolicies and
 * their bindings in `<repo>/policies/admission`, then `runChecks` with every check (the
 * admission check among them) at prod severities and the CLI's file locator. Prints the
 * median of the timed runs (after one warm-up) and the share of the admission check alone;
 * the target for all checks is under 2 s.
 *
 *   node dist/test/bench/admission-bench.js [--apps 5000] [--runs 3] [--json]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeBenchTree } from './tree.js';
import { buildDir } from '../../compiler/index.js';
import { fileLocator } from '../../compiler/render.js';
import { DEFAULT_KUBERNETES_VERSION } from '../../compiler/env.js';
import { runChecks } from '../../policies/index.js';
import { runChecksWith } from '../../policies/engine.js';
import { admissionPolicy } from '../../policies/admission/index.js';
import type { Environment } from '../../compiler/types.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const RULE = (g: string, res: string): string => `    - apiGroups: ["${g}"]
      apiVersions: ["*"]
      operations: [CREATE, UPDATE]
      resources: [${res}]`;

/** 20 policies as a platform team writes them (most over Deployments, the rest over Services, ConfigMaps, HPAs). */
export function benchPolicies(): string {
  const specs: [string, string, string][] = [
    ['replicas', RULE('apps', 'deployments'), `  validations:\n  - expression: object.spec.replicas >= 1\n    message: at least one replica`],
    ['image-registry', RULE('apps', 'deployments'), `  validations:\n  - expression: object.spec.template.spec.containers.all(c, c.image.startsWith('registry.example.com/'))\n    messageExpression: "'image from an unknown registry in ' + object.metadata.name"`],
    ['image-tag', RULE('apps', 'deployments'), `  validations:\n  - expression: object.spec.template.spec.containers.all(c, !c.image.endsWith(':latest') && c.image.contains(':'))`],
    ['no-host-path', RULE('apps', 'deployments'), `  validations:\n  - expression: "!has(object.spec.template.spec.volumes) || object.spec.template.spec.volumes.all(v, !has(v.hostPath))"`],
    ['no-host-network', RULE('apps', 'deployments'), `  validations:\n  - expression: "!has(object.spec.template.spec.hostNetwork) || !object.spec.template.spec.hostNetwork"`],
    ['no-privileged', RULE('apps', 'deployments'), `  variables:\n  - name: containers\n    expression: object.spec.template.spec.containers\n  validations:\n  - expression: "variables.containers.all(c, !has(c.securityContext) || !has(c.securityContext.privileged) || !c.securityContext.privileged)"`],
    ['labels', RULE('apps', 'deployments'), `  validations:\n  - expression: "has(object.metadata.labels) && 'app.kubernetes.io/name' in object.metadata.labels"`],
    ['name-length', RULE('apps', 'deployments'), `  validations:\n  - expression: object.metadata.name.size() <= 63\n  - expression: object.metadata.name.matches('^[a-z0-9-]+$')`],
    ['ports-named', RULE('apps', 'deployments'), `  validations:\n  - expression: "object.spec.template.spec.containers.all(c, !has(c.ports) || c.ports.all(p, has(p.name)))"`],
    ['memory-cap', RULE('apps', 'deployments'), `  validations:\n  - expression: "object.spec.template.spec.containers.all(c, !has(c.resources) || !has(c.resources.limits) || !('memory' in c.resources.limits) || quantity(string(c.resources.limits.memory)).compareTo(quantity('64Gi')) <= 0)"`],
    ['selector-matches', RULE('apps', 'deployments'), `  validations:\n  - expression: "object.spec.selector.matchLabels.all(k, k in object.spec.template.metadata.labels)"`],
    ['team-namespaces', RULE('apps', 'deployments'), `  matchConditions:\n  - name: not-system\n    expression: "!request.namespace.startsWith('kube-')"\n  validations:\n  - expression: request.namespace != 'default'`],
    ['svc-type', RULE('', 'services'), `  validations:\n  - expression: "!has(object.spec.type) || object.spec.type in ['ClusterIP', 'LoadBalancer']"`],
    ['svc-ports', RULE('', 'services'), `  validations:\n  - expression: object.spec.ports.all(p, p.port > 0 && p.port < 65536)`],
    ['svc-selector', RULE('', 'services'), `  validations:\n  - expression: has(object.spec.selector)`],
    ['cm-size', RULE('', 'configmaps'), `  validations:\n  - expression: "!has(object.data) || object.data.all(k, object.data[k].size() < 1048576)"`],
    ['cm-keys', RULE('', 'configmaps'), `  validations:\n  - expression: "!has(object.data) || object.data.all(k, k.matches('^[-._a-zA-Z0-9]+$'))"`],
    ['hpa-range', RULE('autoscaling', 'horizontalpodautoscalers'), `  validations:\n  - expression: object.spec.maxReplicas >= object.spec.minReplicas`],
    ['hpa-max', RULE('autoscaling', 'horizontalpodautoscalers'), `  validations:\n  - expression: object.spec.maxReplicas <= 100`],
    ['everything-labelled', RULE('*', '"*"'), `  validations:\n  - expression: "has(object.metadata.labels)"\n    message: every object needs labels`],
  ];
  return specs
    .map(
      ([name, rules, body]) => `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: bench-${name}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
${rules}
${body}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: bench-${name}
spec:
  policyName: bench-${name}
  validationActions: [Deny]
`,
    )
    .join('---\n');
}

export interface AdmissionBenchResult {
  resources: number;
  policies: number;
  runsMs: number[];
  medianMs: number;
  /** CPU time (user + system) of the process: less sensitive than wall time to a loaded machine. */
  medianCpuMs: number;
  admissionOnlyMs: number[];
  medianAdmissionOnlyMs: number;
  medianAdmissionOnlyCpuMs: number;
  admissionFindings: number;
  admissionDiagnostics: number;
}

export function benchAdmission(apps = 5000, runs = 3): AdmissionBenchResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-admission-bench-'));
  try {
    const root = path.join(dir, 'tree');
    const overlay = writeBenchTree(root, apps);
    fs.mkdirSync(path.join(root, 'policies', 'admission'), { recursive: true });
    fs.writeFileSync(path.join(root, 'policies', 'admission', 'bench.yaml'), benchPolicies());
    const built = buildDir(overlay);
    if (!built.resources) throw new Error(`bench tree does not build: ${built.diagnostics.map((d) => d.message).join('; ')}`);
    const resources = built.resources;
    const env: Environment = { name: 'prod', kubernetesVersion: DEFAULT_KUBERNETES_VERSION };
    const opts = { today: '2026-06-01', locateField: fileLocator() };
    let report = runChecks(resources, env, opts); // warm-up
    const runsMs: number[] = [];
    const runsCpuMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      const c = process.cpuUsage();
      report = runChecks(resources, env, opts);
      const cu = process.cpuUsage(c);
      runsMs.push(Math.round(performance.now() - t));
      runsCpuMs.push(Math.round((cu.user + cu.system) / 1000));
    }
    const admissionOnlyMs: number[] = [];
    const admissionOnlyCpuMs: number[] = [];
    let only = runChecksWith([admissionPolicy], resources, env, opts);
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      const c = process.cpuUsage();
      only = runChecksWith([admissionPolicy], resources, env, opts);
      const cu = process.cpuUsage(c);
      admissionOnlyMs.push(Math.round(performance.now() - t));
      admissionOnlyCpuMs.push(Math.round((cu.user + cu.system) / 1000));
    }
    if (only.diagnostics.length) throw new Error(`bench policies have diagnostics: ${only.diagnostics.map((d) => d.message).join('; ')}`);
    return {
      resources: resources.length,
      policies: 20,
      runsMs,
      medianMs: median(runsMs),
      medianCpuMs: median(runsCpuMs),
      admissionOnlyMs,
      medianAdmissionOnlyMs: median(admissionOnlyMs),
      medianAdmissionOnlyCpuMs: median(admissionOnlyCpuMs),
      admissionFindings: report.findings.filter((f) => f.id === 'admission-policy').length,
      admissionDiagnostics: only.diagnostics.length,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const r = benchAdmission(Number(arg('apps', '5000')), Number(arg('runs', '3')));
  if (process.argv.includes('--json')) console.log(JSON.stringify(r));
  else {
    console.log(`${r.resources} resources, ${r.policies} admission policies`);
    console.log(`all checks: median ${r.medianMs} ms wall (${r.runsMs.join(', ')}), ${r.medianCpuMs} ms CPU`);
    console.log(`admission-policy alone: median ${r.medianAdmissionOnlyMs} ms wall (${r.admissionOnlyMs.join(', ')}), ${r.medianAdmissionOnlyCpuMs} ms CPU`);
    console.log(`admission findings: ${r.admissionFindings}`);
  }
}
