/**
 * What a cluster must allow for one environment, read from its render (pure): the namespaces
 * its resources go to, the cluster-scoped objects it creates, and its apps (the deploy
 * branch's folders, `groupApps` in render.ts) with the order the tree requires between them.
 *
 * Scope is decided as the cluster decides it, not as Kustomize does: a kind defined by a
 * CustomResourceDefinition in the same render takes the CRD's `spec.scope`; built-in kinds use
 * Kustomize's table (schema/cluster-scoped.ts) plus the newer cluster-scoped built-ins that
 * table predates (Kustomize gives those a namespace, which the API server then ignores).
 */
import type { Json, JsonObject, Resource } from '../types.js';
import type { RenderedApp } from '../emit/plan.js';
import { isClusterScoped } from '../schema/cluster-scoped.js';

export interface ClusterKind {
  group: string;
  kind: string;
  /** Names of the rendered objects of this kind, sorted. */
  names: string[];
}

export interface AppInventory {
  /** The app folder of the deploy branch. */
  name: string;
  /** Apps that must be applied first (they hold a Namespace or CRD this app needs), sorted. */
  dependsOn: string[];
}

export interface Inventory {
  /** Namespaces the namespaced resources go to, and those the Namespace objects create; sorted. */
  namespaces: string[];
  /** Namespaces created by a rendered Namespace object, sorted. */
  namespaceObjects: string[];
  /** Cluster-scoped objects by group and kind, sorted by group then kind. */
  clusterResources: ClusterKind[];
  /** Apps sorted by name. */
  apps: AppInventory[];
  /** Namespaced resources without a namespace (`<kind>/<name>`), sorted. */
  unnamespaced: string[];
  /** Ordering edges left out because they closed a cycle (`a -> b`). */
  droppedEdges: string[];
}

export const EMPTY_INVENTORY: Inventory = { namespaces: [], namespaceObjects: [], clusterResources: [], apps: [], unnamespaced: [], droppedEdges: [] };

/** Cluster-scoped built-ins newer than Kustomize's schema (group|kind). */
const NEWER_CLUSTER_SCOPED = new Set([
  'admissionregistration.k8s.io|ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io|ValidatingAdmissionPolicyBinding',
  'admissionregistration.k8s.io|MutatingAdmissionPolicy',
  'admissionregistration.k8s.io|MutatingAdmissionPolicyBinding',
  'storage.k8s.io|VolumeAttributesClass',
  'networking.k8s.io|IPAddress',
  'networking.k8s.io|ServiceCIDR',
  'resource.k8s.io|DeviceClass',
  'resource.k8s.io|ResourceSlice',
]);

function str(o: Json | undefined, ...p: string[]): string | undefined {
  let cur: Json | undefined = o;
  for (const k of p) cur = cur && typeof cur === 'object' && !Array.isArray(cur) ? (cur as JsonObject)[k] : undefined;
  return typeof cur === 'string' && cur !== '' ? cur : undefined;
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const idKey = (group: string, kind: string, namespace: string | undefined, name: string) => `${group}|${kind}|${namespace ?? ''}|${name}`;

export function inventory(resources: readonly Resource[], apps: readonly RenderedApp[]): Inventory {
  const appOf = new Map<string, string>();
  for (const a of apps) for (const r of a.resources) appOf.set(idKey(r.id.group, r.id.kind, r.id.namespace, r.id.name), a.app);
  const app = (r: Resource) => appOf.get(idKey(r.id.group, r.id.kind, r.id.namespace, r.id.name));

  // Kinds defined by the render's own CRDs: scope and the app holding the definition.
  const crdKinds = new Map<string, { cluster: boolean; app?: string }>();
  for (const r of resources) {
    if (r.id.group !== 'apiextensions.k8s.io' || r.id.kind !== 'CustomResourceDefinition') continue;
    const g = str(r.object, 'spec', 'group');
    const k = str(r.object, 'spec', 'names', 'kind');
    if (g && k) crdKinds.set(`${g}|${k}`, { cluster: str(r.object, 'spec', 'scope') === 'Cluster', app: app(r) });
  }
  const clusterScoped = (r: Resource): boolean => {
    const crd = crdKinds.get(`${r.id.group}|${r.id.kind}`);
    if (crd) return crd.cluster;
    return isClusterScoped(r.id.group, r.id.kind) || NEWER_CLUSTER_SCOPED.has(`${r.id.group}|${r.id.kind}`);
  };

  const namespaces = new Set<string>();
  const nsObjectApp = new Map<string, string | undefined>();
  const cluster = new Map<string, ClusterKind>();
  const unnamespaced: string[] = [];
  const needs = new Map<string, Set<string>>(); // app -> apps it needs first
  const need = (from: string | undefined, to: string | undefined) => {
    if (!from || !to || from === to) return;
    const s = needs.get(from);
    if (s) s.add(to);
    else needs.set(from, new Set([to]));
  };

  for (const r of resources) {
    if (clusterScoped(r)) {
      const k = `${r.id.group}|${r.id.kind}`;
      const e = cluster.get(k);
      if (e) e.names.push(r.id.name);
      else cluster.set(k, { group: r.id.group, kind: r.id.kind, names: [r.id.name] });
      if (r.id.group === '' && r.id.kind === 'Namespace') {
        namespaces.add(r.id.name);
        if (!nsObjectApp.has(r.id.name)) nsObjectApp.set(r.id.name, app(r));
      }
    } else {
      const ns = r.id.namespace ?? str(r.object, 'metadata', 'namespace');
      if (ns) namespaces.add(ns);
      else unnamespaced.push(`${r.id.kind}/${r.id.name}`);
    }
  }
  for (const r of resources) {
    const a = app(r);
    const crd = crdKinds.get(`${r.id.group}|${r.id.kind}`);
    if (crd) need(a, crd.app);
    if (!clusterScoped(r)) {
      const ns = r.id.namespace ?? str(r.object, 'metadata', 'namespace');
      if (ns) need(a, nsObjectApp.get(ns));
    }
  }

  // Keep the graph acyclic: edges in a fixed order, each kept unless its target already
  // reaches its source (Flux would wait on both forever).
  const kept = new Map<string, Set<string>>();
  const reaches = (from: string, to: string): boolean => {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length) {
      const x = stack.pop()!;
      if (x === to) return true;
      if (seen.has(x)) continue;
      seen.add(x);
      for (const y of kept.get(x) ?? []) stack.push(y);
    }
    return false;
  };
  const droppedEdges: string[] = [];
  for (const from of [...needs.keys()].sort(byString)) {
    for (const to of [...needs.get(from)!].sort(byString)) {
      if (reaches(to, from)) {
        droppedEdges.push(`${from} -> ${to}`);
        continue;
      }
      const s = kept.get(from);
      if (s) s.add(to);
      else kept.set(from, new Set([to]));
    }
  }

  const appNames = [...new Set(apps.map((a) => a.app))].sort(byString);
  return {
    namespaces: [...namespaces].sort(byString),
    namespaceObjects: [...nsObjectApp.keys()].sort(byString),
    clusterResources: [...cluster.values()]
      .map((c) => ({ ...c, names: [...new Set(c.names)].sort(byString) }))
      .sort((a, b) => byString(a.group, b.group) || byString(a.kind, b.kind)),
    apps: appNames.map((name) => ({ name, dependsOn: [...(kept.get(name) ?? [])].sort(byString) })),
    unnamespaced: unnamespaced.sort(byString),
    droppedEdges,
  };
}
