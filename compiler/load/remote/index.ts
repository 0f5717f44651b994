/**
 * Remote bases for one build: the session the transform stage asks (synchronously) what
 * local directory or file a remote `resources:`/`components:` entry stands for. The
 * answer comes from the lock file and the cache; what is not there yet is noted as
 * pending, fetched by `fetchPending` (asynchronously), and the build runs again
 * (`buildWithRemotes`) until nothing is pending. With `offline`, nothing is fetched: a
 * remote missing from the lock or the cache is an error that names it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic, SourceLocation } from '../../types.js';
import { diag } from '../../diagnostics.js';
import { parseRemote, lockKey, type GitSpec, type RemoteSpec } from './spec.js';
import { cachedFile, cachedTree, fetchGit, fetchHttp, FetchError } from './cache.js';
import { LOCK_FILE, lockPathFor, readLock, writeLock, type LockEntry } from './lock.js';
import { registerFile, registerTree } from './roots.js';

export interface RemoteOptions {
  /** Never fetch: build from the lock and the cache only. */
  offline?: boolean;
  /** Re-resolve every ref this build uses (`kforge lock --update`), ignoring the lock's pins. */
  update?: boolean;
  /** The lock file (default: lockPathFor(the build directory)). */
  lockFile?: string;
  /** Warn about remotes the lock file does not pin (build, check, render; not lock). */
  warnUnpinned?: boolean;
}

/** What an entry resolved to: a kustomization directory, or a resource file. */
export type Resolved = { dir: string; root: string; origin: { repo: string; ref: string; path: string } } | { file: string };

interface Pending {
  spec: RemoteSpec;
  pin?: LockEntry;
}

export class RemoteSession {
  private lockPath: string | undefined;
  private pins?: Map<string, LockEntry>;
  private readonly lockDs: Diagnostic[] = [];
  /** Entries resolved by fetching in this session (new, or moved by --update). */
  readonly fetched = new Map<string, LockEntry>();
  /** The sources this build used. */
  readonly used = new Set<string>();
  private readonly pending = new Map<string, Pending>();
  private readonly failures = new Map<string, Diagnostic>();
  private readonly warned = new Set<string>();

  constructor(
    private readonly buildDir: string,
    readonly opts: RemoteOptions = {},
  ) {
    this.lockPath = opts.lockFile;
  }

  /** Where the lock file is: found on first use, so a build that meets no remote walks no folders for it. */
  get lockFile(): string {
    return (this.lockPath ??= lockPathFor(this.buildDir));
  }

  /** The lock file's entries, read when a build first meets a remote. */
  get pinned(): Map<string, LockEntry> {
    if (!this.pins) {
      const read = readLock(this.lockFile);
      this.pins = read.entries;
      this.lockDs.push(...read.diagnostics);
    }
    return this.pins;
  }

  get hasPending(): boolean {
    return this.pending.size > 0;
  }

  /** The entry's local directory or file, or undefined with a diagnostic in `ds`. */
  resolve(entry: string, where: SourceLocation, as: 'resource' | 'component', ds: Diagnostic[]): Resolved | undefined {
    const parsed = parseRemote(entry);
    if (!parsed.value) {
      ds.push(diag('KF1030', `remote ${as} "${entry}" is not a URL kforge (or Kustomize) can fetch: ${parsed.error}`, { location: where, hint: 'write https://host/org/repo//path?ref=v1.2.3, git@host:org/repo.git//path, or an https:// file URL' }));
      return undefined;
    }
    if (this.pinned && this.lockDs.length) {
      ds.push(...this.lockDs);
      return undefined;
    }
    let spec = parsed.value;
    let key = lockKey(spec);
    // an HTTP URL that turned out to be a repository (its lock entry has a commit)
    if (spec.type === 'http' && spec.git) {
      const gitKey = lockKey(spec.git);
      if (this.entryFor(gitKey)?.commit) {
        spec = spec.git;
        key = gitKey;
      }
    }
    if (as === 'component' && spec.type === 'http') {
      if (!spec.git) {
        ds.push(diag('KF1030', `remote component "${entry}" is a file URL; a component is a directory`, { location: where, hint: 'name a repository: https://host/org/repo//path/to/component?ref=…' }));
        return undefined;
      }
      spec = spec.git;
      key = lockKey(spec);
    }
    this.used.add(key);
    const failed = this.failures.get(key);
    if (failed) {
      ds.push({ ...failed, location: where });
      return undefined;
    }
    const e = this.entryFor(key);
    if (e) {
      const got = this.local(spec, e);
      if (got && 'dir' in got && isFile(got.dir)) {
        ds.push(diag('KF1030', `remote ${as} "${entry}" names a file of the repository; a remote base is a directory holding a kustomization`, { location: where, hint: 'name the directory (…//path/to/dir?ref=…), or fetch a single file over https:// from a raw-file URL' }));
        return undefined;
      }
      if (got) {
        if (this.opts.warnUnpinned && !this.pinned.has(key) && !this.warned.has(key)) {
          this.warned.add(key);
          ds.push(diag('KF1034', `remote "${key}" is not pinned in ${shown(this.lockFile)}: another machine may build other bytes`, { severity: 'warning', location: where, hint: `run kforge lock ${shown(path.dirname(this.lockFile))} and commit ${LOCK_FILE}` }));
        }
        return got;
      }
    }
    if (this.opts.offline) {
      ds.push(
        e
          ? diag('KF1033', `remote "${key}" (${e.commit ? `commit ${e.commit.slice(0, 12)}` : e.digest}) is not in the cache, and --offline forbids fetching it`, { location: where, hint: 'run the same command once without --offline (or kforge lock) to fill the cache' })
          : diag('KF1033', `remote "${key}" is not pinned in ${shown(this.lockFile)}, and --offline builds from the lock file only`, { location: where, hint: `run kforge lock ${shown(path.dirname(this.lockFile))} online first` }),
      );
      return undefined;
    }
    if (!this.pending.has(key)) this.pending.set(key, { spec, ...(e && !this.fetched.has(key) ? { pin: e } : {}) });
    ds.push(diag('KF1031', `remote "${key}" is being fetched`, { location: where }));
    return undefined;
  }

  /** The pin of a source: fetched in this session, else the lock's (unless updating). */
  private entryFor(key: string): LockEntry | undefined {
    return this.fetched.get(key) ?? (this.opts.update ? undefined : this.pinned.get(key));
  }

  private local(spec: RemoteSpec, e: LockEntry): Resolved | undefined {
    if (spec.type === 'git') {
      const tree = cachedTree(e.digest);
      if (!tree) return undefined;
      registerTree(tree, spec.repo, spec.ref);
      return { dir: spec.path ? path.join(tree, ...spec.path.split('/')) : tree, root: tree, origin: { repo: spec.repo, ref: spec.ref, path: spec.path } };
    }
    const file = cachedFile(e.digest, spec.url);
    if (!file) return undefined;
    registerFile(file, spec.url);
    return { file };
  }

  /** Fetches every pending remote (in parallel); failures become the diagnostics of their entries. */
  async fetchPending(): Promise<void> {
    const jobs = [...this.pending.entries()];
    this.pending.clear();
    await Promise.all(jobs.map(([key, p]) => this.fetchOne(key, p)));
  }

  private async fetchOne(key: string, p: Pending): Promise<void> {
    const spec = p.spec;
    try {
      if (spec.type === 'git') {
        const got = await fetchGit(spec, p.pin?.commit);
        this.settle(key, p.pin, { source: key, commit: got.commit, digest: got.digest });
        return;
      }
      let httpError: FetchError | undefined;
      try {
        const got = await fetchHttp(spec.url);
        this.settle(key, p.pin, { source: key, digest: got.digest });
        return;
      } catch (e) {
        if (!(e instanceof FetchError) || !spec.git) throw e;
        httpError = e;
      }
      // not a file: maybe a repository (Kustomize tries one after the other)
      const g: GitSpec = spec.git;
      const gitKey = lockKey(g);
      try {
        const got = await fetchGit(g, this.opts.update ? undefined : this.pinned.get(gitKey)?.commit);
        this.settle(gitKey, this.opts.update ? undefined : this.pinned.get(gitKey), { source: gitKey, commit: got.commit, digest: got.digest });
        this.used.add(gitKey);
      } catch (e) {
        if (!(e instanceof FetchError)) throw e;
        throw new FetchError(`as a file: ${httpError.message}; as a git repository: ${e.message}`);
      }
    } catch (e) {
      if (!(e instanceof FetchError)) throw e;
      this.failures.set(key, diag('KF1031', `cannot fetch remote "${spec.raw}": ${e.message}`, { hint: 'check the URL, the ref and your access to it (kforge runs the system git, with your ssh agent and credential helpers)' }));
    }
  }

  private settle(key: string, pin: LockEntry | undefined, got: LockEntry): void {
    if (pin && pin.digest !== got.digest) {
      this.failures.set(
        key,
        diag('KF1032', `remote "${key}" does not match ${shown(this.lockFile)}: it pins ${pin.digest}${pin.commit ? ` (commit ${pin.commit.slice(0, 12)})` : ''}, the fetched content is ${got.digest}`, {
          hint: pin.commit ? 'the lock file was edited, or the remote rewrote that commit: check it, then run kforge lock --update' : 'the file at this URL changed since it was locked: check the change, then run kforge lock --update',
        }),
      );
      return;
    }
    this.fetched.set(key, got);
  }

  /** The lock's entries with this session's fetches (`kforge lock`; `prune` drops what this build did not use). */
  mergedLock(): LockEntry[] {
    const out = new Map(this.pinned);
    for (const [k, e] of this.fetched) out.set(k, e);
    return [...out.values()];
  }

  writeLock(): void {
    writeLock(this.lockFile, this.mergedLock());
  }

  /** Whether the lock file would change. */
  lockChanged(): boolean {
    for (const [k, e] of this.fetched) {
      const p = this.pinned.get(k);
      if (!p || p.digest !== e.digest || p.commit !== e.commit) return true;
    }
    return false;
  }
}

const isFile = (p: string): boolean => {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
};

const shown = (p: string): string => {
  const rel = path.relative(process.cwd(), p);
  return rel === '' ? '.' : rel.startsWith('..') ? p : rel;
};

/**
 * Runs a synchronous build with remotes: build; fetch what it found missing; build again,
 * until nothing is missing (each round finds at least one new remote, or stops).
 */
export async function withRemotes<T extends { diagnostics: Diagnostic[] }>(session: RemoteSession, run: (s: RemoteSession) => T): Promise<T> {
  for (let round = 0; ; round++) {
    const res = run(session);
    if (!session.hasPending || round > 100) return res;
    await session.fetchPending();
  }
}
