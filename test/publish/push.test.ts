import { test } from 'uvu';
import { mulberry32 } from '../helpers.js';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { publish, type PublishResult } from '../../compiler/publish/index.js';
import { cleanup, commitAll, filesAt, git, initSource, planFrom, prod, revParse, tmp, writeApps } from './helpers.js';

const BRANCH = 'refs/heads/environments/prod';

test.after.each(() => cleanup());

const seeded = mulberry32;

/** A source repository with n commits, a bare remote holding it, and n clones, clone i at commit i. */
function setup(n: number): { remote: string; shas: string[]; clones: string[] } {
  const { dir, sha } = initSource({ web: { w: '0' }, api: { a: 'x' } }, 'c0');
  const shas = [sha];
  for (let i = 1; i < n; i++) {
    writeApps(dir, { web: { w: String(i) }, api: { a: 'x' } });
    shas.push(commitAll(dir, `c${i}`));
  }
  const remote = path.join(tmp(), 'remote.git');
  git(dir, 'clone', '-q', '--bare', dir, remote);
  const clones = shas.map((s) => {
    const c = tmp();
    git(c, 'clone', '-q', '--no-checkout', remote, '.');
    git(c, 'checkout', '-q', '--detach', s);
    return c;
  });
  return { remote, shas, clones };
}

test('8 concurrent pushes from 8 clones end with the newest render and a linear history in source order', async () => {
  const { remote, shas, clones } = setup(8);
  // Started in a shuffled order (a seeded permutation of small delays), not in source order.
  const rand = seeded(42);
  const order = clones.map((_, i) => i).sort(() => rand() - 0.5);
  const delay = (i: number) => new Promise<void>((r) => setTimeout(r, order.indexOf(i) * 15));
  const results: PublishResult[] = await Promise.all(
    clones.map(async (c, i) => {
      await delay(i);
      return publish({
        repoDir: c,
        environment: prod,
        plan: planFrom(c, prod),
        push: true,
        sourceRef: 'refs/heads/main',
        repoURL: 'https://example.com/gitops.git',
        retry: { random: seeded(i + 1), minDelayMs: 20, maxDelayMs: 300 },
      });
    }),
  );
  for (const r of results) assert.ok(['published', 'up-to-date', 'superseded'].includes(r.status), JSON.stringify(r.diagnostics));
  assert.ok(results[7].status === 'published');
  // the newest rendering is on the branch
  const log = git(remote, 'log', '--format=%H %P%x00%B%x01', BRANCH)
    .split('\x01')
    .map((s) => s.trim())
    .filter(Boolean);
  const sources = log.map((entry) => {
    const [ids] = entry.split('\0');
    const parents = ids.split(' ').slice(1).filter(Boolean);
    assert.ok(parents.length <= 1, 'linear history');
    const m = /Source-Commit: ([0-9a-f]+)/.exec(entry);
    return shas.indexOf(m![1]);
  });
  assert.is(sources[0], 7);
  // newest first: strictly decreasing source order
  for (let i = 1; i < sources.length; i++) assert.ok(sources[i] < sources[i - 1], `source order ${sources.join(',')}`);
  // each commit's files are the rendering of its own Source-Commit
  const commits = log.map((entry) => entry.split(' ')[0]);
  commits.forEach((commit, k) => assert.ok(filesAt(remote, commit).get('web/manifest.yaml')!.includes(`value: "${sources[k]}"`), `commit ${k} holds source ${sources[k]}`));
  assert.ok(filesAt(remote, BRANCH).get('web/manifest.yaml')!.includes('value: "7"'));
  // every clone that published has its local branch at a commit of the remote
  for (let i = 0; i < 8; i++) {
    if (results[i].status !== 'published') continue;
    assert.is(revParse(clones[i], BRANCH), results[i].commit);
  }
});

test('a lost race is retried on the new remote head, reusing the plan, keeping the other commit', async () => {
  const { remote, clones } = setup(3);
  const [c0, c1, c2] = clones;
  const r0 = await publish({ repoDir: c0, environment: prod, plan: planFrom(c0, prod), push: true });
  assert.is(r0.status, 'published');
  // another clone prepares its render of an intermediate source commit on top of the remote's head
  git(c1, 'fetch', '-q', 'origin', 'environments/prod:environments/prod');
  const x = await publish({ repoDir: c1, environment: prod, plan: planFrom(c1, prod) });
  assert.is(x.status, 'published');
  let builds = 0;
  let raced = false;
  const sleeps: number[] = [];
  const r1 = await publish({
    repoDir: c2,
    environment: prod,
    plan: (s) => {
      builds++;
      return planFrom(c2, prod)(s);
    },
    push: true,
    retry: { random: () => 0.5, sleep: async (ms) => void sleeps.push(ms) },
    onProgress: (e) => {
      // it pushes between our fetch and our push
      if (e.phase === 'push' && !raced) {
        raced = true;
        git(c1, 'push', '-q', 'origin', 'environments/prod');
      }
    },
  });
  assert.is(r1.status, 'published', JSON.stringify(r1.diagnostics));
  assert.is(builds, 1);
  assert.is(r1.summary.attempts, 2);
  assert.equal(sleeps, [38]);
  assert.is(r1.previous, x.commit);
  assert.is(git(remote, 'rev-parse', `${BRANCH}^`).trim(), x.commit);
  assert.is(revParse(c2, BRANCH), r1.commit);
  // and publishing again is up to date against the remote
  const r2 = await publish({ repoDir: c2, environment: prod, plan: planFrom(c2, prod), push: true });
  assert.is(r2.status, 'up-to-date');
  // the older clone is superseded and its local branch follows the remote
  const r3 = await publish({ repoDir: c0, environment: prod, plan: planFrom(c0, prod), push: true });
  assert.is(r3.status, 'superseded');
  assert.is(revParse(c0, BRANCH), r1.commit);
});

test('a pre-receive hook that rejects gives KF5003 with git message; local branch untouched', async () => {
  const { remote, clones } = setup(1);
  const hook = path.join(remote, 'hooks', 'pre-receive');
  fs.writeFileSync(hook, '#!/bin/sh\necho "GH006: Protected branch update failed for refs/heads/environments/prod." >&2\nexit 1\n');
  fs.chmodSync(hook, 0o755);
  const c = clones[0];
  const r = await publish({ repoDir: c, environment: prod, plan: planFrom(c, prod), push: true, retry: { sleep: async () => assert.unreachable('no retry') } });
  assert.is(r.status, 'failed');
  assert.equal(r.diagnostics.map((d) => d.code), ['KF5003']);
  assert.ok(r.diagnostics[0].notes!.join('\n').includes('Protected branch update failed'));
  assert.is(revParse(c, BRANCH), undefined);
  assert.is(revParse(remote, BRANCH), undefined);
});

test('killed after the push was accepted but before the local ref moved: the next run is up to date', async () => {
  const { clones } = setup(1);
  const c = clones[0];
  const r = await publish({ repoDir: c, environment: prod, plan: planFrom(c, prod), push: true, faultAt: 'after-push' });
  assert.is(r.status, 'failed');
  assert.is(revParse(c, BRANCH), undefined);
  const r2 = await publish({ repoDir: c, environment: prod, plan: planFrom(c, prod), push: true });
  assert.is(r2.status, 'up-to-date');
  assert.ok(revParse(c, BRANCH));
});

test('--push over SSH: the ssh command and agent socket of the environment reach git; GIT_DIR and friends do not', async () => {
  const { remote, clones } = setup(1);
  const c = clones[0];
  // A stand-in for ssh: records what it was given, then runs the remote command locally.
  const bin = tmp();
  const log = path.join(bin, 'ssh.log');
  const fake = path.join(bin, 'fake-ssh');
  fs.writeFileSync(fake, `#!/bin/sh\necho "host=$1 agent=$SSH_AUTH_SOCK" >> '${log}'\nexec sh -c "$2"\n`);
  fs.chmodSync(fake, 0o755);
  git(c, 'remote', 'set-url', 'origin', `ssh://git@fake.example${remote}`);
  const saved = { ...process.env };
  Object.assign(process.env, {
    GIT_SSH_COMMAND: fake,
    GIT_SSH_VARIANT: 'simple',
    SSH_AUTH_SOCK: '/run/agent.sock',
    // a shell that happens to point git elsewhere must not redirect kforge's writes
    GIT_DIR: path.join(bin, 'not-a-repo'),
    GIT_WORK_TREE: bin,
    GIT_INDEX_FILE: path.join(bin, 'index'),
  });
  try {
    const r = await publish({ repoDir: c, environment: prod, plan: planFrom(c, prod), push: true });
    assert.is(r.status, 'published', JSON.stringify(r.diagnostics));
    assert.is(revParse(remote, BRANCH), r.commit);
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
  const calls = fs.readFileSync(log, 'utf8').trim().split('\n');
  assert.ok(calls.length >= 2, 'fetch and push went through ssh');
  for (const l of calls) assert.is(l, 'host=git@fake.example agent=/run/agent.sock');
  assert.not.ok(fs.existsSync(path.join(bin, 'index')));
});

test.run();
