/**
 * `kforge.lock`: the remote bases a repository builds, pinned. One entry per remote
 * (`source`: the repository and ref, or the HTTP URL), with the commit the ref resolved to
 * (git) and the digest of the content (cache.ts treeDigest, or the sha256 of the HTTP
 * body). Written by `kforge lock` in one canonical form (entries sorted by source), so
 * the same pins give the same bytes.
 *
 * Where: the nearest `kforge.lock` in the build directory or above it; when there is none,
 * the root of the git repository holding the build directory (where `kforge lock` creates
 * it), or the build directory itself outside a repository. One lock file serves every
 * overlay of a repository.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from '../yaml/package.js';
import type { Diagnostic } from '../../types.js';
import { diag } from '../../diagnostics.js';

export const LOCK_FILE = 'kforge.lock';

export interface LockEntry {
  source: string;
  commit?: string;
  digest: string;
}

/** Where the lock file of a build of `dir` is (or would be created). */
export function lockPathFor(dir: string): string {
  const start = path.resolve(dir);
  for (let d = start; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, LOCK_FILE))) return path.join(d, LOCK_FILE);
    if (path.dirname(d) === d) break;
  }
  for (let d = start; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, '.git'))) return path.join(d, LOCK_FILE);
    if (path.dirname(d) === d) break;
  }
  return path.join(start, LOCK_FILE);
}

const shown = (p: string): string => {
  const rel = path.relative(process.cwd(), p);
  return rel === '' ? '.' : rel.startsWith('..') ? p : rel;
};

/** Reads a lock file: its entries by source (none when the file does not exist). */
export function readLock(file: string): { entries: Map<string, LockEntry>; diagnostics: Diagnostic[] } {
  const entries = new Map<string, LockEntry>();
  const ds: Diagnostic[] = [];
  if (!fs.existsSync(file)) return { entries, diagnostics: ds };
  const text = fs.readFileSync(file, 'utf8');
  const doc = parseDocument(text, { uniqueKeys: true });
  const lineOf = (offset: number | undefined): number => (offset === undefined ? 1 : text.slice(0, offset).split('\n').length);
  const bad = (msg: string, offset?: number): void => {
    ds.push(diag('KF1032', `${msg} in ${shown(file)}`, { location: { file: shown(file), line: lineOf(offset), column: 1 }, hint: `fix it, or delete ${LOCK_FILE} and run kforge lock to write it again` }));
  };
  if (doc.errors.length) {
    bad(`invalid YAML (${doc.errors[0].message.split('\n')[0]})`, doc.errors[0].pos[0]);
    return { entries, diagnostics: ds };
  }
  const v = doc.toJS() as unknown;
  if (!v || typeof v !== 'object' || Array.isArray(v) || (v as { version?: unknown }).version !== 1) {
    bad('not a kforge lock file (expected "version: 1" and "remotes:")');
    return { entries, diagnostics: ds };
  }
  const list = (v as { remotes?: unknown }).remotes ?? [];
  if (!Array.isArray(list)) {
    bad('"remotes" is not a list');
    return { entries, diagnostics: ds };
  }
  for (const [i, e] of list.entries()) {
    const item = (doc.get('remotes') as { items?: { range?: [number] }[] } | undefined)?.items?.[i];
    const at = item?.range?.[0];
    if (!e || typeof e !== 'object' || typeof e.source !== 'string' || typeof e.digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(e.digest) || (e.commit !== undefined && (typeof e.commit !== 'string' || !/^[0-9a-f]{40,64}$/.test(e.commit)))) {
      bad(`entry ${i + 1} needs a "source", a "digest" (sha256:<64 hex>) and, for a repository, a "commit" (40 hex)`, at);
      continue;
    }
    entries.set(e.source, { source: e.source, digest: e.digest, ...(e.commit ? { commit: e.commit } : {}) });
  }
  return { entries, diagnostics: ds };
}

const quote = (s: string): string => JSON.stringify(s);

/** The canonical text of a lock file. */
export function formatLock(entries: Iterable<LockEntry>): string {
  const sorted = [...entries].sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  let out = '# kforge.lock: the remote bases of this repository, pinned (commit it).\n# Written by `kforge lock`; `kforge lock --update` moves every pin to what its ref names now.\nversion: 1\n';
  if (sorted.length === 0) return out + 'remotes: []\n';
  out += 'remotes:\n';
  for (const e of sorted) {
    out += `  - source: ${quote(e.source)}\n`;
    if (e.commit) out += `    commit: ${e.commit}\n`;
    out += `    digest: ${e.digest}\n`;
  }
  return out;
}

export function writeLock(file: string, entries: Iterable<LockEntry>): void {
  const text = formatLock(entries);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}
