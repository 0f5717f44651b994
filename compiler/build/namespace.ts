import { formatResId, pairOf, resIdKey } from '../types.js';
import { diag } from '../diagnostics.js';
import type { Diagnostic, Json, JsonObject, Resource, SourceLocation } from '../types.js';
import type { ResourceMap } from '../resource-map.js';
import type { SubjectsMode } from '../load/kustomization.js';
import type { FieldSpec } from './fieldspec.js';
import { fieldSpecMatches } from './fieldspec.js';
import { forEachListAwareSpec } from './labels.js';
import { mergeSpecs, NAMESPACE } from '../schema/field-specs.js';
import { isClusterScoped } from '../schema/cluster-scoped.js';

export interface NamespaceOptions {
  /** Set a namespace field only where it is missing or empty (NamespaceTransformer's unsetOnly). */
  unsetOnly?: boolean;
  /** Which RoleBinding/ClusterRoleBinding subjects get the namespace (setRoleBindingSubjects); defaultOnly when absent. */
  subjects?: SubjectsMode;
  /** Only these resources (ValueAddTransformer's selected targets); all when absent. */
  only?: ReadonlySet<Resource>;
  /**
   * Record the old namespace as a previous id (default). ValueAddTransformer does not
   * (Kustomize's StorePreviousId is not called): name references then miss the move.
   */
  history?: boolean;
  /** Where the transformer is configured (for a field spec that reaches a map or a list). */
  location?: SourceLocation;
}

/**
 * The `namespace:` field: Kustomize's namespace field specs (the Namespace object renamed,
 * APIService and CRD conversion webhook services) plus the user's `configurations`.
 */
export function setNamespace(resources: ResourceMap, ns: string, extra: FieldSpec[]): Diagnostic[] {
  return setNamespaceWith(resources, ns, mergeSpecs(NAMESPACE, extra), {});
}

/**
 * The namespace transformer with its field specs as given (a `NamespaceTransformer` plugin
 * uses its own `fieldSpecs`, no defaults), as Kustomize v5.5 behaves
 * (api/filters/namespace):
 * - every resource Kustomize does not know as cluster-scoped gets metadata.namespace
 *   (unknown custom kinds included, even cluster-scoped ones), whatever the specs say:
 *   `metadata/namespace` specs are dropped;
 * - a `metadata/name` spec only reaches objects of apiVersion `v1` (the default table
 *   renames a `Namespace` object to the namespace itself);
 * - RoleBinding/ClusterRoleBinding subjects: those named `default` (any kind) get the
 *   namespace, whatever they had (`defaultOnly`, the default), or every ServiceAccount
 *   subject (`allServiceAccounts`), or none; specs of `subjects/namespace` for those kinds
 *   are dropped. Subjects naming a ServiceAccount of the build otherwise follow it through
 *   the name-reference pass, not here;
 * - the other specs set their field (created where the spec says so);
 * - with `unsetOnly`, every one of these sets a field only when it is missing or empty.
 */
export function setNamespaceWith(resources: ResourceMap, ns: string, specs: readonly FieldSpec[], opts: NamespaceOptions): Diagnostic[] {
  const errors: Diagnostic[] = [];
  let current: Resource | undefined;
  const set = (parent: JsonObject, key: string, create: boolean, pointer?: string) => {
    const cur: Json | undefined = parent[key];
    if (cur === undefined || cur === null) {
      if (!create) return;
    } else if (typeof cur === 'object') {
      // Kustomize: "namespace field specs must target scalar nodes"
      if (errors.length === 0 && current) {
        errors.push(
          diag('KF2013', `a namespace field spec reaches ${Array.isArray(cur) ? 'a list' : 'a map'} at ${pointer ?? key} of ${formatResId(current.id)}`, {
            ...(opts.location ? { location: opts.location } : {}),
            resource: current.id,
            hint: 'namespace field specs must point at a string field',
          }),
        );
      }
      return;
    } else if (opts.unsetOnly && cur !== '') return;
    parent[key] = ns;
  };
  const rest = specs.filter((s) => s.path !== 'metadata/namespace');
  for (const r of resources.all()) {
    if (opts.only && !opts.only.has(r)) continue;
    current = r;
    const binding = r.id.group === 'rbac.authorization.k8s.io' && (r.id.kind === 'RoleBinding' || r.id.kind === 'ClusterRoleBinding');
    const v1 = r.object.apiVersion === 'v1';
    if (!isClusterScoped(r.id.group, r.id.kind, r.id.version)) set(metaOf(r), 'namespace', true);
    if (binding) setSubjects(r.object, opts.subjects ?? 'defaultOnly', set);
    const own = rest.filter(
      (s) => (s.path !== 'metadata/name' || v1) && !(binding && s.path === 'subjects/namespace' && (s.kind === 'RoleBinding' || s.kind === 'ClusterRoleBinding')) && fieldSpecMatches(s, r.id),
    );
    if (own.length) forEachListAwareSpec(r.object, r.id, own, (spec, parent, key, pointer) => set(parent, key, spec.create === true, pointer));
    track(r, opts.history !== false);
  }
  resources.reindex();
  return errors.length ? errors : conflicts(resources, ns);
}

/** Two resources that now have one id: Kustomize fails ("namespace transformation produces ID conflict"). */
function conflicts(resources: ResourceMap, ns: string): Diagnostic[] {
  const seen = new Map<string, Resource>();
  for (const r of resources.all()) {
    const key = resIdKey(r.id);
    const first = seen.get(key);
    if (!first) {
      seen.set(key, r);
      continue;
    }
    const at = first.origin.location;
    return [
      diag('KF2014', `setting namespace ${JSON.stringify(ns)} makes two resources ${formatResId(r.id)} (the other declared at ${at.file}:${at.line})`, {
        location: r.origin.location,
        resource: r.id,
        notes: [`first declared at ${at.file}:${at.line}:${at.column}`],
        hint: 'resources from different namespaces need different names once they share one namespace: rename one (or use namePrefix in one base)',
      }),
    ];
  }
  return [];
}

function metaOf(r: Resource): JsonObject {
  const m = r.object.metadata;
  if (m && typeof m === 'object' && !Array.isArray(m)) return m;
  return (r.object.metadata = {});
}

/** Records a changed name or namespace in the resource's id history. */
function track(r: Resource, history: boolean): void {
  const meta = r.object.metadata as JsonObject | undefined;
  const newNs = meta && typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : undefined;
  const newName = meta && typeof meta.name === 'string' ? meta.name : r.id.name;
  if (newNs === r.id.namespace && newName === r.id.name) return;
  if (history) r.previousIds.push(pairOf(r.id));
  if (newNs !== r.id.namespace) {
    if (history) r.previousNamespaces.push(r.id.namespace);
    if (newNs === undefined) delete r.id.namespace;
    else r.id.namespace = newNs;
  }
  if (newName !== r.id.name) {
    if (history) r.previousNames.push(r.id.name);
    r.id.name = newName;
  }
}

function setSubjects(obj: JsonObject, mode: SubjectsMode, set: (parent: JsonObject, key: string, create: boolean) => void): void {
  const subjects = obj.subjects;
  if (mode === 'none' || !Array.isArray(subjects)) return;
  for (const s of subjects) {
    if (!s || typeof s !== 'object' || Array.isArray(s)) continue;
    if (mode === 'defaultOnly' ? s.name === 'default' : s.kind === 'ServiceAccount') set(s, 'namespace', true);
  }
}
