/**
 * compiler/fs.ts nodeFs(): real paths are resolved a directory at a time (a path's real path is
 * its directory's joined with its name, unless lstat says the name is a symlink), a YAML or JSON
 * file is opened and read before any lstat (which that answers), and a file is read into a
 * scratch buffer, fstat only for one that fills it. These cases pin the answers on symlinks at
 * every place of a path, on every kind of entry, and the load restrictor built on them.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nodeFs } from '../compiler/fs.js';
import { build } from '../compiler/transform/index.js';
import { writeFiles } from './helpers.js';
import { emitYaml } from '../compiler/emit/yaml.js';

const made: string[] = [];
function tmp(): string {
  // realpath: the temp folder may itself sit behind a symlink (macOS /tmp)
  const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-fs-')));
  made.push(d);
  return d;
}
test.after(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const write = writeFiles;

const CM = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "1"\n`;

test('nodeFs realPath: symlinks as the last name, in the middle of the path, chained, dangling, looping; missing paths', () => {
  const root = tmp();
  write(root, { 'real/dir/a.yaml': 'a', 'real/b.yaml': 'b' });
  fs.symlinkSync(path.join(root, 'real'), path.join(root, 'link')); // a directory in the middle
  fs.symlinkSync('dir/a.yaml', path.join(root, 'real', 'rel-a.yaml')); // a relative file link
  fs.symlinkSync(path.join(root, 'link', 'rel-a.yaml'), path.join(root, 'chain.yaml')); // link → link through a linked dir
  fs.symlinkSync(path.join(root, 'nowhere.yaml'), path.join(root, 'dangling.yaml'));
  fs.symlinkSync('loop2', path.join(root, 'loop1'));
  fs.symlinkSync('loop1', path.join(root, 'loop2'));
  const f = nodeFs();
  const real = (p: string) => f.realPath(path.join(root, p));
  assert.is(real('real/dir/a.yaml'), path.join(root, 'real/dir/a.yaml'));
  assert.is(real('link/dir/a.yaml'), path.join(root, 'real/dir/a.yaml'));
  assert.is(real('link/dir'), path.join(root, 'real/dir'));
  assert.is(real('link'), path.join(root, 'real'));
  assert.is(real('link/rel-a.yaml'), path.join(root, 'real/dir/a.yaml'));
  assert.is(real('chain.yaml'), path.join(root, 'real/dir/a.yaml'));
  assert.is(real('dangling.yaml'), undefined);
  assert.is(real('loop1'), undefined);
  assert.is(real('missing.yaml'), undefined);
  assert.is(real('real/b.yaml/under-a-file'), undefined);
  assert.is(real('link/missing/a.yaml'), undefined);
  // the same answers as libc realpath, asked again (memoised) and in another order
  for (const p of ['link/dir/a.yaml', 'chain.yaml', 'link/rel-a.yaml', 'real/b.yaml']) assert.is(real(p), fs.realpathSync.native(path.join(root, p)), p);
  assert.is(nodeFs().realPath(path.join(root, 'link/rel-a.yaml')), path.join(root, 'real/dir/a.yaml'));
  assert.is(f.realPath('/'), '/');
});

test('nodeFs stat and readFile follow symlinks; a directory, a dangling link and a missing file read as undefined', () => {
  const root = tmp();
  write(root, { 'real/dir/a.yaml': 'apiVersion: v1\n', 'empty.yaml': '' });
  fs.symlinkSync(path.join(root, 'real'), path.join(root, 'link'));
  fs.symlinkSync(path.join(root, 'real', 'dir', 'a.yaml'), path.join(root, 'file-link.yaml'));
  fs.symlinkSync(path.join(root, 'nowhere'), path.join(root, 'dangling'));
  const f = nodeFs();
  const at = (p: string) => path.join(root, p);
  assert.is(f.stat(at('link')), 'dir');
  assert.is(f.stat(at('link/dir')), 'dir');
  assert.is(f.stat(at('file-link.yaml')), 'file');
  assert.is(f.stat(at('link/dir/a.yaml')), 'file');
  assert.is(f.stat(at('dangling')), undefined);
  assert.is(f.stat(at('missing')), undefined);
  const text = (p: string) => {
    const b = f.readFile(at(p));
    return b === undefined ? undefined : new TextDecoder().decode(b);
  };
  assert.is(text('file-link.yaml'), 'apiVersion: v1\n');
  assert.is(text('link/dir/a.yaml'), 'apiVersion: v1\n');
  assert.is(text('empty.yaml'), '');
  assert.is(text('link'), undefined);
  assert.is(text('dangling'), undefined);
  assert.is(text('missing'), undefined);
});

test('load restrictor: a resource under a symlinked subdirectory is refused when the link leaves the root (KF1008), read when it stays inside', () => {
  const root = tmp();
  const outside = tmp();
  write(outside, { 'stolen/secret.yaml': CM('stolen') });
  write(root, { 'app/kustomization.yaml': 'resources:\n- web.yaml\n- sub/secret.yaml\n', 'app/web.yaml': CM('web'), 'app/inner/cm.yaml': CM('inner') });
  fs.symlinkSync(path.join(outside, 'stolen'), path.join(root, 'app', 'sub'));
  const refused = build(path.join(root, 'app'), { fs: nodeFs() });
  assert.is(refused.value, undefined);
  const d = refused.diagnostics.find((x) => x.code === 'KF1008');
  assert.ok(d, JSON.stringify(refused.diagnostics));
  assert.match(d!.message, path.join(outside, 'stolen', 'secret.yaml'));
  assert.is(d!.location?.line, 3);
  // the same entry through a link that stays under the root builds
  fs.unlinkSync(path.join(root, 'app', 'sub'));
  fs.symlinkSync(path.join(root, 'app', 'inner'), path.join(root, 'app', 'sub'));
  fs.writeFileSync(path.join(root, 'app', 'kustomization.yaml'), 'resources:\n- web.yaml\n- sub/cm.yaml\n');
  const ok = build(path.join(root, 'app'), { fs: nodeFs() });
  assert.is(ok.diagnostics.filter((x) => x.severity === 'error').length, 0, JSON.stringify(ok.diagnostics));
  assert.equal(ok.value?.resources.map((r) => r.object.metadata && (r.object.metadata as { name: string }).name), ['inner', 'web']);
});

test('load restrictor: a root reached through a symlinked ancestor reads its own files, and refuses a link out of it', () => {
  const base = tmp();
  write(base, { 'repo/app/kustomization.yaml': 'resources:\n- web.yaml\n- out.yaml\n', 'repo/app/web.yaml': CM('web'), 'secret.yaml': CM('stolen') });
  fs.symlinkSync(path.join(base, 'repo'), path.join(base, 'repo-link'));
  fs.symlinkSync(path.join(base, 'secret.yaml'), path.join(base, 'repo', 'app', 'out.yaml'));
  const r = build(path.join(base, 'repo-link', 'app'), { fs: nodeFs() });
  const codes = r.diagnostics.filter((x) => x.severity === 'error').map((x) => x.code);
  assert.equal(codes, ['KF1008']);
  fs.unlinkSync(path.join(base, 'repo', 'app', 'out.yaml'));
  fs.writeFileSync(path.join(base, 'repo', 'app', 'kustomization.yaml'), 'resources:\n- web.yaml\n');
  const ok = build(path.join(base, 'repo-link', 'app'), { fs: nodeFs() });
  assert.is(ok.diagnostics.filter((x) => x.severity === 'error').length, 0, JSON.stringify(ok.diagnostics));
  assert.is(ok.value?.resources.length, 1);
});

/** A directory holding every kind of entry, under names a build opens first and others; and the names to ask about. */
function oddTree(root: string): { d: string; names: string[] } {
  write(root, { 'd/a.yaml': 'a', 'd/B.yaml': 'b', 'd/sub/c.yaml': 'c', 'd/café.yaml': 'nfc', 'd/ .yaml': 'space', 'd/kustomization.yaml': 'k' });
  const d = path.join(root, 'd');
  fs.symlinkSync('a.yaml', path.join(d, 'to-file'));
  fs.symlinkSync('sub', path.join(d, 'to-dir'));
  fs.symlinkSync('nowhere', path.join(d, 'dangling'));
  spawnSync('mkfifo', [path.join(d, 'fifo')]);
  // names a build opens first (.yaml, .yml, .json): every kind of entry under such a name
  spawnSync('mkfifo', [path.join(d, 'fifo.yaml')]);
  fs.writeFileSync(path.join(d, 'empty.yaml'), '');
  fs.writeFileSync(path.join(d, 'big.json'), '[' + '1,'.repeat(40_000) + '1]');
  fs.mkdirSync(path.join(d, 'folder.yml'));
  fs.symlinkSync('a.yaml', path.join(d, 'link-to-file.yaml'));
  fs.symlinkSync('sub', path.join(d, 'link-to-dir.yaml'));
  fs.symlinkSync('nowhere.yaml', path.join(d, 'dangling.yaml'));
  fs.symlinkSync('/dev/null', path.join(d, 'null.yaml'));
  const names = ['fifo.yaml', 'empty.yaml', 'big.json', 'folder.yml', 'link-to-file.yaml', 'link-to-dir.yaml', 'dangling.yaml', 'null.yaml', 'missing.json', 'a.yaml/x.yaml', 'a.yaml', 'B.yaml', 'b.yaml', 'A.yaml', 'sub', 'SUB', 'sub/c.yaml', 'café.yaml', 'cafe\u0301.yaml', ' .yaml', 'to-file', 'to-dir', 'to-dir/c.yaml', 'dangling', 'fifo', 'missing', 'kustomization.yml', 'Kustomization', 'kustomization.yaml', 'a.yaml/x', '.', '..'];
  return { d, names };
}

const wantKind = (p: string): 'file' | 'dir' | undefined => {
  try {
    const s = fs.statSync(p);
    return s.isFile() ? 'file' : s.isDirectory() ? 'dir' : undefined;
  } catch {
    return undefined;
  }
};
const wantReal = (p: string): string | undefined => {
  try {
    return fs.realpathSync.native(p);
  } catch {
    return undefined;
  }
};

/** Asks `f` about every name under `d`, in `order`: each answer is Node's. */
function askAll(f: ReturnType<typeof nodeFs>, d: string, order: string[]): void {
  for (const n of order) {
    const p = path.join(d, n);
    assert.is(f.stat(p), wantKind(p), `stat ${n}`);
    assert.is(f.realPath(p), wantReal(p), `realPath ${n}`);
    if (wantKind(p) === 'file') assert.ok(Buffer.from(f.readFile(p) ?? []).equals(fs.readFileSync(p)), `readFile ${n}`);
  }
}

/** forwards, backwards and interleaved */
const orders = (names: string[]): string[][] => [names, [...names].reverse(), names.filter((_, i) => i % 2).concat(names.filter((_, i) => !(i % 2)))];

test('nodeFs answers from a directory listing as lstat and stat would: every kind of entry, case variants, odd names, in any order', () => {
  const { d, names } = oddTree(tmp());
  // paths not in normal form (as written, not joined): trailing or doubled slashes, . and ..
  const f0 = nodeFs();
  for (const raw of ['sub/', 'sub//c.yaml', './a.yaml', 'sub/../a.yaml', 'to-dir/', 'to-dir/./c.yaml', 'a.yaml/', 'missing/', '.', '..', 'sub/.']) {
    const p = `${d}/${raw}`;
    assert.is(f0.realPath(p), wantReal(p), `realPath ${raw}`);
  }
  // the first question about a directory is an lstat, later ones come from its listing
  for (const order of orders(names)) askAll(nodeFs(), d, order);
});

/** Waits (the worker runs meanwhile) until `f`'s read-ahead worker has answered `n` paths. */
async function answered(f: ReturnType<typeof nodeFs>, n: number): Promise<void> {
  for (let waited = 0; f.readAheadStats().answered < n; waited += 20) {
    if (waited > 20_000) assert.unreachable(`the read-ahead worker answered ${f.readAheadStats().answered} of ${n} paths in 20 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('nodeFs read ahead: what the worker answers for a listed directory and its files, and for listed paths of every kind, is what Node answers', async () => {
  const root = tmp();
  const { d, names } = oddTree(root);
  // a list long enough to be read ahead: the odd directory, every odd name in it, and 250 plain files
  const plain: string[] = [];
  for (let i = 0; i < 250; i++) plain.push(`plain/p${i}.yaml`);
  write(root, Object.fromEntries(plain.map((p) => [p, CM(path.basename(p, '.yaml'))])));
  for (const order of orders(names)) {
    const f = nodeFs();
    const list = [d, path.join(d, 'sub'), ...order.map((n) => path.join(d, n)), ...plain.map((p) => path.join(root, p))];
    f.readAhead!(list);
    await answered(f, new Set(list).size);
    askAll(f, d, order);
    askAll(f, root, plain);
  }
  // a short list is not read ahead: no worker
  const f = nodeFs();
  f.readAhead!(plain.slice(0, 10).map((p) => path.join(root, p)));
  await new Promise((r) => setTimeout(r, 100));
  assert.is(f.readAheadStats().answered, 0);
});

test('nodeFs read ahead: the worker ends when idle, and a later list starts another', async () => {
  const root = tmp();
  const files: Record<string, string> = {};
  for (let i = 0; i < 500; i++) files[`p/${i}.yaml`] = CM(`c${i}`);
  write(root, files);
  const paths = Object.keys(files).map((p) => path.join(root, p));
  const f = nodeFs();
  f.readAhead!(paths.slice(0, 250));
  await answered(f, 250);
  // the worker ends soon after its last list (50 ms)
  await new Promise((r) => setTimeout(r, 500));
  f.readAhead!(paths.slice(250));
  await answered(f, 500);
  for (const p of paths) assert.is(new TextDecoder().decode(f.readFile(p)), fs.readFileSync(p, 'utf8'));
});

test('nodeFs read ahead: the worker starts under a parent run with --input-type=module (its CommonJS source is not read as a module)', () => {
  const root = tmp();
  const files: Record<string, string> = {};
  for (let i = 0; i < 250; i++) files[`p/${i}.yaml`] = CM(`c${i}`);
  write(root, files);
  const fsModule = new URL('../compiler/fs.js', import.meta.url).href;
  const script = `const { nodeFs } = await import(${JSON.stringify(fsModule)});
const f = nodeFs();
f.readAhead(${JSON.stringify(Object.keys(files).map((p) => path.join(root, p)))});
for (let i = 0; i < 1000 && f.readAheadStats().answered < 250; i++) await new Promise((r) => setTimeout(r, 20));
process.stdout.write(String(f.readAheadStats().answered));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.is(r.stdout.trim(), '250', r.stderr);
});

test('nodeFs read ahead: a build of 300 bases and 300 patch files reads what the worker read, and prints what a build without it prints', async () => {
  const root = tmp();
  const files: Record<string, string> = {};
  const bases: string[] = [];
  const patches: string[] = [];
  for (let i = 0; i < 300; i++) {
    const app = `app${i}`;
    files[`bases/${app}/kustomization.yaml`] = `resources:\n- cm.yaml\n${i % 7 === 0 ? '- link.yaml\n' : ''}`;
    files[`bases/${app}/cm.yaml`] = CM(app);
    files[`bases/${app}/README.yaml`] = 'not: listed';
    files[`bases/${app}/other.yaml`] = CM(`${app}-other`);
    files[`overlay/patches/${app}.yaml`] = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${app}\ndata:\n  patched: "${i}"\n`;
    bases.push(`- ../bases/${i % 50 === 1 ? 'linked' + i : app}`);
    patches.push(`- path: patches/${app}.yaml`);
  }
  write(root, files);
  for (let i = 0; i < 300; i += 7) fs.symlinkSync('other.yaml', path.join(root, 'bases', `app${i}`, 'link.yaml'));
  for (let i = 1; i < 300; i += 50) fs.symlinkSync(path.join(root, 'bases', `app${i}`), path.join(root, 'bases', `linked${i}`));
  write(root, { 'overlay/kustomization.yaml': `resources:\n${bases.join('\n')}\npatches:\n${patches.join('\n')}\n` });
  const overlay = path.join(root, 'overlay');
  const plain = nodeFs();
  delete plain.readAhead;
  const want = build(overlay, { fs: plain });
  assert.is(want.diagnostics.filter((x) => x.severity === 'error').length, 0, JSON.stringify(want.diagnostics.slice(0, 3)));
  assert.is(want.value!.resources.length, 300 + 43);
  const same = (got: ReturnType<typeof build>, what: string) => {
    assert.equal(got.diagnostics, want.diagnostics, what);
    assert.is(emitYaml(got.value!.resources.map((r) => r.object)), emitYaml(want.value!.resources.map((r) => r.object)), what);
  };
  // the worker has read it all before the build starts: the build takes every answer
  const primed = nodeFs();
  const list = [...patches.map((p) => path.join(overlay, p.slice('- path: '.length))), ...bases.map((b) => path.join(overlay, b.slice(2)))];
  primed.readAhead!(list, ['kustomization.yaml', 'kustomization.yml', 'Kustomization']);
  await answered(primed, list.length);
  // it read each patch, each base's kustomization and the file that names (not README.yaml,
  // nor other.yaml, which only a symlink reaches)
  let bytes = 0;
  for (let i = 0; i < 300; i++) for (const f of [`bases/app${i}/kustomization.yaml`, `bases/app${i}/cm.yaml`, `overlay/patches/app${i}.yaml`]) bytes += fs.statSync(path.join(root, f)).size;
  assert.is(primed.readAheadStats().bytes, bytes);
  same(build(overlay, { fs: primed }), 'primed');
  // the worker and the build racing, as in a real build
  const raced = nodeFs();
  same(build(overlay, { fs: raced }), 'raced');
  // a missing base: the same diagnostics with and without
  fs.rmSync(path.join(root, 'bases', 'app299'), { recursive: true });
  const plain2 = nodeFs();
  delete plain2.readAhead;
  const missing = build(overlay, { fs: plain2 });
  assert.ok(missing.diagnostics.some((x) => x.code === 'KF1002'));
  assert.equal(build(overlay, { fs: nodeFs() }).diagnostics, missing.diagnostics);
});

test('nodeFs readFile: sizes around its 64 KiB scratch buffer, an empty file, a procfs file (size 0 to fstat), a directory', () => {
  const root = tmp();
  const f = nodeFs();
  for (const size of [0, 1, 4095, 65535, 65536, 65537, 131072, 200_003]) {
    const want = Buffer.alloc(size);
    for (let i = 0; i < size; i++) want[i] = (i * 31 + (i >> 8)) & 0xff;
    const p = path.join(root, `f${size}`);
    fs.writeFileSync(p, want);
    const got = f.readFile(p);
    assert.ok(got !== undefined, `${size}`);
    assert.is(got.length, size, `${size}`);
    assert.ok(Buffer.from(got).equals(want), `${size} bytes read back`);
  }
  // two files in a row: the first one's bytes are not in the second's
  assert.is(new TextDecoder().decode(f.readFile(path.join(root, 'f1'))), '\0');
  if (fs.existsSync('/proc/self/status')) assert.match(new TextDecoder().decode(f.readFile('/proc/self/status')), /^Name:/);
  assert.is(f.readFile(root), undefined);
});

test.run();
