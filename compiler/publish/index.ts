/**
 * publish: a RenderPlan → a commit on the environment's deploy branch.
 *
 * API
 *   publish(opts: PublishOptions): Promise<PublishResult>    never throws; problems are diagnostics
 *     opts.repoDir        the source repository (the deploy branch lives in the same repository)
 *     opts.environment    deploy branch = environment.deployBranch ?? environments/<name>[-next when promoteByPullRequest]
 *     opts.plan(source)   the injected build: called at most once, after the source checks, with the
 *                         SourceInfo read from HEAD; typically (s) => planRender({environment, apps: build(), source: s, …})
 *     opts.push           fetch the remote branch first, commit on its head, push with an exact lease, retry on races
 *     opts.remote         default "origin"
 *     opts.allowDirty     render a dirty working tree (recorded in the metadata and a Render-Dirty trailer)
 *     opts.allowDiverged  publish although the deploy head was rendered from a commit that is neither
 *                         an ancestor nor a descendant of the source commit
 *     opts.sign           sign the deploy commit (also environment.sign): git commit-tree -S, git's signing configuration
 *     opts.repair         the deploy head is not provably kforge's (KF5007): commit a fresh render on top of it
 *     opts.outDir         write the files to this folder instead of committing (previously written files it owned are pruned)
 *     opts.sourceRef / opts.repoURL   override what git says (CI knows the ref of a detached checkout)
 *     opts.summaryKinds   kinds listed first in summary.text
 *     opts.now, opts.onProgress, opts.retry {attempts = 8, minDelayMs = 50, maxDelayMs = 2000, random, sleep}, opts.faultAt (tests)
 *   readSource(repoDir) is exported for the CLI; the branch is env.ts's deployBranchOf.
 *
 * Status: published | up-to-date (content digest equals the head's) | superseded (the head was rendered from a
 * newer source commit; exit 0) | refused (KF5001 dirty, KF5002 diverged, KF5007 head not provably kforge's,
 * KF5008 the deploy branch is a source branch) | failed (KF5003 push rejected,
 * KF5004 not a repository, KF5005 git failed, KF9001 bug or injected fault).
 *
 * Structure: the decisions (dirty, checked out, superseded, diverged, up to date, follow, retry) are the pure
 * functions of planner.ts; this file gathers the facts they need from git, calls them and carries out the result.
 *
 * Guarantees
 *   - The working tree, the index and HEAD are never touched: objects.ts writes the changed blobs, the
 *     trees and the commit in one `git fast-import` stream that never writes a ref (falling back to a
 *     temporary index with hash-object, update-index, write-tree and commit-tree).
 *     `status` runs with --no-optional-locks (no index refresh).
 *     git runs with an allow-listed env (LANG, LC_ALL, HOME, PATH, GIT_INDEX_FILE, author/committer vars).
 *   - kforge builds only on a head it can prove it wrote (provenance.ts: trailers, metadata, digests that match
 *     the files, no file under the deploy path it did not record); files outside a subfolder deployPath stay.
 *   - The branch moves only by compare-and-swap (`update-ref B NEW OLD`, zero id when creating) and is append-only.
 *   - With push, the remote moves by `push --force-with-lease=refs/heads/B:<expected>` of a fast-forward commit;
 *     the local branch follows only after the remote accepted (so it never points at a refused commit).
 *   - The commit is deterministic: author and committer come from the source commit (with its dates).
 *   - Argo CD's hydrator note (notes.ts) goes on the commit that ends up on the branch (published, signed, repaired,
 *     or the up-to-date head the local branch followed), only after the branch is there; never for a refused,
 *     superseded or failed render. promoteByPullRequest branches (promotion.ts) are created only after the planner
 *     decided to build and the build succeeded; -next is then read back and verified like any head.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Diagnostic, Environment } from '../types.js';
import { deployBranchOf } from '../env.js';
import { diag } from '../diagnostics.js';
import {
  METADATA_FILE,
  filesToWrite,
  joinPath,
  normalizeDeployPath,
  type HydratorMetadata,
  type RenderPlan,
  type SourceInfo,
} from '../emit/plan.js';
import { Git, GitCommandError, GitUnavailableError, gitUnavailable } from './git.js';
import { ObjectWriter, SigningError, rawDate } from './objects.js';
import { hasKforgeTrailers, inspectHead, underPath, type TreeEntry } from './provenance.js';
import { commitMessage, compare, parseTrailers, type ChangeSet, type PreviousApp } from './message.js';
import { checkSource, sourceBranch, needsRelation, planCommit, planFollow, planPublish, planRetry, type DeployHead, type FollowFacts, type PublishFacts } from './planner.js';
import { hydratorNote } from './notes.js';
import { ensurePromotionBranches, watchedBranchOf } from './promotion.js';

export type { SourceInfo, RenderPlan } from '../emit/plan.js';
export { planRender } from '../emit/plan.js';

export type PublishStatus = 'published' | 'up-to-date' | 'superseded' | 'refused' | 'failed';
export type FaultPoint = 'after-objects' | 'after-push';

export interface ProgressEvent {
  phase: 'source' | 'fetch' | 'build' | 'objects' | 'ref' | 'push' | 'retry' | 'done';
  message: string;
}

export interface PublishOptions {
  repoDir: string;
  environment: Environment;
  plan: (source: SourceInfo) => RenderPlan | Promise<RenderPlan>;
  push?: boolean;
  remote?: string;
  allowDirty?: boolean;
  allowDiverged?: boolean;
  /** Replace the content of a deploy head kforge cannot prove it wrote by a fresh render, in a commit on top of it. */
  repair?: boolean;
  /** Sign the deploy commit with git's signing configuration (user.signingkey, gpg.format = openpgp | ssh). */
  sign?: boolean;
  outDir?: string;
  sourceRef?: string;
  repoURL?: string;
  /** Milliseconds clock for the summary (default Date.now). */
  now?: () => number;
  onProgress?: (e: ProgressEvent) => void;
  retry?: { attempts?: number; minDelayMs?: number; maxDelayMs?: number; random?: () => number; sleep?: (ms: number) => Promise<void> };
  /** Kinds to list first (in this order) in the summary; the others follow by count. */
  summaryKinds?: string[];
  /** Tests: stop as if killed at this point. */
  faultAt?: FaultPoint;
  /** Tests: how objects are written ('fast-import' by default, falling back to 'index'). */
  via?: 'fast-import' | 'index';
}

export interface PublishSummary {
  environment: string;
  branch: string;
  deployPath: string;
  source?: string;
  digest?: string;
  apps: number;
  resources: number;
  kinds: Record<string, number>;
  changes?: ChangeSet;
  commit?: string;
  previous?: string;
  attempts: number;
  durationMs: number;
  /** Human-readable lines for the CLI. */
  text: string[];
}

export interface PublishResult {
  status: PublishStatus;
  branch: string;
  commit?: string;
  previous?: string;
  tree?: string;
  summary: PublishSummary;
  diagnostics: Diagnostic[];
}

const SHOW_FORMAT = ['%H', '%an', '%ae', '%aI', '%ad', '%cI', '%cd', '%s', '%b'].join('%x00');

function stripCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]+@/i, '$1');
}

/** SourceInfo of HEAD (dirty = false: the caller checks the tree). */
async function sourceOf(git: Git, remote: string, opts: { sourceRef?: string; repoURL?: string }, headSym?: string): Promise<SourceInfo | undefined> {
  const out = await git.tryRun(['show', '-s', '--date=raw', `--format=${SHOW_FORMAT}`, 'HEAD']);
  if (out === undefined) return undefined;
  const [sha, an, ae, aI, ad, cI, cd, s, ...b] = out.split('\0');
  const sym = headSym ?? (await git.tryRun(['rev-parse', '--symbolic-full-name', 'HEAD']))?.trim() ?? '';
  const ref = opts.sourceRef ?? (sym.startsWith('refs/') ? sym : '');
  let url = opts.repoURL;
  if (url === undefined) {
    // prints the remote's URL, or the name itself when there is no such remote
    const u = (await git.tryRun(['ls-remote', '--get-url', remote]))?.trim() ?? '';
    url = u === remote ? '' : stripCredentials(u);
  }
  return {
    repoURL: url,
    sha: sha.trim(),
    ref,
    subject: s,
    body: b.join('\0').replace(/\n+$/, ''),
    author: { name: an, email: ae, date: aI, dateRaw: ad },
    committerDate: cI,
    committerDateRaw: cd,
    dirty: false,
  };
}

/** The source commit of a repository's HEAD, for callers that render without publishing. */
export async function readSource(repoDir: string, remote = 'origin'): Promise<SourceInfo | undefined> {
  try {
    return await sourceOf(new Git(repoDir), remote, {});
  } catch {
    return undefined;
  }
}

export interface Previous extends DeployHead {
  tree: string;
  apps?: PreviousApp[];
  meta?: HydratorMetadata;
  entries: Map<string, TreeEntry>;
}

/** A source branch shares history with the source commit; kforge's deploy branches never do (one merge-base). */
async function sharesSourceHistory(git: Git, commit: string, sourceSha: string): Promise<string | undefined> {
  const mb = await git.tryRun(['merge-base', commit, sourceSha]);
  return mb?.trim() ? `its head ${commit.slice(0, 7)} shares history with the source commit ${sourceSha.slice(0, 7)}` : undefined;
}

/** The deploy head's facts: what it says about itself, and whether kforge can prove it wrote it. */
export async function readPrevious(git: Git, commit: string, envName: string, deployPath: string, sourceSha: string): Promise<Previous> {
  const h = await inspectHead(git, commit, envName, deployPath);
  const v = h.verdict;
  // verified without kforge's own commit (an empty tree, a merge of a verified parent): still never a source branch
  const sourceHistory = v.ok && (v.empty || v.mergeOf) ? await sharesSourceHistory(git, commit, sourceSha) : undefined;
  if (v.ok && sourceHistory) {
    return { commit, tree: h.tree, entries: h.entries, files: [], unproven: { kind: 'foreign', problems: [sourceHistory], paths: [...h.entries.keys()].filter((p) => underPath(p, deployPath)), sourceBranch: sourceHistory } };
  }
  if (v.ok) {
    return {
      commit,
      tree: h.tree,
      entries: h.entries,
      files: v.files,
      ...(v.sourceSha ? { sourceSha: v.sourceSha } : {}),
      ...(v.digest ? { digest: v.digest } : {}),
      ...(v.apps ? { apps: v.apps } : {}),
      ...(v.meta ? { meta: v.meta } : {}),
    };
  }
  const why = await sharesSourceHistory(git, commit, sourceSha);
  return {
    commit,
    tree: h.tree,
    entries: h.entries,
    files: [],
    // for the change summary of a repair: the manifests as found (their resources unknown)
    apps: [...v.foundManifests].map(([name, digest]) => ({ name, digest, resources: 0 })),
    unproven: { kind: v.kind ?? 'foreign', problems: v.problems, paths: [...h.entries.keys()].filter((p) => underPath(p, deployPath)), ...(why ? { sourceBranch: why } : {}) },
  };
}

/** Loads the per-resource digests of the previous apps whose content changed (one git call). */
async function loadPreviousResources(git: Git, prev: Previous, plan: RenderPlan): Promise<void> {
  if (!prev.apps) return;
  const planDigest = new Map(plan.apps.map((a) => [a.name, a.digest]));
  const prevDeployPath = prev.meta?.['x-kforge']?.deployPath ?? plan.deployPath;
  const wanted = prev.apps.filter((a) => planDigest.get(a.name) !== a.digest);
  if (!wanted.length) return;
  // the blob ids are in the head's tree, read when it was verified: one cat-file --batch for all
  const ids = wanted.map((a) => prev.entries.get(joinPath(joinPath(prevDeployPath, a.name), METADATA_FILE))?.id);
  const blobs = await git.readObjects(ids.filter((id): id is string => !!id));
  for (let i = 0; i < wanted.length; i++) {
    const blob = ids[i] ? blobs.get(ids[i]!) : undefined;
    if (!blob) continue;
    try {
      const m = JSON.parse(blob.toString('utf-8')) as { 'x-kforge'?: { app?: string; resources?: Record<string, string> } };
      const x = m['x-kforge'];
      if (x?.app === wanted[i].name && x.resources && typeof x.resources === 'object') wanted[i].resourceDigests = x.resources;
    } catch {
      /* unknown: counted as changed */
    }
  }
}

class Fault extends Error {}

export { isLeaseFailure } from './planner.js';

export async function publish(opts: PublishOptions): Promise<PublishResult> {
  const now = opts.now ?? Date.now;
  const t0 = now();
  const env = opts.environment;
  const branch = deployBranchOf(env);
  const ref = `refs/heads/${branch}`;
  const remote = opts.remote ?? 'origin';
  const ds: Diagnostic[] = [];
  const deployPath = normalizeDeployPath(env.deployPath);
  const progress = (phase: ProgressEvent['phase'], message: string) => {
    try {
      opts.onProgress?.({ phase, message });
    } catch {
      /* a failing progress callback must not break publishing */
    }
  };
  const attemptsMax = Math.max(1, opts.retry?.attempts ?? 8);
  const minDelay = opts.retry?.minDelayMs ?? 50;
  const maxDelay = opts.retry?.maxDelayMs ?? 2000;
  const random = opts.retry?.random ?? Math.random;
  const sleep = opts.retry?.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

  let plan: RenderPlan | undefined;
  let source: SourceInfo | undefined;
  let changes: ChangeSet | undefined;
  let attempts = 0;
  let tmp: string | undefined;
  let writer: ObjectWriter | undefined;

  const finish = (status: PublishStatus, extra: { commit?: string; previous?: string; tree?: string } = {}): PublishResult => {
    const kinds: Record<string, number> = {};
    for (const a of plan?.apps ?? []) for (const [k, n] of Object.entries(a.kinds)) kinds[k] = (kinds[k] ?? 0) + n;
    const resources = (plan?.apps ?? []).reduce((n, a) => n + a.resources, 0);
    const durationMs = now() - t0;
    const text: string[] = [];
    const short = (s?: string) => (s ? s.slice(0, 7) : '');
    const head =
      status === 'published'
        ? opts.outDir
          ? `written to ${opts.outDir}`
          : `published ${short(extra.commit)}${extra.previous ? ` on top of ${short(extra.previous)}` : ' (new branch)'}`
        : status === 'up-to-date'
          ? `up to date${extra.previous ? ` at ${short(extra.previous)}` : ''}`
          : status;
    text.push(`${env.name} → ${branch}${deployPath ? `:${deployPath}` : ''}: ${head}${source ? ` (source ${short(source.sha)})` : ''}`);
    if (plan) {
      const order = opts.summaryKinds ?? [];
      const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
      const ks = Object.entries(kinds)
        .sort((a, b) => rank(a[0]) - rank(b[0]) || b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([k, n]) => `${k} ${n}`)
        .join(', ');
      text.push(`  ${plan.apps.length} apps, ${resources} resources${ks ? `: ${ks}` : ''}`);
    }
    if (changes && status === 'published') {
      const c = changes;
      text.push(
        `  apps: ${c.apps.added.length} added, ${c.apps.changed.length} changed, ${c.apps.removed.length} removed, ${c.apps.unchanged} unchanged; resources: ${c.resources.added} added, ${c.resources.changed} changed, ${c.resources.removed} removed`,
      );
    }
    text.push(`  ${durationMs} ms${attempts > 1 ? `, ${attempts} attempts` : ''}`);
    progress('done', text[0]);
    return {
      status,
      branch,
      ...extra,
      diagnostics: ds,
      summary: {
        environment: env.name,
        branch,
        deployPath: deployPath ?? '',
        source: source?.sha,
        digest: plan?.digest,
        apps: plan?.apps.length ?? 0,
        resources,
        kinds,
        changes,
        commit: extra.commit,
        previous: extra.previous,
        attempts,
        durationMs,
        text,
      },
    };
  };

  try {
    if (deployPath === undefined) {
      ds.push(diag('KF4001', `deployPath "${env.deployPath}" must be a relative folder inside the deploy branch`));
      return finish('refused');
    }
    if (!fs.existsSync(opts.repoDir)) {
      ds.push(diag('KF5004', `${opts.repoDir} does not exist`));
      return finish('failed');
    }
    const git = new Git(opts.repoDir);
    const revs = await git.tryRun(['rev-parse', '--git-dir', '--symbolic-full-name', 'HEAD']);
    if (revs === undefined) {
      const isRepo = (await git.tryRun(['rev-parse', '--git-dir'])) !== undefined;
      ds.push(
        isRepo
          ? diag('KF5004', 'the repository has no commit to render from')
          : diag('KF5004', `${opts.repoDir} is not a git repository`, { hint: 'run kforge inside the source repository' }),
      );
      return finish('failed');
    }
    const headSym = revs.split('\n')[1]?.trim() ?? '';
    progress('source', 'reading the source commit');
    source = await sourceOf(git, remote, opts, headSym);
    if (!source) {
      ds.push(diag('KF5004', 'the repository has no commit to render from'));
      return finish('failed');
    }
    // --branch: always prints its "## …" header line; --no-optional-locks: never refreshes .git/index
    const status = await git.run(['--no-optional-locks', 'status', '--porcelain', '--branch', '--untracked-files=all']);
    const checked = checkSource({
      branch,
      dirtyLines: status.split('\n').filter((l) => l && !l.startsWith('## ')),
      allowDirty: !!opts.allowDirty,
      deployBranchCheckedOut: headSym === ref,
      outDir: !!opts.outDir,
      repoDir: opts.repoDir,
    });
    ds.push(...checked.diagnostics);
    if (checked.kind === 'refuse') return finish('refused');
    source.dirty = checked.dirty;

    const buildPlan = async (): Promise<boolean> => {
      if (plan) return true;
      progress('build', 'building');
      plan = await opts.plan(source!);
      ds.push(...plan.diagnostics);
      if (plan.diagnostics.some((d) => d.severity === 'error')) return false;
      if (plan.deployPath !== deployPath) {
        ds.push(diag('KF9001', `the plan's deployPath "${plan.deployPath}" differs from the environment's "${deployPath}"`));
        return false;
      }
      return true;
    };

    // ── outDir: files only, no git writes ───────────────────────────────────────────
    if (opts.outDir) {
      if (!(await buildPlan())) return finish('failed');
      writeOutDir(opts.outDir, plan!, deployPath);
      return finish('published');
    }

    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-publish-'));
    writer = new ObjectWriter(git, tmp);
    const remoteRef = `refs/remotes/${remote}/${branch}`;
    // Argo CD's hydrator note (refs/notes/hydrator.metadata) on the hydrated head; false when it could not be written
    const noted = async (commit: string): Promise<boolean> => {
      const n = await hydratorNote({ git, commit, source: source!, push: opts.push === true, remote, ...(opts.retry ? { retry: opts.retry } : {}) });
      ds.push(...n.diagnostics);
      return n.status !== 'failed';
    };
    // promoteByPullRequest: the watched branch and -next are made to exist (with a common history) once, after the
    // planner decided to build and the build succeeded: a refused, superseded or failed render creates nothing
    let promotionChecked = !watchedBranchOf(env);

    // with --push the remote's head is the base; a local branch of that name may still be a source branch
    // (`deployBranch: develop` and the remote has none yet): refused before anything is written
    const local0 = opts.push ? await git.resolve(ref) : undefined;
    if (local0 && !hasKforgeTrailers((await git.readCommit(local0)).message)) {
      const why = await sharesSourceHistory(git, local0, source.sha);
      if (why) {
        ds.push(sourceBranch(branch, `the local ${why}`));
        return finish('refused');
      }
    }

    for (attempts = 1; ; attempts++) {
      // ── facts: the deploy head (the remote's with push, fetched first) ──────────────
      const localOld = await git.resolve(ref);
      let base: string | undefined = localOld;
      if (opts.push) {
        progress('fetch', `fetching ${remote} ${branch}`);
        try {
          base = (await git.fetchRefs(remote, [`+${ref}:${remoteRef}`])) === 'fetched' ? await git.resolve(remoteRef) : undefined;
        } catch (e) {
          if (!(e instanceof GitCommandError)) throw e;
          ds.push(diag('KF5003', `cannot fetch ${branch} from ${remote}`, { notes: [e.message] }));
          return finish('failed');
        }
      }
      const prev = base ? await readPrevious(git, base, env.name, deployPath, source.sha) : undefined;
      const facts: PublishFacts = { branch, envName: env.name, push: !!opts.push, repair: !!opts.repair, sourceSha: source.sha, ...(prev ? { head: prev } : {}), allowDiverged: !!opts.allowDiverged };
      if (needsRelation(facts)) {
        if (opts.push && !(await git.hasCommit(prev!.sourceSha!))) {
          await git.fetchRefs(remote, [prev!.sourceSha!]).catch(() => undefined);
        }
        facts.relation = await git.relation(source.sha, prev!.sourceSha!);
      }

      // ── the decision ──────────────────────────────────────────────────────────────
      const decision = planPublish(facts);
      ds.push(...decision.diagnostics);
      if (decision.kind === 'superseded') {
        if (opts.push && base) await followRemote(git, ref, localOld, base, ds);
        return finish('superseded', { previous: base });
      }
      if (decision.kind === 'refuse') return finish('refused', { previous: base });

      if (!(await buildPlan())) return finish('failed', { previous: base });
      if (!promotionChecked && decision.kind === 'build') {
        promotionChecked = true;
        const promoted = await ensurePromotionBranches({ git, environment: env, next: branch, source, push: opts.push === true, remote, ...(opts.sign || env.sign ? { sign: true } : {}) });
        for (const b of promoted.created) progress('ref', `created ${b}`);
        // -next was created (at the watched head, or the empty initial commit): read it as the head, as any other
        if (!base) {
          attempts--;
          continue;
        }
      }
      const p = plan!;
      const next = planCommit(prev, p);
      if (next.kind === 'up-to-date') {
        if (opts.push && base) await followRemote(git, ref, localOld, base, ds);
        return finish(base && !(await noted(base)) ? 'failed' : 'up-to-date', { previous: base });
      }
      if (prev && !prev.unproven) await loadPreviousResources(git, prev, p);
      changes = compare(p, prev?.apps);

      // ── carrying it out: objects, then the ref (or the push) by compare-and-swap ────
      const s = source;
      const author = { name: s.author.name, email: s.author.email, date: rawDate(s.author.dateRaw, s.author.date) };
      const committer = { ...author, date: rawDate(s.committerDateRaw, s.committerDate) };
      if (!author.date || !committer.date) {
        ds.push(diag('KF9001', `the source commit's dates "${s.author.date}" / "${s.committerDate}" are not dates git can write`));
        return finish('failed', { previous: base });
      }
      progress('objects', `writing the commit (${p.files.size} files)`);
      const written = await writer.commit({
        base: next.base,
        stale: next.stale,
        files: next.repair ? p.files : filesToWrite(p, prev),
        ...(prev ? { baseEntries: prev.entries } : {}),
        ...(next.repair ? { force: true } : {}),
        ...(opts.sign || env.sign ? { sign: true } : {}),
        message: commitMessage(
          p,
          changes,
          p.metadata['x-kforge'].kforgeVersion,
          prev?.unproven ? undefined : prev?.sourceSha,
          next.repair && prev?.unproven ? { head: prev.commit, kind: prev.unproven.kind, problems: prev.unproven.problems, removed: next.stale } : undefined,
        ),
        author: { ...author, date: author.date },
        committer: { ...committer, date: committer.date },
        ...(opts.via ? { via: opts.via } : {}),
      });
      if (!written) {
        if (opts.push && base) await followRemote(git, ref, localOld, base, ds);
        return finish(base && !(await noted(base)) ? 'failed' : 'up-to-date', { previous: base, ...(prev ? { tree: prev.tree } : {}) });
      }
      const { tree, commit } = written;
      if (written.fallbackReason) {
        ds.push(diag('KF5005', `git fast-import failed (${written.fallbackReason}); the commit was written through a temporary index instead`, { severity: 'warning' }));
      }
      if (opts.faultAt === 'after-objects') throw new Fault('after-objects');

      let failure: string;
      if (!opts.push) {
        progress('ref', `moving ${branch}`);
        try {
          await git.run(['update-ref', '-m', `kforge: render ${env.name} from ${s.sha.slice(0, 7)}`, ref, commit, base ?? '']);
          return finish((await noted(commit)) ? 'published' : 'failed', { commit, previous: base, tree });
        } catch (e) {
          failure = (e as Error).message;
        }
      } else {
        progress('push', `pushing ${commit.slice(0, 7)} to ${remote} ${branch}`);
        try {
          await git.run(['push', '--porcelain', `--force-with-lease=${ref}:${base ?? ''}`, remote, `${commit}:${ref}`]);
          if (opts.faultAt === 'after-push') throw new Fault('after-push');
          await followRemote(git, ref, localOld, commit, ds);
          return finish((await noted(commit)) ? 'published' : 'failed', { commit, previous: base, tree });
        } catch (e) {
          if (e instanceof Fault) throw e;
          failure = (e as Error).message;
        }
      }
      const retry = planRetry({ branch, remote, push: !!opts.push, message: failure, attempts, attemptsMax, minDelayMs: minDelay, maxDelayMs: maxDelay, random: random() });
      if (retry.kind === 'fail') {
        ds.push(...retry.diagnostics);
        return finish('failed', { previous: base });
      }
      progress('retry', `${branch} moved meanwhile; retrying in ${retry.delayMs} ms (attempt ${attempts + 1}/${attemptsMax})`);
      await sleep(retry.delayMs);
    }
  } catch (e) {
    if (e instanceof Fault) {
      ds.push(diag('KF9001', `publish stopped at ${e.message} (injected fault)`));
      return finish('failed');
    }
    if (e instanceof SigningError) {
      ds.push(
        diag('KF5009', `git could not sign the deploy commit for ${branch}; nothing was published`, {
          notes: e.message.split('\n').filter(Boolean).slice(0, 10),
          hint: 'configure a signing key (git config user.signingkey, gpg.format openpgp|ssh) and make it usable here (GNUPGHOME, SSH_AUTH_SOCK), or drop --sign / sign: true',
        }),
      );
      return finish('refused');
    }
    if (e instanceof GitUnavailableError) {
      ds.push(gitUnavailable(e));
      return finish('failed');
    }
    if (e instanceof GitCommandError) {
      ds.push(diag('KF5005', `git ${e.args.slice(0, 2).join(' ')} failed`, { notes: e.message.split('\n').slice(0, 20) }));
      return finish('failed');
    }
    ds.push(diag('KF9001', `internal error while publishing: ${(e as Error)?.stack ?? String(e)}`));
    return finish('failed');
  } finally {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Moves the local branch to `target` (a commit the remote has), only forward, by compare-and-swap. */
export async function followRemote(git: Git, ref: string, localOld: string | undefined, target: string, ds?: Diagnostic[]): Promise<void> {
  const facts: FollowFacts = { ref, target, ...(localOld ? { localOld } : {}) };
  if (localOld && localOld !== target) facts.relation = await git.relation(localOld, target);
  const decision = planFollow(facts);
  if (decision.kind === 'keep') ds?.push(...decision.diagnostics);
  if (decision.kind !== 'move') return;
  try {
    await git.run(['update-ref', '-m', 'kforge: follow the remote deploy branch', ref, target, localOld ?? '']);
  } catch (e) {
    ds?.push(diag('KF5005', `the local ${ref} moved meanwhile; left where it was`, { severity: 'warning', notes: [(e as Error).message] }));
  }
}

/** outDir mode: writes the plan's files; deletes files the previous render there owned and this one does not. */
function writeOutDir(outDir: string, plan: RenderPlan, deployPath: string): void {
  const root = path.resolve(outDir);
  const inside = (p: string) => {
    const abs = path.resolve(root, p);
    return abs.startsWith(root + path.sep) ? abs : undefined;
  };
  let previous: string[] = [];
  try {
    const m = JSON.parse(fs.readFileSync(path.join(root, joinPath(deployPath, METADATA_FILE)), 'utf-8')) as HydratorMetadata;
    if (Array.isArray(m['x-kforge']?.files)) previous = m['x-kforge'].files;
  } catch {
    previous = [];
  }
  for (const f of previous) {
    if (plan.files.has(f)) continue;
    const abs = inside(f);
    if (!abs) continue;
    fs.rmSync(abs, { force: true });
    // remove folders left empty
    for (let dir = path.dirname(abs); dir.startsWith(root + path.sep); dir = path.dirname(dir)) {
      try {
        fs.rmdirSync(dir);
      } catch {
        break;
      }
    }
  }
  for (const [p, content] of plan.files) {
    const abs = inside(p);
    if (!abs) continue;
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content);
  }
}
