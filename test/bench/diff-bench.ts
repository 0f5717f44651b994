import { mulberry32 } from '../helpers.js';
/**
 * Benchmark of the PR review diff (a script, not a test):
 *
 *   node dist/test/bench/diff-bench.js [resources=20000] [runs=5]
 *
 * Two synthetic renderings of N resources (Deployments, Services, generated ConfigMaps,
 * HPAs, StatefulSets, PDBs with realistic nested specs), ~2% of them changed: image bumps,
 * env changes, ConfigMap literal changes (generator renames followed by their Deployment).
 * Times diffRenderings, formatMarkdown and formatJson; prints the median of RUNS runs.
 * Target: < 2 s for 20,000 resources.
 */
import { performance } from 'node:perf_hooks';
import { diffRenderings, type DiffResource } from '../../compiler/diff/engine.js';
import { formatMarkdown, formatJson, type EnvDiff } from '../../compiler/diff/format.js';
import type { JsonObject } from '../../compiler/types.js';

const N = Number(process.argv[2] ?? 20000);
const RUNS = Number(process.argv[3] ?? 5);
const NS = 'kforge-prod';

const rng = mulberry32;

const HASH = 'bcdfghkmt256789';
function hashSuffix(r: () => number): string {
  let s = '';
  for (let i = 0; i < 10; i++) s += HASH[Math.floor(r() * HASH.length)];
  return s;
}

const labels = (app: string, part: string) => ({ 'app.kubernetes.io/name': app, 'app.kubernetes.io/part-of': part, 'app.kubernetes.io/managed-by': 'kforge', 'kforge.io/environment': 'prod' });
const meta = (name: string, app: string, part: string, extra: JsonObject = {}): JsonObject => ({ name, namespace: NS, labels: labels(app, part), ...extra });
const res = (apiVersion: string, kind: string, name: string, object: JsonObject, app: string): DiffResource => ({ apiVersion, kind, namespace: NS, name, object: { apiVersion, kind, ...object }, app });

function deployment(app: string, part: string, image: string, cm: string, envExtra: string): JsonObject {
  return {
    metadata: meta(app, app, part),
    spec: {
      revisionHistoryLimit: 5,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      selector: { matchLabels: { 'app.kubernetes.io/name': app } },
      template: {
        metadata: { labels: labels(app, part), annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080' } },
        spec: {
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: 45,
          securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
          affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'app.kubernetes.io/name': app } } } }] } },
          topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { 'app.kubernetes.io/name': app } } }],
          containers: [
            {
              name: app,
              image,
              imagePullPolicy: 'IfNotPresent',
              args: ['--spring.config.additional-location=optional:file:/config/'],
              envFrom: [{ configMapRef: { name: cm } }],
              env: [
                { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'mysql-credentials', key: 'app-password' } } },
                { name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'redis-credentials', key: 'password' } } },
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'FEATURE_FLAGS', value: envExtra },
              ],
              ports: [
                { name: 'http', containerPort: 8080 },
                { name: 'metrics', containerPort: 9090 },
              ],
              readinessProbe: { httpGet: { path: '/actuator/health/readiness', port: 'http' }, periodSeconds: 10, timeoutSeconds: 3 },
              livenessProbe: { httpGet: { path: '/actuator/health/liveness', port: 'http' }, periodSeconds: 20, timeoutSeconds: 3 },
              resources: { requests: { cpu: '250m', memory: '768Mi' }, limits: { cpu: '2', memory: '1Gi' } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [
                { name: 'config', mountPath: '/config', readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'config', configMap: { name: cm } },
            { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
          ],
        },
      },
    },
  };
}

function statefulSet(app: string, part: string, image: string, replicas: number): JsonObject {
  return {
    metadata: meta(app, app, part),
    spec: {
      serviceName: `${app}-headless`,
      replicas,
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: { 'app.kubernetes.io/name': app } },
      template: {
        metadata: { labels: labels(app, part) },
        spec: {
          containers: [
            {
              name: 'server',
              image,
              ports: [{ name: 'client', containerPort: 2181 }, { name: 'peer', containerPort: 2888 }, { name: 'election', containerPort: 3888 }],
              env: [{ name: 'HEAP', value: '1g' }, { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { cpu: '2', memory: '2Gi' } },
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
          ],
        },
      },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } } } }],
    },
  };
}

interface Side {
  resources: DiffResource[];
}

/** The two renderings; ~2% of the resources change between them. */
function synthesize(n: number): { before: DiffResource[]; after: DiffResource[]; changedApps: number } {
  const r = rng(42);
  const before: DiffResource[] = [];
  const after: DiffResource[] = [];
  let changedApps = 0;
  // Each app: Deployment + Service + ConfigMap + HPA + PDB (5), every 4th a StatefulSet too.
  for (let i = 0; before.length < n; i++) {
    const app = `svc-${String(i).padStart(5, '0')}`;
    const part = `team-${i % 40}`;
    const tag = `1.${i % 30}.${i % 7}`;
    const cmBase = `${app}-env`;
    const cmA = `${cmBase}-${hashSuffix(r)}`;
    const dice = r();
    // ~2% of resources change: about 1 app in 12 has one change (each change touches 1–2 resources of ~5.25).
    const change = dice < 0.03 ? 'image' : dice < 0.05 ? 'env' : dice < 0.08 ? 'configmap' : undefined;
    if (change) changedApps++;
    const cmB = change === 'configmap' ? `${cmBase}-${hashSuffix(r)}` : cmA;
    const image = (t: string) => `registry.example.com/${part}/${app}:${t}`;
    const data = (level: string): JsonObject => ({ SPRING_PROFILES_ACTIVE: 'prod', LOG_LEVEL: level, JAVA_TOOL_OPTIONS: '-XX:MaxRAMPercentage=75.0 -XX:+ExitOnOutOfMemoryError', 'application.yaml': `server:\n  port: 8080\nspring:\n  application:\n    name: ${app}\n` });
    const pair = (apiVersion: string, kind: string, a: [string, JsonObject], b: [string, JsonObject] = a) => {
      before.push(res(apiVersion, kind, a[0], a[1], part));
      after.push(res(apiVersion, kind, b[0], structuredClone(b[1]), part));
    };
    pair(
      'apps/v1',
      'Deployment',
      [app, deployment(app, part, image(tag), cmA, 'a,b')],
      [app, deployment(app, part, image(change === 'image' ? `${tag}-1` : tag), cmB, change === 'env' ? 'a,b,c' : 'a,b')],
    );
    pair('v1', 'ConfigMap', [cmA, { metadata: meta(cmA, app, part), data: data('WARN') }], [cmB, { metadata: meta(cmB, app, part), data: data(change === 'configmap' ? 'INFO' : 'WARN') }]);
    pair('v1', 'Service', [app, { metadata: meta(app, app, part), spec: { type: 'ClusterIP', selector: { 'app.kubernetes.io/name': app }, ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'metrics', port: 9090, targetPort: 'metrics' }] } }]);
    pair('autoscaling/v2', 'HorizontalPodAutoscaler', [
      app,
      { metadata: meta(app, app, part), spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: app }, minReplicas: 3, maxReplicas: 20, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }], behavior: { scaleDown: { stabilizationWindowSeconds: 300 } } } },
    ]);
    pair('policy/v1', 'PodDisruptionBudget', [app, { metadata: meta(app, app, part), spec: { maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': app } } } }]);
    if (i % 4 === 0) pair('apps/v1', 'StatefulSet', [`${app}-store`, statefulSet(`${app}-store`, part, `zookeeper:3.9.${i % 3}`, 3)]);
  }
  return { before, after, changedApps };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const { before, after, changedApps } = synthesize(N);
const times = { diff: [] as number[], markdown: [] as number[], json: [] as number[], total: [] as number[] };
let last: EnvDiff | undefined;
let mdLen = 0;
let jsonLen = 0;
for (let run = 0; run < RUNS; run++) {
  const t0 = performance.now();
  const changes = diffRenderings(before, after, { redactKey: 'bench-key', ignoreFields: ['metadata.annotations.checksum/*'] });
  const t1 = performance.now();
  const d: EnvDiff = { env: 'prod', base: 'environments/prod@bench', head: 'working tree', changes };
  const md = formatMarkdown([d]);
  const t2 = performance.now();
  const json = formatJson([d]);
  const t3 = performance.now();
  times.diff.push(t1 - t0);
  times.markdown.push(t2 - t1);
  times.json.push(t3 - t2);
  times.total.push(t3 - t0);
  last = d;
  mdLen = md.length;
  jsonLen = json.length;
}
const k = last!.changes.counts;
const fmt = (xs: number[]) => `${median(xs).toFixed(0).padStart(6)} ms  (runs: ${xs.map((x) => x.toFixed(0)).join(', ')})`;
process.stdout.write(
  [
    `diff-bench: ${before.length} → ${after.length} resources, ${changedApps} apps changed; counts +${k.added} ~${k.changed} -${k.removed}, ${k.unchanged} unchanged; ${last!.changes.changes.length} change entries, ${last!.changes.risks.length} risks`,
    `markdown ${mdLen} chars, json ${jsonLen} chars; median of ${RUNS} runs:`,
    `  diffRenderings  ${fmt(times.diff)}`,
    `  formatMarkdown  ${fmt(times.markdown)}`,
    `  formatJson      ${fmt(times.json)}`,
    `  total           ${fmt(times.total)}  (target < 2000 ms)`,
    '',
  ].join('\n'),
);
void ({} as Side);
