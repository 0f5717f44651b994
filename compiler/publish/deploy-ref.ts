/**
 * Where an environment's deploy branch is, in any checkout layout.
 *
 * A laptop has the local branch `refs/heads/B` (written by `render`), maybe stale; a CI
 * checkout (actions/checkout, fetch-depth 0) has only `refs/remotes/origin/*` and a detached
 * HEAD; a shallow one (fetch-depth 1) has the checked-out commit alone. What Argo CD and Flux
 * sync is the remote's branch, so that is what counts:
 *
 *   1. when the remote is configured, fetch `refs/heads/B` into `refs/remotes/REMOTE/B`
 *      (`--no-tags`, only that refspec, `--refmap=` so no configured refspec writes anything
 *      else, no FETCH_HEAD); the result is 'remote'. A remote that answers without B means B
 *      does not exist there (a leftover remote-tracking ref is stale and ignored).
 *      A fetch that fails (offline, no credentials) is a warning, then:
 *   2. the remote-tracking ref `refs/remotes/REMOTE/B` as last fetched ('remote-tracking');
 *   3. the local branch `refs/heads/B` ('local'), when there is no remote, the remote has no B,
 *      or nothing else is there;
 *   4. nothing ('missing'): a warning that says so, with a hint to render.
 *
 * When the local branch exists beside the remote one and differs, the remote one is used and
 * `local` says how the local branch relates to it (ahead, behind, diverged), with a warning.
 *
 * Nothing here moves HEAD, the index, the work tree or any `refs/heads/*`; the only ref ever
 * written is `refs/remotes/REMOTE/B`. git runs through `Git` (allow-listed environment).
 *
 * API
 *   resolveDeployRefs(repoDir, branches, { remote = 'origin', explicitRemote, fetch = true })
 *       one fetch for all branches (`diff --all`); a Map branch → DeployRef, plus diagnostics
 *   resolveDeployRef(repoDir, branch, opts)   the same for one branch
 *   shortRefName(ref)                         refs/remotes/origin/B → origin/B, refs/heads/B → B
 */
import type { Diagnostic } from '../types.js';
import { diag } from '../diagnostics.js';
import { Git, GitCommandError, GitUnavailableError, gitUnavailable } from './git.js';

export type DeployRefSource = 'remote' | 'remote-tracking' | 'local' | 'missing';

export interface LocalDifference {
  /** refs/heads/B */
  ref: string;
  commit: string;
  /** How the local branch relates to the compared (remote) one. */
  relation: 'ahead' | 'behind' | 'diverged' | 'unknown';
  /** Commits only on the local branch / only on the remote one (absent when unknown). */
  ahead?: number;
  behind?: number;
}

export interface DeployRef {
  branch: string;
  /** The remote consulted (configured), if any. */
  remote?: string;
  /**
   * 'remote': fetched just now from the remote; 'remote-tracking': the remote-tracking ref as
   * last fetched (the fetch failed or was skipped); 'local': the local branch; 'missing': none.
   */
  source: DeployRefSource;
  /** Full ref name that was resolved (refs/remotes/origin/B or refs/heads/B); undefined when missing. */
  ref?: string;
  commit?: string;
  /** Set when the local branch exists, is not the ref used, and points elsewhere. */
  local?: LocalDifference;
  /** Set when the remote answered and has no such branch. */
  absentOnRemote?: boolean;
}

export interface ResolveOptions {
  /** Remote name (default 'origin', as `render --push`). */
  remote?: string;
  /** The remote was named by the user: not being configured is an error, not "no remote". */
  explicitRemote?: boolean;
  /** Fetch from the remote first (default true). */
  fetch?: boolean;
  /** branch → environment name, for hints that name the command to run. */
  envs?: ReadonlyMap<string, string>;
}

/** refs/remotes/origin/B → origin/B; refs/heads/B → B. */
export function shortRefName(ref: string): string {
  if (ref.startsWith('refs/remotes/')) return ref.slice('refs/remotes/'.length);
  if (ref.startsWith('refs/heads/')) return ref.slice('refs/heads/'.length);
  return ref;
}

/** Resolves one environment's deploy branch. */
export async function resolveDeployRef(repoDir: string, branch: string, opts: ResolveOptions = {}): Promise<{ value?: DeployRef; diagnostics: Diagnostic[] }> {
  const r = await resolveDeployRefs(repoDir, [branch], opts);
  return { ...(r.value ? { value: r.value.get(branch)! } : {}), diagnostics: r.diagnostics };
}

/**
 * Resolves several deploy branches with one fetch (two when some do not exist on the remote:
 * git refuses a fetch naming a missing ref, so `ls-remote` tells which exist). Errors (an
 * explicitly named remote that is not configured, git not installed) leave `value` undefined.
 */
export async function resolveDeployRefs(repoDir: string, branches: string[], opts: ResolveOptions = {}): Promise<{ value?: Map<string, DeployRef>; diagnostics: Diagnostic[] }> {
  const ds: Diagnostic[] = [];
  const remote = opts.remote ?? 'origin';
  const unique = [...new Set(branches)];
  const git = new Git(repoDir);
  try {
    const remotes = ((await git.tryRun(['remote'])) ?? '').split('\n').map((s) => s.trim()).filter(Boolean);
    const hasRemote = remotes.includes(remote);
    if (!hasRemote && opts.explicitRemote) {
      ds.push(
        diag('KF6003', `no remote named "${remote}" in this repository`, {
          hint: remotes.length ? `remotes: ${remotes.join(', ')}` : 'add one (git remote add origin URL), or leave out --remote to compare with the local deploy branch',
        }),
      );
      return { diagnostics: ds };
    }
    const trackingRef = (b: string) => `refs/remotes/${remote}/${b}`;

    // 1. fetch
    let fetched = new Set<string>();
    let absent = new Set<string>();
    let fetchFailed: string | undefined;
    if (hasRemote && opts.fetch !== false && unique.length) {
      const r = await fetchBranches(git, remote, unique, trackingRef);
      fetched = r.fetched;
      absent = r.absent;
      fetchFailed = r.error;
    }
    if (fetchFailed !== undefined) {
      const names = unique.join(', ');
      ds.push(
        diag('KF6003', `cannot fetch ${names} from ${remote}; comparing with what this repository has (which may be out of date)`, {
          severity: 'warning',
          notes: fetchFailed.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 6),
          hint: `check the network and credentials for ${remote}, or run git fetch ${remote} yourself`,
        }),
      );
    }

    const out = new Map<string, DeployRef>();
    const remoteFlag = opts.explicitRemote || remote !== 'origin' ? ` --remote ${remote}` : '';
    for (const b of unique) {
      const env = opts.envs?.get(b) ?? '<env>';
      const tracking = trackingRef(b);
      const localRef = `refs/heads/${b}`;
      const [remoteCommit, localCommit] = await Promise.all([absent.has(b) ? undefined : git.resolve(tracking), git.resolve(localRef)]);
      let ref: DeployRef;
      if (remoteCommit) {
        ref = { branch: b, ...(hasRemote ? { remote } : {}), source: fetched.has(b) ? 'remote' : 'remote-tracking', ref: tracking, commit: remoteCommit };
        if (localCommit && localCommit !== remoteCommit) {
          ref.local = await localDifference(git, localRef, localCommit, remoteCommit);
          ds.push(localDiagnostic(ref, ref.local, env, remoteFlag));
        }
      } else if (localCommit) {
        ref = { branch: b, ...(hasRemote ? { remote } : {}), source: 'local', ref: localRef, commit: localCommit, ...(absent.has(b) ? { absentOnRemote: true } : {}) };
        if (absent.has(b)) {
          ds.push(
            diag('KF6002', `${remote} has no ${b}: comparing with the local branch (${localCommit.slice(0, 7)}), which Argo CD and Flux do not see`, {
              severity: 'warning',
              hint: `publish it with npm run render -- ${env} --push${remoteFlag}`,
            }),
          );
        }
      } else {
        ref = { branch: b, ...(hasRemote ? { remote } : {}), source: 'missing', ...(absent.has(b) ? { absentOnRemote: true } : {}) };
        const asked = hasRemote && opts.fetch !== false && fetchFailed === undefined;
        const render = `npm run render -- ${env}${hasRemote ? ` --push${remoteFlag}` : ''}`;
        const [where, hint] = asked
          ? [`neither on ${remote} nor locally`, `render it first: ${render}`]
          : hasRemote
            ? [
                `neither locally nor as ${shortRefName(tracking)} (${remote} was not asked${fetchFailed !== undefined ? ': the fetch failed' : ''})`,
                `${fetchFailed !== undefined ? `fetch it when ${remote} is reachable (git fetch ${remote})` : 'leave out --no-fetch to ask the remote'}, or render it first: ${render}`,
              ]
            : [`nowhere in this repository (and there is no remote "${remote}")`, `render it first: ${render}`];
        ds.push(diag('KF6002', `deploy branch ${b} exists ${where}: no deploy branch yet, everything is new`, { severity: 'warning', hint }));
      }
      out.set(b, ref);
    }
    return { value: out, diagnostics: ds };
  } catch (e) {
    if (e instanceof GitUnavailableError) {
      ds.push(gitUnavailable(e));
      return { diagnostics: ds };
    }
    throw e;
  }
}

/**
 * Fetches `refs/heads/B` into `refs/remotes/REMOTE/B` for each branch. When a branch is missing
 * on the remote, git fails the whole fetch: then ls-remote says which exist, and those are fetched.
 */
async function fetchBranches(
  git: Git,
  remote: string,
  branches: string[],
  trackingRef: (b: string) => string,
): Promise<{ fetched: Set<string>; absent: Set<string>; error?: string }> {
  // A shallow clone (fetch-depth 1) with none of these refs yet: the tips are enough for a diff,
  // and --depth cannot shorten any history this repository already has of them.
  const shallow = (await git.tryRun(['rev-parse', '--is-shallow-repository']))?.trim() === 'true';
  const known = shallow ? await Promise.all(branches.flatMap((b) => [git.resolve(trackingRef(b)), git.resolve(`refs/heads/${b}`)])) : [];
  const depth = shallow && known.every((c) => c === undefined) ? 1 : undefined;
  const fetch = (bs: string[]) => git.fetchRefs(remote, bs.map((b) => `+refs/heads/${b}:${trackingRef(b)}`), { depth });
  try {
    // git fails the whole fetch when one branch is missing: ls-remote below says which
    if ((await fetch(branches)) === 'fetched') return { fetched: new Set(branches), absent: new Set() };
  } catch (e) {
    if (!(e instanceof GitCommandError)) throw e;
    return { fetched: new Set(), absent: new Set(), error: e.message };
  }
  try {
    const listed = await git.run(['ls-remote', '--heads', remote, ...branches.map((b) => `refs/heads/${b}`)]);
    const there = new Set(
      listed
        .split('\n')
        .map((l) => l.split('\t')[1]?.trim())
        .filter((r): r is string => !!r)
        .map((r) => r.slice('refs/heads/'.length)),
    );
    const present = branches.filter((b) => there.has(b));
    if (present.length) await fetch(present);
    return { fetched: new Set(present), absent: new Set(branches.filter((b) => !there.has(b))) };
  } catch (e) {
    if (!(e instanceof GitCommandError)) throw e;
    return { fetched: new Set(), absent: new Set(), error: e.message };
  }
}

async function localDifference(git: Git, ref: string, local: string, remote: string): Promise<LocalDifference> {
  const counts = await git.tryRun(['rev-list', '--left-right', '--count', `${local}...${remote}`]);
  const m = /^(\d+)\s+(\d+)/.exec(counts?.trim() ?? '');
  if (!m) return { ref, commit: local, relation: 'unknown' };
  const ahead = Number(m[1]);
  const behind = Number(m[2]);
  const relation = ahead && behind ? 'diverged' : ahead ? 'ahead' : behind ? 'behind' : 'unknown';
  return { ref, commit: local, relation, ahead, behind };
}

const commits = (n: number | undefined) => `${n} commit${n === 1 ? '' : 's'}`;

/** "the local environments/prod is 1 commit behind origin/environments/prod (…)" */
export function describeLocalDifference(ref: DeployRef, local: LocalDifference): string {
  const other = shortRefName(ref.ref ?? '');
  const what =
    local.relation === 'ahead'
      ? `${commits(local.ahead)} ahead of ${other} (not pushed)`
      : local.relation === 'behind'
        ? `${commits(local.behind)} behind ${other}`
        : local.relation === 'diverged'
          ? `diverged from ${other} (${commits(local.ahead)} ahead, ${commits(local.behind)} behind)`
          : `at ${local.commit.slice(0, 7)}, not ${other}`;
  return `the local ${shortRefName(local.ref)} is ${what}`;
}

function localDiagnostic(ref: DeployRef, local: LocalDifference, env: string, remoteFlag: string): Diagnostic {
  return diag('KF6004', `${describeLocalDifference(ref, local)}; compared with ${shortRefName(ref.ref ?? '')} at ${ref.commit?.slice(0, 7)}, what Argo CD and Flux sync`, {
    severity: 'warning',
    hint:
      local.relation === 'behind'
        ? `the local branch can follow with git branch -f ${ref.branch} ${shortRefName(ref.ref ?? '')} (or leave it: kforge uses the remote one)`
        : local.relation === 'ahead'
          ? `publish it with npm run render -- ${env} --push${remoteFlag}`
          : 'look at both (git log --oneline --left-right ' + `${ref.branch}...${shortRefName(ref.ref ?? '')}) before publishing`,
  });
}
