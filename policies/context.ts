import type { Diagnostic, Environment, JsonObject, Resource, SourceLocation } from '../compiler/types.js';
import { pdiag } from './codes.js';
import type { CheckContext, ContainerRef, Indexes, LocateField, PodTemplate, Tier } from './types.js';
import { locate } from './locate.js';
import { arr, at, labelSelectorMatches, num, obj, ptr, selectorMatches, str, strMap } from './util.js';

export function nsOf(r: Resource): string {
  return r.id.namespace && r.id.namespace !== '' ? r.id.namespace : 'default';
}

/** prod* / production → prod; stag*, qa, uat, preprod → staging; everything else dev. */
export function tierOf(env: Environment): Tier {
  const n = env.name.toLowerCase();
  if (/(^|[-_.])(staging|stage|stg|qa|uat|preprod|pre-prod)([-_.]|$)/.test(n)) return 'staging';
  if (/(^|[-_.])(prod|production|prd)([-_.]|$)/.test(n)) return 'prod';
  return 'dev';
}

const TEMPLATE_KINDS: Record<string, string> = {
  Deployment: '/spec/template',
  StatefulSet: '/spec/template',
  DaemonSet: '/spec/template',
  ReplicaSet: '/spec/template',
  ReplicationController: '/spec/template',
  Job: '/spec/template',
  CronJob: '/spec/jobTemplate/spec/template',
  PodTemplate: '/template',
};

function podTemplateOf(r: Resource): PodTemplate | undefined {
  const kind = r.id.kind;
  let tplPtr: string;
  let spec: JsonObject | undefined;
  let labels: Record<string, string>;
  if (kind === 'Pod') {
    tplPtr = '';
    spec = obj(r.object.spec);
    labels = strMap(at(r.object, 'metadata', 'labels'));
  } else if (TEMPLATE_KINDS[kind]) {
    tplPtr = TEMPLATE_KINDS[kind];
    const tpl = at(r.object, ...tplPtr.slice(1).split('/'));
    spec = obj(at(tpl, 'spec'));
    labels = strMap(at(tpl, 'metadata', 'labels'));
  } else return undefined;
  if (!spec) return undefined;
  const specPtr = tplPtr + '/spec';
  let replicas: number | undefined;
  if (kind === 'Pod') replicas = 1;
  else if (kind === 'Deployment' || kind === 'StatefulSet' || kind === 'ReplicaSet' || kind === 'ReplicationController') {
    replicas = num(at(r.object, 'spec', 'replicas')) ?? 1;
  }
  const containers: ContainerRef[] = [];
  arr(spec.initContainers).forEach((c, i) => {
    const co = obj(c);
    if (co) containers.push({ container: co, ptr: ptr(specPtr, 'initContainers', i), init: true });
  });
  arr(spec.containers).forEach((c, i) => {
    const co = obj(c);
    if (co) containers.push({ container: co, ptr: ptr(specPtr, 'containers', i), init: false });
  });
  return { resource: r, namespace: nsOf(r), specPtr, spec, labels, replicas, containers };
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

function keysOf(o: JsonObject): Set<string> {
  const keys = new Set<string>();
  for (const f of ['data', 'stringData', 'binaryData']) {
    const d = obj(o[f]);
    if (d) for (const k of Object.keys(d)) keys.add(k);
  }
  return keys;
}

export function buildIndexes(resources: readonly Resource[]): Indexes {
  const byKind = new Map<string, Resource[]>();
  const byNsKind = new Map<string, Resource[]>();
  const byName = new Map<string, Resource>();
  const podTemplates: PodTemplate[] = [];
  const podTemplatesByNs = new Map<string, PodTemplate[]>();
  const podTemplateOfMap = new Map<Resource, PodTemplate>();
  const servicesByNs = new Map<string, Resource[]>();
  const podsByLabel = new Map<string, PodTemplate[]>();
  const secretNames = new Set<string>();
  const dataKeys = new Map<string, Set<string> | undefined>();
  for (const r of resources) {
    const ns = nsOf(r);
    const kind = r.id.kind;
    push(byKind, kind, r);
    push(byNsKind, `${ns}|${kind}`, r);
    const key = `${kind}|${ns}|${r.id.name}`;
    if (!byName.has(key)) byName.set(key, r);
    const pt = podTemplateOf(r);
    if (pt) {
      podTemplates.push(pt);
      push(podTemplatesByNs, ns, pt);
      podTemplateOfMap.set(r, pt);
      for (const [k, v] of Object.entries(pt.labels)) push(podsByLabel, `${ns}|${k}=${v}`, pt);
    }
    if (kind === 'Service' && r.id.group === '') push(servicesByNs, ns, r);
    if ((kind === 'Secret' || kind === 'ConfigMap') && r.id.group === '') {
      if (kind === 'Secret') secretNames.add(`${ns}|${r.id.name}`);
      dataKeys.set(`${kind}|${ns}|${r.id.name}`, keysOf(r.object));
    } else if (kind === 'ExternalSecret' && r.id.group.endsWith('external-secrets.io')) {
      const target = str(at(r.object, 'spec', 'target', 'name')) ?? r.id.name;
      secretNames.add(`${ns}|${target}`);
      // keys are only known when listed under spec.data[].secretKey and no dataFrom is used
      const keys = new Set<string>();
      for (const d of arr(at(r.object, 'spec', 'data'))) {
        const k = str(at(d, 'secretKey'));
        if (k) keys.add(k);
      }
      const known = arr(at(r.object, 'spec', 'dataFrom')).length === 0 && !obj(at(r.object, 'spec', 'target', 'template'));
      dataKeys.set(`Secret|${ns}|${target}`, known ? keys : undefined);
    } else if (kind === 'SealedSecret' && r.id.group === 'bitnami.com') {
      const target = str(at(r.object, 'spec', 'template', 'metadata', 'name')) ?? r.id.name;
      secretNames.add(`${ns}|${target}`);
      const keys = new Set(Object.keys(obj(at(r.object, 'spec', 'encryptedData')) ?? {}));
      for (const k of Object.keys(obj(at(r.object, 'spec', 'template', 'data')) ?? {})) keys.add(k);
      dataKeys.set(`Secret|${ns}|${target}`, keys);
    }
  }
  return { byKind, byNsKind, byName, podTemplates, podTemplatesByNs, podTemplateOf: podTemplateOfMap, servicesByNs, podsByLabel, secretNames, dataKeys };
}

export function makeContext(resources: readonly Resource[], env: Environment, locateField?: LocateField, idx?: Indexes, crds: readonly Resource[] = [], notes: Diagnostic[] = [], admission?: readonly Resource[]): CheckContext {
  const indexes = idx ?? buildIndexes(resources);
  const empty: readonly Resource[] = Object.freeze([]);
  return Object.freeze({
    resources,
    env,
    tier: tierOf(env),
    idx: indexes,
    crds,
    admission,
    note(code: 'KF4113', message: string, location?: SourceLocation, severity: 'info' | 'warning' = 'info') {
      if (!notes.some((d) => d.message === message)) notes.push(pdiag(code, severity, message, location));
    },
    ns: nsOf,
    get: (kind: string, namespace: string, name: string) => indexes.byName.get(`${kind}|${namespace}|${name}`),
    ofKind: (kind: string) => indexes.byKind.get(kind) ?? empty,
    inNs: (namespace: string, kind: string) => indexes.byNsKind.get(`${namespace}|${kind}`) ?? empty,
    locate: (r: Resource, pointer?: string) => locate(r, pointer, locateField),
  });
}

/** Environment variables of a container as name → {value?, ptr}. */
export function envVars(c: ContainerRef): { name: string; value?: string; ptr: string; from?: JsonObject }[] {
  const out: { name: string; value?: string; ptr: string; from?: JsonObject }[] = [];
  arr(c.container.env).forEach((e, i) => {
    const eo = obj(e);
    const name = str(eo?.name);
    if (!eo || !name) return;
    const v = eo.value;
    out.push({
      name,
      ...(v !== undefined && v !== null ? { value: String(v) } : {}),
      ptr: ptr(c.ptr, 'env', i),
      ...(obj(eo.valueFrom) ? { from: obj(eo.valueFrom) } : {}),
    });
  });
  return out;
}

/** Pod templates in a namespace whose labels contain every pair of `selector` (uses the label index). */
export function podsMatching(idx: Indexes, namespace: string, selector: Record<string, string>): PodTemplate[] {
  const pairs = Object.entries(selector);
  if (pairs.length === 0) return [];
  let best: readonly PodTemplate[] | undefined;
  for (const [k, v] of pairs) {
    const l = idx.podsByLabel.get(`${namespace}|${k}=${v}`);
    if (!l) return [];
    if (!best || l.length < best.length) best = l;
  }
  return (best ?? []).filter((p) => selectorMatches(selector, p.labels));
}

/** Pod templates matched by a LabelSelector (matchLabels and matchExpressions). */
export function podsMatchingSelector(idx: Indexes, namespace: string, sel: JsonObject | undefined): PodTemplate[] {
  if (!sel) return [];
  const ml = strMap(sel.matchLabels);
  const candidates = Object.keys(ml).length ? podsMatching(idx, namespace, ml) : idx.podTemplatesByNs.get(namespace) ?? [];
  return candidates.filter((p) => labelSelectorMatches(sel, p.labels));
}
