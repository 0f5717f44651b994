import type { Diagnostic, Json, JsonObject, Resource } from '../types.js';
import { formatResId } from '../types.js';
import { diag } from '../diagnostics.js';
import type { ResourceMap } from '../resource-map.js';
import type { NameBackReference } from '../load/kustomization.js';
import type { FieldSpec } from './fieldspec.js';
import { fieldSpecMatches, gvkSelected, splitPath, visitField } from './fieldspec.js';
import { originalKind } from './prefix-suffix.js';
import { BUILTIN_NAME_REFERENCES } from '../schema/name-references.js';
import { isClusterScoped as clusterScopedKind } from '../schema/cluster-scoped.js';

/**
 * The name-reference step, run once at the root after hash suffixes, as Kustomize v5.5's
 * nameref filter. For each referring field (built-in table + `configurations` + CRD
 * definitions; referrers chosen by their original kind) the value is looked up among the
 * previous ids Kustomize stored (`Resource.storedIds`: a resource whose id was never
 * stored is never a referral) and replaced by the referral's current name:
 *
 *  1. candidates: resources the referrer can see (a cluster-scoped referrer sees all; a
 *     namespaced one cluster-scoped resources, its own namespace, and for a RoleBinding
 *     the namespaces its ServiceAccount subjects name) with a stored id of that name;
 *  2. whose stored kind (current group/version) the back-reference selects;
 *  3. for `roleRef/name`, whose stored kind the roleRef's apiGroup and kind select;
 *  4. for a namespaced referrer, cluster-scoped ones, ServiceAccounts, and those in its
 *     current namespace; one left: that one;
 *  5. then those whose prefix and suffix histories end like the referrer's (either empty
 *     counts as equal), and if several, those whose histories end alike strictly;
 *  6. one left: that one; none: the value stays; several with one name (and, for a map,
 *     one namespace): the first; otherwise Kustomize fails the build (KF2011).
 * For a map (subjects, webhook services) with a `namespace`, the candidates are first the
 * resources originally in that namespace, or if none is, those now in it; the referral's
 * current namespace is written back.
 */
export function fixNameReferences(resources: ResourceMap, extra: readonly NameBackReference[] | { readonly all: readonly NameBackReference[] }): Diagnostic[] {
  const ds: Diagnostic[] = [];
  // A plain list adds to the built-in table; `{ all }` is the merged configuration.
  const backRefs = 'all' in extra ? extra.all : [...BUILTIN_NAME_REFERENCES, ...(extra as readonly NameBackReference[])];
  // Kustomize reads every RoleBinding's subject namespaces (and fails on a blank one)
  // whether or not anything was renamed.
  const rbNs = new Map<Resource, Set<string>>();
  for (const r of resources.all()) if (r.id.kind === 'RoleBinding') rbNs.set(r, roleBindingNamespaces(r, ds));
  const index = buildIndex(resources);
  if (index.size === 0) return ds;
  const byOrgNs = groupByNamespace(resources, orgNamespace);
  const current = new Set(resources.all().map((r) => `${r.id.kind}|${r.id.name}`));
  // the (back-reference, field spec) pairs each referrer kind has, worked out once per kind
  const specsByKind = new Map<string, { br: NameBackReference; spec: FieldSpec; segments: string[] }[]>();
  const specsFor = (org: { group: string; version: string; kind: string }) => {
    const key = `${org.group}/${org.version}/${org.kind}`;
    let list = specsByKind.get(key);
    if (!list) {
      list = backRefs.flatMap((br) => br.fieldSpecs.filter((spec) => fieldSpecMatches(spec, org)).map((spec) => ({ br, spec, segments: splitPath(spec.path) })));
      specsByKind.set(key, list);
    }
    return list;
  };
  for (const referrer of resources.all()) {
    const org = { group: referrer.id.group, version: referrer.id.version, kind: originalKind(referrer) };
    let visible: ((r: Resource) => boolean) | undefined;
    for (const { br, spec, segments } of specsFor(org)) {
      visitField(referrer.object, segments, spec.create === true, (parent, key, pointer) => {
        const v = parent[key];
        if (v === undefined || v === null) return;
        visible ??= visibility(referrer, rbNs.get(referrer));
        const ctx: Ctx = { referrer, br, spec, index, byOrgNs, visible, current, ds, pointer };
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
  /** stored name → resources that had it. */
  index: Map<string, Resource[]>;
  /** effective original namespace → namespaced resources. */
  byOrgNs: Map<string, Resource[]>;
  /** Whether the referrer can see a resource (Kustomize's SubsetThatCouldBeReferencedByResource). */
  visible: (r: Resource) => boolean;
  /** `kind|name` of every current resource. */
  current: Set<string>;
  ds: Diagnostic[];
  pointer: string;
}

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Kustomize's effective namespace: none and "default" are "default"; cluster-scoped kinds have none. */
function effectiveNs(r: Resource, ns: string | undefined, kind = r.id.kind): string | undefined {
  if (clusterScopedKind(r.id.group, kind, r.id.version)) return undefined;
  return ns === undefined || ns === '' ? 'default' : ns;
}

function isClusterScoped(r: Resource): boolean {
  return clusterScopedKind(r.id.group, r.id.kind, r.id.version);
}

function orgNamespace(r: Resource): string | undefined {
  const first = r.storedIds?.[0];
  return first ? effectiveNs(r, first.namespace, first.kind) : effectiveNs(r, r.id.namespace);
}

function groupByNamespace(resources: ResourceMap, nsOf: (r: Resource) => string | undefined): Map<string, Resource[]> {
  const out = new Map<string, Resource[]>();
  for (const r of resources.all()) {
    const ns = nsOf(r);
    if (ns === undefined) continue;
    const l = out.get(ns);
    if (l) l.push(r);
    else out.set(ns, [r]);
  }
  return out;
}

/** Stored name → resources, in resource order. */
function buildIndex(resources: ResourceMap): Map<string, Resource[]> {
  const idx = new Map<string, Resource[]>();
  const add = (n: string, r: Resource) => {
    const l = idx.get(n);
    if (l) l.push(r);
    else idx.set(n, [r]);
  };
  for (const r of resources.all()) {
    const ids = r.storedIds;
    if (ids === undefined || ids.length === 0) continue;
    // each name once per resource (most have one stored id: no set for them)
    if (ids.length === 1) add(ids[0].name, r);
    else for (const n of new Set(ids.map((s) => s.name))) add(n, r);
  }
  return idx;
}

/**
 * Which resources a referrer can refer to: everything for a cluster-scoped referrer;
 * otherwise cluster-scoped resources, those of its own namespace, and for a RoleBinding
 * those in a namespace one of its ServiceAccount subjects names.
 */
function visibility(referrer: Resource, subjectNs: Set<string> = new Set()): (r: Resource) => boolean {
  if (isClusterScoped(referrer)) return () => true;
  const own = effectiveNs(referrer, referrer.id.namespace);
  return (r) => isClusterScoped(r) || effectiveNs(r, r.id.namespace) === own || subjectNs.has(r.id.namespace ?? '');
}

function roleBindingNamespaces(r: Resource, ds: Diagnostic[]): Set<string> {
  const out = new Set<string>();
  if (r.id.kind !== 'RoleBinding') return out;
  const subjects = r.object.subjects;
  if (!Array.isArray(subjects)) return out;
  subjects.forEach((s, i) => {
    if (!isObject(s) || !('namespace' in s) || !('kind' in s) || s.kind !== 'ServiceAccount') return;
    if (typeof s.namespace === 'string') out.add(s.namespace);
    else {
      ds.push(
        diag('KF2012', `${formatResId(r.id)}: subject ${i + 1} (a ServiceAccount) has an empty namespace`, {
          location: r.origin.location,
          resource: r.id,
          pointer: `/subjects/${i}/namespace`,
          hint: 'write the ServiceAccount\'s namespace, or leave the namespace field out (Kustomize fails on an empty one)',
        }),
      );
    }
  });
  return out;
}

/** Some stored id of `r` (current group/version, stored kind) is selected. */
function storedKindSelected(sel: { group?: string; version?: string; kind?: string }, r: Resource): boolean {
  return (r.storedIds ?? []).some((s) => gvkSelected(sel, { group: r.id.group, version: r.id.version, kind: s.kind }));
}

/** Kustomize's SameEndingSubSlice: the shorter list is a suffix of the longer one (an empty list only matches an empty one). */
function sameEnding(a: readonly string[], b: readonly string[]): boolean {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  if (short.length === 0) return long.length === 0;
  const diff = long.length - short.length;
  return short.every((v, i) => long[i + diff] === v);
}

function historiesMatch(r: Resource, referrer: Resource, allowEmpty: boolean): boolean {
  const side = (x: readonly string[], y: readonly string[]) => (allowEmpty && (x.length === 0 || y.length === 0)) || sameEnding(x, y);
  return side(r.prefixes, referrer.prefixes) && side(r.suffixes, referrer.suffixes);
}

/** Steps 1–6. Returns the referral, or undefined (value unchanged; KF2011 error when ambiguous). */
function selectReferral(ctx: Ctx, value: string, pool: readonly Resource[], withNamespace: boolean): Resource | undefined {
  const { referrer, br, spec } = ctx;
  let c = pool.filter((r) => ctx.visible(r) && storedKindSelected(br, r));
  if (spec.path.endsWith('roleRef/name')) {
    const roleRef = referrer.object.roleRef;
    if (isObject(roleRef) && typeof roleRef.apiGroup === 'string' && typeof roleRef.kind === 'string') {
      const sel = { group: roleRef.apiGroup, kind: roleRef.kind };
      c = c.filter((r) => storedKindSelected(sel, r));
    }
  }
  if (!isClusterScoped(referrer)) {
    const own = effectiveNs(referrer, referrer.id.namespace);
    c = c.filter((r) => isClusterScoped(r) || r.id.kind === 'ServiceAccount' || effectiveNs(r, r.id.namespace) === own);
  }
  if (c.length === 1) return c[0];
  c = c.filter((r) => historiesMatch(r, referrer, true));
  if (c.length > 1) c = c.filter((r) => historiesMatch(r, referrer, false));
  if (c.length === 1) return c[0];
  if (c.length === 0) {
    warnStale(ctx, value);
    return undefined;
  }
  const first = c[0];
  if (c.every((r) => r.id.name === first.id.name && (!withNamespace || (r.id.namespace ?? '') === (first.id.namespace ?? '')))) return first;
  ctx.ds.push(
    diag('KF2011', `${formatResId(referrer.id)} refers to ${br.kind} "${value}", which could mean ${c.map((r) => formatResId(r.id)).join(' or ')}`, {
      location: referrer.origin.location,
      resource: referrer.id,
      pointer: ctx.pointer,
      hint: 'Kustomize cannot choose between them either: give the resources distinct names, or build the referrer in the same kustomization (same prefixes and suffixes) as the one it means',
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
  const renamed = (ctx.index.get(value) ?? []).filter((r) => r.id.kind === ctx.br.kind && r.id.name !== value);
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
  const referral = selectReferral(ctx, value, pool, false);
  if (!referral || referral.id.name === value) return undefined;
  return referral.id.name;
}

function setMapping(ctx: Ctx, node: JsonObject): void {
  if (!('name' in node)) {
    ctx.ds.push(
      diag('KF2011', `${formatResId(ctx.referrer.id)}: the ${ctx.br.kind} reference at ${ctx.pointer} has no name field`, {
        location: ctx.referrer.origin.location,
        resource: ctx.referrer.id,
        pointer: ctx.pointer,
        hint: 'Kustomize fails on a reference map without `name`: add the name',
      }),
    );
    return;
  }
  const name = node.name;
  if (typeof name !== 'string') return;
  let pool = ctx.index.get(name);
  if (!pool) return;
  if ('namespace' in node) {
    // Kustomize narrows to the resources (of any name) the referrer can see that were
    // originally in that namespace, or, when there is none, those now in it.
    const ns = typeof node.namespace === 'string' ? node.namespace : '';
    const inOrg = ctx.byOrgNs.get(ns)?.some(ctx.visible) ?? false;
    pool = pool.filter((r) => (inOrg ? orgNamespace(r) : effectiveNs(r, r.id.namespace)) === ns);
  }
  const referral = selectReferral(ctx, name, pool, true);
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
