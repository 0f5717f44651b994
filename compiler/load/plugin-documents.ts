/**
 * The objects of a builtin plugin configuration document, as Kustomize's resource reader
 * yields them: `<<` merge keys expanded (explicit keys win, then the merged mappings in
 * order), and a `*List` kind holding `items` split into its items (Lists inside Lists
 * too; null and empty items dropped), as for resources (build/index.ts).
 */
import type { PNode, PPair } from './kfile.js';

function isEmptyMap(n: PNode): boolean {
  return n.kind === 'map' && (n.pairs ?? []).length === 0;
}

function isNullNode(n: PNode): boolean {
  return n.kind === 'scalar' && n.value === null;
}

/** Expands `<<` keys in place, depth first. */
function expandMergeKeys(n: PNode, seen = new Set<PNode>()): void {
  if (seen.has(n)) return;
  seen.add(n);
  if (n.kind === 'seq') for (const x of n.items ?? []) expandMergeKeys(x, seen);
  if (n.kind !== 'map' || !n.pairs) return;
  for (const p of n.pairs) expandMergeKeys(p.value, seen);
  const merges = n.pairs.filter((p) => p.key === '<<' && (p.value.kind === 'map' || p.value.kind === 'seq'));
  if (merges.length === 0) return;
  const own = n.pairs.filter((p) => !merges.includes(p));
  const have = new Set(own.map((p) => p.key));
  const added: PPair[] = [];
  for (const m of merges) {
    const sources = m.value.kind === 'map' ? [m.value] : (m.value.items ?? []).filter((x) => x.kind === 'map');
    for (const src of sources) {
      for (const p of src.pairs ?? []) {
        if (have.has(p.key)) continue;
        have.add(p.key);
        added.push(p);
      }
    }
  }
  n.pairs = [...own, ...added];
}

function field(n: PNode, key: string): PNode | undefined {
  return n.kind === 'map' ? n.pairs?.find((p) => p.key === key)?.value : undefined;
}

function isList(n: PNode): boolean {
  const kind = field(n, 'kind');
  const items = field(n, 'items');
  return kind?.kind === 'scalar' && typeof kind.value === 'string' && kind.value.endsWith('List') && items !== undefined && (items.kind === 'seq' || isNullNode(items));
}

export function configObjects(root: PNode): PNode[] {
  expandMergeKeys(root);
  if (!isList(root)) return [root];
  const out: PNode[] = [];
  const flatten = (list: PNode) => {
    const items = field(list, 'items');
    for (const item of items?.kind === 'seq' ? items.items ?? [] : []) {
      if (isNullNode(item) || isEmptyMap(item)) continue;
      if (isList(item)) flatten(item);
      else out.push(item);
    }
  };
  flatten(root);
  return out;
}
