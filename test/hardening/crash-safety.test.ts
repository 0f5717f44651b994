/**
 * Issue 7, part 5: a publish killed at any moment leaves the deploy branch at the old commit
 * or the new one — never a broken ref, a corrupt object store or a stale lock — and a later
 * render recovers. A remote that rejects the push is reported clearly and the local deploy
 * branch stays consistent with the remote. (test/publish/ covers the fault points
 * `after-objects` / `after-push` and one SIGKILL at the `ref` phase.)
 */
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import { mulberry32 } from '../helpers.js';
import * as assert from 'uvu/assert';
import { publish } from '../../compiler/publish/index.js';
import { cleanup, commitAll, git, initSource, planFrom, prod, revParse, tmp, writeApps } from '../publish/helpers.js';

const BRANCH = 'refs/heads/environments/prod';
const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'publish-child.js');

test.after.each(() => cleanup());

const rng = mulberry32;

/** Runs the child publish and SIGKILLs it after `delayMs` (if still running). */
function publishKilledAfter(repo: string, delayMs: number, mode = ''): Promise<{ killed: boolean; out: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    // The killed child cannot remove its scratch directory: give it a TMPDIR this test cleans up.
    const child = spawn(process.execPath, [CHILD, repo, mode], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: tmp('kforge-kill-tmp-') } });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL', out, ms: Date.now() - t0 });
    });
  });
}

/** The repository is sound: objects intact, the ref resolves to a commit, no lock left behind. */
function assertConsistent(repo: string, allowed: Array<string | undefined>, ctx: string): string | undefined {
  const head = revParse(repo, BRANCH);
  assert.ok(allowed.includes(head), `${ctx}: ${BRANCH} is ${head}, expected one of ${allowed.join(', ')}`);
  if (head) assert.is(git(repo, 'cat-file', '-t', head).trim(), 'commit', ctx);
  git(repo, 'fsck', '--no-dangling', '--no-progress', '--connectivity-only');
  assert.not.ok(fs.existsSync(path.join(repo, '.git', BRANCH + '.lock')), `${ctx}: stale ref lock`);
  assert.not.ok(fs.existsSync(path.join(repo, '.git', 'packed-refs.lock')), `${ctx}: stale packed-refs lock`);
  return head;
}

test('publish SIGKILLed at 10 random moments: the branch is old or new, fsck passes, the next render recovers', async () => {
  const { dir } = initSource({ web: { w: '0' }, api: { a: 'x' } });
  const first = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  assert.is(first.status, 'published');
  // Calibrate: how long does a whole child publish take here?
  writeApps(dir, { web: { w: 'cal' }, api: { a: 'x' } });
  commitAll(dir, 'calibrate');
  const cal = await publishKilledAfter(dir, 60_000);
  assert.not.ok(cal.killed);
  const span = Math.max(50, cal.ms);
  const random = rng(7);
  let old = revParse(dir, BRANCH);
  const seen = { old: 0, new: 0 };
  for (let i = 0; i < 10; i++) {
    writeApps(dir, { web: { w: String(i) }, api: { a: i % 2 ? 'x' : 'y' } });
    const src = commitAll(dir, `change ${i}`);
    const delay = Math.floor(random() * span * 1.1);
    await publishKilledAfter(dir, delay);
    const head = assertConsistent(dir, [old, ...(revParse(dir, BRANCH) !== old ? [revParse(dir, BRANCH)] : [])], `kill ${i} after ${delay} ms`);
    if (head !== old) {
      // A new head must be a complete render of this source on top of the old one.
      assert.is(revParse(dir, `${head}^`), old, `kill ${i}: new commit's parent`);
      assert.match(git(dir, 'log', '-1', '--format=%B', head!), src.slice(0, 7), `kill ${i}: new commit names its source`);
      seen.new++;
    } else seen.old++;
    const again = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
    assert.ok(['published', 'up-to-date'].includes(again.status), `kill ${i}: recovery ${again.status} ${JSON.stringify(again.diagnostics)}`);
    assert.is(again.status === 'up-to-date', head !== old, `kill ${i}: up to date exactly when the killed run had finished`);
    old = revParse(dir, BRANCH);
    assert.match(git(dir, 'log', '-1', '--format=%B', old!), src.slice(0, 7));
  }
  assert.is(Number(git(dir, 'rev-list', '--count', BRANCH).trim()), 12, 'one commit per source, no duplicates');
  assert.is(git(dir, 'status', '--porcelain'), '', 'the work tree is untouched');
  assert.ok(seen.old + seen.new === 10);
});

test('publish --push SIGKILLed at random moments: local and remote branches each old or new; the next push converges', async () => {
  const { dir } = initSource({ web: { w: '0' } });
  const remote = path.join(tmp(), 'remote.git');
  git(dir, 'clone', '-q', '--bare', dir, remote);
  const c = tmp();
  git(c, 'clone', '-q', remote, '.');
  const first = await publish({ repoDir: c, environment: prod, plan: planFrom(c, prod), push: true });
  assert.is(first.status, 'published', JSON.stringify(first.diagnostics));
  const random = rng(11);
  for (let i = 0; i < 2; i++) {
    writeApps(c, { web: { w: `p${i}` } });
    commitAll(c, `push change ${i}`);
    git(c, 'push', '-q', 'origin', 'HEAD:main');
    const oldRemote = revParse(remote, BRANCH);
    const oldLocal = revParse(c, BRANCH);
    await publishKilledAfter(c, Math.floor(50 + random() * 400), 'push');
    const r = revParse(remote, BRANCH);
    const l = revParse(c, BRANCH);
    assert.ok(r === oldRemote || revParse(remote, `${r}^`) === oldRemote, `push kill ${i}: remote ${r}`);
    assert.ok(l === oldLocal || l === r, `push kill ${i}: local ${l} is neither old ${oldLocal} nor the remote ${r}`);
    git(remote, 'fsck', '--no-dangling', '--no-progress', '--connectivity-only');
    git(c, 'fsck', '--no-dangling', '--no-progress', '--connectivity-only');
    const again = await publish({ repoDir: c, environment: prod, plan: planFrom(c, prod), push: true });
    assert.ok(['published', 'up-to-date'].includes(again.status), `push kill ${i}: ${again.status} ${JSON.stringify(again.diagnostics)}`);
    assert.is(revParse(c, BRANCH), revParse(remote, BRANCH), `push kill ${i}: local follows remote`);
  }
});

function hook(remote: string, name: string, body: string): void {
  const f = path.join(remote, 'hooks', name);
  fs.writeFileSync(f, `#!/bin/sh\n${body}\n`);
  fs.chmodSync(f, 0o755);
}

test('a remote update hook rejecting an existing branch: KF5003 with its message; local stays at the remote commit; recovers', async () => {
  const { dir } = initSource({ web: { w: '0' } });
  const remote = path.join(tmp(), 'remote.git');
  git(dir, 'clone', '-q', '--bare', dir, remote);
  const c = tmp();
  git(c, 'clone', '-q', remote, '.');
  const r1 = await publish({ repoDir: c, environment: prod, plan: planFrom(c, prod), push: true });
  assert.is(r1.status, 'published');
  hook(remote, 'update', 'case "$1" in refs/heads/environments/*) echo "remote: protected branch hook declined $1" >&2; exit 1;; esac\nexit 0');
  writeApps(c, { web: { w: '1' } });
  commitAll(c, 'one');
  git(c, 'push', '-q', 'origin', 'HEAD:main');
  const r2 = await publish({ repoDir: c, environment: prod, plan: planFrom(c, prod), push: true, retry: { sleep: async () => assert.unreachable('a hook rejection is not retried') } });
  assert.is(r2.status, 'failed');
  assert.equal(r2.diagnostics.map((d) => d.code), ['KF5003']);
  assert.match(r2.diagnostics[0].message, 'rejected');
  assert.ok((r2.diagnostics[0].notes ?? []).join('\n').includes('protected branch hook declined'), JSON.stringify(r2.diagnostics));
  assert.is(revParse(c, BRANCH), r1.commit, 'local deploy branch left at the commit the remote has');
  assert.is(revParse(remote, BRANCH), r1.commit);
  git(c, 'fsck', '--no-dangling', '--no-progress', '--connectivity-only');
  fs.rmSync(path.join(remote, 'hooks', 'update'));
  const r3 = await publish({ repoDir: c, environment: prod, plan: planFrom(c, prod), push: true });
  assert.is(r3.status, 'published', JSON.stringify(r3.diagnostics));
  assert.is(revParse(c, BRANCH), revParse(remote, BRANCH));
  assert.is(revParse(remote, `${BRANCH}^`), r1.commit);
});

test('an unreachable remote is a clear failure (no retry loop), and the local branch does not move', async () => {
  const { dir } = initSource({ web: { w: '0' } });
  const c = tmp();
  git(c, 'clone', '-q', dir, '.');
  const r1 = await publish({ repoDir: c, environment: prod, plan: planFrom(c, prod) });
  assert.is(r1.status, 'published');
  git(c, 'remote', 'set-url', 'origin', path.join(tmp(), 'gone.git'));
  writeApps(c, { web: { w: '1' } });
  commitAll(c, 'one');
  let sleeps = 0;
  const r2 = await publish({ repoDir: c, environment: prod, plan: planFrom(c, prod), push: true, retry: { sleep: async () => void sleeps++ } });
  assert.is(r2.status, 'failed');
  assert.ok(r2.diagnostics.length >= 1 && r2.diagnostics.every((d) => /^KF5\d{3}$/.test(d.code)), JSON.stringify(r2.diagnostics));
  assert.ok(sleeps <= 1, `retried ${sleeps} times`);
  assert.is(revParse(c, BRANCH), r1.commit);
  git(c, 'fsck', '--no-dangling', '--no-progress', '--connectivity-only');
});

test('a stale ref lock left by a crashed git is reported (KF5005), not silently ignored; removing it recovers', async () => {
  const { dir } = initSource({ web: { w: '0' } });
  const r1 = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  writeApps(dir, { web: { w: '1' } });
  commitAll(dir, 'one');
  const lock = path.join(dir, '.git', BRANCH + '.lock');
  fs.writeFileSync(lock, '');
  const r2 = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod), retry: { minDelayMs: 1, maxDelayMs: 2, attempts: 2 } });
  assert.is(r2.status, 'failed');
  assert.ok(r2.diagnostics.some((d) => d.code === 'KF5005'), JSON.stringify(r2.diagnostics));
  assert.is(revParse(dir, BRANCH), r1.commit);
  fs.rmSync(lock);
  const r3 = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  assert.is(r3.status, 'published');
});

test.run();
