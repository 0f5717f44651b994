// `render ENV` on this repository's own tree: a new source commit that changes nothing rendered
// (here an empty commit: same source tree, so render skips the build) still gets the hydrator note
// on the deploy head; and a one-app change touches only that app's files plus the root metadata.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copySourceTree, kforgeCli, linkBuild, repoRoot } from '../helpers.js';

const root = repoRoot();
const cli = kforgeCli();

function sh(cwd: string, cmd: string, args: string[]) {
  const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com', NO_COLOR: '1' };
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', env });
}

test('same source tree, new commit: up to date, and the note on the head names the new commit', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-render-note-'));
  try {
    const repo = path.join(tmp, 'repo');
    fs.mkdirSync(repo);
    copySourceTree(repo);
    assert.is(sh(repo, 'git', ['init', '-q', '-b', 'main']).status, 0);
    linkBuild(repo);
    sh(repo, 'git', ['add', '-A']);
    assert.is(sh(repo, 'git', ['commit', '-q', '-m', 'source']).status, 0);
    const first = sh(repo, process.execPath, [cli, 'render', 'prod']);
    assert.is(first.status, 0, first.stderr);
    const head = sh(repo, 'git', ['rev-parse', 'environments/prod']).stdout.trim();

    assert.is(sh(repo, 'git', ['commit', '-q', '--allow-empty', '-m', 'empty']).status, 0);
    const sha2 = sh(repo, 'git', ['rev-parse', 'HEAD']).stdout.trim();
    const second = sh(repo, process.execPath, [cli, 'render', 'prod']);
    assert.is(second.status, 0, second.stderr);
    assert.match(second.stdout, /up to date/);
    assert.is(sh(repo, 'git', ['rev-parse', 'environments/prod']).stdout.trim(), head);
    assert.is(sh(repo, 'git', ['notes', '--ref=refs/notes/hydrator.metadata', 'show', head]).stdout, `{"drySha":"${sha2}"}\n`);

    // the same tree from a commit unrelated to the head's source: not up to date by the fast path, and not noted:
    // the planner refuses it as diverged (KF5002), the note keeps naming sha2
    const orphan = sh(repo, 'git', ['commit-tree', 'HEAD^{tree}', '-m', 'orphan']).stdout.trim();
    assert.is(sh(repo, 'git', ['checkout', '-q', '--detach', orphan]).status, 0);
    const diverged = sh(repo, process.execPath, [cli, 'render', 'prod']);
    assert.is.not(diverged.status, 0, diverged.stdout);
    assert.match(diverged.stderr, /KF5002/);
    assert.is(sh(repo, 'git', ['notes', '--ref=refs/notes/hydrator.metadata', 'show', head]).stdout, `{"drySha":"${sha2}"}\n`);
    assert.is(sh(repo, 'git', ['checkout', '-q', 'main']).status, 0);

    // one app changed: its three files and the root metadata, nothing else
    const pdb = path.join(repo, 'bases', 'kafka', 'pdb.yaml');
    fs.writeFileSync(pdb, fs.readFileSync(pdb, 'utf-8').replace('  labels:\n', '  labels:\n    kforge-test: "1"\n'));
    sh(repo, 'git', ['commit', '-q', '-am', 'one app']);
    const third = sh(repo, process.execPath, [cli, 'render', 'prod']);
    assert.is(third.status, 0, third.stderr);
    const changed = sh(repo, 'git', ['diff', '--name-only', head, 'environments/prod']).stdout.trim().split('\n');
    assert.equal(changed, ['hydrator.metadata', 'kafka/README.md', 'kafka/hydrator.metadata', 'kafka/manifest.yaml']);
    // the head written with the unchanged apps' files kept is provably kforge's: the fast path (which verifies
    // provenance: recorded files, digests) calls it up to date, it is not refused as tampered
    const head3 = sh(repo, 'git', ['rev-parse', 'environments/prod']).stdout.trim();
    const fourth = sh(repo, process.execPath, [cli, 'render', 'prod']);
    assert.is(fourth.status, 0, fourth.stderr);
    assert.match(fourth.stdout, /up to date .*source tree unchanged/);
    assert.is(sh(repo, 'git', ['rev-parse', 'environments/prod']).stdout.trim(), head3);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test.run();
