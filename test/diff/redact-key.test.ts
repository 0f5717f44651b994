/**
 * diff/sources.ts redactKeyFor: the key behind Secret placeholders (‹redacted 3f9a12c4 · 32 B›)
 * is kept in the repository's own git directory, found from a subfolder too and, in a worktree
 * or submodule (`.git` is a file), where that file points; never in the shared temporary folder,
 * where a key planted by someone else would turn placeholders into hashes they can test guesses
 * against.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { redactKeyFor } from '../../compiler/diff/sources.js';
import { cleanup, git, initSource, tmp } from '../publish/helpers.js';

test.after.each(() => cleanup());

/** Runs `fn` with TMPDIR (os.tmpdir()) pointed at a fresh folder holding a planted key, and KFORGE_REDACT_KEY unset. */
function withPlantedTmp<T>(fn: (tmpdir: string) => T): T {
  const dir = tmp('kforge-tmpdir-');
  fs.writeFileSync(path.join(dir, 'kforge-redact-key'), 'planted\n');
  const saved = { TMPDIR: process.env.TMPDIR, KFORGE_REDACT_KEY: process.env.KFORGE_REDACT_KEY };
  process.env.TMPDIR = dir;
  delete process.env.KFORGE_REDACT_KEY;
  try {
    assert.is(os.tmpdir(), dir);
    return fn(dir);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

test('a repository: the key is written once in .git, owner-only, and found from a subfolder', () => {
  const { dir } = initSource({ web: { w: '0' } });
  withPlantedTmp(() => {
    const key = redactKeyFor(dir);
    assert.match(key, /^[0-9a-f]{64}$/);
    const file = path.join(dir, '.git', 'kforge-redact-key');
    assert.is(fs.readFileSync(file, 'utf8').trim(), key);
    assert.is(fs.statSync(file).mode & 0o777, 0o600);
    assert.is(redactKeyFor(dir), key);
    fs.mkdirSync(path.join(dir, 'sub', 'deeper'), { recursive: true });
    assert.is(redactKeyFor(path.join(dir, 'sub', 'deeper')), key);
  });
});

test('a worktree (.git is a file): the key is kept in its git directory, not the planted one in the temporary folder', () => {
  const { dir } = initSource({ web: { w: '0' } });
  const wt = path.join(tmp('kforge-wt-'), 'tree');
  git(dir, 'worktree', 'add', '-q', '--detach', wt);
  assert.ok(fs.statSync(path.join(wt, '.git')).isFile());
  withPlantedTmp((tmpdir) => {
    const key = redactKeyFor(wt);
    assert.is.not(key, 'planted');
    assert.match(key, /^[0-9a-f]{64}$/);
    const gitDir = path.resolve(wt, git(wt, 'rev-parse', '--git-dir').trim());
    assert.is(fs.readFileSync(path.join(gitDir, 'kforge-redact-key'), 'utf8').trim(), key);
    assert.is(redactKeyFor(wt), key);
    // the planted file is untouched, nothing else was written there
    assert.equal(fs.readdirSync(tmpdir), ['kforge-redact-key']);
    assert.is(fs.readFileSync(path.join(tmpdir, 'kforge-redact-key'), 'utf8'), 'planted\n');
  });
});

test('outside a repository, or with a read-only git directory: a key for this run only, no file anywhere', () => {
  const plain = tmp('kforge-norepo-');
  withPlantedTmp((tmpdir) => {
    const a = redactKeyFor(plain);
    const b = redactKeyFor(plain);
    assert.match(a, /^[0-9a-f]{64}$/);
    assert.is.not(a, b);
    assert.equal(fs.readdirSync(plain), []);
    assert.equal(fs.readdirSync(tmpdir), ['kforge-redact-key']);
  });
  if (process.getuid?.() === 0) return; // root writes through a read-only mode
  const { dir } = initSource({ web: { w: '0' } });
  fs.chmodSync(path.join(dir, '.git'), 0o555);
  try {
    withPlantedTmp(() => {
      const a = redactKeyFor(dir);
      assert.match(a, /^[0-9a-f]{64}$/);
      assert.is.not(redactKeyFor(dir), a);
    });
  } finally {
    fs.chmodSync(path.join(dir, '.git'), 0o755);
  }
});

test('KFORGE_REDACT_KEY wins', () => {
  const { dir } = initSource({ web: { w: '0' } });
  const saved = process.env.KFORGE_REDACT_KEY;
  process.env.KFORGE_REDACT_KEY = 'from-the-environment';
  try {
    assert.is(redactKeyFor(dir), 'from-the-environment');
    assert.not.ok(fs.existsSync(path.join(dir, '.git', 'kforge-redact-key')));
  } finally {
    if (saved === undefined) delete process.env.KFORGE_REDACT_KEY;
    else process.env.KFORGE_REDACT_KEY = saved;
  }
});

test.run();
