// promoteByPullRequest: kforge publishes to environments/ENV-next; the branch the cluster watches
// (environments/ENV) must exist and share history with it, or no pull request can be opened.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as path from 'node:path';
import { publish } from '../../compiler/publish/index.js';
import { watchedBranchOf } from '../../compiler/publish/promotion.js';
import { NOTES_REF } from '../../compiler/publish/notes.js';
import type { Environment } from '../../compiler/types.js';
import { cleanup, commitAll, git, initSource, planFrom, revParse, tmp, writeApps } from './helpers.js';

const env: Environment = { name: 'prod', kubernetesVersion: '1.31', promoteByPullRequest: true };
const NEXT = 'refs/heads/environments/prod-next';
const WATCHED = 'refs/heads/environments/prod';
const spec = { web: { w: '1' }, api: { a: '1' } };

test.after.each(() => cleanup());

function setup(): { dir: string; remote: string; clone: string } {
  const { dir } = initSource(spec);
  const remote = path.join(tmp(), 'remote.git');
  git(dir, 'clone', '-q', '--bare', dir, remote);
  const clone = tmp();
  git(clone, 'clone', '-q', '--no-checkout', remote, '.');
  git(clone, 'checkout', '-q', '--detach', 'origin/main');
  return { dir, remote, clone };
}

test('watchedBranchOf: only for the default -next branch', () => {
  assert.is(watchedBranchOf(env), 'environments/prod');
  assert.is(watchedBranchOf({ ...env, promoteByPullRequest: false }), undefined);
  assert.is(watchedBranchOf({ ...env, deployBranch: 'deploy/prod' }), undefined);
});

test('a fresh bare remote: --push creates the watched branch and -next with a common first commit', async () => {
  const { remote, clone } = setup();
  const r = await publish({ repoDir: clone, environment: env, plan: planFrom(clone, env), push: true });
  assert.is(r.status, 'published', JSON.stringify(r.diagnostics));
  assert.is(r.branch, 'environments/prod-next');
  const next = revParse(remote, NEXT)!;
  const watched = revParse(remote, WATCHED);
  assert.ok(watched, 'the watched branch exists on the remote');
  assert.is(next, r.commit);
  // common history: the watched head is -next's parent, an empty initial commit as Argo CD makes it
  assert.is(git(remote, 'merge-base', next, watched!).trim(), watched);
  assert.is(git(remote, 'rev-parse', `${next}^`).trim(), watched);
  assert.is(git(remote, 'log', '-1', '--format=%s', watched!).trim(), 'Initial commit for environments/prod');
  assert.is(git(remote, 'ls-tree', '-r', '--name-only', watched!).trim(), '');
  // the promotion pull request (-next → watched) shows the render, manifests included
  const diff = git(remote, 'diff', '--name-only', `${watched}...${next}`).trim().split('\n');
  assert.ok(diff.includes('web/manifest.yaml'), diff.join(','));
  // the hydrated commit carries the note; the initial commit does not
  assert.ok(git(remote, 'notes', `--ref=${NOTES_REF}`, 'show', next).includes('"drySha"'));
  // a second render builds on -next; the watched branch is left to the pull request
  writeApps(clone, { web: { w: '2' }, api: { a: '1' } });
  commitAll(clone, 'Bump web');
  const r2 = await publish({ repoDir: clone, environment: env, plan: planFrom(clone, env), push: true });
  assert.is(r2.status, 'published', JSON.stringify(r2.diagnostics));
  assert.is(git(remote, 'rev-parse', `${r2.commit}^`).trim(), next);
  assert.is(revParse(remote, WATCHED), watched);
});

test('watched branch exists, -next does not: -next starts at the watched head', async () => {
  const { dir, remote, clone } = setup();
  // the watched branch as a pull request left it: some earlier render merged into it
  const first = await publish({ repoDir: dir, environment: { name: 'prod', kubernetesVersion: '1.31' }, plan: planFrom(dir, env) });
  git(dir, 'push', '-q', remote, `${first.commit}:${WATCHED}`);
  const r = await publish({ repoDir: clone, environment: env, plan: planFrom(clone, env), push: true });
  assert.ok(['published', 'up-to-date'].includes(r.status), JSON.stringify(r.diagnostics));
  const next = revParse(remote, NEXT)!;
  assert.ok(next);
  assert.is(git(remote, 'merge-base', next, WATCHED).trim(), first.commit);
});

test('an orphan -next from an older kforge: the watched branch is created at its first commit (local, no push)', async () => {
  const { dir } = initSource(spec);
  // what older kforge wrote: -next only, no watched branch
  const legacy = await publish({ repoDir: dir, environment: { name: 'prod', kubernetesVersion: '1.31', deployBranch: 'environments/prod-next' }, plan: planFrom(dir, env) });
  assert.is(revParse(dir, WATCHED), undefined);
  writeApps(dir, { web: { w: '3' }, api: { a: '1' } });
  commitAll(dir, 'Bump web');
  const r = await publish({ repoDir: dir, environment: env, plan: planFrom(dir, env) });
  assert.is(r.status, 'published', JSON.stringify(r.diagnostics));
  assert.is(revParse(dir, WATCHED), legacy.commit);
  assert.is(git(dir, 'merge-base', NEXT, WATCHED).trim(), legacy.commit);
});

test('locally (no push) on a fresh repository: both branches, common history', async () => {
  const { dir } = initSource(spec);
  const r = await publish({ repoDir: dir, environment: env, plan: planFrom(dir, env) });
  assert.is(r.status, 'published', JSON.stringify(r.diagnostics));
  const watched = revParse(dir, WATCHED)!;
  assert.ok(watched);
  assert.is(git(dir, 'merge-base', NEXT, WATCHED).trim(), watched);
});

test.run();
