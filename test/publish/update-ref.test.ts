/**
 * Git.run(['update-ref', …]) as one `update-ref --stdin` transaction (publish/git.ts): simple-git
 * waits 50 ms after every command that prints nothing, and `update-ref` prints nothing; the
 * transaction prints `start: ok` / `commit: ok`. These cases pin that every form publishing
 * uses keeps its meaning (compare and swap, must not exist, delete, --no-deref, the reflog
 * message, the exit code and git's "cannot lock ref" message), and that a git without `start`
 * (before 2.28) is asked the plain way.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Git, GitCommandError, updateRefTransaction } from '../../compiler/publish/git.js';
import { cleanup, git, initSource, olderGitPath, revParse, withPath } from './helpers.js';

test.after.each(() => cleanup());

test('updateRefTransaction: the forms publishing uses, and undefined for any other', () => {
  const A = 'a'.repeat(40);
  const B = 'b'.repeat(40);
  assert.equal(updateRefTransaction(['update-ref', '-m', 'kforge: render prod', 'refs/heads/x', A, B]), { options: ['-m', 'kforge: render prod'], input: `start\nupdate refs/heads/x ${A} ${B}\ncommit\n` });
  assert.equal(updateRefTransaction(['update-ref', 'refs/heads/x', A, '']), { options: [], input: `start\ncreate refs/heads/x ${A}\ncommit\n` });
  assert.equal(updateRefTransaction(['update-ref', '--no-deref', 'refs/notes/t', A]), { options: ['--no-deref'], input: `start\nupdate refs/notes/t ${A}\ncommit\n` });
  assert.equal(updateRefTransaction(['update-ref', '-d', 'refs/notes/t']), { options: [], input: 'start\ndelete refs/notes/t\ncommit\n' });
  assert.equal(updateRefTransaction(['update-ref', '-d', 'refs/notes/t', A]), { options: [], input: `start\ndelete refs/notes/t ${A}\ncommit\n` });
  for (const other of [['rev-parse', 'HEAD'], ['update-ref'], ['update-ref', 'refs/heads/x'], ['update-ref', '--stdin'], ['update-ref', 'refs/heads/x', 'a b'], ['update-ref', '-d', 'refs/heads/x', ''], ['update-ref', 'refs/heads/x', A, B, 'extra']]) {
    assert.is(updateRefTransaction(other), undefined, other.join(' '));
  }
});

test('update-ref through Git.run: create, compare-and-swap, a refused swap and create, delete, the reflog message', async () => {
  const { dir, sha: c0 } = initSource({ web: { w: '0' } }, 'c0');
  fs.writeFileSync(path.join(dir, 'f'), '1');
  git(dir, 'add', 'f');
  git(dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'c1');
  const c1 = revParse(dir, 'HEAD')!;
  const g = new Git(dir);
  const ref = 'refs/heads/environments/prod';
  assert.is(await g.run(['update-ref', '-m', 'kforge: create', ref, c0, '']), 'start: ok\ncommit: ok\n');
  assert.is(revParse(dir, ref), c0);
  // must not exist: refused, with git's message and exit code
  const exists = await g.run(['update-ref', ref, c1, '']).catch((e: unknown) => e);
  assert.ok(exists instanceof GitCommandError);
  assert.is(exists.exitCode, 128);
  assert.match(exists.message, /cannot lock ref/);
  assert.not.match(exists.message, /start: ok/);
  // compare and swap: a stale old value is refused, the right one moves the ref
  const stale = await g.run(['update-ref', ref, c1, c1]).catch((e: unknown) => e);
  assert.ok(stale instanceof GitCommandError && /cannot lock ref/.test(stale.message));
  assert.is(revParse(dir, ref), c0);
  await g.run(['update-ref', '-m', 'kforge: render prod from c1', ref, c1, c0]);
  assert.is(revParse(dir, ref), c1);
  assert.equal(git(dir, 'reflog', 'show', '--format=%gs', ref).trim().split('\n'), ['kforge: render prod from c1', 'kforge: create']);
  assert.is(await g.tryRun(['update-ref', ref, c0, c0]), undefined);
  // --no-deref on a temporary ref, then delete (also when it is already gone)
  await g.run(['update-ref', '--no-deref', 'refs/notes/kforge/tmp', c0]);
  assert.is(revParse(dir, 'refs/notes/kforge/tmp'), c0);
  await g.run(['update-ref', '-d', 'refs/notes/kforge/tmp']);
  assert.is(revParse(dir, 'refs/notes/kforge/tmp'), undefined);
  assert.is.not(await g.tryRun(['update-ref', '-d', 'refs/notes/kforge/tmp']), undefined);
});

test('a git without update-ref --stdin transactions (before 2.28) is asked the plain way, and the ref still moves by compare and swap', async () => {
  const { dir, sha: c0 } = initSource({ web: { w: '0' } }, 'c0');
  // as git 2.25 answers `start` on update-ref's stdin
  const old = olderGitPath('[ "$a" = "--stdin" ] && [ "$1" = "update-ref" ]', 'fatal: unknown command: start', 128);
  await withPath(old.PATH, async () => {
    const g = new Git(dir);
    const ref = 'refs/heads/environments/prod';
    await g.run(['update-ref', ref, c0, '']);
    assert.is(revParse(dir, ref), c0);
    const exists = await g.run(['update-ref', ref, c0, '']).catch((e: unknown) => e);
    assert.ok(exists instanceof GitCommandError && /cannot lock ref/.test(exists.message));
    assert.is(old.refusals(), 1, 'asked once, then the plain way');
  });
});

test.run();
