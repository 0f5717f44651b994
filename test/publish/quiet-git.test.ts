/**
 * Git commands that can exit having printed nothing (publish/git.ts mayPrintNothing): simple-git
 * waits a fixed 50 ms after such a command, so Git.run spawns them with runWithInput instead.
 * A render paid it for `git notes add` (every hydrator note on a new deploy commit) and for
 * `status --porcelain` of a clean tree (every render). These cases pin that the wait is gone,
 * that the answers (stdout, exit codes, errors, the `-c` settings) are those of the simple-git
 * path, and that the hydrator note is the very object, tree, commit and ref history that a plain
 * `git notes add` makes (Argo CD reads it with `git notes --ref=hydrator.metadata show`).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Git, GitCommandError, GitUnavailableError, mayPrintNothing } from '../../compiler/publish/git.js';
import { hydratorNote, NOTES_REF } from '../../compiler/publish/notes.js';
import { sourcePersonEnv } from '../../compiler/publish/objects.js';
import type { SourceInfo } from '../../compiler/emit/plan.js';
import { cleanup, commitAll, git, initSource, tmp, withPath } from './helpers.js';

test.after.each(() => cleanup());

test('mayPrintNothing: the forms that can be silent, and not the ones that always print', () => {
  for (const silent of [
    ['notes', '--ref=refs/notes/kforge/tmp-1-1', 'add', '-f', '-m', '{"drySha":"x"}', 'HEAD'],
    ['--no-optional-locks', 'status', '--porcelain', '--untracked-files=normal'],
    ['merge-base', 'a', 'b'],
    ['rev-parse', '--verify', '--quiet', 'HEAD^{tree}'],
    ['read-tree', '--empty'],
    ['update-ref', 'refs/heads/x', 'a', 'b'],
    ['remote'],
    ['archive', '--format=tar', '--output=/tmp/x.tar', 'HEAD'],
  ]) {
    assert.ok(mayPrintNothing(silent), silent.join(' '));
  }
  for (const prints of [
    ['notes', '--ref=refs/notes/hydrator.metadata', 'show', 'HEAD'],
    ['--no-optional-locks', 'status', '--porcelain', '--branch', '--untracked-files=all'],
    ['rev-parse', '--verify', 'HEAD^{commit}'],
    ['update-index', '--verbose', '--add', '--cacheinfo', 'x'],
    ['cat-file', 'commit', 'HEAD'],
    ['push', '--porcelain', 'origin', 'a:b'],
  ]) {
    assert.not.ok(mayPrintNothing(prints), prints.join(' '));
  }
});

test('a git that prints nothing: Git.run never hands a form a render runs to simple-git (which waits 50 ms after silent output)', async () => {
  const { dir } = initSource({ web: { w: '0' } });
  // a `git` that prints nothing and exits at once (1 for merge-base: unrelated commits)
  const bin = tmp('kforge-silentgit-');
  fs.writeFileSync(path.join(bin, 'git'), '#!/bin/sh\nfor a in "$@"; do [ "$a" = "merge-base" ] && exit 1; done\nexit 0\n', { mode: 0o755 });
  await withPath(`${bin}${path.delimiter}${process.env.PATH ?? ''}`, async () => {
    const g = new Git(dir);
    // every simple-git call goes through Git's `with`: here it refuses (a structural check,
    // not a timing one, so a loaded machine cannot fail it)
    let handed = 0;
    (g as unknown as { with: () => never }).with = () => {
      handed++;
      throw new Error('handed to simple-git');
    };
    const forms: string[][] = [
      ['notes', '--ref=refs/notes/kforge/tmp-1-1', 'add', '-f', '-m', '{"drySha":"x"}', 'HEAD'],
      ['--no-optional-locks', 'status', '--porcelain', '--untracked-files=normal'],
      ['merge-base', 'a', 'b'],
      ['rev-parse', '--verify', '--quiet', 'HEAD^{tree}'],
      ['read-tree', '--empty'],
      ['remote'],
    ];
    for (const args of forms) assert.is(await g.tryRun(args), args[0] === 'merge-base' ? undefined : '', args.join(' '));
    assert.is(await g.relation('a'.repeat(40), 'b'.repeat(40)), 'diverged');
    assert.is(handed, 0);
    // and a form that prints does go to simple-git (the spy works)
    await g.tryRun(['cat-file', 'commit', 'HEAD']).catch(() => undefined);
    assert.is(handed, 1);
  });
});

test('the quiet path answers as the simple-git path: stdout, exit codes, git\'s message, the -c settings, no git', async () => {
  const { dir, sha } = initSource({ web: { w: '0' } });
  const g = new Git(dir);
  assert.is(await g.run(['--no-optional-locks', 'status', '--porcelain', '--untracked-files=normal']), '');
  // core.quotePath=false reaches git: the name is not C-quoted
  fs.writeFileSync(path.join(dir, 'café.txt'), 'x\n');
  assert.is(await g.run(['--no-optional-locks', 'status', '--porcelain', '--untracked-files=normal']), '?? café.txt\n');
  assert.is(await g.run(['rev-parse', '--verify', '--quiet', 'HEAD^{tree}']), git(dir, 'rev-parse', 'HEAD^{tree}'));
  assert.is(await g.tryRun(['rev-parse', '--verify', '--quiet', 'no-such-ref']), undefined);
  const e = await g.run(['read-tree', 'no-such-tree']).catch((x: unknown) => x);
  assert.ok(e instanceof GitCommandError);
  assert.is(e.exitCode, 128);
  assert.match(e.message, /no-such-tree/);
  assert.equal(e.args, ['read-tree', 'no-such-tree']);
  // GIT_INDEX_FILE reaches git
  const index = path.join(tmp(), 'index');
  await g.run(['read-tree', `${sha}^{tree}`], { GIT_INDEX_FILE: index });
  assert.ok(fs.existsSync(index));
  // the merge-base of unrelated commits exits 1 silently: relation() calls that diverged
  const orphan = git(dir, 'commit-tree', `${sha}^{tree}`, '-m', 'orphan').trim();
  assert.is(await g.relation(sha, orphan), 'diverged');
  await withPath(tmp('kforge-nogit-'), async () => {
    const none = await new Git(dir).run(['--no-optional-locks', 'status', '--porcelain']).catch((x: unknown) => x);
    assert.ok(none instanceof GitUnavailableError, String(none));
  });
});

test('the hydrator note is the object, tree, commit and ref history a plain `git notes add` makes', async () => {
  const { dir, sha: c0 } = initSource({ web: { w: '0' } }, 'c0');
  fs.writeFileSync(path.join(dir, 'f'), '1\n');
  const c1 = commitAll(dir, 'c1');
  const source = (s: string): SourceInfo => ({
    repoURL: '',
    sha: s,
    ref: '',
    subject: 's',
    body: '',
    author: { name: 'Ada Dev', email: 'ada@example.com', date: '2024-01-01T00:00:00Z' },
    committerDate: '2024-01-02T00:00:00Z',
    dirty: false,
  });
  // what the old code ran: `git notes --ref=… add -f -m TEXT COMMIT` with the source's person and dates
  const plain = (ref: string, commit: string, drySha: string) =>
    execFileSync('git', ['-c', 'gc.auto=0', 'notes', `--ref=${ref}`, 'add', '-f', '-m', `{"drySha":"${drySha}"}`, commit], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: tmp(), LANG: 'C', LC_ALL: 'C', GIT_CONFIG_NOSYSTEM: '1', ...sourcePersonEnv(source(drySha)) } as NodeJS.ProcessEnv,
      stdio: 'pipe',
    });
  const g = new Git(dir);
  const r1 = await hydratorNote({ git: g, commit: c0, source: source(c0) });
  assert.is(r1.status, 'added', JSON.stringify(r1.diagnostics));
  plain('refs/notes/plain', c0, c0);
  assert.is(r1.notesCommit, git(dir, 'rev-parse', 'refs/notes/plain').trim());
  // a second note on top: the same commit again, with the first as its parent
  const r2 = await hydratorNote({ git: g, commit: c1, source: source(c1) });
  assert.is(r2.status, 'added', JSON.stringify(r2.diagnostics));
  plain('refs/notes/plain', c1, c1);
  assert.is(r2.notesCommit, git(dir, 'rev-parse', 'refs/notes/plain').trim());
  assert.is(git(dir, 'rev-parse', NOTES_REF).trim(), r2.notesCommit);
  assert.is(git(dir, 'cat-file', '-p', NOTES_REF), git(dir, 'cat-file', '-p', 'refs/notes/plain'));
  assert.is(git(dir, 'cat-file', '-p', `${NOTES_REF}^{tree}`), git(dir, 'cat-file', '-p', 'refs/notes/plain^{tree}'));
  assert.equal(git(dir, 'log', '--format=%H %P %an <%ae> %ad %cn <%ce> %cd %s', '--date=raw', NOTES_REF).trim().split('\n').length, 2);
  assert.is(git(dir, 'log', '--format=%s', NOTES_REF), "Notes added by 'git notes add'\nNotes added by 'git notes add'\n");
  // as Argo CD reads it
  assert.is(git(dir, 'notes', '--ref=hydrator.metadata', 'show', c0), `{"drySha":"${c0}"}\n`);
  assert.is(git(dir, 'notes', '--ref=hydrator.metadata', 'show', c1), `{"drySha":"${c1}"}\n`);
  // no temporary notes ref is left
  assert.is(git(dir, 'for-each-ref', '--format=%(refname)', 'refs/notes/kforge/'), '');
});

test.run();
