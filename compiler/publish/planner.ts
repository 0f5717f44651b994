/**
 * The publish decision, pure: observed facts in, a decision out. No git, no files, no clock.
 * index.ts (the IO shell) gathers the facts, calls these functions and carries out what they
 * return; test/publish/planner.test.ts holds them to tables of facts → decisions.
 *
 *   checkSource(facts)         before anything: dirty work tree, deploy branch checked out
 *   planPublish(facts)         with the deploy head read: refuse | superseded | build
 *   planCommit(facts, digest)  after the build: up-to-date | commit
 *   planFollow(facts)          after the remote moved: fast-forward the local branch, or warn
 *   planRetry(facts)           after a compare-and-swap failed: retry (with a delay) or give up
 */
import type { Diagnostic } from '../types.js';
import { diag } from '../diagnostics.js';

/** How the source commit relates to the commit the deploy head was rendered from. */
export type Relation = 'same' | 'ancestor' | 'descendant' | 'diverged' | 'unknown';

/** What the deploy head says about itself (undefined fields: it does not say). */
export interface DeployHead {
  commit: string;
  /** The source commit it was rendered from. */
  sourceSha?: string;
  /** Its content digest. */
  digest?: string;
  /** The files kforge wrote there (what this render may delete). */
  files: string[];
  /** Set when kforge cannot prove it wrote the head (provenance.ts); undefined: verified. */
  unproven?: Unproven;
}

export interface Unproven {
  kind: 'foreign' | 'tampered';
  problems: string[];
  /** Every path under the deploy path in the head's tree (what --repair replaces). */
  paths: string[];
  /** Why it is a source branch, when it is one (its history is the source's): never rendered onto, not even by --repair. */
  sourceBranch?: string;
}

export interface SourceFacts {
  branch: string;
  /** `git status --porcelain` lines of the work tree. */
  dirtyLines: string[];
  allowDirty: boolean;
  /** HEAD is the deploy branch itself. */
  deployBranchCheckedOut: boolean;
  /** Files only (outDir): no branch is written. */
  outDir: boolean;
  repoDir: string;
}

export type SourceDecision = { kind: 'refuse'; diagnostics: Diagnostic[] } | { kind: 'continue'; dirty: boolean; diagnostics: Diagnostic[] };

export function checkSource(f: SourceFacts): SourceDecision {
  const ds: Diagnostic[] = [];
  let dirty = false;
  if (f.dirtyLines.length) {
    if (!f.allowDirty) {
      return {
        kind: 'refuse',
        diagnostics: [
          diag('KF5001', `the working tree has ${f.dirtyLines.length} uncommitted change(s); a render must come from a commit`, {
            hint: 'commit or stash the changes, or pass --allow-dirty (recorded in the deploy metadata)',
            notes: f.dirtyLines.slice(0, 10),
          }),
        ],
      };
    }
    dirty = true;
    ds.push(diag('KF5001', `rendering a dirty working tree (${f.dirtyLines.length} change(s)); recorded as allowDirty`, { severity: 'warning' }));
  }
  if (!f.outDir && f.deployBranchCheckedOut) {
    return { kind: 'refuse', diagnostics: [...ds, sourceBranch(f.branch, `it is checked out in ${f.repoDir}`)] };
  }
  return { kind: 'continue', dirty, diagnostics: ds };
}

/** KF5008: the deploy branch is a source branch. */
export function sourceBranch(branch: string, why: string): Diagnostic {
  return diag('KF5008', `the deploy branch ${branch} is a source branch (${why}): rendering onto it would mix rendered files into the source`, {
    hint: 'give the environment a deploy branch of its own (deployBranch, default environments/<env>)',
  });
}

export interface PublishFacts {
  branch: string;
  envName: string;
  push: boolean;
  /** --repair: replace an unproven head's content by a fresh render, on top of it. */
  repair: boolean;
  /** The source commit being rendered. */
  sourceSha: string;
  /** The deploy head (undefined: the branch does not exist yet). */
  head?: DeployHead;
  /** sourceSha's relation to head.sourceSha; needed only when both are known and differ. */
  relation?: Relation;
  allowDiverged: boolean;
}

export type PublishDecision =
  | { kind: 'refuse'; diagnostics: Diagnostic[] }
  /** The head was rendered from a newer source: leave it (exit 0). */
  | { kind: 'superseded'; diagnostics: Diagnostic[] }
  /** Build the plan, then ask planCommit. */
  | { kind: 'build'; diagnostics: Diagnostic[] }
  /** --repair of an unproven head: build, then commit on top of it whatever its content. */
  | { kind: 'repair'; diagnostics: Diagnostic[] };

/** What the relation of the head's source to ours is needed for (the shell asks git only then). */
export function needsRelation(f: Pick<PublishFacts, 'sourceSha' | 'head'>): boolean {
  return !f.head?.unproven && !!f.head?.sourceSha && f.head.sourceSha !== f.sourceSha;
}

/** Provenance first (never build on a head kforge cannot prove it wrote), then never backwards. */
export function planPublish(f: PublishFacts): PublishDecision {
  const ds: Diagnostic[] = [];
  const u = f.head?.unproven;
  if (f.head && u) {
    const short = f.head.commit.slice(0, 7);
    if (u.sourceBranch) return { kind: 'refuse', diagnostics: [sourceBranch(f.branch, u.sourceBranch)] };
    if (!f.repair) {
      return {
        kind: 'refuse',
        diagnostics: [
          diag('KF5007', `${f.branch} is at ${short}, which kforge cannot prove it wrote (${u.kind === 'foreign' ? 'not a kforge render' : 'a kforge render changed by hand'}): ${u.problems[0] ?? ''}`, {
            notes: u.problems,
            hint: `inspect it (git show --stat ${short}); to put a fresh render on top of it, keeping its history, run: npm run render -- ${f.envName} --repair${f.push ? ' --push' : ''}`,
          }),
        ],
      };
    }
    ds.push(diag('KF5007', `repairing ${f.branch} at ${short} (${u.kind}): the new commit holds a fresh render; ${u.problems[0] ?? ''}`, { severity: 'warning', notes: u.problems }));
    return { kind: 'repair', diagnostics: ds };
  }
  const prevSource = f.head?.sourceSha;
  if (prevSource && prevSource !== f.sourceSha) {
    const rel = f.relation ?? 'unknown';
    if (rel === 'ancestor') return { kind: 'superseded', diagnostics: ds };
    if (rel !== 'descendant') {
      const why =
        rel === 'unknown'
          ? `its source commit ${prevSource.slice(0, 7)} is not in this repository`
          : `its source commit ${prevSource.slice(0, 7)} is neither an ancestor nor a descendant of ${f.sourceSha.slice(0, 7)}`;
      if (!f.allowDiverged) {
        return { kind: 'refuse', diagnostics: [diag('KF5002', `${f.branch} diverged from the source: ${why}`, { hint: 'publish from the branch the environment follows, or pass --allow-diverged' })] };
      }
      ds.push(diag('KF5002', `${f.branch} diverged from the source (${why}); publishing anyway (allowDiverged)`, { severity: 'warning' }));
    }
  }
  return { kind: 'build', diagnostics: ds };
}

export type CommitDecision =
  | { kind: 'up-to-date' }
  /** Write a commit on `base` (undefined: a root commit), deleting `stale`. */
  | { kind: 'commit'; base?: string; stale: string[]; repair?: true };

/**
 * After the build: nothing to do when the content digest equals the head's. A repair commits on the
 * unproven head whatever its content, removing every path under the deploy path the render does not write.
 */
export function planCommit(head: DeployHead | undefined, plan: { digest: string; files: ReadonlyMap<string, string> | ReadonlySet<string> }): CommitDecision {
  if (head?.unproven) return { kind: 'commit', base: head.commit, stale: head.unproven.paths.filter((p) => !plan.files.has(p)), repair: true };
  if (head && head.digest === plan.digest) return { kind: 'up-to-date' };
  return { kind: 'commit', ...(head ? { base: head.commit } : {}), stale: (head?.files ?? []).filter((p) => !plan.files.has(p)) };
}

export interface FollowFacts {
  ref: string;
  /** The local branch (undefined: absent). */
  localOld?: string;
  /** The remote's head to follow. */
  target: string;
  /** localOld's relation to target (needed when localOld is set and differs). */
  relation?: Relation;
}

export type FollowDecision = { kind: 'none' } | { kind: 'move' } | { kind: 'keep'; diagnostics: Diagnostic[] };

/** The local branch follows the remote only forward. */
export function planFollow(f: FollowFacts): FollowDecision {
  if (f.localOld === f.target) return { kind: 'none' };
  if (f.localOld && f.relation !== 'ancestor') {
    return {
      kind: 'keep',
      diagnostics: [
        diag('KF5005', `the local ${f.ref} (${f.localOld.slice(0, 7)}) has commits the remote's head ${f.target.slice(0, 7)} does not; left where it was, so it differs from the remote`, {
          severity: 'warning',
          hint: `if those local commits are not needed, point it at the remote's head: git update-ref ${f.ref} ${f.target} ${f.localOld}`,
        }),
      ],
    };
  }
  return { kind: 'move' };
}

export interface RetryFacts {
  branch: string;
  remote: string;
  push: boolean;
  /** git's message when the compare-and-swap (update-ref, or the push lease) failed. */
  message: string;
  attempts: number;
  attemptsMax: number;
  minDelayMs: number;
  maxDelayMs: number;
  /** A number in [0, 1) (jitter). */
  random: number;
}

export type RetryDecision = { kind: 'fail'; diagnostics: Diagnostic[] } | { kind: 'retry'; delayMs: number };

/** A compare-and-swap lost to another writer (retry), as opposed to a refusal (final). */
const REFUSED = /hook declined|protected branch|permission|denied|forbidden|authenticat|\b40[13]\b/i;

export function isLeaseFailure(msg: string): boolean {
  if (/\[rejected\][^\n]*\((stale info|fetch first|non-fast-forward|already exists)\)/.test(msg)) return true;
  // git said only that the push failed, no reason and nothing from the remote (seen once, with
  // eight writers racing for one ref on a loaded machine): taken for a lost race, which the
  // attempts bound; a refusal, an unreachable remote or a failed login always says why
  if (/^error: failed to push some refs to [^\n]*$/.test(msg.trim())) return true;
  if (REFUSED.test(msg)) return false;
  return /stale info|fetch first|non-fast-forward|cannot lock ref|failed to update ref|but expected|incorrect old value|failed to lock/i.test(msg);
}

/** A ref write lost to another writer (a lease, a compare-and-swap, or a create someone else did first), not refused. */
export function isRefRace(msg: string): boolean {
  return isLeaseFailure(msg) || (!REFUSED.test(msg) && /already exists/i.test(msg));
}

export function planRetry(f: RetryFacts): RetryDecision {
  const msg = f.message;
  if (!isLeaseFailure(msg)) {
    return {
      kind: 'fail',
      diagnostics: [
        f.push
          ? diag('KF5003', `${f.remote} rejected the push to ${f.branch}`, { notes: msg.split('\n').filter(Boolean).slice(0, 20) })
          : diag('KF5005', `cannot move ${f.branch}`, { notes: [msg] }),
      ],
    };
  }
  if (f.attempts >= f.attemptsMax) {
    return {
      kind: 'fail',
      diagnostics: [
        f.push
          ? diag('KF5003', `another publish kept winning the race for ${f.branch}; gave up after ${f.attempts} attempts`, { notes: [msg] })
          : diag('KF5005', `${f.branch} kept moving; gave up after ${f.attempts} attempts`, { notes: [msg] }),
      ],
    };
  }
  const d = Math.min(f.maxDelayMs, f.minDelayMs * 2 ** (f.attempts - 1));
  return { kind: 'retry', delayMs: Math.round(d / 2 + f.random * (d / 2)) };
}
