/**
 * git 2.25 is the documented minimum, and `git fetch --no-write-fetch-head` came in 2.29 (Ubuntu
 * 20.04 ships 2.25). Every fetch publishing makes goes through Git.fetchRefs, which asks again
 * without the flag when git does not know it. A `git` on the PATH that refuses the flag as git
 * 2.28 does stands in for the old git: `render --push` publishes, a second source commit publishes
 * on top of the fetched head, the hydrator note is pushed, and a missing branch is still "absent".
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { publish } from '../../compiler/publish/index.js';
import { Git } from '../../compiler/publish/git.js';
import { cleanup, commitAll, git, initSource, olderGitPath, planFrom, prod, revParse, tmp, withPath, writeApps } from './helpers.js';

const BRANCH = 'refs/heads/environments/prod';
const NOTES_REF = 'refs/notes/hydrator.metadata';

/** A PATH whose `git` fails as git < 2.29 does on --no-write-fetch-head, and counts those refusals. */
const oldGitPath = () => olderGitPath('[ "$a" = "--no-write-fetch-head" ]', "error: unknown option `no-write-fetch-head'", 129);

test.after.each(() => cleanup());

test('render --push with a git that has no --no-write-fetch-head: publishes, publishes again on the fetched head, pushes the note', async () => {
  const { dir } = initSource({ web: { w: '0' } }, 'c0');
  const remote = path.join(tmp(), 'remote.git');
  git(dir, 'clone', '-q', '--bare', dir, remote);
  const c = tmp();
  git(c, 'clone', '-q', remote, '.');
  const old = oldGitPath();
  const r1 = await withPath(old.PATH, () => publish({ repoDir: c, environment: prod, plan: planFrom(c, prod), push: true }));
  assert.is(r1.status, 'published', JSON.stringify(r1.diagnostics));
  assert.is(revParse(remote, BRANCH), r1.commit);
  writeApps(c, { web: { w: '1' } });
  commitAll(c, 'c1');
  git(c, 'push', '-q', 'origin', 'main');
  const r2 = await withPath(old.PATH, () => publish({ repoDir: c, environment: prod, plan: planFrom(c, prod), push: true }));
  assert.is(r2.status, 'published', JSON.stringify(r2.diagnostics));
  assert.is(revParse(remote, BRANCH), r2.commit);
  assert.is(git(remote, 'rev-parse', `${r2.commit}^`).trim(), r1.commit);
  assert.is(git(remote, 'notes', `--ref=${NOTES_REF}`, 'show', r2.commit!), `{"drySha":"${git(c, 'rev-parse', 'HEAD').trim()}"}\n`);
  // the stand-in really refused: every fetch was asked twice
  assert.ok(old.refusals() >= 3, `refusals: ${old.refusals()}`);
});

test('Git.fetchRefs: fetched, absent, and a failure that is neither', async () => {
  const { dir } = initSource({ web: { w: '0' } }, 'c0');
  const remote = path.join(tmp(), 'remote.git');
  git(dir, 'clone', '-q', '--bare', dir, remote);
  const c = tmp();
  git(c, 'init', '-q');
  const old = oldGitPath();
  await withPath(old.PATH, async () => {
    const g = new Git(c);
    assert.is(await g.fetchRefs(remote, ['+refs/heads/main:refs/remotes/o/main']), 'fetched');
    assert.is(revParse(c, 'refs/remotes/o/main'), revParse(remote, 'refs/heads/main'));
    assert.is(await g.fetchRefs(remote, ['+refs/heads/nope:refs/remotes/o/nope']), 'absent');
    await g.fetchRefs(path.join(c, 'no-such-remote'), ['+refs/heads/main:refs/remotes/o/x']).then(
      () => assert.unreachable('a missing remote is an error'),
      (e: Error) => assert.match(e.message, /no-such-remote|does not appear to be a git repository/),
    );
  });
  // with this machine's git (>= 2.29): no FETCH_HEAD is written
  const d = tmp();
  git(d, 'init', '-q');
  assert.is(await new Git(d).fetchRefs(remote, ['+refs/heads/main:refs/remotes/p/main']), 'fetched');
  assert.ok(!fs.existsSync(path.join(d, '.git', 'FETCH_HEAD')));
});

test.run();
