import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, commitAll, git, tmp } from '../../publish/helpers.js';
import { buildDirWithRemotes } from '../../../compiler/load/remote/build.js';
import { main } from '../../../compiler/cli.js';
import { build } from '../../../compiler/transform/index.js';
import { planPromotion } from '../../../compiler/promote/index.js';
import type { Diagnostic } from '../../../compiler/types.js';
import { remoteRepo, serve } from './fixtures.js';

// Remote bases end to end: the lock file, the cache, --offline, the restrictor inside a
// checkout, the messages. Local repositories over file:// and a server on 127.0.0.1 only.

const saved = process.env.KFORGE_CACHE;
const freshCache = (): string => (process.env.KFORGE_CACHE = tmp('kforge-cache-'));
test.before.each(() => void freshCache());
test.after(() => {
  if (saved === undefined) delete process.env.KFORGE_CACHE;
  else process.env.KFORGE_CACHE = saved;
  cleanup();
});

const cm = (v: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  v: "${v}"\n`;

function write(dir: string, files: Record<string, string>): void {
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  }
}

/** A source repository with base/ on main, and a project (a git work tree) whose overlay lists it. */
function setup(ref = 'main', base: Record<string, string> = { 'base/kustomization.yaml': 'resources:\n- cm.yaml\n', 'base/cm.yaml': cm('1') }) {
  const src = tmp('kforge-src-');
  write(src, base);
  const repo = remoteRepo(src);
  const project = tmp('kforge-project-');
  fs.mkdirSync(path.join(project, '.git'));
  const overlay = path.join(project, 'overlays', 'prod');
  const url = `file://${repo.dir}//base?ref=${ref}`;
  write(overlay, { 'kustomization.yaml': `namePrefix: prod-\nresources:\n- ${url}\n` });
  return { repo, project, overlay, url, lock: path.join(project, 'kforge.lock'), source: `file://${repo.dir}?ref=${ref}` };
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => void (out += s), err: (s) => void (err += s), color: false });
  return { code, out, err };
}

const errorsOf = (ds: Diagnostic[]) => ds.filter((d) => d.severity === 'error');

function advance(repoDir: string, v: string): string {
  fs.writeFileSync(path.join(repoDir, 'base', 'cm.yaml'), cm(v));
  return commitAll(repoDir, `v${v}`);
}

test('kforge lock pins a moving branch: a new commit changes nothing until lock --update', async () => {
  const s = setup('main');
  const locked = await cli('lock', s.overlay);
  assert.is(locked.code, 0, locked.err);
  // the lock file is at the project's root (the nearest .git), named by source, with the commit
  const text = fs.readFileSync(s.lock, 'utf8');
  assert.match(text, `source: "${s.source}"`);
  assert.match(text, `commit: ${s.repo.commit}`);
  assert.match(text, /digest: sha256:[0-9a-f]{64}/);
  const head2 = advance(s.repo.dir, '2');
  let res = await buildDirWithRemotes(s.overlay);
  assert.equal(errorsOf(res.diagnostics), []);
  assert.match(res.output!, 'v: "1"');
  assert.not.match(res.output!, 'v: "2"');
  // from an empty cache too: the pinned commit is fetched by its id, not the branch
  freshCache();
  res = await buildDirWithRemotes(s.overlay);
  assert.equal(errorsOf(res.diagnostics), []);
  assert.match(res.output!, 'v: "1"');
  // no warning: the remote is pinned
  assert.equal(res.diagnostics.filter((d) => d.code === 'KF1034'), []);
  // `kforge lock` keeps existing pins
  assert.is((await cli('lock', s.overlay)).code, 0);
  assert.is(fs.readFileSync(s.lock, 'utf8'), text);
  const upd = await cli('lock', '--update', s.overlay);
  assert.is(upd.code, 0, upd.err);
  assert.match(upd.out, head2.slice(0, 12));
  assert.match(fs.readFileSync(s.lock, 'utf8'), `commit: ${head2}`);
  res = await buildDirWithRemotes(s.overlay);
  assert.match(res.output!, 'v: "2"');
});

test('an unpinned remote builds, with a warning naming it; the lock file is canonical and stable', async () => {
  const s = setup('v1');
  const res = await buildDirWithRemotes(s.overlay);
  assert.equal(errorsOf(res.diagnostics), []);
  const warn = res.diagnostics.find((d) => d.code === 'KF1034');
  assert.ok(warn, 'KF1034 warning');
  assert.match(warn!.message, s.source);
  assert.is(fs.existsSync(s.lock), false, 'build never writes the lock file');
  assert.is((await cli('lock', s.overlay)).code, 0);
  const first = fs.readFileSync(s.lock, 'utf8');
  fs.rmSync(s.lock);
  freshCache();
  assert.is((await cli('lock', s.overlay)).code, 0);
  assert.is(fs.readFileSync(s.lock, 'utf8'), first, 'same pins, same bytes');
});

test('a digest that does not match the lock file is an error naming the remote', async () => {
  const s = setup('v1');
  assert.is((await cli('lock', s.overlay)).code, 0);
  const text = fs.readFileSync(s.lock, 'utf8');
  fs.writeFileSync(s.lock, text.replace(/digest: sha256:[0-9a-f]{64}/, `digest: sha256:${'ab'.repeat(32)}`));
  const res = await buildDirWithRemotes(s.overlay);
  const e = errorsOf(res.diagnostics);
  assert.is(e.length, 1, JSON.stringify(e));
  assert.is(e[0].code, 'KF1032');
  assert.match(e[0].message, s.source);
  assert.match(e[0].message, 'abab');
  assert.ok(e[0].location?.file.endsWith('overlays/prod/kustomization.yaml'), e[0].location?.file);
  assert.is(res.output, undefined);
});

test('an HTTP file resource: pinned by its digest, served from the cache, a changed body is refused', async () => {
  const root = tmp('kforge-http-');
  write(root, { 'app.yaml': cm('1') });
  const server = await serve(root);
  try {
    const project = tmp('kforge-project-');
    const url = `http://${server.host}/app.yaml`;
    write(project, { 'kustomization.yaml': `namespace: web\nresources:\n- ${url}\n` });
    assert.is((await cli('lock', project)).code, 0);
    assert.match(fs.readFileSync(path.join(project, 'kforge.lock'), 'utf8'), `source: "${url}"`);
    const hits = server.hits.length;
    let res = await buildDirWithRemotes(project);
    assert.equal(errorsOf(res.diagnostics), []);
    assert.match(res.output!, 'namespace: web');
    assert.is(server.hits.length, hits, 'served from the cache');
    // the server now sends other bytes: the cache still builds the pinned ones…
    write(root, { 'app.yaml': cm('2') });
    res = await buildDirWithRemotes(project);
    assert.match(res.output!, 'v: "1"');
    // …and without the cache, the change is an error naming the URL
    freshCache();
    res = await buildDirWithRemotes(project);
    const e = errorsOf(res.diagnostics);
    assert.is(e[0]?.code, 'KF1032');
    assert.match(e[0].message, url);
    // a missing file: KF1031 with the status
    write(project, { 'kustomization.yaml': `resources:\n- http://${server.host}/missing.yaml\n` });
    res = await buildDirWithRemotes(project);
    assert.is(errorsOf(res.diagnostics)[0]?.code, 'KF1031');
    assert.match(errorsOf(res.diagnostics)[0].message, /missing\.yaml.*HTTP 404/);
  } finally {
    await server.close();
  }
});

test('--offline builds from the lock and the cache only, and names what is missing', async () => {
  const s = setup('v1');
  // not pinned
  let r = await cli('build', s.overlay, '--offline');
  assert.is(r.code, 2);
  assert.match(r.err, 'KF1033');
  assert.match(r.err, s.source);
  assert.match(r.err, 'not pinned');
  assert.is(r.out, '');
  assert.is((await cli('lock', s.overlay)).code, 0);
  // pinned and cached: builds even with the repository gone
  fs.renameSync(s.repo.dir, s.repo.dir + '-gone');
  try {
    r = await cli('build', s.overlay, '--offline');
    assert.is(r.code, 0, r.err);
    assert.match(r.out, 'name: prod-app');
    // pinned, not cached
    freshCache();
    r = await cli('build', s.overlay, '--offline');
    assert.is(r.code, 2);
    assert.match(r.err, 'KF1033');
    assert.match(r.err, `${s.source}" (commit ${s.repo.commit.slice(0, 12)}) is not in the cache`);
    // and online, a repository that cannot be reached: KF1031
    r = await cli('build', s.overlay);
    assert.is(r.code, 2);
    assert.match(r.err, 'KF1031');
  } finally {
    fs.renameSync(s.repo.dir + '-gone', s.repo.dir);
  }
});

test('a remote base cannot reach outside its checkout', async () => {
  const outside = tmp('kforge-outside-');
  write(outside, { 'kustomization.yaml': 'resources:\n- cm.yaml\n', 'cm.yaml': cm('secret') });
  // a directory above the checkout
  let s = setup('v1', { 'base/kustomization.yaml': 'resources:\n- ../../../../../../../../../../..' + outside + '\n' });
  let res = await buildDirWithRemotes(s.overlay);
  let e = errorsOf(res.diagnostics);
  assert.is(e[0]?.code, 'KF1035', JSON.stringify(e));
  assert.match(e[0].location!.file, `file://${s.repo.dir}//base/kustomization.yaml?ref=v1`);
  // a symlink in the repository to a directory outside it
  const src = tmp('kforge-src-');
  write(src, { 'base/kustomization.yaml': 'resources:\n- linked\n' });
  fs.symlinkSync(outside, path.join(src, 'base', 'linked'));
  const repo = remoteRepo(src);
  write(s.overlay, { 'kustomization.yaml': `resources:\n- file://${repo.dir}//base?ref=v1\n` });
  res = await buildDirWithRemotes(s.overlay);
  e = errorsOf(res.diagnostics);
  assert.is(e[0]?.code, 'KF1035', JSON.stringify(e));
  assert.not.match(res.output ?? '', 'secret');
  // a file above the kustomization (inside the repository): the load restrictor, as locally
  s = setup('v1', { 'base/kustomization.yaml': 'resources:\n- ../cm.yaml\n', 'cm.yaml': cm('x') });
  res = await buildDirWithRemotes(s.overlay);
  e = errorsOf(res.diagnostics);
  assert.is(e[0]?.code, 'KF1008');
  // a directory above the kustomization but inside the repository is fine (as in Kustomize)
  s = setup('v1', { 'base/kustomization.yaml': 'resources:\n- ../common\n', 'common/kustomization.yaml': 'resources:\n- cm.yaml\n', 'common/cm.yaml': cm('ok') });
  res = await buildDirWithRemotes(s.overlay);
  assert.equal(errorsOf(res.diagnostics), []);
  assert.match(res.output!, 'v: ok');
  // a subpath that climbs out of the repository is not a URL at all
  write(s.overlay, { 'kustomization.yaml': `resources:\n- file://${s.repo.dir}//../x?ref=v1\n` });
  res = await buildDirWithRemotes(s.overlay);
  assert.is(errorsOf(res.diagnostics)[0]?.code, 'KF1030');
});

test('diagnostics inside a remote name its URL and the file within it', async () => {
  const s = setup('v1', { 'base/kustomization.yaml': 'resources:\n- cm.yaml\n', 'base/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [oops\n' });
  const res = await buildDirWithRemotes(s.overlay);
  const e = errorsOf(res.diagnostics);
  assert.ok(e.length >= 1);
  assert.is(e[0].location?.file, `file://${s.repo.dir}//base/cm.yaml?ref=v1`);
  // a ref that does not exist
  write(s.overlay, { 'kustomization.yaml': `resources:\n- file://${s.repo.dir}//base?ref=no-such-tag\n` });
  const r = await cli('build', s.overlay);
  assert.is(r.code, 2);
  assert.match(r.err, /KF1031: cannot fetch remote "file:\/\/.*\?ref=no-such-tag"/);
});

test('check and render take --offline; a remote path naming a file is refused', async () => {
  const s = setup('v1');
  const r = await cli('check', s.overlay, '--offline');
  assert.is(r.code, 2);
  assert.match(r.err, 'KF1033');
  assert.match(r.err, s.source);
  write(s.overlay, { 'kustomization.yaml': `resources:\n- file://${s.repo.dir}//base/cm.yaml?ref=v1\n` });
  const res = await buildDirWithRemotes(s.overlay);
  assert.is(errorsOf(res.diagnostics)[0]?.code, 'KF1030');
  assert.match(errorsOf(res.diagnostics)[0].message, 'names a file');
});

test('a remote base that lists another remote base: fetched in rounds, both pinned', async () => {
  const inner = setup('v1');
  const outerSrc = tmp('kforge-src-');
  write(outerSrc, { 'app/kustomization.yaml': `nameSuffix: -outer\nresources:\n- file://${inner.repo.dir}//base?ref=v1\n` });
  const outer = remoteRepo(outerSrc);
  write(inner.overlay, { 'kustomization.yaml': `resources:\n- file://${outer.dir}//app?ref=main\n` });
  assert.is((await cli('lock', inner.overlay)).code, 0);
  const text = fs.readFileSync(inner.lock, 'utf8');
  assert.match(text, `file://${outer.dir}?ref=main`);
  assert.match(text, inner.source);
  const r = await cli('build', inner.overlay, '--offline');
  assert.is(r.code, 0, r.err);
  assert.match(r.out, 'name: app-outer');
});

test('promote into an environment built on a remote base: the after-build resolves it as the render does', async () => {
  const deploy = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: web:1.0\n';
  const s = setup('v1', { 'base/kustomization.yaml': 'resources:\n- deploy.yaml\n', 'base/deploy.yaml': deploy });
  write(path.join(s.project, 'overlays', 'staging'), { 'kustomization.yaml': `namePrefix: prod-\nresources:\n- ${s.url}\nimages:\n- name: web\n  newTag: "2.0"\n` });
  const p = await planPromotion(s.project, 'staging', 'prod', { today: '2024-01-01', redactKey: 'k' });
  assert.equal(errorsOf(p.diagnostics), [], JSON.stringify(p.diagnostics));
  assert.ok(p.value);
  assert.match(p.value!.after, 'newTag: "2.0"');
  assert.match(JSON.stringify(p.value!.diff.changes), 'web:2.0');
});

test('without a remote session (the library build), remote entries are still refused', () => {
  const s = setup('v1');
  const res = build(s.overlay);
  assert.is(errorsOf(res.diagnostics)[0]?.code, 'KF1009');
});

test('one checkout serves every subpath of a repository at a ref', async () => {
  const s = setup('v1', { 'a/kustomization.yaml': 'resources:\n- cm.yaml\n', 'a/cm.yaml': cm('a'), 'b/kustomization.yaml': 'resources:\n- cm.yaml\nnameSuffix: -b\n', 'b/cm.yaml': cm('b') });
  write(s.overlay, { 'kustomization.yaml': `resources:\n- file://${s.repo.dir}//a?ref=v1\n- file://${s.repo.dir}//b?ref=v1\n` });
  assert.is((await cli('lock', s.overlay)).code, 0);
  const text = fs.readFileSync(s.lock, 'utf8');
  assert.is(text.match(/source:/g)?.length, 1);
  const res = await buildDirWithRemotes(s.overlay);
  assert.equal(errorsOf(res.diagnostics), []);
  assert.match(res.output!, 'name: app-b');
  git(s.repo.dir, 'status');
});

test.run();
