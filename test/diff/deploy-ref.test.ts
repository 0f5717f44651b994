/**
 * `kforge diff` finds the deploy branch in every checkout layout (issue 13, point 1 and
 * the diff half of point 4): a bare remote holds `main` and a rendered `environments/prod`;
 * the diff runs in a CI-layout clone (actions/checkout with fetch-depth 0: only
 * refs/remotes/origin/* and a detached HEAD), a shallow one (fetch-depth 1), a working
 * clone whose local deploy branch is behind the remote, a clone without a remote, a clone
 * whose remote has no deploy branch at all, and one whose remote is unreachable.
 * The clones borrow this checkout's dist/ and node_modules/ (linkBuild).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { kforgeCli, linkBuild, repoRoot, spawnCli } from '../helpers.js';

const ROOT = repoRoot();
const CLI = kforgeCli();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-diff-ref-'));
const src = path.join(tmp, 'src');
const bare = path.join(tmp, 'remote.git');
const BRANCH = 'environments/prod';

const ENV: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: tmp,
  LANG: 'C',
  LC_ALL: 'C',
  KFORGE_REDACT_KEY: 'deploy-ref-test-key',
  GIT_AUTHOR_NAME: 'kforge test',
  GIT_AUTHOR_EMAIL: 'test@kforge.invalid',
  GIT_COMMITTER_NAME: 'kforge test',
  GIT_COMMITTER_EMAIL: 'test@kforge.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  NO_COLOR: '1',
  // the run's shared compile cache (scripts/test.mjs), when there is one
  KFORGE_CACHE_DIR: process.env.KFORGE_CACHE_DIR,
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function kforge(cwd: string, ...args: string[]): Promise<Run> {
  return spawnCli(CLI, args, { cwd: cwd, env: ENV });
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function refs(cwd: string): string[] {
  return git(cwd, 'for-each-ref', '--format=%(refname)').split('\n').filter(Boolean).sort();
}

const show = (r: Run) => `exit ${r.code}\n--- stdout\n${r.stdout.slice(0, 3000)}\n--- stderr\n${r.stderr.slice(0, 3000)}`;

interface JsonDiff {
  environment: string;
  base: { ref: string | null; commit: string | null; source: string; label: string; local?: { ref: string; commit: string; relation: string; ahead?: number; behind?: number } };
  counts: { added: number; changed: number; removed: number; unchanged: number };
  risks: { code: string; level: string; message: string }[];
}

/** A clone laid out as actions/checkout leaves it: no local branch, a detached HEAD. */
function ciClone(name: string, depth?: number): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  git(dir, 'init', '-q');
  git(dir, 'remote', 'add', 'origin', bare);
  if (depth) {
    // what actions/checkout runs on a pull request with fetch-depth: 1 (src/ref-helper.ts getRefSpec):
    // the merge commit alone, under refs/remotes/pull/N/merge, checked out detached
    const sha = git(bare, 'rev-parse', 'refs/heads/main').trim();
    git(dir, 'fetch', '-q', '--no-tags', '--prune', '--no-recurse-submodules', `--depth=${depth}`, 'origin', `+${sha}:refs/remotes/pull/7/merge`);
    git(dir, 'checkout', '-q', '--detach', 'refs/remotes/pull/7/merge');
  } else {
    // fetch-depth: 0 (getRefSpecForAllHistory): every branch as refs/remotes/origin/*
    git(dir, 'fetch', '-q', '--prune', 'origin', '+refs/heads/*:refs/remotes/origin/*');
    git(dir, 'checkout', '-q', '--detach', 'origin/main');
  }
  fs.rmSync(path.join(dir, '.git', 'FETCH_HEAD'), { force: true });
  linkBuild(dir);
  return dir;
}

let rendered1 = '';

test.before(async () => {
  execFileSync('git', ['clone', '-q', ROOT, src], { env: ENV });
  git(src, 'remote', 'remove', 'origin');
  git(src, 'checkout', '-q', '-B', 'main');
  for (const b of git(src, 'branch', '--list', '--format=%(refname:short)').split('\n').filter((x) => x && x !== 'main')) git(src, 'branch', '-D', b);
  linkBuild(src);
  const r = await kforge(src, 'render', 'prod');
  if (r.code !== 0) throw new Error(show(r));
  rendered1 = git(src, 'rev-parse', `refs/heads/${BRANCH}`).trim();
  git(tmp, 'init', '-q', '--bare', bare);
  git(src, 'remote', 'add', 'origin', bare);
  git(src, 'push', '-q', 'origin', 'main', BRANCH);
  // the pull request: prod's Kafka volumes shrunk (an immutable field: a high risk), committed and pushed as main
  const k = path.join(src, 'overlays', 'prod', 'kustomization.yaml');
  const text = fs.readFileSync(k, 'utf8');
  if (text.split('value: 1Ti').length !== 2) throw new Error('overlays/prod no longer sizes the kafka volumes 1Ti');
  fs.writeFileSync(k, text.replace('value: 1Ti', 'value: 500Gi'));
  git(src, 'commit', '-q', '-am', 'prod: kafka volumes 500Gi');
  git(src, 'push', '-q', 'origin', 'main');
});

test.after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function assertRealChange(d: JsonDiff, r: Run): void {
  assert.equal(d.base.ref, `refs/remotes/origin/${BRANCH}`, show(r));
  assert.is(d.base.commit, rendered1);
  assert.is(d.base.source, 'remote');
  assert.is(d.counts.added, 0, JSON.stringify(d.counts));
  assert.is(d.counts.removed, 0, JSON.stringify(d.counts));
  assert.ok(d.counts.changed >= 1 && d.counts.unchanged > 50, JSON.stringify(d.counts));
  assert.ok(
    d.risks.some((x) => x.code === 'immutable-field' && x.level === 'high' && x.message.includes('kafka')),
    JSON.stringify(d.risks),
  );
}

test('CI layout (fetch-depth 0: refs/remotes/origin/*, detached HEAD): diff prod compares with origin/environments/prod', async () => {
  const ci = ciClone('ci');
  const before = refs(ci);
  assert.ok(!before.some((x) => x.startsWith('refs/heads/')), before.join('\n'));
  const [json, md, text] = await Promise.all([kforge(ci, 'diff', 'prod', '--format', 'json'), kforge(ci, 'diff', 'prod', '--format', 'markdown'), kforge(ci, 'diff', 'prod')]);
  assert.is(json.code, 1, show(json));
  const [d] = JSON.parse(json.stdout) as JsonDiff[];
  assertRealChange(d, json);
  assert.is(d.base.local, undefined, 'no local branch in a CI checkout');
  assert.is(md.code, 1, show(md));
  assert.match(md.stdout, `origin/${BRANCH}@${rendered1.slice(0, 7)}`);
  assert.match(md.stdout, '🔴 `prod`');
  assert.not.match(md.stdout, 'everything is new');
  assert.is(text.code, 1, show(text));
  assert.match(text.stdout, `compared with origin/${BRANCH} at ${rendered1.slice(0, 7)}`);
  // nothing but the remote-tracking ref was written: no local branch, no FETCH_HEAD
  assert.equal(refs(ci), before);
  assert.not.ok(fs.existsSync(path.join(ci, '.git', 'FETCH_HEAD')), 'FETCH_HEAD was written');
  assert.is(git(ci, 'rev-parse', 'HEAD').trim(), git(bare, 'rev-parse', 'main').trim(), 'HEAD untouched');
});

test('shallow CI layout (fetch-depth 1: the checked-out commit only): the fetch brings the deploy branch', async () => {
  const ci = ciClone('shallow', 1);
  assert.is(git(ci, 'rev-parse', '--is-shallow-repository').trim(), 'true');
  assert.equal(refs(ci), ['refs/remotes/pull/7/merge']);
  const r = await kforge(ci, 'diff', 'prod', '--format', 'json');
  assert.is(r.code, 1, show(r));
  const [d] = JSON.parse(r.stdout) as JsonDiff[];
  assertRealChange(d, r);
  assert.equal(refs(ci), [`refs/remotes/origin/${BRANCH}`, 'refs/remotes/pull/7/merge']);
  assert.is(git(ci, 'rev-list', '--count', `refs/remotes/origin/${BRANCH}`).trim(), '1', 'the tip alone');
  assert.is(git(ci, 'rev-parse', `refs/remotes/origin/${BRANCH}`).trim(), rendered1);
});

test('remote unreachable (offline): a warning, then the remote-tracking ref as last fetched', async () => {
  const ci = ciClone('offline');
  git(ci, 'remote', 'set-url', 'origin', path.join(tmp, 'no-such-remote.git'));
  const r = await kforge(ci, 'diff', 'prod', '--format', 'json');
  assert.is(r.code, 1, show(r));
  assert.match(r.stderr, /warning KF6003: cannot fetch environments\/prod from origin/);
  const [d] = JSON.parse(r.stdout) as JsonDiff[];
  assert.equal([d.base.ref, d.base.commit, d.base.source], [`refs/remotes/origin/${BRANCH}`, rendered1, 'remote-tracking']);
  assert.ok(d.risks.some((x) => x.code === 'immutable-field'), JSON.stringify(d.risks));
});

test('the remote has no deploy branch and there is none locally: a loud warning, "no deploy branch yet"', async () => {
  const empty = path.join(tmp, 'empty.git');
  git(tmp, 'init', '-q', '--bare', empty);
  git(src, 'push', '-q', empty, 'main');
  const dir = path.join(tmp, 'fresh');
  fs.mkdirSync(dir);
  git(dir, 'init', '-q');
  git(dir, 'remote', 'add', 'origin', empty);
  git(dir, 'fetch', '-q', 'origin', '+refs/heads/*:refs/remotes/origin/*');
  git(dir, 'checkout', '-q', '--detach', 'origin/main');
  linkBuild(dir);
  const [json, md, text] = await Promise.all([kforge(dir, 'diff', 'prod', '--format', 'json'), kforge(dir, 'diff', 'prod', '--format', 'markdown'), kforge(dir, 'diff', 'prod')]);
  for (const r of [json, md, text]) {
    assert.is(r.code, 1, show(r));
    assert.match(r.stderr, /warning KF6002: .*environments\/prod.*neither on origin nor locally/);
    assert.match(r.stderr, 'npm run render -- prod --push');
  }
  const [d] = JSON.parse(json.stdout) as JsonDiff[];
  assert.equal([d.base.ref, d.base.commit, d.base.source], [null, null, 'missing']);
  assert.ok(d.counts.added > 50 && d.counts.changed === 0, JSON.stringify(d.counts));
  assert.match(md.stdout, 'no deploy branch yet: everything is new');
  assert.match(text.stdout, 'no deploy branch yet: everything is new');
});

test('an explicit --remote that is not configured is a usage error (KF6003, exit 2, nothing on stdout)', async () => {
  const r = await kforge(src, 'diff', 'prod', '--remote', 'upstream');
  assert.is(r.code, 2, show(r));
  assert.match(r.stderr, /error KF6003: no remote named "upstream"/);
  assert.match(r.stderr, 'origin');
  assert.is(r.stdout, '');
});

test('a local deploy branch behind the remote: diff compares with the remote and says the local one is behind', async () => {
  // render the change and push it (as CI would after merging), then put the local branch back
  const r0 = await kforge(src, 'render', 'prod', '--push');
  assert.is(r0.code, 0, show(r0));
  const rendered2 = git(bare, 'rev-parse', `refs/heads/${BRANCH}`).trim();
  assert.is.not(rendered2, rendered1);
  git(src, 'update-ref', `refs/heads/${BRANCH}`, rendered1, rendered2);
  const [json, text] = await Promise.all([kforge(src, 'diff', 'prod', '--format', 'json'), kforge(src, 'diff', 'prod')]);
  assert.is(json.code, 0, show(json));
  const [d] = JSON.parse(json.stdout) as JsonDiff[];
  assert.equal([d.base.ref, d.base.commit, d.base.source], [`refs/remotes/origin/${BRANCH}`, rendered2, 'remote']);
  assert.equal(d.base.local, { ref: `refs/heads/${BRANCH}`, commit: rendered1, relation: 'behind', ahead: 0, behind: 1 });
  assert.equal([d.counts.added, d.counts.changed, d.counts.removed], [0, 0, 0]);
  assert.match(json.stderr, /warning KF6004: the local environments\/prod is 1 commit behind origin\/environments\/prod/);
  assert.is(text.code, 0, show(text));
  assert.match(text.stdout, `compared with origin/${BRANCH} at ${rendered2.slice(0, 7)}`);
  assert.match(text.stdout, 'local environments/prod is 1 commit behind');
  // diff never moves the user's branch
  assert.is(git(src, 'rev-parse', `refs/heads/${BRANCH}`).trim(), rendered1);
  git(src, 'update-ref', `refs/heads/${BRANCH}`, rendered2, rendered1);
});

test('no remote at all: the local deploy branch', async () => {
  const dir = path.join(tmp, 'noremote');
  git(tmp, 'clone', '-q', src, dir);
  git(dir, 'branch', '-q', BRANCH, `origin/${BRANCH}`);
  git(dir, 'remote', 'remove', 'origin');
  linkBuild(dir);
  const local = git(dir, 'rev-parse', BRANCH).trim();
  const r = await kforge(dir, 'diff', 'prod', '--format', 'json');
  assert.is(r.code, 0, show(r));
  const [d] = JSON.parse(r.stdout) as JsonDiff[];
  assert.equal([d.base.ref, d.base.commit, d.base.source], [`refs/heads/${BRANCH}`, local, 'local']);
  assert.not.match(r.stderr, 'KF600');
});

test.run();
