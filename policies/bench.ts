/**
 * Benchmark of the policy engine: N synthetic rendered resources (Deployments, Services,
 * ConfigMaps, HPAs, PDBs, StatefulSets with headless Services) spread over namespaces; times
 * runChecks with every check on, prod severities. Run:
 *   node dist/policies/bench.js [N=20000] [runs=5]
 */
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';
import type { Environment, Json, JsonObject, Resource } from '../compiler/types.js';
import { newResourceRecord } from '../compiler/resource-map.js';
import { runChecks } from './index.js';
import type { Report } from './types.js';

function res(obj: JsonObject, file: string, line: number): Resource {
  return Object.freeze(newResourceRecord(obj, { location: { file, line, column: 1 }, documentIndex: 0, kustomizations: [], fieldSources: [] }));
}

/** N synthetic resources: app units of Deployment + Service + ConfigMap + HPA + PDB, every 10th a StatefulSet + headless Service. */
export function syntheticResources(n: number): Resource[] {
  const out: Resource[] = [];
  for (let i = 0; out.length < n; i++) {
    const ns = `team-${i % 50}`;
    const app = `app-${i}`;
    const file = `bases/${app}/all.yaml`;
    const labels = { app, 'app.kubernetes.io/part-of': `stack-${i % 200}` };
    const env: Json[] = [
      { name: 'JAVA_OPTS', value: '-Xms256m -Xmx512m' },
      { name: 'UPSTREAM', value: `http://app-${i >= 50 ? i - 50 : i}.${ns}.svc.cluster.local:80` },
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: `${app}-db`, key: 'password', optional: true } } },
    ];
    const container: JsonObject = {
      name: 'main',
      image: `registry.example.com/${app}:1.${i % 10}.0`,
      ports: [{ name: 'http', containerPort: 8080 }],
      env,
      envFrom: [{ configMapRef: { name: `${app}-config` } }],
      resources: { requests: { cpu: '100m', memory: '512Mi' }, limits: { memory: '1Gi' } },
      readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
      livenessProbe: { httpGet: { path: '/live', port: 'http' } },
    };
    const stateful = i % 10 === 0;
    out.push(
      res({
        apiVersion: 'apps/v1',
        kind: stateful ? 'StatefulSet' : 'Deployment',
        metadata: { name: app, namespace: ns, labels },
        spec: {
          replicas: 3,
          ...(stateful ? { serviceName: `${app}-headless` } : {}),
          selector: { matchLabels: { app } },
          template: { metadata: { labels }, spec: { containers: [container], affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app } } } }] } } } },
        },
      }, file, 1),
      res({ apiVersion: 'v1', kind: 'Service', metadata: { name: app, namespace: ns, labels }, spec: { selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } }, file, 40),
      res({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${app}-config`, namespace: ns, labels }, data: { LOG_LEVEL: 'info', PEER: `app-${i}:80` } }, file, 60),
      res({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: app, namespace: ns, labels }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: stateful ? 'StatefulSet' : 'Deployment', name: app }, minReplicas: 3, maxReplicas: 10, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }] } }, file, 70),
      res({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: app, namespace: ns, labels }, spec: { maxUnavailable: 1, selector: { matchLabels: { app } } } }, file, 90),
    );
    if (stateful) out.push(res({ apiVersion: 'v1', kind: 'Service', metadata: { name: `${app}-headless`, namespace: ns, labels }, spec: { clusterIP: 'None', selector: { app }, ports: [{ name: 'http', port: 8080 }] } }, file, 100));
  }
  return out.slice(0, n);
}

export interface BenchResult {
  n: number;
  runsMs: number[];
  medianMs: number;
  findings: number;
}

/** Times runChecks over N synthetic resources `runs` times (after one warm-up) and returns the median. */
export function benchChecks(n = 20000, runs = 5): BenchResult {
  const resources = Object.freeze(syntheticResources(n));
  const env: Environment = { name: 'prod', kubernetesVersion: '1.31' };
  let report: Report = runChecks(resources, env, { today: '2026-01-01' }); // warm-up (loads the models)
  const runsMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    report = runChecks(resources, env, { today: '2026-01-01' });
    runsMs.push(Math.round(performance.now() - t0));
  }
  const sorted = [...runsMs].sort((a, b) => a - b);
  return { n, runsMs, medianMs: sorted[Math.floor(sorted.length / 2)], findings: report.findings.length };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const n = Number(process.argv[2] ?? 20000);
  const runs = Number(process.argv[3] ?? 5);
  const r = benchChecks(n, runs);
  console.log(`runChecks over ${r.n} resources: median ${r.medianMs} ms of ${runs} runs [${r.runsMs.join(', ')}], ${r.findings} findings`);
}
