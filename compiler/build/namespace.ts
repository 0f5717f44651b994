import { formatResId, pairOf, resIdKey, storePreviousId } from '../types.js';
import type { Diagnostic, JsonObject, Resource } from '../types.js';
import { diag } from '../diagnostics.js';
import type { ResourceMap } from '../resource-map.js';
import { forEachListAwareSpec } from './labels.js';
import type { SpecInput } from '../schema/field-specs.js';
import { NAMESPACE_DEFAULTS, resolveSpecs } from '../schema/field-specs.js';
import { isClusterScoped } from '../schema/cluster-scoped.js';

/**
 * The `namespace:` transformer, as Kustomize v5.5 behaves (case 03 and fixtures):
 * - every resource Kustomize does not know as cluster-scoped gets metadata.namespace
 *   (unknown custom kinds included, even cluster-scoped ones); `metadata/namespace` field
 *   specs from `configurations` change nothing (Kustomize drops them: only this rule sets
 *   metadata.namespace);
 * - a `Namespace` object (apiVersion v1) is renamed to the namespace itself;
 * - APIService spec.service.namespace is set (created), a CRD's conversion webhook service
 *   namespace only when present, and the `configurations` namespace specs;
 * - RoleBinding/ClusterRoleBinding subjects named `default` (any kind) get the namespace,
 *   whatever they had. Subjects naming a ServiceAccount of the build follow it through the
 *   name-reference pass, not here;
 * - every resource's id is stored (a name-reference candidate from now on, renamed or not);
 * - two resources that end up with the same id are an error (KF2014), as in Kustomize
 *   ("namespace transformation produces ID conflict").
 */
export function setNamespace(resources: ResourceMap, ns: string, extra: SpecInput): Diagnostic[] {
  // Kustomize drops every `metadata/namespace` spec (its own rule sets that field) and
  // keeps `metadata/name` specs only for apiVersion v1 objects.
  const specs = resolveSpecs(NAMESPACE_DEFAULTS, extra).filter((s) => s.path !== 'metadata/namespace');
  const before = resources.all().map((r) => resIdKey(r.id));
  for (const r of resources.all()) {
    storePreviousId(r);
    if (!isClusterScoped(r.id.group, r.id.kind, r.id.version)) setMetadataNamespace(r.object, ns);
    const own = r.object.apiVersion === 'v1' ? specs : specs.filter((s) => s.path !== 'metadata/name');
    forEachListAwareSpec(r.object, r.id, own, (spec, parent, key) => {
      const cur = parent[key];
      if (cur !== undefined && cur !== null && typeof cur !== 'string') return;
      if (cur === undefined && !spec.create) return;
      parent[key] = ns;
    });
    const meta = r.object.metadata as JsonObject | undefined;
    const newName = meta && typeof meta.name === 'string' ? meta.name : r.id.name;
    if (newName !== r.id.name) {
      r.previousNames.push(r.id.name);
      r.previousIds.push(pairOf(r.id));
      r.id.name = newName;
    }
    const newNs = meta && typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : undefined;
    if (newNs !== r.id.namespace) {
      r.previousNamespaces.push(r.id.namespace);
      r.previousIds.push(pairOf(r.id));
      if (newNs === undefined) delete r.id.namespace;
      else r.id.namespace = newNs;
    }
    if (r.id.kind === 'RoleBinding' || r.id.kind === 'ClusterRoleBinding') setDefaultSubjects(r.object, ns);
  }
  resources.reindex();
  return idConflicts(resources.all(), before);
}

function setMetadataNamespace(obj: JsonObject, ns: string): void {
  let meta = obj.metadata;
  if (!meta || typeof meta !== 'object' || Array.isArray(meta)) {
    meta = {};
    obj.metadata = meta;
  }
  meta.namespace = ns;
}

/**
 * Kustomize checks each resource right after moving it: its new id must not be the id of
 * any other resource at that moment (moved ones with their new id, the rest with their old
 * one). The first resource failing that check is the error (KF2014).
 */
function idConflicts(all: readonly Resource[], before: readonly string[]): Diagnostic[] {
  const after = all.map((r) => resIdKey(r.id));
  const count = (m: Map<string, number>, k: string, d: number) => m.set(k, (m.get(k) ?? 0) + d);
  const done = new Map<string, number>();
  const pending = new Map<string, number>();
  for (const k of before) count(pending, k, 1);
  for (let i = 0; i < all.length; i++) {
    count(pending, before[i], -1);
    if ((done.get(after[i]) ?? 0) + (pending.get(after[i]) ?? 0) > 0) {
      const r = all[i];
      const other = all.find((x, j) => j !== i && (j < i ? after[j] : before[j]) === after[i])!;
      const at = other.origin.location;
      return [
        diag('KF2014', `the namespace gives ${formatResId(r.id)} the id of another resource (declared at ${at.file}:${at.line})`, {
          location: r.origin.location,
          resource: r.id,
          notes: [`the other resource was declared at ${at.file}:${at.line}:${at.column}`],
          hint: 'two objects that differed only by namespace cannot both move into one namespace: remove one, or rename it',
        }),
      ];
    }
    count(done, after[i], 1);
  }
  return [];
}

function setDefaultSubjects(obj: JsonObject, ns: string): void {
  const subjects = obj.subjects;
  if (!Array.isArray(subjects)) return;
  for (const s of subjects) {
    if (s && typeof s === 'object' && !Array.isArray(s) && s.name === 'default') s.namespace = ns;
  }
}
