import type { Resource } from '../types.js';
import type { SortOptions } from '../load/kustomization.js';
import type { Gvk } from './fieldspec.js';

/** Kustomize's legacy order: these kinds first, in this order (kustomize-notes.md, case 24). */
export const LEGACY_ORDER_FIRST: readonly string[] = [
  'Namespace',
  'ResourceQuota',
  'StorageClass',
  'CustomResourceDefinition',
  'ServiceAccount',
  'PodSecurityPolicy',
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
  'ConfigMap',
  'Secret',
  'Endpoints',
  'Service',
  'LimitRange',
  'PriorityClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'Deployment',
  'StatefulSet',
  'CronJob',
  'PodDisruptionBudget',
];

/** …and these last. */
export const LEGACY_ORDER_LAST: readonly string[] = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

/** `group_version_kind` with `~G`/`~V`/`~K` for empty parts, as Kustomize compares them. */
function gvkString(g: Gvk): string {
  return `${g.group || '~G'}_${g.version || '~V'}_${g.kind || '~K'}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Kustomize's typeOrders: orderFirst kinds get -len..-1, orderLast kinds 1..n (a kind in
 * both lists takes its orderLast place), every other kind 0.
 */
function typeOrders(first: readonly string[], last: readonly string[]): Map<string, number> {
  const order = new Map<string, number>();
  first.forEach((k, i) => order.set(k, i - first.length));
  last.forEach((k, i) => order.set(k, i + 1));
  return order;
}

const LEGACY_ORDERS = typeOrders(LEGACY_ORDER_FIRST, LEGACY_ORDER_LAST);

/** Kustomize's Gvk.IsLessThan as a comparator: the legacy kind order, then `group_version_kind`. */
export function compareGvk(a: Gvk, b: Gvk): number {
  const ra = LEGACY_ORDERS.get(a.kind ?? '') ?? 0;
  const rb = LEGACY_ORDERS.get(b.kind ?? '') ?? 0;
  return ra !== rb ? ra - rb : cmp(gvkString(a), gvkString(b));
}

/**
 * Output order. `fifo` keeps the input order; `legacy` (the default) puts the first-list
 * kinds first and the last-list kinds last (custom `orderFirst`/`orderLast` replace the
 * built-in lists), everything else by gvk string, then namespace (none after every named
 * one), then name. Stable.
 */
export function sortResources(resources: readonly Resource[], opts?: SortOptions): Resource[] {
  if (opts?.order === 'fifo') return [...resources];
  const custom = opts !== undefined && (opts.orderFirst !== undefined || opts.orderLast !== undefined);
  const first = custom ? opts.orderFirst ?? [] : LEGACY_ORDER_FIRST;
  const last = custom ? opts.orderLast ?? [] : LEGACY_ORDER_LAST;
  const order = custom ? typeOrders(first, last) : LEGACY_ORDERS;
  const rank = (r: Resource): number => order.get(r.id.kind) ?? 0;
  // Within one gvk Kustomize compares `<gvk>|<namespace or ~X>|<name>` as one string, so
  // the `|` after the namespace counts: namespace "kafka-prod" sorts before "kafka".
  const keyed = resources.map((r) => ({ r, rank: rank(r), gvk: gvkString(r.id), nsName: `${r.id.namespace || '~X'}|${r.id.name || '~N'}` }));
  keyed.sort((a, b) => {
    if (a.rank !== b.rank) return a.rank - b.rank;
    if (a.gvk !== b.gvk) {
      // Kustomize reverses the gvk order between two Namespace kinds when one is the core
      // Namespace, so the core Namespace comes before a custom group's Namespace.
      const reverse = a.r.id.kind === 'Namespace' && b.r.id.kind === 'Namespace' && (a.r.id.group === '' || b.r.id.group === '');
      return reverse ? cmp(b.gvk, a.gvk) : cmp(a.gvk, b.gvk);
    }
    return cmp(a.nsName, b.nsName);
  });
  return keyed.map((k) => k.r);
}
