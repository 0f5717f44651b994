/**
 * Signed deploy commits (issue 13): `sign` (render --sign, or sign: true in the environment) signs the commit
 * with git's own signing configuration; here an SSH key made by ssh-keygen (gpg.format = ssh), checked with
 * `git verify-commit` against an allowed-signers file. A signing failure is KF5009, and nothing is pushed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { publish } from '../../compiler/publish/index.js';
import { gitEnv } from '../../compiler/publish/git.js';
import { defineEnvironment, validateEnvironment } from '../../compiler/env.js';
import { cleanup, commitAll, git, initSource, planFrom, prod, revParse, tmp, writeApps } from './helpers.js';

const BRANCH = 'refs/heads/environments/prod';
const spec1 = { web: { 'web-config': 'a' } };
const hasSshKeygen = spawnSync('ssh-keygen', ['-?'], { encoding: 'utf8' }).error === undefined;

test.after.each(() => cleanup());

function sshKey(): { key: string; allowed: string } {
  const d = tmp();
  const key = path.join(d, 'deploy_key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'kforge-test', '-f', key]);
  const allowed = path.join(d, 'allowed_signers');
  fs.writeFileSync(allowed, `ada@example.com ${fs.readFileSync(key + '.pub', 'utf8')}`);
  return { key, allowed };
}

function configureSsh(dir: string, key: string, allowed: string): void {
  git(dir, 'config', 'gpg.format', 'ssh');
  git(dir, 'config', 'user.signingkey', key);
  git(dir, 'config', 'gpg.ssh.allowedSignersFile', allowed);
}

test('sign: the deploy commit is signed (git verify-commit passes), same tree as unsigned, deterministic per key', async () => {
  if (!hasSshKeygen) return console.log('  (skipped: no ssh-keygen)');
  const { dir } = initSource(spec1);
  const { key, allowed } = sshKey();
  configureSsh(dir, key, allowed);
  const unsigned = await publish({ repoDir: dir, environment: { ...prod, deployBranch: 'unsigned' }, plan: planFrom(dir, { ...prod, deployBranch: 'unsigned' }) });
  const r = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod), sign: true });
  assert.is(r.status, 'published', JSON.stringify(r.diagnostics));
  assert.is(revParse(dir, BRANCH), r.commit);
  const v = spawnSync('git', ['verify-commit', '--raw', r.commit!], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: tmp() } });
  assert.is(v.status, 0, v.stderr);
  assert.match(v.stderr, /Good "git" signature for ada@example.com/);
  assert.is(spawnSync('git', ['verify-commit', unsigned.commit!], { cwd: dir }).status, 1, 'the unsigned one is not');
  assert.is(r.tree, unsigned.tree);
  // the hydrator note is on the signed commit (the one on the branch), not on the unsigned one fast-import wrote
  assert.is(git(dir, 'notes', '--ref=refs/notes/hydrator.metadata', 'show', r.commit!).trim(), JSON.stringify({ drySha: git(dir, 'rev-parse', 'HEAD').trim() }));
  assert.is(git(dir, 'log', '-1', '--format=%B', BRANCH), git(dir, 'log', '-1', '--format=%B', 'refs/heads/unsigned'));
  assert.is(git(dir, 'log', '-1', '--format=%an %ae %ad %cn %ce %cd', '--date=raw', BRANCH), git(dir, 'log', '-1', '--format=%an %ae %ad %cn %ce %cd', '--date=raw', 'refs/heads/unsigned'));
  // the signed head is kforge's: the next render builds on it (and signs again, via the environment)
  writeApps(dir, { web: { 'web-config': 'b' } });
  commitAll(dir, 'b');
  const r2 = await publish({ repoDir: dir, environment: { ...prod, sign: true }, plan: planFrom(dir, prod) });
  assert.is(r2.status, 'published', JSON.stringify(r2.diagnostics));
  assert.is(git(dir, 'rev-parse', `${BRANCH}^`).trim(), r.commit);
  assert.is(spawnSync('git', ['verify-commit', r2.commit!], { cwd: dir }).status, 0);
  // SSH (Ed25519) signatures are deterministic: the same render in a clone with the same key gives the same id
  const other = tmp();
  git(other, 'clone', '-q', '--no-checkout', dir, '.');
  git(other, 'checkout', '-q', '--detach', 'main~1');
  git(other, 'update-ref', '-d', 'refs/remotes/origin/environments/prod');
  configureSsh(other, key, allowed);
  const r3 = await publish({ repoDir: other, environment: prod, plan: planFrom(other, prod), sign: true, repoURL: '', sourceRef: 'refs/heads/main' });
  assert.is(r3.commit, r.commit);
});

test('sign with promoteByPullRequest: the empty initial commit both branches start from is signed too, and built on', async () => {
  if (!hasSshKeygen) return console.log('  (skipped: no ssh-keygen)');
  const { dir } = initSource(spec1);
  const { key, allowed } = sshKey();
  configureSsh(dir, key, allowed);
  const env = { ...prod, promoteByPullRequest: true, sign: true };
  const r = await publish({ repoDir: dir, environment: env, plan: planFrom(dir, env) });
  assert.is(r.status, 'published', JSON.stringify(r.diagnostics));
  const initial = revParse(dir, BRANCH)!;
  assert.is(git(dir, 'log', '-1', '--format=%s', initial).trim(), 'Initial commit for environments/prod');
  assert.is(git(dir, 'rev-parse', `${r.commit}^`).trim(), initial);
  for (const c of [initial, r.commit!]) assert.is(spawnSync('git', ['verify-commit', c], { cwd: dir }).status, 0, c);
});

test('sign without a usable key: KF5009 with a hint, nothing pushed, the branch untouched', async () => {
  const { dir } = initSource(spec1);
  const remote = path.join(tmp(), 'remote.git');
  git(dir, 'init', '-q', '--bare', remote);
  git(dir, 'remote', 'add', 'origin', remote);
  git(dir, 'config', 'gpg.format', 'ssh');
  git(dir, 'config', 'user.signingkey', path.join(tmp(), 'no-such-key'));
  const r = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod), push: true, sign: true });
  assert.is(r.status, 'refused');
  assert.equal(r.diagnostics.map((d) => d.code), ['KF5009']);
  assert.match(r.diagnostics[0].hint!, /user.signingkey/);
  assert.is(revParse(remote, BRANCH), undefined);
  assert.is(revParse(dir, BRANCH), undefined);
});

test('the allow-listed git environment passes what signing needs (GNUPGHOME, GPG_TTY, SSH_AUTH_SOCK), nothing else', () => {
  const saved = { ...process.env };
  Object.assign(process.env, { GNUPGHOME: '/keys/gnupg', GPG_TTY: '/dev/pts/1', SSH_AUTH_SOCK: '/run/agent.sock', GIT_DIR: '/elsewhere' });
  try {
    const env = gitEnv();
    assert.is(env.GNUPGHOME, '/keys/gnupg');
    assert.is(env.GPG_TTY, '/dev/pts/1');
    assert.is(env.SSH_AUTH_SOCK, '/run/agent.sock');
    assert.is(env.GIT_DIR, undefined);
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
});

test('sign in the environment definition: a boolean, checked at load (KF4001)', () => {
  const ok = validateEnvironment(defineEnvironment({ name: 'prod', kubernetesVersion: '1.31', sign: true }), 'prod', 'overlays/prod/environment.ts');
  assert.equal(ok, []);
  const bad = validateEnvironment(defineEnvironment({ name: 'prod', kubernetesVersion: '1.31', sign: 'yes' as unknown as boolean }), 'prod', 'overlays/prod/environment.ts');
  assert.equal(bad.map((d) => d.code), ['KF4001']);
  assert.match(bad[0].message, /sign must be true or false/);
});

test.run();
