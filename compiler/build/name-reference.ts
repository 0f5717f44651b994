import type { Diagnostic, Json, JsonObject, Resource } from '../types.js';
import { formatResId } from '../types.js';
import { diag } from '../diagnostics.js';
import type { ResourceMap } from '../resource-map.js';
import type { NameBackReference } from '../load/kustomization.js';
import type { FieldSpec } from './fieldspec.js';
import { forEachSpec } from './fieldspec.js';
import { BUILTIN_NAME_REFERENCES } from '../schema/name-references.js';
import { isClusterScoped as clusterScopedKind } from '../schema/cluster-scoped.js';

/**
 * The name-reference step, run once at the root after hash suffixes. For each referring
 * field (built-in table + `configurations` + CRD definitions), the value is looked up
 * among the earlier names of resources of the referred kind, and replaced by the current
 * name. Candidate selection follows Kustomize v5.5 (observed behaviour):
 *
 *  1. only resources that were renamed or moved count (a resource whose id never changed
 *     is never a referral: a subject without namespace is not filled in);
 *  2. the value must equal the original or an intermediate name (not the current one);
 *  3. kind/group/version of the original or current id must match the back-reference;
 *  4. for `roleRef/name`, the roleRef's apiGroup and kind must match too;
 *  5. a namespaced referrer sees cluster-scoped resources, those of its own current
 *     namespace, and ServiceAccounts (RoleBindings: only in namespaces their subjects name);
 *     a cluster-scoped referrer sees everything;
 *  6. several left: keep those whose prefix/suffix history equals the referrer's (the same
 *     base included twice under two prefixes resolves inside its own branch); if several
 *     remain with the same new name, take the first; otherwise leave the value and warn
 *     (KF2011; Kustomize fails the build here).
 * For a map (subjects, webhook services) the map's `namespace`, when written, first
 * narrows the candidates (original namespace, then current), and the referral's current
 * namespace is written back.
 */
export function fixNameReferences(resources: ResourceMap, extra: NameBackReference[]): Diagnostic[] {
  const ds: Diagnostic[] = [];
  const backRefs = [...BUILTIN_NAME_REFERENCES, ...extra];
  const index = buildIndex(resources);
  if (index.size === 0) return ds;
  const current = new Set(resources.all().map((r) => `${r.id.kind}|${r.id.name}`));
  for (const referrer of resources.all()) {
    for (const br of backRefs) {
      forEachSpec(referrer.object, referrer.id, br.fieldSpecs, (spec, parent, key, pointer) => {
        const v = parent[key];
        if (v === undefined || v === null) return;
        const ctx: Ctx = { referrer, br, spec, index, current, ds, pointer };
        if (typeof v === 'string') {
          const n = resolveScalar(ctx, v);
          if (n !== undefined) parent[key] = n;
        } else if (Array.isArray(v)) {
          v.forEach((item, i) => {
            const itemCtx = { ...ctx, pointer: `${pointer}/${i}` };
            if (typeof item === 'string') {
              const n = resolveScalar(itemCtx, item);
              if (n !== undefined) v[i] = n;
            } else if (isObject(item)) setMapping(itemCtx, item);
          });
        } else if (isObject(v)) setMapping(ctx, v);
      });
    }
  }
  return ds;
}

interface Ctx {
  referrer: Resource;
  br: NameBackReference;
  spec: FieldSpec;
  index: Map<string, Resource[]>;
  /** `kind|name` of every current resource. */
  current: Set<string>;
  ds: Diagnostic[];
  pointer: string;
}

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nsKey(ns: string | undefined): string {
  return ns === undefined || ns === '' || ns === 'default' ? '' : ns;
}

function isClusterScoped(r: Resource): boolean {
  return clusterScopedKind(r.id.group, r.id.kind, r.id.version);
}

/** Whether the resource's id ever changed (Kustomize only then records previous ids). */
function wasRenamed(r: Resource): boolean {
  return r.previousNames.length > 0 || r.previousNamespaces.length > 0;
}

/** Earlier names of a resource (original and intermediate; not the current one unless it is also one of those). */
function earlierNames(r: Resource): string[] {
  return [r.originalId.name, ...r.previousNames];
}

/** Name → resources that had that name before their current one. */
function buildIndex(resources: ResourceMap): Map<string, Resource[]> {
  const idx = new Map<string, Resource[]>();
  for (const r of resources.all()) {
    if (!wasRenamed(r)) continue;
    for (const n of new Set(earlierNames(r))) {
      const l = idx.get(n);
      if (l) l.push(r);
      else idx.set(n, [r]);
    }
  }
  return idx;
}

function gvkSelected(sel: { group?: string; version?: string; kind?: string }, id: { group: string; version: string; kind: string }): boolean {
  if (sel.kind && sel.kind !== id.kind) return false;
  if (sel.group && sel.group !== id.group) return false;
  if (sel.version && sel.version !== id.version) return false;
  return true;
}

function prevIdSelected(sel: { group?: string; version?: string; kind?: string }, r: Resource): boolean {
  return gvkSelected(sel, r.originalId) || gvkSelected(sel, r.id);
}

/** Steps 2–5: the candidates a referrer's value can mean. */
function sieve(ctx: Ctx, value: string, pool: readonly Resource[]): Resource[] {
  const { referrer, br, spec } = ctx;
  let out = pool.filter((r) => earlierNames(r).includes(value) && prevIdSelected(br, r));
  if (spec.path.endsWith('roleRef/name')) {
    const roleRef = referrer.object.roleRef;
    if (isObject(roleRef) && typeof roleRef.apiGroup === 'string' && typeof roleRef.kind === 'string') {
      const sel = { group: roleRef.apiGroup, kind: roleRef.kind };
      out = out.filter((r) => prevIdSelected(sel, r));
    }
  }
  if (!isClusterScoped(referrer)) {
    const own = nsKey(referrer.id.namespace);
    const subjectNamespaces = roleBindingNamespaces(referrer);
    out = out.filter((r) => {
      if (isClusterScoped(r)) return true;
      const sameNs = nsKey(r.id.namespace) === own;
      // Kustomize's candidate subset: same namespace, or one a RoleBinding's subjects name.
      if (!sameNs && !subjectNamespaces.has(r.id.namespace ?? '')) return false;
      return sameNs || r.id.kind === 'ServiceAccount';
    });
  }
  return out;
}

function roleBindingNamespaces(r: Resource): Set<string> {
  const out = new Set<string>();
  if (r.id.kind !== 'RoleBinding') return out;
  const subjects = r.object.subjects;
  if (!Array.isArray(subjects)) return out;
  for (const s of subjects) {
    if (isObject(s) && s.kind === 'ServiceAccount' && typeof s.namespace === 'string') out.add(s.namespace);
  }
  return out;
}

function sameHistory(a: Resource, b: Resource): boolean {
  const eq = (x: string[], y: string[]) => x.length === y.length && x.every((v, i) => v === y[i]);
  return eq(a.prefixes, b.prefixes) && eq(a.suffixes, b.suffixes);
}

/** Step 6. Returns the referral, or undefined (with a KF2011 warning when ambiguous). */
function select(ctx: Ctx, value: string, candidates: Resource[], withNamespace: boolean): Resource | undefined {
  if (candidates.length === 1) return candidates[0];
  if (candidates.length === 0) {
    warnStale(ctx, value);
    return undefined;
  }
  const same = candidates.filter((r) => sameHistory(r, ctx.referrer));
  if (same.length === 1) return same[0];
  const pool = same.length ? same : candidates;
  const first = pool[0];
  if (same.length && pool.every((r) => r.id.name === first.id.name && (!withNamespace || nsKey(r.id.namespace) === nsKey(first.id.namespace)))) {
    return first;
  }
  ctx.ds.push(
    diag('KF2011', `${formatResId(ctx.referrer.id)} refers to ${ctx.br.kind} "${value}", which could mean ${pool.map((r) => formatResId(r.id)).join(' or ')}; the reference is left unchanged`, {
      severity: 'warning',
      location: ctx.referrer.origin.location,
      resource: ctx.referrer.id,
      pointer: ctx.pointer,
      hint: 'give the resources distinct names, or build the referrer in the same kustomization (same prefixes and suffixes) as the one it means',
    }),
  );
  return undefined;
}

/**
 * Nothing resolved: warn (KF2010) when a resource of the referred kind used to be called
 * `value` and nothing is called that now: the field almost certainly points at a name
 * that no longer exists (cross-namespace reference, or a field Kustomize does not update).
 */
function warnStale(ctx: Ctx, value: string): void {
  const renamed = (ctx.index.get(value) ?? []).filter((r) => r.id.kind === ctx.br.kind);
  if (renamed.length === 0 || ctx.current.has(`${ctx.br.kind}|${value}`)) return;
  const r = renamed[0];
  ctx.ds.push(
    diag('KF2010', `${formatResId(ctx.referrer.id)} refers to ${ctx.br.kind} "${value}", but that ${ctx.br.kind} is now ${formatResId(r.id)} and the reference was not updated`, {
      severity: 'warning',
      location: ctx.referrer.origin.location,
      resource: ctx.referrer.id,
      pointer: ctx.pointer,
      notes: [`${formatResId(r.id)} was declared at ${r.origin.location.file}:${r.origin.location.line}`],
      hint: `Kustomize leaves this field as written (the ${ctx.br.kind} is out of the referrer's reach, e.g. in another namespace, or Kustomize does not update this field); write the new name, or keep the ${ctx.br.kind}'s name stable`,
    }),
  );
}

function resolveScalar(ctx: Ctx, value: string): string | undefined {
  const pool = ctx.index.get(value);
  if (!pool) return undefined;
  const referral = select(ctx, value, sieve(ctx, value, pool), false);
  if (!referral || referral.id.name === value) return undefined;
  return referral.id.name;
}

function setMapping(ctx: Ctx, node: JsonObject): void {
  const name = node.name;
  if (typeof name !== 'string') return;
  let pool = ctx.index.get(name);
  if (!pool) return;
  if (typeof node.namespace === 'string') {
    const want = nsKey(node.namespace);
    const byOriginal = pool.filter((r) => nsKey(r.originalId.namespace) === want);
    pool = byOriginal.length ? byOriginal : pool.filter((r) => nsKey(r.id.namespace) === want);
  }
  const referral = select(ctx, name, sieve(ctx, name, pool), true);
  if (!referral) return;
  const ns = referral.id.namespace;
  if (referral.id.name === name && (ns === undefined || ns === '')) return;
  node.name = referral.id.name;
  // An empty namespace is a wildcard here: it never overwrites a written "default".
  if (ns !== undefined && ns !== '') node.namespace = ns;
}

/**
 * Back-references declared by OpenAPI definitions, as Kustomize's `crds` field reads them.
 * Kustomize expects OpenAPI definition maps (`{ "<pkg>.<version>.<Kind>": { Schema: {
 * properties: … } } }`), not CustomResourceDefinition objects: a definition whose
 * properties include kind, apiVersion and metadata is a type whose kind is the last
 * dot-separated part of its name; every property (followed through `$ref`s into other
 * definitions of the same file) carrying `x-kubernetes-object-ref-api-version` and
 * `x-kubernetes-object-ref-kind` becomes a reference to that kind (version only, any
 * group) at `<property path>/<x-kubernetes-object-ref-name-key, default "name">`.
 * Objects that are not such maps (e.g. real CRDs) contribute nothing, as their entries
 * do not look like definitions.
 */
export function nameReferencesFromCrds(crdObjects: JsonObject[]): NameBackReference[] {
  const out: NameBackReference[] = [];
  for (const defs of crdObjects) {
    const names = Object.keys(defs).sort();
    for (const typeName of names) {
      const props = propertiesOf(defs, typeName);
      if (!props || !('kind' in props) || !('apiVersion' in props) || !('metadata' in props)) continue;
      const parts = typeName.split('.');
      const kind = parts[parts.length - 1];
      walkDefinition(defs, typeName, [], kind, out, 0);
    }
  }
  return out;
}

function propertiesOf(defs: JsonObject, typeName: string): JsonObject | undefined {
  const def = defs[typeName];
  if (!isObject(def)) return undefined;
  // Go's encoding/json matches the struct field "Schema" case-insensitively.
  const schemaKey = Object.keys(def).find((k) => k.toLowerCase() === 'schema');
  const schema = schemaKey ? def[schemaKey] : undefined;
  if (!isObject(schema)) return undefined;
  return isObject(schema.properties) ? schema.properties : undefined;
}

function walkDefinition(defs: JsonObject, typeName: string, path: string[], kind: string, out: NameBackReference[], depth: number): void {
  if (depth > 32) return; // a self-referencing definition; Kustomize would recurse forever
  const props = propertiesOf(defs, typeName);
  if (!props) return;
  for (const propName of Object.keys(props).sort()) {
    const p = props[propName];
    if (!isObject(p)) continue;
    const version = p['x-kubernetes-object-ref-api-version'];
    const refKind = p['x-kubernetes-object-ref-kind'];
    if (typeof version === 'string' && typeof refKind === 'string') {
      const nameKey = typeof p['x-kubernetes-object-ref-name-key'] === 'string' ? (p['x-kubernetes-object-ref-name-key'] as string) : 'name';
      out.push({ kind: refKind, version, fieldSpecs: [{ kind, path: [...path, propName, nameKey].join('/') }] });
    }
    if (typeof p.$ref === 'string' && p.$ref !== '') walkDefinition(defs, p.$ref, [...path, propName], kind, out, depth + 1);
  }
}
