/**
 * kforge's typed JSON patches.
 *
 * A typed patch names its target (kind, name, optional namespace) and is written
 * against the `@kubernetes/client-node` model of that kind. Paths are written as
 * property accesses on the model, so a misspelt field is a compile error, and the
 * value must have the field's type:
 *
 *   patch({ kind: 'StatefulSet', name: 'kafka' }, (p) => {
 *     p.replace((s) => s.spec.replicas, 5);
 *     p.replace((s) => byKey(s.spec.template.spec.containers, 'name', 'kafka').resources.limits, { memory: '4Gi' });
 *   });
 *
 * `byKey(list, key, value)` addresses a list item by its merge key (a container by its
 * name, an env var by its name) instead of a fragile index. Each patch compiles to RFC
 * 6902 operations against the resource it targets: a `byKey` step becomes the item's
 * index plus a `test` operation that guards it, and the operations are applied with
 * fast-json-patch after the Kustomize build (hash suffixes and name references are
 * already final), before the policy checks.
 *
 * At run time paths are recorded with a Proxy: the lambdas are never run against real
 * objects.
 */
import type {
  V1ConfigMap,
  V1CronJob,
  V1DaemonSet,
  V1Deployment,
  V1HorizontalPodAutoscaler,
  V1Ingress,
  V1Job,
  V1Namespace,
  V1NetworkPolicy,
  V1PersistentVolumeClaim,
  V1Pod,
  V1PodDisruptionBudget,
  V1ReplicaSet,
  V1Role,
  V1RoleBinding,
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1Secret,
  V1Service,
  V1ServiceAccount,
  V1StatefulSet,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import type { SourceLocation } from '../types.js';

/** The kinds a typed patch can target, and their models. */
export interface KindModels {
  ConfigMap: V1ConfigMap;
  CronJob: V1CronJob;
  DaemonSet: V1DaemonSet;
  Deployment: V1Deployment;
  HorizontalPodAutoscaler: V2HorizontalPodAutoscaler;
  'HorizontalPodAutoscaler.v1': V1HorizontalPodAutoscaler;
  Ingress: V1Ingress;
  Job: V1Job;
  Namespace: V1Namespace;
  NetworkPolicy: V1NetworkPolicy;
  PersistentVolumeClaim: V1PersistentVolumeClaim;
  Pod: V1Pod;
  PodDisruptionBudget: V1PodDisruptionBudget;
  ReplicaSet: V1ReplicaSet;
  Role: V1Role;
  RoleBinding: V1RoleBinding;
  ClusterRole: V1ClusterRole;
  ClusterRoleBinding: V1ClusterRoleBinding;
  Secret: V1Secret;
  Service: V1Service;
  ServiceAccount: V1ServiceAccount;
  StatefulSet: V1StatefulSet;
}

/** The API group/version each patchable kind lives in (for matching the target). */
export const KIND_GROUPS: Record<keyof KindModels, { group: string; version: string; kind: string }> = {
  ConfigMap: { group: '', version: 'v1', kind: 'ConfigMap' },
  CronJob: { group: 'batch', version: 'v1', kind: 'CronJob' },
  DaemonSet: { group: 'apps', version: 'v1', kind: 'DaemonSet' },
  Deployment: { group: 'apps', version: 'v1', kind: 'Deployment' },
  HorizontalPodAutoscaler: { group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler' },
  'HorizontalPodAutoscaler.v1': { group: 'autoscaling', version: 'v1', kind: 'HorizontalPodAutoscaler' },
  Ingress: { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress' },
  Job: { group: 'batch', version: 'v1', kind: 'Job' },
  Namespace: { group: '', version: 'v1', kind: 'Namespace' },
  NetworkPolicy: { group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy' },
  PersistentVolumeClaim: { group: '', version: 'v1', kind: 'PersistentVolumeClaim' },
  Pod: { group: '', version: 'v1', kind: 'Pod' },
  PodDisruptionBudget: { group: 'policy', version: 'v1', kind: 'PodDisruptionBudget' },
  ReplicaSet: { group: 'apps', version: 'v1', kind: 'ReplicaSet' },
  Role: { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role' },
  RoleBinding: { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding' },
  ClusterRole: { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole' },
  ClusterRoleBinding: { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRoleBinding' },
  Secret: { group: '', version: 'v1', kind: 'Secret' },
  Service: { group: '', version: 'v1', kind: 'Service' },
  ServiceAccount: { group: '', version: 'v1', kind: 'ServiceAccount' },
  StatefulSet: { group: 'apps', version: 'v1', kind: 'StatefulSet' },
};

type Primitive = string | number | boolean | bigint | symbol | null | undefined | Date;

declare const VALUE: unique symbol;

/**
 * The navigable view of a model type used in path lambdas: every field is present
 * (optional fields need no `!`), and each step remembers the model's own type of
 * that field (`[VALUE]`), which is what a value written there must have.
 */
export type Field<T> = { readonly [VALUE]: T } & Fields<NonNullable<T>>;
type Fields<T> = T extends Primitive ? unknown : T extends readonly (infer E)[] ? Field<E>[] : { readonly [K in keyof T]-?: Field<T[K]> };

/** The model type behind a path step. */
export type ValueOf<F> = F extends { readonly [VALUE]: infer T } ? T : never;
type Elem<L> = NonNullable<L> extends readonly (infer E)[] ? E : never;

/** @deprecated kept for compatibility: use Field. */
export type DeepRequired<T> = Field<T>;

/** One step of a recorded path: a field name, a list index, or a list item by merge key. */
export type PathStep = { field: string } | { index: number } | { key: string; value: string | number };

const PATH = Symbol('kforge.path');

/** Addresses the item of `list` whose `key` field equals `value` (a container by name…). */
export function byKey<L, K extends keyof Elem<L> & string>(list: Field<L>, key: K, value: NonNullable<Elem<L>[K]> & (string | number)): Field<Elem<L>> {
  const steps = (list as unknown as { [PATH]?: PathStep[] })[PATH];
  if (!steps) throw new TypeError('byKey() is only meaningful inside a typed patch path lambda');
  return recorder([...steps, { key: String(key), value }]) as Field<Elem<L>>;
}

/** Addresses the item at a fixed index (prefer byKey where the list has a merge key). */
export function at<L>(list: Field<L>, index: number): Field<Elem<L>> {
  const steps = (list as unknown as { [PATH]?: PathStep[] })[PATH];
  if (!steps) throw new TypeError('at() is only meaningful inside a typed patch path lambda');
  return recorder([...steps, { index }]) as Field<Elem<L>>;
}

function recorder(steps: PathStep[]): unknown {
  return new Proxy(
    {},
    {
      get(_t, prop) {
        if (prop === PATH) return steps;
        if (typeof prop === 'symbol') return undefined;
        return recorder([...steps, /^(0|[1-9]\d*)$/.test(prop) ? { index: Number(prop) } : { field: prop }]);
      },
    },
  );
}

export function recordPath<T>(fn: (o: Field<T>) => unknown): PathStep[] {
  const res = fn(recorder([]) as Field<T>) as { [PATH]?: PathStep[] } | undefined;
  const steps = res?.[PATH];
  if (!steps) throw new TypeError('a typed patch path must be a property access such as (d) => d.spec.replicas');
  return steps;
}

export type TypedOp =
  | { op: 'add' | 'replace' | 'test'; path: PathStep[]; value: unknown }
  | { op: 'append'; path: PathStep[]; value: unknown }
  | { op: 'remove'; path: PathStep[] };

export interface TypedPatch {
  target: { group: string; version: string; kind: string; name: string; namespace?: string };
  ops: TypedOp[];
  /** Where the patch is written (environment file, line, column). */
  location?: SourceLocation;
}

/** The operations a patch can use, typed by the model `T` of its target kind. */
export interface PatchBuilder<T> {
  /** Sets a field that may or may not exist (RFC 6902 add). */
  set<V>(path: (o: Field<T>) => Field<V>, value: NoInfer<NonNullable<V>>): PatchBuilder<T>;
  /** Replaces a field that must exist (RFC 6902 replace; fails if it is missing). */
  replace<V>(path: (o: Field<T>) => Field<V>, value: NoInfer<NonNullable<V>>): PatchBuilder<T>;
  /** Removes a field or list item that must exist. */
  remove(path: (o: Field<T>) => unknown): PatchBuilder<T>;
  /** Appends an item to a list (RFC 6902 add at `/-`). */
  append<E>(path: (o: Field<T>) => Field<E[] | undefined>, value: NoInfer<E>): PatchBuilder<T>;
  /** Guards the patch: fails unless the field equals the value. */
  test<V>(path: (o: Field<T>) => Field<V>, value: NoInfer<V>): PatchBuilder<T>;
}

/** Where the caller of a kforge API function wrote the call, from the stack (source maps on). */
export function callerLocation(depth = 2): SourceLocation | undefined {
  const stack = new Error().stack?.split('\n') ?? [];
  for (const line of stack.slice(depth + 1)) {
    const m = /\(?((?:file:\/\/)?[^()\s]+):(\d+):(\d+)\)?\s*$/.exec(line);
    if (!m) continue;
    let file = m[1].replace(/^file:\/\//, '');
    if (file.includes('/compiler/patch/') || file.includes('node:internal')) continue;
    const cwd = process.cwd();
    if (file.startsWith(cwd + '/')) file = file.slice(cwd.length + 1);
    return { file, line: Number(m[2]), column: Number(m[3]) };
  }
  return undefined;
}

/**
 * Declares a typed patch of the resource `target` (its kind picks the model):
 *   patch({ kind: 'Deployment', name: 'im-service' }, (p) => p.set((d) => d.spec.replicas, 3))
 */
export function patch<K extends keyof KindModels>(
  target: { kind: K; name: string; namespace?: string },
  body: (p: PatchBuilder<KindModels[K]>) => unknown,
): TypedPatch {
  const gvk = KIND_GROUPS[target.kind];
  if (!gvk) throw new TypeError(`typed patches do not know kind ${String(target.kind)}`);
  const ops: TypedOp[] = [];
  type T = KindModels[K];
  const builder: PatchBuilder<T> = {
    set(path, value) {
      ops.push({ op: 'add', path: recordPath<T>(path), value });
      return builder;
    },
    replace(path, value) {
      ops.push({ op: 'replace', path: recordPath<T>(path), value });
      return builder;
    },
    remove(path) {
      ops.push({ op: 'remove', path: recordPath<T>(path) });
      return builder;
    },
    append(path, value) {
      ops.push({ op: 'append', path: recordPath<T>(path), value });
      return builder;
    },
    test(path, value) {
      ops.push({ op: 'test', path: recordPath<T>(path), value });
      return builder;
    },
  };
  body(builder);
  const location = callerLocation();
  return {
    target: { ...gvk, name: target.name, ...(target.namespace ? { namespace: target.namespace } : {}) },
    ops,
    ...(location ? { location } : {}),
  };
}
