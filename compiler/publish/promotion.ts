/**
 * promoteByPullRequest: kforge publishes to `environments/ENV-next`, a pull request (opened by a
 * person or the GitOps Promoter) merges it into `environments/ENV`, the branch Argo CD and Flux
 * watch. Both branches must exist and share history, or there is nothing to sync and no pull
 * request to open. As Argo CD's commit server does (CheckoutOrOrphan on the sync branch, then
 * CheckoutOrNew of the hydrate-to branch from it):
 *
 *   neither exists   an empty initial commit ("Initial commit for environments/ENV", empty tree,
 *                    author and dates of the source commit) becomes the head of both; the first
 *                    render is committed on -next on top of it, so the first pull request shows it
 *   only watched     -next starts at the watched branch's head
 *   only -next       (written by an older kforge as an orphan) the watched branch starts at -next's
 *                    first commit, the one history they can share
 *   both             nothing to do
 *
 * Branches are created only where missing (`update-ref B NEW ""`, or with push
 * `push --force-with-lease=refs/heads/B:` which refuses when it appeared meanwhile: then the other
 * writer's branch is kept). Nothing is ever moved here.
 */
import type { Environment } from '../types.js';
import { syncBranchOf } from '../env.js';
import type { SourceInfo } from '../emit/plan.js';
import { Git, GitCommandError } from './git.js';
import { SigningError, sourcePersonEnv } from './objects.js';
import { isRefRace } from './planner.js';

/** The branch the cluster watches when kforge publishes to a `-next` branch; undefined otherwise. */
export function watchedBranchOf(env: Environment): string | undefined {
  return env.promoteByPullRequest && !env.deployBranch ? syncBranchOf(env) : undefined;
}

export function initialMessage(watched: string): string {
  return `Initial commit for ${watched}\n`;
}

export interface PromotionResult {
  /** Branches created (short names), in creation order. */
  created: string[];
}

async function headOf(git: Git, branch: string, push: boolean, remote: string): Promise<string | undefined> {
  const ref = `refs/heads/${branch}`;
  if (!push) return git.resolve(ref);
  const tracking = `refs/remotes/${remote}/${branch}`;
  return (await git.fetchRefs(remote, [`+${ref}:${tracking}`])) === 'fetched' ? git.resolve(tracking) : undefined;
}

/** Creates `branch` at `commit` when it does not exist; false when someone else created it first. */
async function create(git: Git, branch: string, commit: string, push: boolean, remote: string): Promise<boolean> {
  const ref = `refs/heads/${branch}`;
  try {
    if (push) {
      await git.run(['push', '--porcelain', `--force-with-lease=${ref}:`, remote, `${commit}:${ref}`]);
      await git.tryRun(['update-ref', `refs/remotes/${remote}/${branch}`, commit]);
      // the local branch too, when there is none
      await git.tryRun(['update-ref', '-m', 'kforge: follow the remote branch', ref, commit, '']);
    } else {
      await git.run(['update-ref', '-m', `kforge: create ${branch}`, ref, commit, '']);
    }
    return true;
  } catch (e) {
    if (e instanceof GitCommandError && isRefRace(e.message)) return false;
    throw e;
  }
}

/** The empty root commit both branches start from (deterministic: the source commit's author and dates). */
async function initialCommit(git: Git, watched: string, source: SourceInfo, sign: boolean): Promise<string> {
  const emptyTree = (await git.run(['hash-object', '-w', '-t', 'tree', '/dev/null'])).trim();
  const env = sourcePersonEnv(source);
  // signed like the deploy commits (sign: true): with signatureKeys the cluster rejects an unsigned head
  if (!sign) return (await git.run(['commit-tree', emptyTree, '-m', initialMessage(watched).trimEnd()], env)).trim();
  try {
    return (await git.run(['commit-tree', '-S', emptyTree, '-m', initialMessage(watched).trimEnd()], env)).trim();
  } catch (e) {
    throw new SigningError((e as Error).message);
  }
}

/**
 * Makes sure the watched branch and the `-next` branch (`next`) both exist with a common history,
 * before the render is committed on `next`. No-op when the environment is not promoted by pull request.
 */
export async function ensurePromotionBranches(opts: {
  git: Git;
  environment: Environment;
  next: string;
  source: SourceInfo;
  push?: boolean;
  remote?: string;
  /** Sign the initial commit (sign: true / --sign). */
  sign?: boolean;
}): Promise<PromotionResult> {
  const watched = watchedBranchOf(opts.environment);
  const res: PromotionResult = { created: [] };
  if (!watched || watched === opts.next) return res;
  const { git } = opts;
  const push = opts.push === true;
  const remote = opts.remote ?? 'origin';
  const nextHead = await headOf(git, opts.next, push, remote);
  const watchedHead = await headOf(git, watched, push, remote);
  if (nextHead && watchedHead) return res;
  if (nextHead) {
    // an orphan -next from an older kforge: the watched branch starts at its first commit
    const roots = (await git.run(['rev-list', '--first-parent', '--max-parents=0', nextHead])).trim().split('\n');
    const root = roots[roots.length - 1];
    if (await create(git, watched, root, push, remote)) res.created.push(watched);
    return res;
  }
  const start = watchedHead ?? (await initialCommit(git, watched, opts.source, opts.sign === true));
  if (!watchedHead && (await create(git, watched, start, push, remote))) res.created.push(watched);
  const base = watchedHead ?? (await headOf(git, watched, push, remote)) ?? start;
  if (await create(git, opts.next, base, push, remote)) res.created.push(opts.next);
  return res;
}
