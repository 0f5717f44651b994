import type { Resource } from '../types.js';
import type { SortOptions } from '../load/kustomization.js';

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
function gvkString(r: Resource): string {
  return `${r.id.group || '~G'}_${r.id.version || '~V'}_${r.id.kind || '~K'}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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
  const firstIdx = new Map(first.map((k, i) => [k, i] as const));
  const lastIdx = new Map(last.map((k, i) => [k, i] as const));
  const rank = (r: Resource): [number, number] => {
    const f = firstIdx.get(r.id.kind);
    if (f !== undefined) return [0, f];
    const l = lastIdx.get(r.id.kind);
    if (l !== undefined) return [2, l];
    return [1, 0];
  };
  // Within one gvk Kustomize compares `<gvk>|<namespace or ~X>|<name>` as one string, so
  // the `|` after the namespace counts: namespace "kafka-prod" sorts before "kafka".
  const keyed = resources.map((r) => ({ r, rank: rank(r), gvk: gvkString(r), nsName: `${r.id.namespace || '~X'}|${r.id.name || '~N'}` }));
  keyed.sort((a, b) => {
    if (a.rank[0] !== b.rank[0]) return a.rank[0] - b.rank[0];
    if (a.rank[1] !== b.rank[1]) return a.rank[1] - b.rank[1];
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
