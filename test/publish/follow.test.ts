/**
 * Issue 13, point 4: after `render --push`, the local deploy branch follows the remote's head: fast-forwarded
 * when it is behind or absent (after a push, and when the remote is up to date or newer), never moved backwards
 * or over local-only commits, which are reported (KF5005 warning with the command that fixes it) every time.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as path from 'node:path';
import { publish } from '../../compiler/publish/index.js';
import { cleanup, commitAll, git, initSource, planFrom, prod, revParse, tmp, writeApps } from './helpers.js';

const BRANCH = 'refs/heads/environments/prod';
test.after.each(() => cleanup());

function setup() {
  const { dir, sha } = initSource({ web: { w: '0' } }, 'c0');
  const remote = path.join(tmp(), 'remote.git');
  git(dir, 'clone', '-q', '--bare', dir, remote);
  const clone = () => {
    const c = tmp();
    git(c, 'clone', '-q', remote, '.');
    return c;
  };
  return { remote, sha, clone };
}
const push = (c: string) => publish({ repoDir: c, environment: prod, plan: planFrom(c, prod), push: true });

test('a stale local branch after another clone rendered and pushed: fast-forwarded when up to date or superseded', async () => {
  const { remote, clone } = setup();
  const a = clone();
  const b = clone();
  assert.is((await push(a)).status, 'published');
  writeApps(b, { web: { w: '1' } });
  commitAll(b, 'c1');
  git(b, 'push', '-q', 'origin', 'main');
  const rb = await push(b);
  assert.is(rb.status, 'published');
  // a is still at c0: superseded, and its local branch follows
  const ra = await push(a);
  assert.is(ra.status, 'superseded');
  assert.equal(ra.diagnostics, []);
  assert.is(revParse(a, BRANCH), rb.commit);
  // a fresh clone with no local branch: up to date, the branch appears at the remote's head
  const c = clone();
  const rc = await push(c);
  assert.is(rc.status, 'up-to-date');
  assert.is(revParse(c, BRANCH), revParse(remote, BRANCH));
  // the hydrator note names c1 on the head the local branch followed to, on the remote and locally
  const c1 = git(c, 'rev-parse', 'HEAD').trim();
  for (const d of [remote, c]) assert.is(git(d, 'notes', '--ref=refs/notes/hydrator.metadata', 'show', rb.commit!).trim(), JSON.stringify({ drySha: c1 }));
  // a's superseded render (from c0) wrote no note: the remote's note on that head still names c1
});

test('local-only commits on the deploy branch are never overwritten, and said so (KF5005 with the fix) also when the remote is up to date', async () => {
  const { remote, sha, clone } = setup();
  const a = clone();
  const rendered = await push(a);
  // c renders locally (no push) from a detached checkout: a commit the remote never got
  const c = clone();
  git(c, 'checkout', '-q', '--detach', sha);
  git(c, 'update-ref', '-d', 'refs/remotes/origin/environments/prod');
  const local = await publish({ repoDir: c, environment: prod, plan: planFrom(c, prod) });
  assert.is(local.status, 'published');
  assert.is.not(local.commit, rendered.commit);
  git(c, 'checkout', '-q', 'main');
  const r = await push(c);
  assert.is(r.status, 'up-to-date');
  assert.equal(r.diagnostics.map((d) => `${d.code} ${d.severity}`), ['KF5005 warning']);
  assert.match(r.diagnostics[0].hint!, new RegExp(`git update-ref ${BRANCH} ${revParse(remote, BRANCH)} ${local.commit}`));
  assert.is(revParse(c, BRANCH), local.commit, 'local-only commit kept');
});

test.run();
