/**
 * The CLI contract through the real bin: --version, help, COMMAND --help (usage on stdout, exit
 * 0, every flag listed), usage errors that say what was wrong, flags missing their value, exit 2
 * with nothing on stdout, render --out FILE, diff --against a commit without overlays/,
 * --source-ref that names no commit. In a temporary clone of this repository.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { linkBuild, repoRoot, kforgeCli } from '../helpers.js';

const ROOT = repoRoot();
const CLI = kforgeCli();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-contract-'));
const repo = path.join(tmp, 'repo');
const ENV: NodeJS.ProcessEnv = {
  ...process.env,
  NO_COLOR: '1',
  GIT_AUTHOR_NAME: 'kforge test',
  GIT_AUTHOR_EMAIL: 'test@kforge.invalid',
  GIT_COMMITTER_NAME: 'kforge test',
  GIT_COMMITTER_EMAIL: 'test@kforge.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
};
delete ENV.KFORGE_DEBUG;

function kforge(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: repo, env: ENV, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
const show = (r: { code: number; stdout: string; stderr: string }) => `exit ${r.code}\n--- stdout\n${r.stdout.slice(0, 2000)}\n--- stderr\n${r.stderr.slice(0, 2000)}`;
const STACK = /^\s+at .*:\d+:\d+\)?$/m;

test.before(() => {
  execFileSync('git', ['clone', '-q', ROOT, repo], { env: ENV });
  linkBuild(repo);
});
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('--version, help, COMMAND --help: usage on stdout, exit 0', () => {
  const v = kforge('--version');
  assert.is(v.code, 0);
  assert.match(v.stdout, /^kforge \d+\.\d+\.\d+\n$/);
  const h = kforge('help');
  assert.is(h.code, 0);
  for (const c of ['build', 'check', 'render', 'diff', 'promote', 'edit', 'bootstrap']) assert.match(h.stdout, new RegExp(`\\n  ${c} `), c);
  const flags: Record<string, string[]> = {
    check: ['--format', '--baseline', '--write-baseline', '--waivers', '--env'],
    render: ['--push', '--remote', '--allow-dirty', '--allow-diverged', '--out', '--waivers', '--source-ref', '--repo-url', '--timings'],
    diff: ['--against', '--all', '--envs', '--format'],
    promote: ['--image', '--dry-run', '--format'],
    edit: ['--env', '--dir', '--no-verify'],
    build: ['--help'],
  };
  for (const [cmd, fs_] of Object.entries(flags)) {
    for (const form of [[cmd, '--help'], [cmd, '-h'], ['help', cmd]]) {
      const r = kforge(...form);
      assert.is(r.code, 0, `${form.join(' ')}: ${show(r)}`);
      assert.is(r.stderr, '', form.join(' '));
      assert.match(r.stdout, `usage: kforge ${cmd}`);
      for (const f of fs_) assert.match(r.stdout, f, `${cmd} usage lists ${f}`);
    }
  }
  assert.match(kforge('render', '--help').stdout, /--source-ref REF\s+the source branch or ref to record/);
});

test('usage errors say what was wrong; a flag missing its value is an error; exit 2, nothing on stdout', () => {
  const cases: [string[], RegExp][] = [
    [['check', 'prod', '--format', 'xml'], /unknown format xml; text, json or sarif/],
    [['check', 'prod', '--format'], /--format needs a value/],
    [['check', 'prod', '--format', '--baseline', 'x'], /--format needs a value/],
    [['diff', 'prod', '--format=yaml'], /unknown format yaml; text, markdown or json/],
    [['diff', 'prod', '--against'], /--against needs a value/],
    [['render', 'prod', '--out'], /--out needs a value/],
    [['promote', 'staging', 'prod', '--image'], /--image needs a value/],
    [['build', 'overlays/prod', '--bogus'], /unknown option --bogus for kforge build/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ];
  for (const [args, re] of cases) {
    const r = kforge(...args);
    assert.is(r.code, 2, `${args.join(' ')}: ${show(r)}`);
    assert.is(r.stdout, '', args.join(' '));
    assert.match(r.stderr, re, args.join(' '));
    assert.not.match(r.stderr, STACK);
  }
});

test('render --out FILE is a user error (exit 2, not KF9001); --source-ref must name a commit', () => {
  fs.writeFileSync(path.join(repo, 'out.txt'), 'x');
  const r = kforge('render', 'prod', '--out', 'out.txt');
  assert.is(r.code, 2, show(r));
  assert.is(r.stdout, '');
  assert.match(r.stderr, 'error KF1006: --out out.txt is a file');
  assert.not.match(r.stderr, 'KF9001');
  const s = kforge('render', 'prod', '--out', path.join(tmp, 'o'), '--source-ref', 'refs/heads/no-such-branch');
  assert.is(s.code, 2, show(s));
  assert.match(s.stderr, '--source-ref refs/heads/no-such-branch does not name a commit');
  assert.not.ok(fs.existsSync(path.join(tmp, 'o')));
});

test('diff --against a commit without overlays/ is a clear error, not a crash', () => {
  const empty = execFileSync('git', ['commit-tree', '4b825dc642cb6eb9a060e54bf8d69288fbee4904', '-m', 'empty'], { cwd: repo, env: ENV, encoding: 'utf8' }).trim();
  const r = kforge('diff', 'prod', '--against', empty);
  assert.is(r.code, 2, show(r));
  assert.is(r.stdout, '');
  assert.match(r.stderr, `error KF6001: ${empty} has no overlays/ folder`);
  assert.not.match(r.stderr, STACK);
});

test('exit 2 means nothing on stdout: a refused render prints its refusal on stderr', () => {
  fs.writeFileSync(path.join(repo, 'overlays', 'prod', 'kustomization.yaml'), fs.readFileSync(path.join(repo, 'overlays', 'prod', 'kustomization.yaml'), 'utf8') + '\n');
  const r = kforge('render', 'prod');
  assert.is(r.code, 2, show(r));
  assert.is(r.stdout, '');
  assert.match(r.stderr, 'KF5001');
  execFileSync('git', ['checkout', '--', 'overlays/prod/kustomization.yaml'], { cwd: repo });
});

test.run();
