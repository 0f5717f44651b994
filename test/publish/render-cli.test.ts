import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copySourceTree, kforgeCli, linkBuild, repoRoot } from '../helpers.js';

// `npm run render -- ENV` end to end, in a temporary copy of this repository: the first
// run publishes, the second needs no build (same source tree), and the user's branch,
// index and working tree are untouched.
const root = repoRoot();
const cli = kforgeCli();

function sh(cwd: string, cmd: string, args: string[]) {
  const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com', NO_COLOR: '1' };
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', env });
}

test('render publishes, then says up to date without building; HEAD, index and work tree untouched', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-render-'));
  try {
    const repo = path.join(tmp, 'repo');
    fs.mkdirSync(repo);
    copySourceTree(repo);
    assert.is(sh(repo, 'git', ['init', '-q', '-b', 'main']).status, 0);
    // The compiled environment definitions and dependencies of this checkout.
    linkBuild(repo);
    sh(repo, 'git', ['add', '-A']);
    assert.is(sh(repo, 'git', ['commit', '-q', '-m', 'source']).status, 0);
    const index = fs.readFileSync(path.join(repo, '.git', 'index'));
    const head = sh(repo, 'git', ['rev-parse', 'HEAD']).stdout;

    const first = sh(repo, process.execPath, [cli, 'render', 'prod', '--timings']);
    assert.is(first.status, 0, first.stderr);
    assert.match(first.stdout, /published/);
    // --timings: one line on stderr, each phase once, in order, summing to no more than the total
    const timings = /^timings: (.*) total=(\d+)ms$/m.exec(first.stderr);
    assert.ok(timings, first.stderr);
    const phases = timings[1].split(' ').map((p) => /^([a-z.]+)=(\d+)ms$/.exec(p));
    assert.ok(phases.every(Boolean), timings[1]);
    const names = phases.map((m) => m![1]);
    for (const want of ['build', 'checks', 'emit', 'publish.objects', 'publish.ref']) assert.ok(names.includes(want), `${want} in ${timings[1]}`);
    assert.ok(names.indexOf('build') < names.indexOf('checks') && names.indexOf('emit') < names.indexOf('publish.objects'), timings[1]);
    assert.ok(phases.reduce((n, m) => n + Number(m![2]), 0) <= Number(timings[2]), timings[0]);
    assert.not.match(first.stdout, /timings:/);
    const tree = sh(repo, 'git', ['rev-parse', 'environments/prod^{tree}']).stdout.trim();
    assert.match(tree, /^[0-9a-f]{40}$/);

    const second = sh(repo, process.execPath, [cli, 'render', 'prod']);
    assert.is(second.status, 0, second.stderr);
    assert.match(second.stdout, /up to date .*source tree unchanged/);
    assert.is(sh(repo, 'git', ['rev-parse', 'environments/prod^{tree}']).stdout.trim(), tree);

    assert.is(sh(repo, 'git', ['rev-parse', 'HEAD']).stdout, head);
    assert.ok(fs.readFileSync(path.join(repo, '.git', 'index')).equals(index), 'index bytes unchanged');
    assert.is(sh(repo, 'git', ['status', '--porcelain']).stdout, '');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('a tampered deploy head (kforge\'s own message reused) is refused by the unchanged-source fast path, exit 2; --repair restores the render', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-render-'));
  try {
    const repo = path.join(tmp, 'repo');
    fs.mkdirSync(repo);
    copySourceTree(repo);
    sh(repo, 'git', ['init', '-q', '-b', 'main']);
    linkBuild(repo);
    sh(repo, 'git', ['add', '-A']);
    sh(repo, 'git', ['commit', '-q', '-m', 'source']);
    const first = sh(repo, process.execPath, [cli, 'render', 'prod']);
    assert.is(first.status, 0, first.stderr);
    const good = sh(repo, 'git', ['rev-parse', 'environments/prod']).stdout.trim();
    // someone edits kafka's manifest on the deploy branch and reuses kforge's commit message
    const other = path.join(tmp, 'other');
    assert.is(sh(tmp, 'git', ['clone', '-q', '-b', 'environments/prod', repo, other]).status, 0);
    const m = path.join(other, 'kafka', 'manifest.yaml');
    fs.writeFileSync(m, fs.readFileSync(m, 'utf8').replace(/replicas: \d+/, 'replicas: 0'));
    assert.is(sh(other, 'git', ['commit', '-q', '-a', '-C', good]).status, 0);
    assert.is(sh(other, 'git', ['push', '-q', 'origin', 'environments/prod']).status, 0);
    const tampered = sh(repo, 'git', ['rev-parse', 'environments/prod']).stdout.trim();

    const again = sh(repo, process.execPath, [cli, 'render', 'prod']);
    assert.is(again.status, 2, again.stdout + again.stderr);
    assert.not.match(again.stdout, /up to date/);
    assert.match(again.stderr, new RegExp(`error KF5007: environments/prod is at ${tampered.slice(0, 7)}`));
    assert.match(again.stderr, /kafka/);
    assert.match(again.stderr, /hint: .*--repair/);
    assert.is(sh(repo, 'git', ['rev-parse', 'environments/prod']).stdout.trim(), tampered, 'nothing written');

    const repaired = sh(repo, process.execPath, [cli, 'render', 'prod', '--repair']);
    assert.is(repaired.status, 0, repaired.stderr);
    assert.match(repaired.stdout, /published/);
    assert.is(sh(repo, 'git', ['rev-parse', 'environments/prod^']).stdout.trim(), tampered);
    assert.is(sh(repo, 'git', ['rev-parse', 'environments/prod^{tree}']).stdout.trim(), sh(repo, 'git', ['rev-parse', `${good}^{tree}`]).stdout.trim());
    const last = sh(repo, process.execPath, [cli, 'render', 'prod']);
    assert.is(last.status, 0, last.stderr);
    assert.match(last.stdout, /up to date .*source tree unchanged/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('without git on the PATH: KF5005 "cannot run git" with a hint, exit 2, no stack trace', () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-nogit-'));
  try {
    for (const args of [['render', 'prod'], ['diff', 'prod'], ['bootstrap', 'argocd', '--stdout']]) {
      const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', env: { PATH: empty, HOME: empty, NO_COLOR: '1' } });
      assert.is(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /error KF5005: cannot run git \(.*ENOENT.*\)\n {2}hint: install git/);
      assert.not.match(r.stderr, /\n\s+at /);
      assert.is(r.stdout, '');
    }
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
});

test.run();
