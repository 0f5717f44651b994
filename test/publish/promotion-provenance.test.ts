/**
 * Provenance and the hydrator contract together (issue 13): what promotion legitimately puts on a deploy branch
 * is built on (the empty initial commit, pull-request and GitOps Promoter merges whose deployed tree is a verified
 * parent's), a foreign or evil merge is still refused; the git note lands on the commit that ends up on the branch
 * in every path, and never for a render the planner refused, superseded or that failed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { publish } from '../../compiler/publish/index.js';
import { NOTES_REF } from '../../compiler/publish/notes.js';
import { inspectHead } from '../../compiler/publish/provenance.js';
import { Git } from '../../compiler/publish/git.js';
import { diag } from '../../compiler/diagnostics.js';
import type { Environment } from '../../compiler/types.js';
import { cleanup, commitAll, git, initSource, planFrom, prod, revParse, tmp, writeApps } from './helpers.js';

const promoted: Environment = { name: 'prod', kubernetesVersion: '1.31', promoteByPullRequest: true };
const NEXT = 'refs/heads/environments/prod-next';
const WATCHED = 'refs/heads/environments/prod';
const BRANCH = 'refs/heads/environments/prod';
const spec = { web: { w: '1' }, api: { a: '1' } };

test.after.each(() => cleanup());

function note(dir: string, commit: string): string | undefined {
  try {
    return git(dir, 'notes', `--ref=${NOTES_REF}`, 'show', commit).trim();
  } catch {
    return undefined;
  }
}

/** git with stdin (mktree, hash-object --stdin). */
function gitIn(dir: string, input: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, input, encoding: 'utf-8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, GIT_CONFIG_NOSYSTEM: '1' } }).trim();
}

/** `base`'s root tree plus a folder `folder` holding `file` = content. */
function treeWith(dir: string, base: string | undefined, folder: string, file: string, content: string): string {
  const blob = gitIn(dir, content, 'hash-object', '-w', '--stdin');
  const sub = gitIn(dir, `100644 blob ${blob}\t${file}\n`, 'mktree');
  const lines = base ? git(dir, 'ls-tree', base).split('\n').filter(Boolean) : [];
  lines.push(`040000 tree ${sub}\t${folder}`);
  return gitIn(dir, lines.map((l) => l + '\n').join(''), 'mktree');
}

/** A commit by hand (plumbing: HEAD, index and work tree untouched). */
function commitTree(dir: string, tree: string, parents: string[], message: string): string {
  return git(dir, 'commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-m', message).trim();
}

function remoteSetup(): { remote: string; clone: string; gh: string } {
  const { dir } = initSource(spec);
  const remote = path.join(tmp(), 'remote.git');
  git(dir, 'clone', '-q', '--bare', dir, remote);
  const clone = tmp();
  git(clone, 'clone', '-q', remote, '.');
  // "GitHub": where pull requests are merged
  const gh = tmp();
  git(gh, 'clone', '-q', remote, '.');
  return { remote, clone, gh };
}

test('a pull request merged -next into the watched branch and its head branch was deleted: -next restarts at the merge commit (verified through its parent), up to date with the note on it, then a new render on top', async () => {
  const { remote, clone, gh } = remoteSetup();
  const r1 = await publish({ repoDir: clone, environment: promoted, plan: planFrom(clone, promoted), push: true });
  assert.is(r1.status, 'published', JSON.stringify(r1.diagnostics));
  // the pull request: a merge commit (no kforge trailers) on the watched branch; GitHub deletes the head branch
  git(gh, 'fetch', '-q', 'origin');
  git(gh, 'checkout', '-q', '-B', 'w', 'origin/environments/prod');
  git(gh, 'merge', '-q', '--no-ff', '-m', 'Merge pull request #1 from org/environments/prod-next', 'origin/environments/prod-next');
  const merge = git(gh, 'rev-parse', 'HEAD').trim();
  git(gh, 'push', '-q', 'origin', `HEAD:${WATCHED}`, `:${NEXT}`);
  assert.is(revParse(remote, NEXT), undefined);
  const h = await inspectHead(new Git(gh), merge, 'prod', '');
  assert.ok(h.verdict.ok, h.verdict.problems.join('; '));
  assert.is(h.verdict.mergeOf, r1.commit);

  // the same source again: -next is created at the merge commit, which is up to date, and noted
  const source1 = git(clone, 'rev-parse', 'HEAD').trim();
  const again = await publish({ repoDir: clone, environment: promoted, plan: planFrom(clone, promoted), push: true });
  assert.is(again.status, 'up-to-date', JSON.stringify(again.diagnostics));
  assert.is(revParse(remote, NEXT), merge);
  assert.is(note(remote, merge), JSON.stringify({ drySha: source1 }));

  // a new source commit: published on top of the merge commit, noted, the local branch follows
  writeApps(clone, { web: { w: '2' }, api: { a: '1' } });
  const source2 = commitAll(clone, 'Bump web');
  const r2 = await publish({ repoDir: clone, environment: promoted, plan: planFrom(clone, promoted), push: true });
  assert.is(r2.status, 'published', JSON.stringify(r2.diagnostics));
  assert.is(git(remote, 'rev-parse', `${r2.commit}^`).trim(), merge);
  assert.is(note(remote, r2.commit!), JSON.stringify({ drySha: source2 }));
  assert.is(revParse(clone, NEXT), r2.commit);
  assert.is(note(clone, r2.commit!), JSON.stringify({ drySha: source2 }));
  assert.is(revParse(remote, WATCHED), merge, 'the watched branch is left to the next pull request');
});

test('GitOps Promoter merges without trailers are built on when their deployed tree is a verified parent\'s; an evil merge or one matching only a foreign parent is refused (KF5007), and nothing is noted', async () => {
  const { dir } = initSource(spec);
  const r1 = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  assert.is(r1.status, 'published');
  const foreignTree = treeWith(dir, undefined, 'other', 'README.md', 'not kforge\n');
  const foreign = commitTree(dir, foreignTree, [], 'unrelated');
  // a Promoter-style merge: first parent foreign, tree exactly the render's
  const m = commitTree(dir, `${r1.commit}^{tree}`, [foreign, r1.commit!], 'Promote');
  git(dir, 'update-ref', BRANCH, m);
  writeApps(dir, { web: { w: '2' }, api: { a: '1' } });
  const s2 = commitAll(dir, 'Bump web');
  const r2 = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  assert.is(r2.status, 'published', JSON.stringify(r2.diagnostics));
  assert.is(git(dir, 'rev-parse', `${r2.commit}^`).trim(), m);
  assert.is(note(dir, r2.commit!), JSON.stringify({ drySha: s2 }));

  const notesBefore = revParse(dir, NOTES_REF);
  writeApps(dir, { web: { w: '3' }, api: { a: '1' } });
  commitAll(dir, 'Bump web again');
  const rows: [string, string][] = [
    ['an evil merge (a folder added under the deploy path)', commitTree(dir, treeWith(dir, `${r2.commit}^{tree}`, 'backdoor', 'manifest.yaml', 'kind: Pod\n'), [r2.commit!, foreign], 'Merge')],
    ['a merge whose tree is the foreign parent\'s', commitTree(dir, foreignTree, [r2.commit!, foreign], 'Merge')],
  ];
  for (const [name, head] of rows) {
    git(dir, 'update-ref', BRANCH, head);
    const r = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
    assert.is(r.status, 'refused', name);
    assert.equal(r.diagnostics.map((d) => d.code), ['KF5007'], name);
    assert.is(revParse(dir, BRANCH), head, name);
    assert.is(revParse(dir, NOTES_REF), notesBefore, `${name}: no note`);
  }
});

test('an empty-tree head that is in the source history is a source branch (KF5008), not promotion\'s initial commit', async () => {
  const dir = tmp();
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'commit.gpgSign', 'false');
  git(dir, 'commit', '-q', '--allow-empty', '-m', 'root');
  const root = git(dir, 'rev-parse', 'HEAD').trim();
  writeApps(dir, spec);
  commitAll(dir, 'apps');
  git(dir, 'update-ref', 'refs/heads/seed', root);
  const env = { ...prod, deployBranch: 'seed' };
  const r = await publish({ repoDir: dir, environment: env, plan: planFrom(dir, env) });
  assert.is(r.status, 'refused');
  assert.equal(r.diagnostics.map((d) => d.code), ['KF5008']);
  assert.is(revParse(dir, 'refs/heads/seed'), root);
  assert.is(revParse(dir, NOTES_REF), undefined);
});

test('the note follows the commit on the branch: --repair notes the repair commit, a refused, superseded or failed render notes nothing and (promoteByPullRequest) creates no branch', async () => {
  const { dir } = initSource(spec);
  const old = git(dir, 'rev-parse', 'HEAD').trim();
  writeApps(dir, { web: { w: '2' }, api: { a: '1' } });
  const s2 = commitAll(dir, 'Bump web');
  const r = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  assert.is(r.status, 'published');
  const notes1 = revParse(dir, NOTES_REF);
  // superseded: the head was rendered from a newer source
  git(dir, 'checkout', '-q', '--detach', old);
  const sup = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  assert.is(sup.status, 'superseded');
  assert.is(revParse(dir, NOTES_REF), notes1);
  assert.is(note(dir, r.commit!), JSON.stringify({ drySha: s2 }));
  git(dir, 'checkout', '-q', 'main');
  // a foreign commit on top: refused without a note; --repair: the repair commit is noted
  const foreign = commitTree(dir, treeWith(dir, `${r.commit}^{tree}`, 'backdoor', 'manifest.yaml', 'kind: Pod\n'), [r.commit!], 'Add a backdoor');
  git(dir, 'update-ref', BRANCH, foreign);
  const refused = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  assert.is(refused.status, 'refused');
  assert.is(revParse(dir, NOTES_REF), notes1);
  assert.is(note(dir, foreign), undefined);
  const repaired = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod), repair: true });
  assert.is(repaired.status, 'published', JSON.stringify(repaired.diagnostics));
  assert.is(git(dir, 'rev-parse', `${repaired.commit}^`).trim(), foreign);
  assert.is(note(dir, repaired.commit!), JSON.stringify({ drySha: s2 }));
  assert.is(note(dir, foreign), undefined);

  // promoteByPullRequest, a build that fails: no branch, no initial commit, no note
  const fresh = initSource(spec).dir;
  const failing = (s: Parameters<ReturnType<typeof planFrom>>[0]) => ({ ...planFrom(fresh, promoted)(s), diagnostics: [diag('KF9001', 'injected build error')] });
  const f = await publish({ repoDir: fresh, environment: promoted, plan: failing });
  assert.is(f.status, 'failed');
  assert.is(revParse(fresh, NEXT), undefined);
  assert.is(revParse(fresh, WATCHED), undefined);
  assert.is(revParse(fresh, NOTES_REF), undefined);
});

test.run();
