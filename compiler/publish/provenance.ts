/**
 * Provenance of a deploy head: does it prove kforge wrote it?
 *
 *   verifyHead(facts)                          pure: the commit's trailers, its tree under the deploy path and the
 *                                              contents of its metadata and manifests → a verdict
 *   inspectHead(git, commit, env, deployPath)  IO: reads those facts with three git calls whatever the size
 *                                              (cat-file commit, ls-tree -r, one cat-file --batch), then verifies
 *
 * A head is kforge's when
 *   - its commit message ends with kforge's trailers: Render-Tool (kforge …), Render-Env, Source-Commit, Render-Digest;
 *   - `<deployPath>/hydrator.metadata` parses and carries `x-kforge` for this environment and deploy path;
 *   - the files under the deploy path are exactly the files x-kforge records (no `backdoor/manifest.yaml` it did
 *     not write, none missing), all regular files;
 *   - every app's manifest.yaml hashes to the digest recorded for it, and the content digest recomputed from the
 *     manifests (emit/plan.ts: "kforge-content-v1", deploy path, then each app's name and manifest) equals the
 *     recorded one, which equals the Render-Digest trailer (and Source-Commit equals drySha) when the commit is
 *     this environment's render.
 * With a subfolder deploy path the branch may be shared (other environments, other tools): the head commit may be
 * another environment's kforge render (its trailers then say nothing about this folder, which is checked on its own),
 * and files outside the deploy path are neither checked nor touched.
 * README.md and the apps' hydrator.metadata are not deployed and carry no digest: only their presence is checked.
 *
 * This is an integrity check (hand edits, foreign pushes, stray tools), not authentication: whoever can push can
 * recompute digests. Signed deploy commits (`sign: true`) and Argo CD's signatureKeys are the authentication.
 */
import { createHash } from 'node:crypto';
import type { HydratorMetadata } from '../emit/plan.js';
import { METADATA_FILE, MANIFEST_FILE, joinPath } from '../emit/plan.js';
import type { Git, TreeEntry } from './git.js';
import { parseTrailers, type PreviousApp } from './message.js';

export type { TreeEntry };

export interface HeadFacts {
  commit: string;
  tree: string;
  /** Its parents (inspectHead reads them; in-memory facts may leave them out). */
  parents?: string[];
  /** The commit message. */
  message: string;
  /** Every entry of the head's tree (path → entry), from `ls-tree -r --full-tree`. */
  entries: Map<string, TreeEntry>;
  /** Contents of the blobs read (id → bytes): the metadata and the manifests under the deploy path. */
  blobs: Map<string, Buffer>;
}

export interface Verdict {
  /** true: kforge provably wrote what is under the deploy path. */
  ok: boolean;
  /** 'foreign': no kforge render at all; 'tampered': kforge's marks, but the content does not match them. */
  kind?: 'foreign' | 'tampered';
  /** What is wrong, one line each (empty when ok). */
  problems: string[];
  /** The head commit is this environment's own render (its trailers name it). */
  ownCommit: boolean;
  /** What the verified metadata says (only when ok; sourceSha also from a trailer-less but readable metadata). */
  sourceSha?: string;
  digest?: string;
  files: string[];
  apps?: PreviousApp[];
  meta?: HydratorMetadata;
  /** Paths under the deploy path (any type) that x-kforge does not record: what --repair removes. */
  unrecorded: string[];
  /** Unproven heads: app name → sha256 digest of the manifest found in the tree (every `<app>/manifest.yaml` under the path). */
  foundManifests: Map<string, string>;
  /** Verified because its whole tree is empty (promotion's "Initial commit for environments/ENV"): nothing to protect. */
  empty?: true;
  /** Verified as a merge commit without kforge's trailers whose tree under the deploy path equals this parent's, which is verified. */
  mergeOf?: string;
}

/** How many merge commits deep inspectHead follows a parent with the same content (GitOps Promoter / pull-request merges). */
export const MAX_MERGE_DEPTH = 16;

/** The commit message ends with kforge's trailers (a kforge render, of any environment). */
export function hasKforgeTrailers(message: string): boolean {
  const t = parseTrailers(message);
  return !!t['Render-Tool'] && /^kforge\b/.test(t['Render-Tool']) && !!t['Render-Env'] && /^[0-9a-f]{40,64}$/.test(t['Source-Commit'] ?? '') && /^sha256:[0-9a-f]{64}$/.test(t['Render-Digest'] ?? '');
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** Paths under the deploy path ('' = the whole tree), relative to the branch root. */
export function underPath(p: string, deployPath: string): boolean {
  return deployPath === '' || p.startsWith(deployPath + '/');
}

/** The ids verifyHead reads: the metadata and every `<app>/manifest.yaml` directly under the deploy path. */
export function blobsToRead(entries: Map<string, TreeEntry>, deployPath: string): string[] {
  const ids: string[] = [];
  const metaPath = joinPath(deployPath, METADATA_FILE);
  const prefix = deployPath ? deployPath + '/' : '';
  for (const [p, e] of entries) {
    if (e.type !== 'blob') continue;
    if (p === metaPath) ids.push(e.id);
    else if (p.startsWith(prefix) && p.endsWith('/' + MANIFEST_FILE) && p.slice(prefix.length).split('/').length === 2) ids.push(e.id);
  }
  return ids;
}

const list = (xs: string[], max = 5) => (xs.length <= max ? xs.join(', ') : `${xs.slice(0, max).join(', ')}, … (${xs.length - max} more)`);

export function verifyHead(f: HeadFacts, envName: string, deployPath: string): Verdict {
  const problems: string[] = [];
  const trailers = parseTrailers(f.message);
  const hasTrailers = hasKforgeTrailers(f.message);
  // an empty tree (promoteByPullRequest's "Initial commit for environments/ENV", the base of -next and of the
  // watched branch): nothing to protect, nothing recorded, nothing to build on
  if (f.entries.size === 0) return { ok: true, problems, ownCommit: false, files: [], unrecorded: [], foundManifests: new Map(), empty: true };
  const ownCommit = hasTrailers && trailers['Render-Env'] === envName;
  const prefix = deployPath ? deployPath + '/' : '';
  const inPath = [...f.entries].filter(([p]) => underPath(p, deployPath));
  // each manifest is hashed once (by blob id), whether for its app's digest or for a repair's summary
  const hashes = new Map<string, string>();
  const hashOf = (id: string, b: Buffer) => {
    let h = hashes.get(id);
    if (h === undefined) hashes.set(id, (h = `sha256:${sha256(b)}`));
    return h;
  };
  /** For an unproven head: every `<app>/manifest.yaml` found under the path, hashed. */
  const found = () => {
    const m = new Map<string, string>();
    for (const [p, e] of inPath) {
      if (e.type !== 'blob' || !p.endsWith('/' + MANIFEST_FILE)) continue;
      const rel = p.slice(prefix.length).split('/');
      const b = f.blobs.get(e.id);
      if (rel.length === 2 && b) m.set(rel[0], hashOf(e.id, b));
    }
    return m;
  };
  const verdict = (extra: Partial<Verdict>): Verdict => ({ ok: false, problems, ownCommit, files: [], unrecorded: inPath.map(([p]) => p), foundManifests: found(), ...extra });

  if (!hasTrailers) {
    problems.push('its commit message lacks kforge\'s trailers (Render-Tool: kforge …, Render-Env, Source-Commit, Render-Digest)');
  } else if (!ownCommit && deployPath === '') {
    problems.push(`its trailers say it was rendered for environment "${trailers['Render-Env']}", and the deploy path is the whole branch`);
  }
  // a kforge render (another environment's on a shared branch, or this one's before its deployPath moved)
  // with nothing in this folder yet: nothing to verify, nothing to build on
  if (hasTrailers && deployPath !== '' && inPath.length === 0) {
    return { ok: true, problems, ownCommit, files: [], unrecorded: [], foundManifests: new Map() };
  }

  const metaPath = joinPath(deployPath, METADATA_FILE);
  const metaEntry = f.entries.get(metaPath);
  let meta: HydratorMetadata | undefined;
  const metaBlob = metaEntry?.type === 'blob' ? f.blobs.get(metaEntry.id) : undefined;
  if (!metaBlob) {
    problems.push(`it has no ${metaPath}`);
  } else {
    try {
      const m = JSON.parse(metaBlob.toString('utf-8')) as HydratorMetadata;
      if (m && typeof m === 'object' && m['x-kforge'] && typeof m['x-kforge'] === 'object') meta = m;
      else problems.push(`${metaPath} has no x-kforge section`);
    } catch {
      problems.push(`${metaPath} is not valid JSON`);
    }
  }
  if (!meta) return verdict({ kind: hasTrailers ? 'tampered' : 'foreign' });

  const x = meta['x-kforge'];
  if (x.environment !== envName) problems.push(`${metaPath} is for environment "${String(x.environment)}"`);
  if ((x.deployPath ?? '') !== deployPath) problems.push(`${metaPath} is for deploy path "${String(x.deployPath)}"`);
  const files = Array.isArray(x.files) ? x.files.filter((p): p is string => typeof p === 'string') : [];
  if (!Array.isArray(x.files) || files.length !== x.files.length) problems.push(`${metaPath} has no valid files list`);
  const recorded = new Set(files);
  const unrecorded: string[] = [];
  for (const [p, e] of inPath) {
    if (!recorded.has(p)) unrecorded.push(p);
    else if (e.type !== 'blob' || e.mode !== '100644') problems.push(`${p} is not a regular file (mode ${e.mode})`);
  }
  if (unrecorded.length) problems.push(`${unrecorded.length} file(s) under ${deployPath || 'the branch root'} that kforge did not write: ${list(unrecorded)}`);
  const missing = files.filter((p) => !f.entries.has(p) || !underPath(p, deployPath));
  if (missing.length) problems.push(`${missing.length} recorded file(s) missing: ${list(missing)}`);

  const apps: PreviousApp[] = [];
  const content = createHash('sha256');
  content.update(`kforge-content-v1\0${deployPath}\0`);
  const changed: string[] = [];
  if (!Array.isArray(x.apps)) problems.push(`${metaPath} has no apps list`);
  for (const a of Array.isArray(x.apps) ? x.apps : []) {
    if (!a || typeof a !== 'object' || typeof a.name !== 'string') {
      problems.push(`${metaPath} lists an invalid app`);
      continue;
    }
    apps.push({ name: a.name, digest: String(a.digest), resources: typeof a.resources === 'number' ? a.resources : 0 });
    const e = f.entries.get(joinPath(joinPath(deployPath, a.name), MANIFEST_FILE));
    const b = e?.type === 'blob' ? f.blobs.get(e.id) : undefined;
    if (!b) continue; // reported as missing above
    if (hashOf(e!.id, b) !== a.digest) changed.push(a.name);
    content.update(`${a.name}\0`);
    content.update(b);
    content.update('\0');
  }
  if (changed.length) problems.push(`the manifests of ${changed.length} app(s) do not match their recorded digests: ${list(changed)}`);
  else if (!missing.length && `sha256:${content.digest('hex')}` !== x.digest) problems.push(`the content digest does not match the recorded ${String(x.digest)}`);
  if (ownCommit) {
    if (trailers['Render-Digest'] !== x.digest) problems.push(`its Render-Digest trailer ${trailers['Render-Digest']} differs from ${metaPath}'s ${String(x.digest)}`);
    if (trailers['Source-Commit'] !== meta.drySha) problems.push(`its Source-Commit trailer differs from ${metaPath}'s drySha`);
  }
  if (problems.length) return verdict({ kind: hasTrailers ? 'tampered' : 'foreign', unrecorded, ...(typeof meta.drySha === 'string' ? { sourceSha: meta.drySha } : {}) });
  return { ok: true, problems, ownCommit, sourceSha: meta.drySha, digest: x.digest, files, apps, meta, unrecorded: [], foundManifests: new Map() };
}

/**
 * Reads a head's facts (three git calls) and verifies them.
 *
 * A merge commit without kforge's trailers (a pull request merging ENV-next into the watched branch, or a GitOps
 * Promoter merge: they carry kforge's hydrator.metadata but not its commit message) is verified when its tree under
 * the deploy path is, object for object, the tree of one of its parents that is itself verified (recursively, up to
 * MAX_MERGE_DEPTH merges): the merge then deploys exactly what kforge wrote. The verdict is that parent's (source,
 * digest, recorded files), with mergeOf naming it; the facts (tree, entries) stay the merge's, the commit to build on.
 * A merge that changes anything under the deploy path (an "evil merge") matches no parent and stays unproven.
 */
export async function inspectHead(git: Git, commit: string, envName: string, deployPath: string, depth = 0): Promise<HeadFacts & { verdict: Verdict }> {
  const { tree, parents, message } = await git.readCommit(commit);
  const entries = await git.treeEntries(tree);
  const blobs = await git.readObjects(blobsToRead(entries, deployPath));
  const facts: HeadFacts = { commit, tree, parents, message, entries, blobs };
  const verdict = verifyHead(facts, envName, deployPath);
  if (verdict.ok || parents.length < 2 || hasKforgeTrailers(message) || depth >= MAX_MERGE_DEPTH) return { ...facts, verdict };
  const own = await subtreeOf(git, commit, deployPath);
  for (const p of parents) {
    if ((await subtreeOf(git, p, deployPath)) !== own) continue;
    const parent = await inspectHead(git, p, envName, deployPath, depth + 1);
    if (parent.verdict.ok) return { ...facts, verdict: { ...parent.verdict, ownCommit: false, mergeOf: p } };
  }
  return { ...facts, verdict };
}

/** The id of a commit's tree under the deploy path ('' when there is nothing there). */
async function subtreeOf(git: Git, commit: string, deployPath: string): Promise<string> {
  return (await git.tryRun(['rev-parse', '--verify', '--quiet', `${commit}^{tree}${deployPath ? ':' + deployPath : ''}`]))?.trim() ?? '';
}
