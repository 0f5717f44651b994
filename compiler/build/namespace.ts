import { pairOf } from '../types.js';
import type { Diagnostic, JsonObject, Resource } from '../types.js';
import type { ResourceMap } from '../resource-map.js';
import type { FieldSpec } from './fieldspec.js';
import { forEachListAwareSpec } from './labels.js';
import { mergeSpecs, NAMESPACE } from '../schema/field-specs.js';
import { isClusterScoped } from '../schema/cluster-scoped.js';

/**
 * The `namespace:` transformer, as Kustomize v5.5 behaves (case 03 and fixtures):
 * - every resource Kustomize does not know as cluster-scoped gets metadata.namespace
 *   (unknown custom kinds included, even cluster-scoped ones);
 * - a `Namespace` object is renamed to the namespace itself;
 * - APIService spec.service.namespace is set (created), a CRD's conversion webhook service
 *   namespace only when present;
 * - RoleBinding/ClusterRoleBinding subjects named `default` (any kind) get the namespace,
 *   whatever they had. Subjects naming a ServiceAccount of the build follow it through the
 *   name-reference pass, not here.
 */
export function setNamespace(resources: ResourceMap, ns: string, extra: FieldSpec[]): Diagnostic[] {
  const specs = mergeSpecs(NAMESPACE, extra);
  for (const r of resources.all()) {
    const clusterScoped = isClusterScoped(r.id.group, r.id.kind, r.id.version);
    if (r.id.group === '' && r.id.kind === 'Namespace') {
      renameNamespaceObject(r, ns);
      continue;
    }
    forEachListAwareSpec(r.object, r.id, specs, (spec, parent, key) => {
      if (spec.path === 'metadata/namespace' && (spec.kind === undefined || spec.kind === '') && clusterScoped) return;
      const cur = parent[key];
      if (cur !== undefined && cur !== null && typeof cur !== 'string') return;
      if (cur === undefined && !spec.create) return;
      parent[key] = ns;
    });
    const meta = r.object.metadata as JsonObject | undefined;
    const newNs = meta && typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : undefined;
    if (newNs !== r.id.namespace) {
      r.previousNamespaces.push(r.id.namespace);
      r.previousIds.push(pairOf(r.id));
      if (newNs === undefined) delete r.id.namespace;
      else r.id.namespace = newNs;
    }
    if (r.id.group === 'rbac.authorization.k8s.io' && (r.id.kind === 'RoleBinding' || r.id.kind === 'ClusterRoleBinding')) {
      setDefaultSubjects(r.object, ns);
    }
  }
  resources.reindex();
  return [];
}

function renameNamespaceObject(r: Resource, ns: string): void {
  let meta = r.object.metadata as JsonObject | undefined;
  if (!meta || typeof meta !== 'object' || Array.isArray(meta)) {
    meta = {};
    r.object.metadata = meta;
  }
  if (r.id.name === ns) return;
  r.previousNames.push(r.id.name);
  r.previousIds.push(pairOf(r.id));
  r.id.name = ns;
  meta.name = ns;
}

function setDefaultSubjects(obj: JsonObject, ns: string): void {
  const subjects = obj.subjects;
  if (!Array.isArray(subjects)) return;
  for (const s of subjects) {
    if (s && typeof s === 'object' && !Array.isArray(s) && s.name === 'default') s.namespace = ns;
  }
}
