/**
 * The semantic diff: two renderings → a change set reviewers read.
 *
 * - Resources are identified by API group, kind, namespace and name: an apiVersion bump
 *   is a change, not a delete and an add.
 * - Inside a change: field paths with old and new values; list items are matched by their
 *   merge key (containers and env by name, ports by containerPort/port, volumeMounts by
 *   mountPath, …), so a reordered list is no change and an inserted container is one
 *   addition.
 * - Generator renames (`app-config-5hhcbfc62m` → `app-config-hdbkktk5b7`) are paired into
 *   one change, and workloads whose only change is that reference are grouped under it.
 * - Secret values never appear: `redact` turns them into keyed-hash placeholders.
 */
import { createHmac } from 'node:crypto';
import type { Json, JsonObject } from '../types.js';
import { splitApiVersion } from '../types.js';

export interface DiffResource {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  object: JsonObject;
  /** The app (stack) the resource belongs to, when known. */
  app?: string;
}

export interface FieldChange {
  /** Human path: spec.template.spec.containers[name=web].image */
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: Json;
  after?: Json;
}

export interface ResourceChange {
  action: 'added' | 'removed' | 'changed';
  group: string;
  kind: string;
  namespace?: string;
  name: string;
  /** For a paired generator rename or an apiVersion change: the old name / apiVersion. */
  previousName?: string;
  apiVersion: string;
  previousApiVersion?: string;
  app?: string;
  fields: FieldChange[];
  /** Workloads whose only change was following this generated resource's new name. */
  followers?: string[];
  /** The whole object for added/removed ones (redacted). */
  object?: JsonObject;
}

export type RiskLevel = 'high' | 'medium' | 'info';

export interface Risk {
  level: RiskLevel;
  code: string;
  resource: string;
  message: string;
}

export interface ChangeSet {
  changes: ResourceChange[];
  risks: Risk[];
  /** `changed` counts the changes shown; `followers` the workloads grouped under a renamed generated resource. */
  counts: { added: number; removed: number; changed: number; unchanged: number; followers: number };
}

export interface DiffOptions {
  /** Key of the keyed hash that masks Secret values (stable within a repository). */
  redactKey: string;
  /** Field paths to ignore (dotted, `*` matches one segment, `**` any), e.g. metadata.annotations.checksum/*. */
  ignoreFields?: string[];
  /** Resources to ignore entirely. */
  ignoreResources?: { kind?: string; name?: string; namespace?: string }[];
}

const MERGE_KEYS: Record<string, string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  env: ['name'],
  envFrom: [],
  volumes: ['name'],
  volumeMounts: ['mountPath'],
  volumeDevices: ['devicePath'],
  ports: ['containerPort', 'port', 'name'],
  imagePullSecrets: ['name'],
  hostAliases: ['ip'],
  tolerations: [],
  volumeClaimTemplates: [],
  subjects: [],
  rules: [],
  topologySpreadConstraints: ['topologyKey'],
  resourceClaims: ['name'],
  conditions: ['type'],
  tls: [],
};

const GENERATED_NAME = /^(.+)-([a-z0-9]{10})$/;
const HASH_ALPHABET = /^[bcdfghkmt2-9]{10}$/;

export function resourceKey(r: { apiVersion: string; kind: string; namespace?: string; name: string }): string {
  const { group } = splitApiVersion(r.apiVersion);
  return `${group}|${r.kind}|${r.namespace && r.namespace !== 'default' ? r.namespace : ''}|${r.name}`;
}

export function displayId(r: { kind: string; namespace?: string; name: string }): string {
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}

function isObj(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stable(v: Json | undefined): string {
  if (v === undefined) return 'undefined';
  if (!isObj(v) && !Array.isArray(v)) return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  return `{${Object.keys(v)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stable(v[k])}`)
    .join(',')}}`;
}

/** Structural equality, building no strings (called at every level of diffFields). */
export function equalJson(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equalJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!Object.prototype.hasOwnProperty.call(b, k) || !equalJson(a[k], b[k])) return false;
  return true;
}

/** `‹redacted 3f9a12c4 · 32 B›`: equal values give equal placeholders, nothing else leaks. */
export function redactValue(value: string, key: string, base64 = true): string {
  const bytes = base64 ? Buffer.from(value, 'base64') : Buffer.from(value, 'utf8');
  const h = createHmac('sha256', key).update(bytes).digest('hex').slice(0, 8);
  return `‹redacted ${h} · ${bytes.length} B›`;
}

/** A copy of a Secret with every value replaced by its placeholder. Other kinds are returned as is. */
export function redact(obj: JsonObject, key: string): JsonObject {
  if (obj.kind !== 'Secret' || (typeof obj.apiVersion === 'string' && obj.apiVersion !== 'v1')) return obj;
  const out: JsonObject = { ...obj };
  for (const field of ['data', 'stringData'] as const) {
    const d = obj[field];
    if (!isObj(d)) continue;
    const masked: JsonObject = {};
    for (const [k, v] of Object.entries(d)) masked[k] = redactValue(typeof v === 'string' ? v : stable(v), key, field === 'data');
    out[field] = masked;
  }
  // The last-applied annotation would carry the values too.
  const meta = obj.metadata;
  if (isObj(meta) && isObj(meta.annotations) && 'kubectl.kubernetes.io/last-applied-configuration' in meta.annotations) {
    out.metadata = { ...meta, annotations: { ...meta.annotations, 'kubectl.kubernetes.io/last-applied-configuration': '‹redacted›' } };
  }
  return out;
}

function escapeSeg(s: string): string {
  return /^[A-Za-z0-9_/-]+$/.test(s) ? s : `"${s}"`;
}

function keyFor(listName: string, items: Json[]): string | undefined {
  const candidates = MERGE_KEYS[listName];
  if (!candidates) return undefined;
  for (const k of candidates) {
    if (items.length > 0 && items.every((x) => isObj(x) && x[k] !== undefined)) {
      const seen = new Set(items.map((x) => stable((x as JsonObject)[k])));
      if (seen.size === items.length) return k;
    }
  }
  return undefined;
}

/** Field-level differences between two objects, lists matched by merge key. */
export function diffFields(a: Json | undefined, b: Json | undefined, path = '', listName = '', out: FieldChange[] = []): FieldChange[] {
  if (equalJson(a, b)) return out;
  if (isObj(a) && isObj(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of [...keys].sort()) {
      const p = path ? `${path}.${escapeSeg(k)}` : escapeSeg(k);
      if (!(k in a)) out.push({ path: p, kind: 'added', after: b[k] });
      else if (!(k in b)) out.push({ path: p, kind: 'removed', before: a[k] });
      else diffFields(a[k], b[k], p, k, out);
    }
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const key = keyFor(listName, [...a, ...b]) ?? (keyFor(listName, a) && keyFor(listName, b) ? keyFor(listName, a) : undefined);
    if (key) {
      const ia = new Map(a.map((x) => [stable((x as JsonObject)[key]), x]));
      const ib = new Map(b.map((x) => [stable((x as JsonObject)[key]), x]));
      for (const [k, x] of ia) {
        const label = `${path}[${key}=${JSON.parse(k)}]`;
        if (!ib.has(k)) out.push({ path: label, kind: 'removed', before: x });
        else diffFields(x, ib.get(k), label, '', out);
      }
      for (const [k, x] of ib) if (!ia.has(k)) out.push({ path: `${path}[${key}=${JSON.parse(k)}]`, kind: 'added', after: x });
      return out;
    }
    // Without a merge key: a list of scalars compares as a set when only the order differs.
    if (a.length === b.length && [...a].map(stable).sort().join('\n') === [...b].map(stable).sort().join('\n') && a.every((x) => !isObj(x))) return out;
    if (a.length === b.length) {
      a.forEach((x, i) => diffFields(x, b[i], `${path}[${i}]`, '', out));
      return out;
    }
  }
  out.push({ path: path || '(root)', kind: 'changed', before: a, after: b });
  return out;
}

function globToRegex(glob: string): RegExp {
  // Segments split on dots outside quotes; `*` is one segment (or part of one), `**` any run.
  const segs = glob.match(/"[^"]*"|[^.]+/g) ?? [];
  const parts = segs.map((seg) => (seg === '**' ? '.*' : seg === '*' ? '(?:"[^"]*"|[^.\\[]*)' : seg.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^.\\[]*')));
  return new RegExp(`^${parts.join('\\.')}(\\.|\\[|$)`);
}

/** Compares two renderings. Both sides are redacted before anything is compared or shown. */
export function diffRenderings(before: readonly DiffResource[], after: readonly DiffResource[], opts: DiffOptions): ChangeSet {
  const ignoreRules = (opts.ignoreResources ?? []).map((s) => ({ ...s, re: s.name ? new RegExp(`^(?:${s.name})$`) : undefined }));
  const ignoreRes = (r: DiffResource) => ignoreRules.some((s) => (!s.kind || s.kind === r.kind) && (!s.re || s.re.test(r.name)) && (!s.namespace || s.namespace === r.namespace));
  const ignoreFields = (opts.ignoreFields ?? []).map(globToRegex);
  const prep = (rs: readonly DiffResource[]) => {
    const m = new Map<string, DiffResource>();
    for (const r of rs) if (!ignoreRes(r)) m.set(resourceKey(r), { ...r, object: redact(r.object, opts.redactKey) });
    return m;
  };
  const A = prep(before);
  const B = prep(after);
  const changes: ResourceChange[] = [];
  let unchanged = 0;
  const removed: DiffResource[] = [];
  const added: DiffResource[] = [];
  for (const [k, a] of A) {
    const b = B.get(k);
    if (!b) removed.push(a);
    else {
      const fields = diffFields(a.object, b.object).filter((f) => !ignoreFields.some((re) => re.test(f.path)) && f.path !== 'apiVersion');
      if (fields.length === 0 && a.apiVersion === b.apiVersion) unchanged++;
      else changes.push(changeOf('changed', b, fields, a));
    }
  }
  for (const [k, b] of B) if (!A.has(k)) added.push(b);

  // Pair generator renames: same kind/namespace, same base name, hash-like suffixes.
  const renames = new Map<string, string>(); // old name -> new name (per kind/ns)
  const addedByBase = new Map<string, DiffResource[]>();
  for (const b of added) {
    const m = GENERATED_NAME.exec(b.name);
    if ((b.kind === 'ConfigMap' || b.kind === 'Secret') && m && HASH_ALPHABET.test(m[2])) {
      const key = `${b.kind}|${b.namespace ?? ''}|${m[1]}`;
      const list = addedByBase.get(key);
      if (list) list.push(b);
      else addedByBase.set(key, [b]);
    }
  }
  const pairedAdded = new Set<DiffResource>();
  const stillRemoved: DiffResource[] = [];
  for (const a of removed) {
    const m = GENERATED_NAME.exec(a.name);
    const key = m && (a.kind === 'ConfigMap' || a.kind === 'Secret') && HASH_ALPHABET.test(m[2]) ? `${a.kind}|${a.namespace ?? ''}|${m[1]}` : undefined;
    const cands = key ? (addedByBase.get(key) ?? []).filter((x) => !pairedAdded.has(x)) : [];
    if (cands.length === 1) {
      const b = cands[0];
      pairedAdded.add(b);
      renames.set(`${a.kind}|${a.namespace ?? ''}|${a.name}`, b.name);
      const fields = diffFields(a.object, b.object).filter((f) => f.path !== 'metadata.name' && !ignoreFields.some((re) => re.test(f.path)));
      changes.push({ ...changeOf('changed', b, fields, a), previousName: a.name });
    } else stillRemoved.push(a);
  }
  for (const a of stillRemoved) changes.push({ ...changeOf('removed', a, []), object: a.object });
  for (const b of added) if (!pairedAdded.has(b)) changes.push({ ...changeOf('added', b, []), object: b.object });

  // Group workloads whose only change is following a renamed generated resource.
  if (renames.size) {
    const newNames = new Map<string, ResourceChange>();
    for (const c of changes) if (c.previousName) newNames.set(`${c.kind}|${c.namespace ?? ''}|${c.previousName}`, c);
    for (const c of changes) {
      if (c.action !== 'changed' || c.previousName || c.fields.length === 0) continue;
      const owners = new Set<ResourceChange>();
      const onlyRefs = c.fields.every((f) => {
        if (f.kind !== 'changed' || typeof f.before !== 'string' || typeof f.after !== 'string') return false;
        for (const kind of ['ConfigMap', 'Secret']) {
          const owner = newNames.get(`${kind}|${c.namespace ?? ''}|${f.before}`);
          if (owner && owner.name === f.after) {
            owners.add(owner);
            return true;
          }
        }
        return false;
      });
      if (onlyRefs && owners.size) {
        for (const o of owners) (o.followers ??= []).push(displayId(c));
        (c as ResourceChange & { grouped?: boolean }).grouped = true;
      }
    }
  }
  const finalChanges = changes.filter((c) => !(c as ResourceChange & { grouped?: boolean }).grouped);
  for (const c of finalChanges) c.followers?.sort();
  finalChanges.sort(compareChanges);
  const counts = {
    added: finalChanges.filter((c) => c.action === 'added').length,
    removed: finalChanges.filter((c) => c.action === 'removed').length,
    changed: finalChanges.filter((c) => c.action === 'changed').length,
    unchanged,
    followers: changes.length - finalChanges.length,
  };
  return { changes: finalChanges, risks: assessRisks(A, B, changes), counts };
}

function changeOf(action: ResourceChange['action'], r: DiffResource, fields: FieldChange[], before?: DiffResource): ResourceChange {
  const { group } = splitApiVersion(r.apiVersion);
  return {
    action,
    group,
    kind: r.kind,
    ...(r.namespace ? { namespace: r.namespace } : {}),
    name: r.name,
    apiVersion: r.apiVersion,
    ...(before && before.apiVersion !== r.apiVersion ? { previousApiVersion: before.apiVersion } : {}),
    ...(r.app ? { app: r.app } : {}),
    fields,
  };
}

const ACTION_ORDER = { removed: 0, changed: 1, added: 2 };

function compareChanges(a: ResourceChange, b: ResourceChange): number {
  return (
    (a.app ?? '').localeCompare(b.app ?? '') ||
    ACTION_ORDER[a.action] - ACTION_ORDER[b.action] ||
    a.kind.localeCompare(b.kind) ||
    (a.namespace ?? '').localeCompare(b.namespace ?? '') ||
    a.name.localeCompare(b.name)
  );
}

const DANGEROUS_DELETES = new Set(['Namespace', 'PersistentVolumeClaim', 'PersistentVolume', 'StatefulSet', 'CustomResourceDefinition']);
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

function parseQuantity(q: Json | undefined): number | undefined {
  if (typeof q === 'number') return q;
  if (typeof q !== 'string') return undefined;
  const m = /^([0-9.]+)([KMGTPE]i?|m|k)?$/.exec(q.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const mult: Record<string, number> = { '': 1, m: 1e-3, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
  return n * (mult[m[2] ?? ''] ?? 1);
}

function verbsOf(rules: Json | undefined): Set<string> {
  const out = new Set<string>();
  if (!Array.isArray(rules)) return out;
  for (const r of rules) {
    if (!isObj(r)) continue;
    const groups = Array.isArray(r.apiGroups) ? r.apiGroups : [''];
    const res = Array.isArray(r.resources) ? r.resources : Array.isArray(r.nonResourceURLs) ? r.nonResourceURLs : [];
    const verbs = Array.isArray(r.verbs) ? r.verbs : [];
    for (const g of groups) for (const x of res) for (const v of verbs) out.add(`${String(g)}/${String(x)}:${String(v)}`);
  }
  return out;
}

function covers(set: Set<string>, perm: string): boolean {
  if (set.has(perm)) return true;
  const [gr, v] = perm.split(':');
  const [g, r] = gr.split('/');
  for (const cand of [`*/${r}:${v}`, `${g}/*:${v}`, `${g}/${r}:*`, `*/*:${v}`, `*/${r}:*`, `${g}/*:*`, `*/*:*`]) if (set.has(cand)) return true;
  return false;
}

function assessRisks(A: Map<string, DiffResource>, B: Map<string, DiffResource>, all: ResourceChange[]): Risk[] {
  const risks: Risk[] = [];
  const get = (m: Map<string, DiffResource>, c: ResourceChange) => m.get(`${c.group}|${c.kind}|${c.namespace ?? ''}|${c.previousName ?? c.name}`) ?? m.get(`${c.group}|${c.kind}|${c.namespace ?? ''}|${c.name}`);
  for (const c of all) {
    const id = displayId(c);
    if (c.action === 'removed') {
      risks.push({ level: DANGEROUS_DELETES.has(c.kind) ? 'high' : 'medium', code: 'delete', resource: id, message: `${id} will be deleted${c.kind === 'PersistentVolumeClaim' || c.kind === 'StatefulSet' ? ' (its data may go with it)' : ''}` });
      continue;
    }
    if (c.action !== 'changed') continue;
    const before = get(A, c);
    const after = B.get(`${c.group}|${c.kind}|${c.namespace ?? ''}|${c.name}`);
    for (const f of c.fields) {
      const p = f.path;
      const immutable =
        (WORKLOADS.has(c.kind) && p.startsWith('spec.selector')) ||
        (c.kind === 'StatefulSet' && (p.startsWith('spec.serviceName') || p.startsWith('spec.volumeClaimTemplates') || p.startsWith('spec.podManagementPolicy'))) ||
        (c.kind === 'Service' && (p === 'spec.clusterIP' || p.startsWith('spec.clusterIPs'))) ||
        (c.kind === 'Job' && p.startsWith('spec.template')) ||
        (c.kind === 'PersistentVolumeClaim' && (p.startsWith('spec.storageClassName') || p.startsWith('spec.accessModes') || p.startsWith('spec.volumeName')));
      if (immutable) risks.push({ level: 'high', code: 'immutable-field', resource: id, message: `${id}: ${p} is immutable: applying this forces the object to be deleted and recreated` });
      if (/\.image$/.test(p) && f.kind === 'changed') risks.push({ level: 'info', code: 'image', resource: id, message: `${id}: ${p.replace(/^spec\.(template\.spec\.|jobTemplate\.spec\.template\.spec\.)?/, '')} ${String(f.before)} → ${String(f.after)}` });
      if (p === 'spec.replicas' && f.after === 0) risks.push({ level: 'high', code: 'scale-to-zero', resource: id, message: `${id}: replicas ${String(f.before)} → 0` });
      if (c.kind === 'PersistentVolumeClaim' && p === 'spec.resources.requests.storage') {
        const a = parseQuantity(f.before);
        const b = parseQuantity(f.after);
        if (a !== undefined && b !== undefined && b < a) risks.push({ level: 'high', code: 'pvc-shrink', resource: id, message: `${id}: storage ${String(f.before)} → ${String(f.after)} (volumes cannot shrink)` });
      }
    }
    if ((c.kind === 'Role' || c.kind === 'ClusterRole') && before && after) {
      const was = verbsOf(before.object.rules);
      const now = verbsOf(after.object.rules);
      const widened = [...now].filter((x) => !covers(was, x));
      if (widened.length) risks.push({ level: 'medium', code: 'rbac-widening', resource: id, message: `${id} grants more: ${widened.slice(0, 6).join(', ')}${widened.length > 6 ? ', …' : ''}` });
    }
  }
  const order = { high: 0, medium: 1, info: 2 };
  risks.sort((a, b) => order[a.level] - order[b.level] || a.resource.localeCompare(b.resource) || a.message.localeCompare(b.message));
  return risks;
}
