import { formatResId, pairOf, plus, resIdKey, storePreviousId } from '../types.js';
import { diag } from '../diagnostics.js';
import type { Diagnostic, Json, JsonObject, Resource, SourceLocation } from '../types.js';
import type { ResourceMap } from '../resource-map.js';
import type { SubjectsMode } from '../load/kustomization.js';
import type { FieldSpec } from './fieldspec.js';
import { fieldSpecMatches } from './fieldspec.js';
import { forEachListAwareSpec } from './labels.js';
import type { SpecInput } from '../schema/field-specs.js';
import { NAMESPACE, resolveSpecs } from '../schema/field-specs.js';
import { isClusterScoped } from '../schema/cluster-scoped.js';

export interface NamespaceOptions {
  /** Set a namespace field only where it is missing or empty (NamespaceTransformer's unsetOnly). */
  unsetOnly?: boolean;
  /** Which RoleBinding/ClusterRoleBinding subjects get the namespace (setRoleBindingSubjects); defaultOnly when absent. */
  subjects?: SubjectsMode;
  /** Only these resources (ValueAddTransformer's selected targets); all when absent. */
  only?: ReadonlySet<Resource>;
  /**
   * Store each resource's id before the move and record the old name and namespace
   * (default). ValueAddTransformer does not (Kustomize's StorePreviousId is not called):
   * name references then miss the move.
   */
  history?: boolean;
  /** Where the transformer is configured (for a field spec that reaches a map or a list). */
  location?: SourceLocation;
}

/**
 * The `namespace:` field: Kustomize's namespace field specs (the Namespace object renamed,
 * APIService and CRD conversion webhook services) merged with the `configurations` ones
 * (`{ all }`: already merged as Kustomize merges them, see transformer-config.ts).
 */
export function setNamespace(resources: ResourceMap, ns: string, extra: SpecInput): Diagnostic[] {
  return setNamespaceWith(resources, ns, resolveSpecs(NAMESPACE, extra), {});
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
 * - with `unsetOnly`, every one of these sets a field only when it is missing or empty;
 * - every resource's id is stored first (a name-reference candidate from now on, moved
 *   or not), unless `history` is false;
 * - a resource that ends up with the id of another one is an error (KF2014), as in
 *   Kustomize ("namespace transformation produces ID conflict").
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
  // Kustomize drops every `metadata/namespace` spec (the rule above sets that field) and
  // every RoleBinding/ClusterRoleBinding `subjects` spec (the subjects mode decides).
  const rest = specs.filter((s) => s.path !== 'metadata/namespace' && !(isBindingKind(s.kind) && s.path === 'subjects/namespace'));
  const history = opts.history !== false;
  const all = resources.all();
  const before = all.map((r) => resIdKey(r.id));
  for (const r of all) {
    if (opts.only && !opts.only.has(r)) continue;
    current = r;
    if (history) storePreviousId(r);
    if (!isClusterScoped(r.id.group, r.id.kind, r.id.version)) set(metaOf(r), 'namespace', true);
    if (isBindingKind(r.id.kind)) setSubjects(r.object, opts.subjects ?? 'defaultOnly', set);
    const v1 = r.object.apiVersion === 'v1';
    const own = rest.filter((s) => (s.path !== 'metadata/name' || v1) && fieldSpecMatches(s, r.id));
    if (own.length) forEachListAwareSpec(r.object, r.id, own, (parent, key, pointer, spec) => set(parent, key, spec.create === true, pointer));
    track(r, history);
  }
  resources.reindex();
  return errors.length ? errors : idConflicts(all, before);
}

/** Kustomize's namespace filter handles the subjects of these kinds (any group). */
function isBindingKind(kind: string | undefined): boolean {
  return kind === 'RoleBinding' || kind === 'ClusterRoleBinding';
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
          hint: 'two objects that differed only by namespace cannot both move into one namespace: remove one, or rename it (or use namePrefix in one base)',
        }),
      ];
    }
    count(done, after[i], 1);
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
  if (history) r.previousIds = plus(r.previousIds, pairOf(r.id));
  if (newNs !== r.id.namespace) {
    if (history) r.previousNamespaces = plus(r.previousNamespaces, r.id.namespace);
    if (newNs === undefined) delete r.id.namespace;
    else r.id.namespace = newNs;
  }
  if (newName !== r.id.name) {
    if (history) r.previousNames = plus(r.previousNames, r.id.name);
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
