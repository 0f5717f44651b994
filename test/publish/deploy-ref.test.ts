/**
 * resolveDeployRef(s): the deploy branch in every checkout layout, in small throw-away
 * repositories (the publish helpers' ConfigMap apps): fetched from the remote, the
 * remote-tracking ref, the local branch, nowhere; what it writes (only
 * refs/remotes/REMOTE/B: never a local branch, never FETCH_HEAD, even with a mirror refspec).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { publish } from '../../compiler/publish/index.js';
import { resolveDeployRef, resolveDeployRefs, describeLocalDifference, shortRefName } from '../../compiler/publish/deploy-ref.js';
import { cleanup, commitAll, git, initSource, planFrom, prod, revParse, tmp, writeApps } from './helpers.js';

const B = 'environments/prod';
const HEADS = `refs/heads/${B}`;
const TRACKING = `refs/remotes/origin/${B}`;

test.after.each(() => cleanup());

function refs(dir: string): string[] {
  return git(dir, 'for-each-ref', '--format=%(refname)').split('\n').filter(Boolean).sort();
}

/** A source repository with prod rendered on its local deploy branch, and a bare remote holding both. */
async function rendered(): Promise<{ dir: string; remote: string; deploy: string }> {
  const { dir } = initSource({ web: { w: '1' }, api: { a: 'x' } });
  const r = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  assert.is(r.status, 'published', JSON.stringify(r.diagnostics));
  const remote = path.join(tmp(), 'remote.git');
  git(dir, 'clone', '-q', '--bare', dir, remote);
  git(dir, 'remote', 'add', 'origin', remote);
  return { dir, remote, deploy: r.commit! };
}

/** actions/checkout's layout: refs/remotes/origin/* only, detached HEAD (depth: shallow). */
function ciClone(remote: string, depth?: number): string {
  const dir = tmp();
  git(dir, 'init', '-q');
  git(dir, 'remote', 'add', 'origin', remote);
  // the refspecs of actions/checkout on a pull request (src/ref-helper.ts): fetch-depth 1 fetches the
  // merge commit alone into refs/remotes/pull/N/merge, fetch-depth 0 every branch as refs/remotes/origin/*
  const pull = 'refs/remotes/pull/7/merge';
  if (depth) git(dir, 'fetch', '-q', '--no-tags', `--depth=${depth}`, 'origin', `+${git(remote, 'rev-parse', 'main').trim()}:${pull}`);
  else git(dir, 'fetch', '-q', 'origin', '+refs/heads/*:refs/remotes/origin/*', `+main:${pull}`);
  git(dir, 'checkout', '-q', '--detach', pull);
  fs.rmSync(path.join(dir, '.git', 'FETCH_HEAD'), { force: true });
  return dir;
}

test('no remote, no branch: missing, with a KF6002 warning that names the command', async () => {
  const { dir } = initSource({ web: { w: '1' } });
  const r = await resolveDeployRef(dir, B, { envs: new Map([[B, 'prod']]) });
  assert.equal(r.value, { branch: B, source: 'missing' });
  assert.equal(r.diagnostics.map((d) => [d.code, d.severity]), [['KF6002', 'warning']]);
  assert.match(r.diagnostics[0].message, 'no deploy branch yet, everything is new');
  assert.match(r.diagnostics[0].hint!, 'npm run render -- prod');
});

test('no remote: the local branch, quietly', async () => {
  const { dir } = initSource({ web: { w: '1' } });
  const p = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  const r = await resolveDeployRef(dir, B);
  assert.equal(r.value, { branch: B, source: 'local', ref: HEADS, commit: p.commit });
  assert.equal(r.diagnostics, []);
});

test('CI layout: fetched into refs/remotes/origin/B; no local branch, no FETCH_HEAD, HEAD untouched', async () => {
  const { remote, deploy } = await rendered();
  const ci = ciClone(remote);
  // the remote-tracking ref is stale in this clone: the remote moved on after the checkout
  git(ci, 'update-ref', '-d', TRACKING);
  const head = revParse(ci, 'HEAD');
  const r = await resolveDeployRef(ci, B);
  assert.equal(r.value, { branch: B, remote: 'origin', source: 'remote', ref: TRACKING, commit: deploy });
  assert.equal(r.diagnostics, []);
  assert.ok(!refs(ci).some((x) => x.startsWith('refs/heads/')), refs(ci).join('\n'));
  assert.not.ok(fs.existsSync(path.join(ci, '.git', 'FETCH_HEAD')));
  assert.is(revParse(ci, 'HEAD'), head);
  assert.is(shortRefName(r.value!.ref!), `origin/${B}`);
});

test('shallow CI layout (fetch-depth 1): the fetch brings the deploy branch (its tip only)', async () => {
  const { remote, deploy } = await rendered();
  const ci = ciClone(remote, 1);
  assert.equal(refs(ci), ['refs/remotes/pull/7/merge']);
  const r = await resolveDeployRef(ci, B);
  assert.equal(r.value, { branch: B, remote: 'origin', source: 'remote', ref: TRACKING, commit: deploy });
  assert.ok(git(ci, 'cat-file', '-p', `${deploy}:web/manifest.yaml`).includes('value: "1"'));
  assert.is(git(ci, 'rev-parse', '--is-shallow-repository').trim(), 'true');
});

test('a mirror refspec in the config (+refs/*:refs/*) does not make the fetch write refs/heads/B', async () => {
  const { remote, deploy } = await rendered();
  const ci = ciClone(remote);
  git(ci, 'config', '--replace-all', 'remote.origin.fetch', '+refs/*:refs/*');
  const r = await resolveDeployRef(ci, B);
  assert.is(r.value?.commit, deploy);
  assert.is(revParse(ci, HEADS), undefined, 'refs/heads/B was written by an opportunistic update');
});

test('local branch behind the remote: the remote one, and the local one said to be behind (KF6004)', async () => {
  const { dir, deploy: old } = await rendered();
  // another machine renders and pushes a newer source
  const other = tmp();
  git(other, 'clone', '-q', git(dir, 'remote', 'get-url', 'origin').trim(), '.');
  writeApps(other, { web: { w: '2' }, api: { a: 'x' } });
  commitAll(other, 'w2');
  const p = await publish({ repoDir: other, environment: prod, plan: planFrom(other, prod), push: true });
  assert.is(p.status, 'published', JSON.stringify(p.diagnostics));
  const r = await resolveDeployRef(dir, B, { envs: new Map([[B, 'prod']]) });
  assert.equal(r.value, {
    branch: B,
    remote: 'origin',
    source: 'remote',
    ref: TRACKING,
    commit: p.commit,
    local: { ref: HEADS, commit: old, relation: 'behind', ahead: 0, behind: 1 },
  });
  assert.equal(r.diagnostics.map((d) => [d.code, d.severity]), [['KF6004', 'warning']]);
  assert.match(r.diagnostics[0].message, `the local ${B} is 1 commit behind origin/${B}`);
  assert.is(revParse(dir, HEADS), old, 'the local branch stays where it was');
});

test('local branch ahead (rendered, not pushed) and diverged: the remote one; the relation named', async () => {
  const { dir, deploy } = await rendered();
  writeApps(dir, { web: { w: '3' }, api: { a: 'x' } });
  commitAll(dir, 'w3');
  const ahead = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  let r = await resolveDeployRef(dir, B, { envs: new Map([[B, 'prod']]) });
  assert.equal([r.value?.commit, r.value?.local], [deploy, { ref: HEADS, commit: ahead.commit, relation: 'ahead', ahead: 1, behind: 0 }]);
  assert.match(r.diagnostics[0].message, 'is 1 commit ahead of origin/environments/prod (not pushed)');
  assert.match(r.diagnostics[0].hint!, 'npm run render -- prod --push');
  // someone else force-pushes another history to the remote branch
  const remote = git(dir, 'remote', 'get-url', 'origin').trim();
  const orphan = git(dir, 'commit-tree', '-m', 'foreign', git(dir, 'rev-parse', `${deploy}^{tree}`).trim()).trim();
  git(dir, 'push', '-q', '--force', remote, `${orphan}:${HEADS}`);
  r = await resolveDeployRef(dir, B);
  assert.equal([r.value?.commit, r.value?.local?.relation, r.value?.local?.ahead, r.value?.local?.behind], [orphan, 'diverged', 2, 1]);
  assert.match(describeLocalDifference(r.value!, r.value!.local!), 'diverged from origin/environments/prod (2 commits ahead, 1 commit behind)');
});

test('the remote has no B (a stale remote-tracking ref is left alone): the local branch, with a warning', async () => {
  const { dir, remote, deploy } = await rendered();
  git(dir, 'fetch', '-q', 'origin');
  assert.is(revParse(dir, TRACKING), deploy);
  git(remote, 'update-ref', '-d', HEADS);
  const r = await resolveDeployRef(dir, B, { envs: new Map([[B, 'prod']]) });
  assert.equal(r.value, { branch: B, remote: 'origin', source: 'local', ref: HEADS, commit: deploy, absentOnRemote: true });
  assert.equal(r.diagnostics.map((d) => d.code), ['KF6002']);
  assert.match(r.diagnostics[0].message, 'origin has no environments/prod');
  assert.is(revParse(dir, TRACKING), deploy, 'no pruning');
  // nowhere but in a stale remote-tracking ref: missing
  git(dir, 'update-ref', '-d', HEADS);
  const gone = await resolveDeployRef(dir, B);
  assert.is(gone.value?.source, 'missing');
  assert.match(gone.diagnostics[0].message, 'exists neither on origin nor locally');
});

test('offline (a remote that cannot be reached): KF6003 warning, then the remote-tracking ref, then the local branch', async () => {
  const { remote, deploy } = await rendered();
  const ci = ciClone(remote);
  git(ci, 'remote', 'set-url', 'origin', path.join(tmp(), 'gone.git'));
  const r = await resolveDeployRef(ci, B);
  assert.equal(r.value, { branch: B, remote: 'origin', source: 'remote-tracking', ref: TRACKING, commit: deploy });
  assert.equal(r.diagnostics.map((d) => [d.code, d.severity]), [['KF6003', 'warning']]);
  assert.match(r.diagnostics[0].message, 'cannot fetch environments/prod from origin');
  assert.ok((r.diagnostics[0].notes ?? []).join('\n').includes('gone.git'), JSON.stringify(r.diagnostics[0]));
  // only a local branch left
  git(ci, 'update-ref', HEADS, deploy);
  git(ci, 'update-ref', '-d', TRACKING);
  const l = await resolveDeployRef(ci, B);
  assert.equal([l.value?.source, l.value?.ref, l.diagnostics.map((d) => d.code)], ['local', HEADS, ['KF6003']]);
  // fetch: false: no network, no warning
  const quiet = await resolveDeployRef(ci, B, { fetch: false });
  assert.equal([quiet.value?.source, quiet.diagnostics], ['local', []]);
});

test('an explicitly named remote that is not configured: KF6003 error, no value', async () => {
  const { dir } = await rendered();
  const r = await resolveDeployRef(dir, B, { remote: 'upstream', explicitRemote: true });
  assert.is(r.value, undefined);
  assert.equal(r.diagnostics.map((d) => [d.code, d.severity]), [['KF6003', 'error']]);
  assert.match(r.diagnostics[0].hint!, 'remotes: origin');
  // the default remote missing is no error: the local branch
  git(dir, 'remote', 'remove', 'origin');
  const l = await resolveDeployRef(dir, B);
  assert.is(l.value?.source, 'local');
});

test('several branches, one missing on the remote: one resolved from the remote, one missing, nothing else written', async () => {
  const { remote, deploy } = await rendered();
  const ci = ciClone(remote);
  git(ci, 'update-ref', '-d', TRACKING);
  const before = refs(ci);
  const r = await resolveDeployRefs(ci, [B, 'environments/dev', B], { envs: new Map([['environments/dev', 'dev']]) });
  assert.equal([...r.value!.keys()], [B, 'environments/dev']);
  assert.equal(r.value!.get(B), { branch: B, remote: 'origin', source: 'remote', ref: TRACKING, commit: deploy });
  assert.equal(r.value!.get('environments/dev'), { branch: 'environments/dev', remote: 'origin', source: 'missing', absentOnRemote: true });
  assert.equal(r.diagnostics.map((d) => d.code), ['KF6002']);
  assert.match(r.diagnostics[0].hint!, 'npm run render -- dev --push');
  assert.equal(refs(ci), [...before, TRACKING].sort());
  assert.not.ok(fs.existsSync(path.join(ci, '.git', 'FETCH_HEAD')));
});

test.run();
