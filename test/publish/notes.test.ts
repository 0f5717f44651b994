// The git note of Argo CD's source hydrator (refs/notes/hydrator.metadata, {"drySha": …}), which the
// GitOps Promoter reads to learn that an environment is hydrated for a source commit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { publish } from '../../compiler/publish/index.js';
import { hydratorNote, noteText, NOTES_REF } from '../../compiler/publish/notes.js';
import { Git } from '../../compiler/publish/git.js';
import { cleanup, commitAll, git, initSource, planFrom, prod, revParse, tmp } from './helpers.js';
import type { SourceInfo } from '../../compiler/emit/plan.js';

const BRANCH = 'refs/heads/environments/prod';
const spec = { web: { w: '1' }, api: { a: '1' } };

test.after.each(() => cleanup());

/** The note of `commit` in `dir` (as the Promoter reads it: git notes --ref=refs/notes/hydrator.metadata show). */
function note(dir: string, commit: string): string | undefined {
  try {
    return git(dir, 'notes', `--ref=${NOTES_REF}`, 'show', commit);
  } catch {
    return undefined;
  }
}

test('noteText is Go\'s json.Marshal of {drySha}', () => {
  assert.is(noteText('ab12'), '{"drySha":"ab12"}');
});

test('a hydrated commit carries the note {"drySha":"<source sha>"}', async () => {
  const { dir, sha } = initSource(spec);
  const r = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  assert.is(r.status, 'published', JSON.stringify(r.diagnostics));
  assert.is(note(dir, r.commit!), `{"drySha":"${sha}"}\n`);
  // the notes commit is deterministic: author, committer and dates of the source commit
  assert.is(git(dir, 'log', '-1', '--format=%an <%ae> %ad|%cn %cd', '--date=raw', NOTES_REF).trim(), git(dir, 'log', '-1', '--format=%an <%ae> %ad|%an %cd', '--date=raw', sha).trim());
});

test('a new source commit that changes no manifest: no new deploy commit, the note on the head names the new commit', async () => {
  const { dir, sha } = initSource(spec);
  const r1 = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  fs.writeFileSync(path.join(dir, 'NOTES.md'), 'not rendered\n');
  const sha2 = commitAll(dir, 'Docs only');
  const r2 = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  assert.is(r2.status, 'up-to-date', JSON.stringify(r2.diagnostics));
  assert.is(revParse(dir, BRANCH), r1.commit);
  assert.is(note(dir, r1.commit!), `{"drySha":"${sha2}"}\n`);
  // hydrator.metadata keeps the commit that produced the content (the Promoter tells a no-op by the difference)
  assert.is(JSON.parse(git(dir, 'show', `${BRANCH}:hydrator.metadata`)).drySha, sha);
  // rendering the older commit again does not move the note backwards
  git(dir, 'checkout', '-q', '--detach', sha);
  const r3 = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  assert.is(r3.status, 'up-to-date');
  assert.is(note(dir, r1.commit!), `{"drySha":"${sha2}"}\n`);
});

function bareRemote(dir: string): string {
  const remote = path.join(tmp(), 'remote.git');
  git(dir, 'clone', '-q', '--bare', dir, remote);
  return remote;
}

function clone(remote: string, rev?: string): string {
  const c = tmp();
  git(c, 'clone', '-q', '--no-checkout', remote, '.');
  git(c, 'checkout', '-q', '--detach', rev ?? 'origin/main');
  return c;
}

test('--push pushes the notes ref: on the published commit, and on the head when a later source changes nothing', async () => {
  const { dir } = initSource(spec);
  const remote = bareRemote(dir);
  const c1 = clone(remote);
  const sha1 = git(c1, 'rev-parse', 'HEAD').trim();
  const r1 = await publish({ repoDir: c1, environment: prod, plan: planFrom(c1, prod), push: true });
  assert.is(r1.status, 'published', JSON.stringify(r1.diagnostics));
  assert.is(note(remote, r1.commit!), `{"drySha":"${sha1}"}\n`);
  // the local notes ref follows the remote's
  assert.is(revParse(c1, NOTES_REF), revParse(remote, NOTES_REF));

  // a second source commit, elsewhere, that changes nothing rendered
  fs.writeFileSync(path.join(dir, 'NOTES.md'), 'docs\n');
  const sha2 = commitAll(dir, 'Docs only');
  git(dir, 'push', '-q', remote, 'main');
  const c2 = clone(remote);
  const r2 = await publish({ repoDir: c2, environment: prod, plan: planFrom(c2, prod), push: true });
  assert.is(r2.status, 'up-to-date', JSON.stringify(r2.diagnostics));
  assert.is(revParse(remote, BRANCH), r1.commit);
  assert.is(note(remote, r1.commit!), `{"drySha":"${sha2}"}\n`);
  // the notes ref only grew (fast-forward), as the Promoter's fetch of +refs/notes/hydrator.metadata expects
  assert.is(git(remote, 'rev-list', '--count', NOTES_REF).trim(), '2');
});

test('concurrent note pushes from four clones: each retries on the lease and no note is lost', async () => {
  const { dir } = initSource(spec);
  const remote = bareRemote(dir);
  // four distinct "hydrated" commits to annotate, all on the remote
  const commits: string[] = [];
  for (let i = 0; i < 4; i++) {
    fs.writeFileSync(path.join(dir, `f${i}`), `${i}\n`);
    commits.push(commitAll(dir, `c${i}`));
  }
  git(dir, 'push', '-q', remote, 'main');
  const clones = commits.map(() => clone(remote));
  const src = (sha: string): SourceInfo => ({
    repoURL: '',
    sha,
    ref: '',
    subject: 's',
    body: '',
    author: { name: 'Ada', email: 'ada@example.com', date: '2024-01-01T00:00:00Z' },
    committerDate: '2024-01-01T00:00:00Z',
    dirty: false,
  });
  const results = await Promise.all(
    clones.map((c, i) => hydratorNote({ git: new Git(c), commit: commits[i], source: src(commits[(i + 1) % 4]), push: true, retry: { attempts: 10, minDelayMs: 10, maxDelayMs: 100 } })),
  );
  for (const r of results) assert.is(r.status, 'added', JSON.stringify(r.diagnostics));
  for (let i = 0; i < 4; i++) assert.is(note(remote, commits[i]), `{"drySha":"${commits[(i + 1) % 4]}"}\n`);
});

test('a note git cannot write is a KF5005 result, not an exception', async () => {
  const { dir, sha } = initSource(spec);
  const source: SourceInfo = { repoURL: '', sha, ref: '', subject: 's', body: '', author: { name: 'Ada', email: 'a@example.com', date: '2024-01-01T00:00:00Z' }, committerDate: '2024-01-01T00:00:00Z', dirty: false };
  const r = await hydratorNote({ git: new Git(dir), commit: 'refs/heads/no-such-branch', source });
  assert.is(r.status, 'failed');
  assert.equal(r.diagnostics.map((d) => d.code), ['KF5005']);
  // a dirty render claims nothing
  assert.is((await hydratorNote({ git: new Git(dir), commit: sha, source: { ...source, dirty: true } })).status, 'skipped');
});

test('a remote that refuses the notes ref: the publish fails with KF5003, the branch is pushed, a re-run adds the note', async () => {
  const { dir } = initSource(spec);
  const remote = bareRemote(dir);
  const hook = path.join(remote, 'hooks', 'pre-receive');
  fs.writeFileSync(hook, '#!/bin/sh\nwhile read old new ref; do case "$ref" in refs/notes/*) echo "notes refused" >&2; exit 1;; esac; done\nexit 0\n');
  fs.chmodSync(hook, 0o755);
  const c = clone(remote);
  const r1 = await publish({ repoDir: c, environment: prod, plan: planFrom(c, prod), push: true });
  assert.is(r1.status, 'failed');
  assert.equal(r1.diagnostics.map((d) => d.code), ['KF5003']);
  assert.is(revParse(remote, BRANCH), r1.commit);
  fs.rmSync(hook);
  const r2 = await publish({ repoDir: c, environment: prod, plan: planFrom(c, prod), push: true });
  assert.is(r2.status, 'up-to-date', JSON.stringify(r2.diagnostics));
  assert.ok(note(remote, r1.commit!));
});

test.run();
