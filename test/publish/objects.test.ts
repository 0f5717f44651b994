/**
 * The object writer: fast-import and the temporary-index plumbing give the same commit for
 * the same input, write no ref, pack what they write, and skip what the base already has.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Git } from '../../compiler/publish/git.js';
import { ObjectWriter, fastImportPath, rawDate, type CommitSpec } from '../../compiler/publish/objects.js';
import { cleanup, git, tmp } from './helpers.js';

test.after.each(() => cleanup());

const who = { name: 'Ada Dev', email: 'ada@example.com', date: '1700000000 +0130' };

function repo(format: 'sha1' | 'sha256' = 'sha1'): string {
  const dir = tmp('kforge-obj-');
  git(dir, 'init', '-q', `--object-format=${format}`, '-b', 'main');
  return dir;
}

function spec(files: Record<string, string>, extra: Partial<CommitSpec> = {}): CommitSpec {
  return { base: undefined, stale: [], files: new Map(Object.entries(files)), message: 'render\n\nbody line\n\nTrailer: x\n', author: who, committer: { ...who, date: '1700000100 -0500' }, ...extra };
}

async function both(dir: string, s: CommitSpec) {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-obj-scratch-'));
  try {
    const a = await new ObjectWriter(new Git(dir), scratch).commit({ ...s, via: 'fast-import' });
    const b = await new ObjectWriter(new Git(dir), scratch).commit({ ...s, via: 'index' });
    return { a, b };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

const awkward = {
  'prod/web/manifest.yaml': 'kind: ConfigMap\n',
  'prod/with space/manifest.yaml': 'a: 1\n',
  'prod/quote"d/back\\slash.yaml': 'b: 2\n',
  'prod/ünïcode/manifest.yaml': 'c: 3\n',
  'prod/tab\there/x.yaml': 'd: 4\n',
  '"leading-quote.yaml': 'e: 5\n',
  'prod/empty.yaml': '',
};

for (const format of ['sha1', 'sha256'] as const) {
  test(`${format}: fast-import and the index path write the same root commit, byte for byte`, async () => {
    const dir = repo(format);
    const { a, b } = await both(dir, spec(awkward));
    assert.ok(a && b);
    assert.is(a!.via, 'fast-import');
    assert.is(b!.via, 'index');
    assert.is(a!.tree, b!.tree);
    assert.is(a!.commit, b!.commit);
    const files = git(dir, 'ls-tree', '-r', '-z', '--name-only', a!.commit).split('\0').filter(Boolean).sort();
    assert.equal(files, Object.keys(awkward).sort());
    assert.is(git(dir, 'show', `${a!.commit}:prod/quote"d/back\\slash.yaml`), 'b: 2\n');
    const raw = git(dir, 'cat-file', 'commit', a!.commit);
    assert.match(raw, /\nauthor Ada Dev <ada@example.com> 1700000000 \+0130\ncommitter Ada Dev <ada@example.com> 1700000100 -0500\n\nrender\n\nbody line\n\nTrailer: x\n$/);
    // no ref was written, not even the temporary one
    assert.is(git(dir, 'for-each-ref'), '');
  });
}

test('on a base: stale paths go, changed paths change, files kforge does not own stay; both paths agree', async () => {
  const dir = repo();
  const scratch = tmp('kforge-obj-scratch-');
  const first = await new ObjectWriter(new Git(dir), scratch).commit(spec({ 'prod/a/manifest.yaml': 'a\n', 'prod/b/manifest.yaml': 'b\n', 'ci.yaml': 'theirs\n' }));
  assert.ok(first);
  const next = spec({ 'prod/a/manifest.yaml': 'a2\n', 'prod/c/manifest.yaml': 'b\n' }, { base: first!.commit, stale: ['prod/b/manifest.yaml', 'prod/never-there.yaml'] });
  const { a, b } = await both(dir, next);
  assert.is(a!.commit, b!.commit);
  const files = git(dir, 'ls-tree', '-r', '--name-only', a!.commit).split('\n').filter(Boolean);
  assert.equal(files, ['ci.yaml', 'prod/a/manifest.yaml', 'prod/c/manifest.yaml']);
  assert.is(git(dir, 'rev-parse', `${a!.commit}^`).trim(), first!.commit);
});

test('nothing to change on the base: no commit, no objects', async () => {
  const dir = repo();
  const scratch = tmp('kforge-obj-scratch-');
  const files = { 'prod/a/manifest.yaml': 'a\n' };
  const first = await new ObjectWriter(new Git(dir), scratch).commit(spec(files));
  const before = git(dir, 'count-objects', '-v');
  const again = await new ObjectWriter(new Git(dir), scratch).commit(spec(files, { base: first!.commit, stale: ['prod/gone.yaml'] }));
  assert.is(again, undefined);
  assert.is(git(dir, 'count-objects', '-v'), before);
});

test('a file of another mode at a kforge path is rewritten as a regular file', async () => {
  const dir = repo();
  fs.writeFileSync(path.join(dir, 'm.yaml'), 'a\n');
  fs.chmodSync(path.join(dir, 'm.yaml'), 0o755);
  git(dir, 'add', 'm.yaml');
  git(dir, 'commit', '-q', '-m', 'exec');
  const base = git(dir, 'rev-parse', 'HEAD').trim();
  const w = await new ObjectWriter(new Git(dir), tmp('kforge-obj-scratch-')).commit(spec({ 'm.yaml': 'a\n' }, { base }));
  assert.ok(w);
  assert.match(git(dir, 'ls-tree', w!.commit), /^100644 blob /);
});

test('a large render lands in one pack: no loose object per blob or tree', async () => {
  const dir = repo();
  const files: Record<string, string> = {};
  for (let i = 0; i < 400; i++) files[`prod/app${i}/manifest.yaml`] = `kind: ConfigMap\nmetadata:\n  name: app${i}\n`;
  const w = await new ObjectWriter(new Git(dir), tmp('kforge-obj-scratch-')).commit(spec(files));
  assert.ok(w);
  const counts = Object.fromEntries(
    git(dir, 'count-objects', '-v')
      .trim()
      .split('\n')
      .map((l) => l.split(': ')),
  );
  assert.is(counts.count, '0'); // loose objects
  assert.is(Number(counts['in-pack']), 400 + 400 + 2 + 1); // blobs, app trees, prod + root trees, the commit
  assert.is(git(dir, 'fsck', '--no-dangling', '--connectivity-only', w!.commit).trim(), '');
});

test('rawDate: git raw dates pass; ISO dates with an offset convert; others are refused', () => {
  assert.is(rawDate('1700000000 +0130', 'ignored'), '1700000000 +0130');
  assert.is(rawDate(undefined, '2023-11-14T22:13:20Z'), '1700000000 +0000');
  assert.is(rawDate(undefined, '2023-11-14T23:43:20+01:30'), '1700000000 +0130');
  assert.is(rawDate('garbage', '2023-11-14T17:13:20-05:00'), '1700000000 -0500');
  assert.is(rawDate(undefined, 'yesterday'), undefined);
  assert.is(rawDate(undefined, '2023-11-14T22:13:20'), undefined); // no offset: ambiguous
});

test('fastImportPath quotes only what fast-import would misread', () => {
  assert.is(fastImportPath('prod/with space/m.yaml'), 'prod/with space/m.yaml');
  assert.is(fastImportPath('prod/ünïcode'), 'prod/ünïcode');
  assert.is(fastImportPath('a"b'), '"a\\"b"');
  assert.is(fastImportPath('a\\b'), '"a\\\\b"');
  assert.is(fastImportPath('a\nb\tc\x01'), '"a\\nb\\tc\\001"');
});

test('fast-import failing: the index path writes the same commit, says why, and no crash report is left in .git', async () => {
  const dir = repo();
  const bin = tmp('kforge-obj-bin-');
  const realGit = git(dir, '--exec-path').trim() + '/git';
  // a git whose fast-import dies the way a broken one would; everything else is the real git
  fs.writeFileSync(
    path.join(bin, 'git'),
    `#!/bin/sh\nfor a in "$@"; do if [ "$a" = fast-import ]; then exec "${realGit}" "$@" < /dev/null; fi; done\nexec "${realGit}" "$@"\n`,
  );
  fs.chmodSync(path.join(bin, 'git'), 0o755);
  const expected = await new ObjectWriter(new Git(repo()), tmp('kforge-obj-scratch-')).commit(spec(awkward));
  const savedPath = process.env.PATH;
  process.env.PATH = `${bin}:${savedPath}`;
  try {
    const w = await new ObjectWriter(new Git(dir), tmp('kforge-obj-scratch-')).commit(spec(awkward));
    assert.ok(w);
    assert.is(w!.via, 'index');
    assert.match(w!.fallbackReason ?? '', /fast-import|stream ends early|exited/);
    assert.is(w!.commit, expected!.commit);
  } finally {
    process.env.PATH = savedPath;
  }
  assert.equal(fs.readdirSync(path.join(dir, '.git')).filter((f) => f.startsWith('fast_import_crash')), []);
});

test.run();
