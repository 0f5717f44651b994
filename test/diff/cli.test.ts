/**
 * `kforge diff` end to end, in a temporary clone of this repository: the deploy branch
 * missing, then written by `render`, a source change committed on top, `--against`,
 * `--all`, `--envs` and a bad ref. The clone borrows this checkout's dist/ (the compiled
 * environment definitions) and node_modules/ through symlinks.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { kforgeCli, linkBuild, repoRoot, spawnCli } from '../helpers.js';

const ROOT = repoRoot();
const CLI = kforgeCli();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-diff-cli-'));
const repo = path.join(tmp, 'repo');

const ENV: NodeJS.ProcessEnv = {
  ...process.env,
  KFORGE_REDACT_KEY: 'cli-test-key',
  GIT_AUTHOR_NAME: 'kforge test',
  GIT_AUTHOR_EMAIL: 'test@kforge.invalid',
  GIT_COMMITTER_NAME: 'kforge test',
  GIT_COMMITTER_EMAIL: 'test@kforge.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  NO_COLOR: '1',
  GITHUB_ACTIONS: '',
};
delete ENV.KFORGE_DEBUG;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function kforge(...args: string[]): Promise<Run> {
  return spawnCli(CLI, args, { cwd: repo, env: ENV });
}

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: repo, env: ENV, encoding: 'utf8' });
}

const show = (r: Run) => `exit ${r.code}\n--- stdout\n${r.stdout.slice(0, 3000)}\n--- stderr\n${r.stderr.slice(0, 3000)}`;

test.before(() => {
  execFileSync('git', ['clone', '-q', ROOT, repo], { env: ENV });
  linkBuild(repo);
  // No remote: the diff must not fetch this checkout's own deploy branches (deploy-ref.test.ts covers remotes).
  git('remote', 'remove', 'origin');
  // The deploy branches must start missing in the clone (only the source branch is checked out).
  for (const b of git('branch', '--list', '--format=%(refname:short)').split('\n').filter((x) => x.startsWith('environments/'))) git('branch', '-D', b);
});

test.after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('diff prod without its deploy branch: everything is added, exit 1', async () => {
  const r = await kforge('diff', 'prod', '--format', 'json');
  assert.is(r.code, 1, show(r));
  const [d] = JSON.parse(r.stdout) as { environment: string; base: { ref: string | null; commit: string | null; source: string; label: string }; counts: { added: number; changed: number; removed: number; unchanged: number } }[];
  assert.is(d.environment, 'prod');
  assert.equal(d.base, { ref: null, commit: null, source: 'missing', label: 'environments/prod (no deploy branch yet: everything is new)' });
  assert.match(r.stderr, 'warning KF6002');
  assert.ok(d.counts.added > 50, JSON.stringify(d.counts));
  assert.equal([d.counts.changed, d.counts.removed, d.counts.unchanged], [0, 0, 0]);
});

test('render prod, then diff prod: no change, exit 0', async () => {
  const rendered = await kforge('render', 'prod');
  assert.is(rendered.code, 0, show(rendered));
  assert.ok(git('rev-parse', '--verify', 'refs/heads/environments/prod').trim(), 'the deploy branch exists');
  const r = await kforge('diff', 'prod');
  assert.is(r.code, 0, show(r));
  assert.match(r.stdout, 'no changes');
  const sha = git('rev-parse', 'refs/heads/environments/prod').trim();
  assert.match(r.stdout, `compared with environments/prod at ${sha.slice(0, 7)} (the local branch; no remote)`);
  assert.is(r.stderr, '', 'no warning for a local branch without a remote');
});

test('an image change committed: diff prod lists it (exit 1); --against HEAD~1 --format json; --all markdown; --envs; a bad ref', async () => {
  const k = path.join(repo, 'overlays', 'prod', 'kustomization.yaml');
  const text = fs.readFileSync(k, 'utf8');
  assert.match(text, 'newTag: 1.9.0');
  fs.writeFileSync(k, text.replace('newTag: 1.9.0', 'newTag: 1.9.7'));
  git('commit', '-q', '-am', 'prod: im-service 1.9.7');

  // Independent read-only commands, run together.
  const [plain, against, all, envsDiffer, envsSame, bad] = await Promise.all([
    kforge('diff', 'prod'),
    kforge('diff', 'prod', '--against', 'HEAD~1', '--format', 'json'),
    kforge('diff', '--all', '--format', 'markdown'),
    kforge('diff', '--envs', 'staging', 'prod'),
    kforge('diff', '--envs', 'prod', 'prod'),
    kforge('diff', 'prod', '--against', 'nope'),
  ]);

  assert.is(plain.code, 1, show(plain));
  assert.match(plain.stdout, '+0 ~1 -0');
  assert.match(plain.stdout, 'Deployment kforge-prod/im-service');
  assert.match(plain.stdout, '- spec.template.spec.containers[name=im-service].image: ghcr.io/kforge-demo/im-service:1.9.0');
  assert.match(plain.stdout, '+ spec.template.spec.containers[name=im-service].image: ghcr.io/kforge-demo/im-service:1.9.7');

  assert.is(against.code, 1, show(against));
  const [j] = JSON.parse(against.stdout) as { environment: string; base: { ref: string; commit: string; source: string; label: string }; head: string; counts: Record<string, number>; changes: { kind: string; name: string; fields: { path: string; before: unknown; after: unknown }[] }[]; risks: { code: string }[] }[];
  assert.is(j.environment, 'prod');
  assert.match(j.base.label, /^HEAD~1@[0-9a-f]{7}$/);
  assert.equal([j.base.ref, j.base.source], ['HEAD~1', 'source-ref']);
  assert.is(j.base.commit, git('rev-parse', 'HEAD~1').trim());
  assert.equal({ added: j.counts.added, changed: j.counts.changed, removed: j.counts.removed }, { added: 0, changed: 1, removed: 0 });
  assert.equal(j.changes.map((c) => `${c.kind}/${c.name}`), ['Deployment/im-service']);
  assert.equal(j.changes[0].fields, [{ path: 'spec.template.spec.containers[name=im-service].image', kind: 'changed', before: 'ghcr.io/kforge-demo/im-service:1.9.0', after: 'ghcr.io/kforge-demo/im-service:1.9.7' }]);
  assert.equal(j.risks.map((x) => x.code), ['image']);

  // --all: every environment, staging and dev have no deploy branch (all added), prod one change.
  assert.is(all.code, 1, show(all));
  const md = all.stdout;
  assert.ok(md.startsWith('<!-- kforge-diff -->\n'), md.slice(0, 200));
  const envs = fs.readdirSync(path.join(repo, 'overlays')).filter((e) => fs.existsSync(path.join(repo, 'overlays', e, 'kustomization.yaml'))).sort();
  assert.ok(envs.includes('prod') && envs.includes('staging') && envs.includes('dev'), envs.join());
  const rows = md.split('\n').filter((l) => /^\| `[^`]+` \|/.test(l));
  assert.equal(rows.map((l) => /^\| `([^`]+)`/.exec(l)![1]).sort(), envs, 'one summary row per environment');
  assert.ok(rows.some((l) => /^\| `prod` \| 0 \| 1 \| 0 \| \d+ \|/.test(l)), rows.join('\n'));
  assert.ok(md.length <= 65536);
  assert.is(md.split('\n').filter((l) => /^`{3,}/.test(l)).length % 2, 0, 'code fences closed');

  assert.is(envsDiffer.code, 1, show(envsDiffer));
  assert.is(envsSame.code, 0, show(envsSame));
  assert.match(envsSame.stdout, 'no changes');

  assert.is(bad.code, 2, show(bad));
  assert.match(bad.stderr, 'KF6001');
  assert.match(bad.stderr, 'nope');
  assert.is(bad.stdout, '', 'nothing on stdout when the input is wrong');
});

test.run();
