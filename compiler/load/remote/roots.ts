/**
 * The remote checkouts (and HTTP files) a build has resolved, by where they are in the
 * cache: so that messages name a file inside a remote by the remote's URL and its path in
 * the repository (not a cache path), and so that a kustomization inside a checkout cannot
 * reach a directory outside it. Module state, filled by the remote session as it resolves.
 */
import * as path from 'node:path';

interface Root {
  /** How a path inside reads in messages. */
  show(rel: string): string;
}

const roots = new Map<string, Root>();

/** A checkout: `repo//rel?ref=ref`. */
export function registerTree(dir: string, repo: string, ref: string): void {
  if (!roots.has(dir)) roots.set(dir, { show: (rel) => `${rel ? `${repo}//${rel}` : repo}${ref ? `?ref=${ref}` : ''}` });
}

/** An HTTP file: its URL. */
export function registerFile(file: string, url: string): void {
  if (!roots.has(file)) roots.set(file, { show: () => url });
}

function find(p: string): [string, Root] | undefined {
  if (roots.size === 0) return undefined;
  for (const [dir, r] of roots) {
    if (p === dir || p.startsWith(dir + path.sep)) return [dir, r];
  }
  return undefined;
}

/** The checkout (or file) of a remote that holds `p`, if any. */
export function remoteRootOf(p: string): string | undefined {
  return find(p)?.[0];
}

/** `p` as messages show it when it is inside a remote, else undefined. */
export function remoteDisplay(p: string): string | undefined {
  const hit = find(p);
  if (!hit) return undefined;
  return hit[1].show(path.relative(hit[0], p).split(path.sep).join('/'));
}
