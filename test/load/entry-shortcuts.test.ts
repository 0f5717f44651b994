import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildDir } from '../../compiler/index.js';
import { isRemote, isRemoteByRules, resolveIn } from '../../compiler/load/files.js';
import { loadKustomizationFile, matchFields, matchFieldsByRules } from '../../compiler/load/loader.js';
import { memFs } from '../../compiler/fs.js';
import { PositionedYaml } from '../../compiler/load/kfile.js';
import { stackOf } from '../../compiler/transform/index.js';

/*
 * The shortcuts the loader takes for the usual kustomization entry (issue 15): each is held
 * to the general answer it stands for, on the inputs that exercise that answer's quirks.
 */

test('isRemote: the shortcut for local paths answers as the full rules, remote URLs and local look-alikes alike', () => {
  const entries = [
    // remote
    'https://github.com/org/repo//path?ref=v1',
    'HTTP://example.com/file.yaml',
    'ssh://git@github.com/org/repo',
    'file:///srv/repo',
    'git::https://example.com/org/repo',
    'GIT::git@github.com:org/repo',
    'git@github.com:org/repo.git',
    'github.com/org/repo',
    'GitHub.com/org/repo/sub?ref=main',
    'GITHUB.COM/org/repo',
    'github.com:org/repo',
    'github.com/org/repo.git',
    'user@host/org/_git/repo',
    'gitlab.com/org/_git/repo',
    // local, though they look a little like remote ones
    'github.com/repo',
    'github.com/',
    'github.com',
    'github.comx/org/repo',
    'githubXcom/org/repo',
    'GİTHUB.COM/org/repo',
    'gıthub.com/org/repo',
    'example.com/team/app',
    'gitlab.com/org/repo',
    '../../bases/app00001',
    'deployment.yaml',
    'dir/with@sign/file.yaml',
    'name?ref=x@y',
    'a:b/c/d',
    '/abs/github.com/org/repo',
    '/abs/git@host:repo',
    'C:\\repo\\base',
    '1user@host/org/repo',
    '',
    '?',
    '@',
    ':',
  ];
  for (const e of entries) assert.is(isRemote(e), isRemoteByRules(e), e);
  // (and the list holds both answers)
  assert.ok(entries.some((e) => isRemote(e)));
  assert.ok(entries.some((e) => !isRemote(e)));
  assert.ok(isRemote('github.com/org/repo') && isRemote('GitHub.com/org/repo/sub?ref=main'));
});

test('resolveIn gives path.resolve\'s answer: `..` steps, past the root, `.` names, empty names, trailing slashes', () => {
  const dirs = ['/', '/a', '/a/b', '/tmp/n5000/overlays/bench', '/a/b/', '/a/./b', '/a/../b', '//a', 'rel/dir'];
  const entries = [
    'x',
    'x/y.yaml',
    '../x',
    '../../bases/app00001',
    '../../../../../x',
    '..',
    '../',
    '../..',
    '.',
    './x',
    'x/./y',
    'x/../y',
    '../x/../y',
    'x//y',
    'x/',
    'x/.',
    'x/..',
    '/abs/x',
    '',
    '...',
    '..x',
    'x..',
    '.x',
    '../.x',
    '..../x',
    'a/..b',
    'a\\..\\b',
    '.../x',
    '../...',
  ];
  for (const d of dirs) for (const e of entries) assert.is(resolveIn(d, e), path.resolve(d, e), `${d} + ${e}`);
});

test('matchFields: the shortcut for exact, distinct keys matches as the full rules', () => {
  const known = ['path', 'patch', 'target', 'options'];
  const texts = [
    'path: a\n',
    'path: a\ntarget: {}\n',
    'target: {}\npatch: x\noptions: {}\npath: y\n',
    'path: a\npath: b\n',
    'Path: a\npath: b\n',
    'path: a\nPath: b\n',
    'PATH: a\n',
    'path: a\nunknown: b\n',
    'other: 1\n',
    'path: 1\npatch: 2\ntarget: 3\noptions: 4\nextra: 5\n',
    'path: 1\npatch: 2\npath: 3\n',
    '{}\n',
  ];
  for (const t of texts) {
    const m = new PositionedYaml('k.yaml', t, { uniqueKeys: false }).root!;
    const fast = matchFields(m, known);
    const full = matchFieldsByRules(m, known);
    assert.equal(
      fast.matched.map(([k, p]) => [k, p.key, p.keyLine]),
      full.matched.map(([k, p]) => [k, p.key, p.keyLine]),
      t,
    );
    assert.equal(
      fast.unknown.map((p) => p.keyLine),
      full.unknown.map((p) => p.keyLine),
      t,
    );
  }
});

test('stackOf names the directory after the last `bases` name, as splitting the path did', () => {
  const bySplit = (abs: string): string | undefined => {
    const parts = abs.split(path.sep);
    const i = parts.lastIndexOf('bases');
    return i >= 0 && i + 2 < parts.length ? parts[i + 1] : undefined;
  };
  const paths = [
    '/tmp/n5000/bases/app00001/deployment.yaml',
    '/bases/app/x.yaml',
    '/bases/app',
    '/bases',
    '/x/bases',
    '/x/bases/',
    '/x/bases//y.yaml',
    '/x/bases/app/bases/y.yaml',
    '/x/bases/app/bases',
    '/x/bases/app/more/bases/leaf',
    '/x/mybases/app/y.yaml',
    '/x/bases2/app/y.yaml',
    '/x/basesbases/app/y.yaml',
    'bases/app/y.yaml',
    'bases',
    '',
    '/',
    '/a/b/c',
  ];
  for (const p of paths) assert.is(stackOf(p), bySplit(p), p);
});

test('vars are read from the last key spelled exactly `vars`, as the kustomization\'s JSON object held them', () => {
  const v = (name: string) => `- name: ${name}\n  objref: {kind: ConfigMap, name: cm, apiVersion: v1}\n  fieldref: {fieldpath: metadata.name}\n`;
  const names = (text: string) => loadKustomizationFile(memFs({}), '/k/kustomization.yaml', `resources:\n- cm.yaml\n${text}`).value?.vars?.map((x) => x.name);
  assert.equal(names(`vars:\n${v('A')}`), ['A']);
  // (`Vars` matches the field, but the JSON object had no `vars` key: no vars, as before)
  assert.equal(names(`Vars:\n${v('A')}`), []);
  assert.equal(names(`vars:\n${v('A')}Vars:\n${v('B')}`), ['A']);
  assert.equal(names(`Vars:\n${v('B')}vars:\n${v('A')}`), ['A']);
});

/** A temporary tree (files by relative path; a value `{ link }` is a symlink to it). */
function tree(files: Record<string, string | { link: string }>): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-entries-')));
  for (const [f, v] of Object.entries(files)) {
    const p = path.join(dir, f);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    if (typeof v === 'string') fs.writeFileSync(p, v);
    else fs.symlinkSync(v.link, p);
  }
  return dir;
}

const CM = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

test('entries with `..`, `.` and doubled slashes, through a symlinked directory, load as written', () => {
  const dir = tree({
    'real/base/kustomization.yaml': 'resources:\n- cm.yaml\n',
    'real/base/cm.yaml': CM('base'),
    'linked': { link: 'real' },
    'app/overlay/kustomization.yaml':
      'resources:\n- ../../linked/base\n- ./own.yaml\n- sub//other.yaml\n- sub/../third.yaml\npatches:\n- path: ../overlay/./p.yaml\n',
    'app/overlay/own.yaml': CM('own'),
    'app/overlay/sub/other.yaml': CM('other'),
    'app/overlay/third.yaml': CM('third'),
    'app/overlay/p.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: own\ndata:\n  patched: "yes"\n',
  });
  try {
    const res = buildDir(path.join(dir, 'app/overlay'));
    assert.equal(res.diagnostics.filter((d) => d.severity === 'error'), []);
    for (const name of ['base', 'own', 'other', 'third']) assert.ok(res.output?.includes(`  name: ${name}\n`), name);
    assert.ok(res.output?.includes('patched: "yes"'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('load restrictions hold for `..` entries and symlinks: a file outside the root is refused at its entry (KF1008)', () => {
  const dir = tree({
    'shared/cm.yaml': CM('shared'),
    'shared/p.yaml': CM('shared'),
    'app/kustomization.yaml': 'resources:\n- own.yaml\n- ../shared/cm.yaml\n- link.yaml\n- ../app/own2.yaml\n',
    'app/own.yaml': CM('own'),
    'app/own2.yaml': CM('own2'),
    'app/link.yaml': { link: '../shared/cm.yaml' },
    'patched/kustomization.yaml': 'resources:\n- own.yaml\npatches:\n- path: p.yaml\n- path: ../shared/p.yaml\n- path: link.yaml\n',
    'patched/own.yaml': CM('shared'),
    'patched/p.yaml': CM('shared'),
    'patched/link.yaml': { link: '../shared/p.yaml' },
  });
  const refused = (res: { diagnostics: { code: string; location?: { file: string; line: number; column: number } }[] }) =>
    res.diagnostics.filter((d) => d.code === 'KF1008').map((d) => [d.location?.file, d.location?.line, d.location?.column]);
  const shown = (f: string) => {
    const rel = path.relative(process.cwd(), path.join(dir, f));
    return rel.startsWith('..') ? path.join(dir, f) : rel;
  };
  try {
    assert.equal(refused(buildDir(path.join(dir, 'app'))), [
      [shown('app/kustomization.yaml'), 3, 3],
      [shown('app/kustomization.yaml'), 4, 3],
    ]);
    assert.equal(refused(buildDir(path.join(dir, 'patched'))), [
      [shown('patched/kustomization.yaml'), 5, 9],
      [shown('patched/kustomization.yaml'), 6, 9],
    ]);
    for (const app of ['app', 'patched']) {
      const none = buildDir(path.join(dir, app), { loadRestrictor: 'LoadRestrictionsNone' });
      assert.equal(refused(none), [], app);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
