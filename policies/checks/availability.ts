import type { Check, PodTemplate, RawFinding } from '../types.js';
import { podsMatchingSelector } from '../context.js';
import { arr, at, num, obj, str } from '../util.js';

const REPLICATED = new Set(['Deployment', 'StatefulSet']);

function spreads(pt: PodTemplate): boolean {
  const anti = obj(at(pt.spec, 'affinity', 'podAntiAffinity'));
  return (anti !== undefined && Object.keys(anti).length > 0) || arr(pt.spec.topologySpreadConstraints).length > 0;
}

export const pdbMissing: Check = {
  id: 'pdb-missing',
  title: 'Replicated workload without disruption protection',
  doc: 'A Deployment or StatefulSet with 2 or more replicas needs a PodDisruptionBudget or pod anti-affinity/topology spread; reported when it has neither.',
  hint: 'Add a PodDisruptionBudget (maxUnavailable: 1) and pod anti-affinity or topologySpreadConstraints.',
  defaultSeverity: { dev: 'off', staging: 'warning', prod: 'error' },
  run(ctx) {
    const covered = new Set<PodTemplate>();
    for (const pdb of ctx.ofKind('PodDisruptionBudget')) {
      for (const pt of podsMatchingSelector(ctx.idx, ctx.ns(pdb), obj(at(pdb.object, 'spec', 'selector')))) covered.add(pt);
    }
    const out: RawFinding[] = [];
    for (const pt of ctx.idx.podTemplates) {
      if (!REPLICATED.has(pt.resource.id.kind) || (pt.replicas ?? 0) < 2) continue;
      if (covered.has(pt) || spreads(pt)) continue;
      out.push({ resource: pt.resource, pointer: '/spec/replicas', message: `${pt.resource.id.kind} ${pt.resource.id.name} has ${pt.replicas} replicas but no PodDisruptionBudget and no anti-affinity or topology spread` });
    }
    return out;
  },
};

function percent(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^(\d+)%$/.exec(v);
  return m ? parseInt(m[1], 10) : undefined;
}

export const pdbUnsatisfiable: Check = {
  id: 'pdb-unsatisfiable',
  title: 'PodDisruptionBudget that blocks every eviction',
  doc: 'minAvailable ≥ the replicas of the pods it selects (or 100%), or maxUnavailable 0 (or 0%), blocks node drains forever.',
  hint: 'Use maxUnavailable: 1 (or minAvailable below the replica count).',
  defaultSeverity: { dev: 'warning', staging: 'warning', prod: 'error' },
  run(ctx) {
    const out: RawFinding[] = [];
    for (const pdb of ctx.ofKind('PodDisruptionBudget')) {
      const spec = obj(pdb.object.spec);
      if (!spec) continue;
      const maxU = spec.maxUnavailable;
      if (maxU === 0 || percent(maxU) === 0) {
        out.push({ resource: pdb, pointer: '/spec/maxUnavailable', message: `maxUnavailable ${String(maxU)} allows no eviction` });
        continue;
      }
      const minA = spec.minAvailable;
      if (minA === undefined) continue;
      if (percent(minA) === 100) {
        out.push({ resource: pdb, pointer: '/spec/minAvailable', message: 'minAvailable 100% allows no eviction' });
        continue;
      }
      const min = num(minA);
      if (min === undefined) continue;
      const pods = podsMatchingSelector(ctx.idx, ctx.ns(pdb), obj(spec.selector));
      const withReplicas = pods.filter((p) => p.replicas !== undefined);
      if (withReplicas.length === 0 || withReplicas.length !== pods.length) continue;
      const total = withReplicas.reduce((s, p) => s + (p.replicas ?? 0), 0);
      if (min >= total) out.push({ resource: pdb, pointer: '/spec/minAvailable', message: `minAvailable ${min} ≥ ${total} replica(s) of ${withReplicas.map((p) => `${p.resource.id.kind} ${p.resource.id.name}`).join(', ')}: no eviction is allowed` });
    }
    return out;
  },
};

interface QuorumRule {
  product: string;
  match: (image: string) => boolean;
  ok: (n: number) => boolean;
  want: string;
}

function lastSegment(image: string): string {
  const noDigest = image.split('@')[0];
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return (colon > slash ? noDigest.slice(0, colon) : noDigest).slice(slash + 1).toLowerCase();
}
const HELPER = /(exporter|ui|console|admin|manager|operator|dashboard|proxy|mirror|connect|schema|rest|cli|init)/;

const QUORUM: QuorumRule[] = [
  { product: 'ZooKeeper', match: (i) => /zookeeper|^(cp-)?zk$/.test(lastSegment(i)), ok: (n) => n >= 3 && n % 2 === 1, want: 'an odd number ≥ 3' },
  { product: 'Nacos', match: (i) => /^nacos(-server)?$/.test(lastSegment(i)), ok: (n) => n >= 3 && n % 2 === 1, want: 'an odd number ≥ 3' },
  { product: 'RabbitMQ', match: (i) => /^rabbitmq/.test(lastSegment(i)), ok: (n) => n >= 3 && n % 2 === 1, want: 'an odd number ≥ 3' },
  { product: 'Kafka', match: (i) => /^(cp-)?kafka(-kraft)?$/.test(lastSegment(i)), ok: (n) => n >= 3, want: '≥ 3' },
];

export const quorum: Check = {
  id: 'quorum',
  title: 'Clustered middleware below quorum size',
  doc: 'In prod, ZooKeeper, Nacos and RabbitMQ run an odd number ≥ 3 of replicas, Kafka ≥ 3, a Redis cluster ≥ 6 (3 masters + 3 replicas); detected by image name (redis cluster: image redis-cluster or cluster-enabled in its command, args or mounted config).',
  hint: 'Set replicas accordingly.',
  defaultSeverity: { dev: 'off', staging: 'off', prod: 'error' },
  run(ctx) {
    const out: RawFinding[] = [];
    for (const pt of ctx.idx.podTemplates) {
      if (!REPLICATED.has(pt.resource.id.kind)) continue;
      const n = pt.replicas ?? 1;
      const seen = new Set<string>();
      for (const c of pt.containers) {
        if (c.init) continue;
        const image = str(c.container.image) ?? '';
        const seg = lastSegment(image);
        if (HELPER.test(seg)) continue;
        for (const rule of QUORUM) {
          if (seen.has(rule.product) || !rule.match(image)) continue;
          seen.add(rule.product);
          if (!rule.ok(n)) out.push({ resource: pt.resource, pointer: '/spec/replicas', message: `${rule.product} ${pt.resource.id.name} runs ${n} replica(s); a quorum needs ${rule.want}` });
        }
        if (!seen.has('Redis') && /redis/.test(seg)) {
          const words = [...arr(c.container.command), ...arr(c.container.args)].filter((x) => typeof x === 'string').join(' ');
          let cluster = /redis-cluster/.test(seg) || /cluster-enabled(\s+|=)?(yes)?/.test(words);
          if (!cluster) {
            for (const v of arr(pt.spec.volumes)) {
              const cmName = str(at(v, 'configMap', 'name'));
              const cm = cmName ? ctx.get('ConfigMap', pt.namespace, cmName) : undefined;
              if (cm && Object.values(obj(cm.object.data) ?? {}).some((t) => typeof t === 'string' && /^\s*cluster-enabled\s+yes/m.test(t))) cluster = true;
            }
          }
          if (cluster) {
            seen.add('Redis');
            if (n < 6) out.push({ resource: pt.resource, pointer: '/spec/replicas', message: `Redis cluster ${pt.resource.id.name} runs ${n} replica(s); it needs ≥ 6 (3 masters and 3 replicas)` });
          }
        }
      }
    }
    return out;
  },
};
