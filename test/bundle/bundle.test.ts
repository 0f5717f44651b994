/**
 * Issue 15: the shipped CLI is the bundle that scripts/bundle.mjs makes (package.json `bin`
 * and the npm scripts run dist/kforge/kforge.js). Bundled into a temp dir in dist/ here, so that the
 * test needs no `npm run prepare`: it must print what the compiled modules print, find the
 * package's files from its own location (environment definitions, package.json), and keep
 * stack traces readable (source maps) under KFORGE_DEBUG.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { repoRoot } from '../helpers.js';
import { writeSmallTrees } from '../bench/shapes.js';
import { copyTree, remoteRepo } from '../load/remote/fixtures.js';

const ROOT = repoRoot();
const CLI = path.join(ROOT, 'dist', 'compiler', 'cli.js');
let out = '';

test.before(() => {
  // inside dist/, as dist/kforge/ is: packages the bundle leaves external (typescript) resolve
  // from the package's node_modules, as they do for the shipped bin
  out = fs.mkdtempSync(path.join(ROOT, 'dist', '.bundle-test-'));
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'bundle.mjs')], { encoding: 'utf8', env: { ...process.env, KFORGE_BUNDLE_OUT: out } });
  assert.is(r.status, 0, r.stderr);
});

test.after(() => {
  if (out) fs.rmSync(out, { recursive: true, force: true });
});

function run(bin: string, args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const e: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', KFORGE_TODAY: '2024-01-01', ...env };
  delete e.GITHUB_ACTIONS;
  if (!('KFORGE_DEBUG' in env)) delete e.KFORGE_DEBUG;
  return spawnSync(process.execPath, [bin, ...args], { cwd: ROOT, encoding: 'utf8', env: e, maxBuffer: 64 * 1024 * 1024 });
}

test('the bundle is a launcher, one entry module and lazy chunks, with source maps', () => {
  const files = fs.readdirSync(out);
  assert.ok(files.includes('kforge.js') && files.includes('main.js') && files.includes('main.js.map'), files.join(' '));
  for (const f of files.filter((x) => x.endsWith('.js'))) assert.ok(files.includes(`${f}.map`) || f === 'kforge.js', `${f} has a source map`);
  assert.match(fs.readFileSync(path.join(out, 'kforge.js'), 'utf8'), /^#!\/usr\/bin\/env node\n/);
  assert.match(fs.readFileSync(path.join(out, 'kforge.js'), 'utf8'), /enableCompileCache\?\.\(\)/);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string> };
  assert.is(pkg.bin.kforge, 'dist/kforge/kforge.js');
  for (const s of ['build', 'render', 'check', 'diff', 'bootstrap']) assert.match(pkg.scripts[s], /^node dist\/kforge\/kforge\.js /, s);
  assert.match(pkg.scripts.prepare, /scripts\/bundle\.mjs/);
});

test('build: the bundle prints exactly what the compiled modules print (each environment of the repository)', () => {
  for (const env of ['dev', 'staging', 'prod']) {
    const a = run(path.join(out, 'kforge.js'), ['build', `overlays/${env}`]);
    const b = run(CLI, ['build', `overlays/${env}`]);
    assert.is(a.status, 0, a.stderr);
    assert.is(a.stdout, b.stdout, env);
  }
});

test('check and render --out run from the bundle (environment definitions load from dist/)', () => {
  const a = run(path.join(out, 'kforge.js'), ['check', 'prod']);
  const b = run(CLI, ['check', 'prod']);
  assert.is(a.status, b.status, a.stderr);
  assert.is(a.stdout.replace(/\d+ ms/g, ''), b.stdout.replace(/\d+ ms/g, ''));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-bundle-out-'));
  try {
    const r = run(path.join(out, 'kforge.js'), ['render', 'dev', '--out', dir, '--allow-dirty']);
    assert.is(r.status, 0, r.stderr);
    assert.ok(fs.readdirSync(dir, { recursive: true }).length > 0, 'files written');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('usage, unknown command and a user error keep their exit codes and carry no stack trace', () => {
  assert.is(run(path.join(out, 'kforge.js'), ['--help']).status, 0);
  assert.is(run(path.join(out, 'kforge.js'), ['frobnicate']).status, 2);
  const r = run(path.join(out, 'kforge.js'), ['build', 'no/such/dir']);
  assert.is(r.status, 2);
  assert.match(r.stderr, /error KF1002/);
  assert.not.match(r.stderr, /\n\s+at /);
});

test('KFORGE_DEBUG: a stack trace from the bundle names the TypeScript source (source maps)', () => {
  const main = pathToFileURL(path.join(out, 'main.js')).href;
  const code = `process.setSourceMapsEnabled(true); const m = await import(${JSON.stringify(main)}); try { m.printDiagnostics(null, { out() {}, err() {}, color: false }); } catch (e) { console.log(e.stack); }`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  assert.match(r.stdout, /compiler\/cli-util\.ts:\d+:\d+/, r.stdout + r.stderr);
});

/** A copy of the bundle in which every file holding the `yaml` package or fast-json-patch throws when loaded. */
export function poisonedCopy(bundle: string): string {
  const dir = `${bundle}-poisoned`;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.cpSync(bundle, dir, { recursive: true });
  for (const f of fs.readdirSync(dir)) {
    if (!/\.c?js$/.test(f) || f === 'kforge.js') continue;
    const map = path.join(dir, `${f}.map`);
    const sources = fs.existsSync(map) ? (JSON.parse(fs.readFileSync(map, 'utf8')) as { sources: string[] }).sources : [];
    const holds = sources.find((s) => /node_modules\/(yaml|fast-json-patch)\//.test(s));
    if (holds) fs.writeFileSync(path.join(dir, f), `throw new Error(${JSON.stringify(`loaded ${f}, which holds ${holds}`)});\n`);
  }
  return dir;
}

test('a plain build (block-style YAML, a generator, an image) loads neither the yaml package nor fast-json-patch', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-lazy-'));
  const poisoned = poisonedCopy(out);
  try {
    const [small] = writeSmallTrees(path.join(tmp, 'trees'), 1);
    const env = { NODE_COMPILE_CACHE: path.join(tmp, 'cache') };
    const want = run(path.join(out, 'kforge.js'), ['build', small], env);
    assert.is(want.status, 0, want.stderr);
    assert.ok(want.stdout.includes('kind: ConfigMap'), want.stdout);
    // the launcher's two ways: build.cjs with the code cache (twice: without, then with it), main.js
    for (const e of [env, env, { ...env, NODE_DISABLE_COMPILE_CACHE: '1' }]) {
      const r = run(path.join(poisoned, 'kforge.js'), ['build', small], e);
      assert.is(r.stderr, '');
      assert.is(r.status, 0);
      assert.is(r.stdout, want.stdout);
    }
    // the poison bites: an explicit key (`? name`) goes to the complete reader, a JSON 6902 patch to fast-json-patch
    fs.writeFileSync(path.join(small, 'service.yaml'), 'apiVersion: v1\nkind: Service\nmetadata:\n  ? name\n  : web\n');
    const flow = run(path.join(poisoned, 'kforge.js'), ['build', small], env);
    assert.is(flow.status, 3, flow.stderr);
    assert.match(flow.stderr, /loaded yaml\.cjs/);
    fs.writeFileSync(path.join(small, 'service.yaml'), 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n');
    fs.appendFileSync(path.join(small, 'kustomization.yaml'), 'patches:\n- target:\n    kind: Service\n  patch: |-\n    - op: add\n      path: /metadata/labels\n      value:\n        a: b\n');
    const json6902 = run(path.join(poisoned, 'kforge.js'), ['build', small], env);
    assert.is.not(json6902.status, 0);
    assert.match(json6902.stderr, /loaded fast-json-patch\.cjs/);
    assert.is(run(path.join(out, 'kforge.js'), ['build', small], env).status, 0);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.rmSync(poisoned, { recursive: true, force: true });
  }
});

test('build: the code cache is written once, reused, and a bad or unwritable one only costs the cache', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-codecache-'));
  try {
    const cache = path.join(tmp, 'cache');
    const bin = path.join(out, 'kforge.js');
    const want = run(CLI, ['build', 'overlays/prod']);
    assert.is(want.status, 0, want.stderr);
    // a build that counts as long (here: any) writes no cache; a short one does (the bound is
    // set high for the rest, so that a loaded machine cannot make these builds long)
    const long = run(bin, ['build', 'overlays/prod'], { NODE_COMPILE_CACHE: cache, KFORGE_LONG_BUILD_MS: '0' });
    assert.is(long.stdout, want.stdout);
    assert.equal(fs.existsSync(cache) ? fs.readdirSync(cache).filter((f) => f.startsWith('kforge-build-')) : [], [], 'a long build writes no cache');
    const first = run(bin, ['build', 'overlays/prod'], { NODE_COMPILE_CACHE: cache, KFORGE_LONG_BUILD_MS: '600000' });
    assert.is(first.stdout, want.stdout);
    const files = fs.readdirSync(cache).filter((f) => f.startsWith('kforge-build-'));
    assert.is(files.length, 1, files.join(' '));
    assert.match(files[0], new RegExp(`^kforge-build-${process.version.replace(/\./g, '\\.')}-${process.arch}-`));
    const file = path.join(cache, files[0]);
    const written = fs.statSync(file).mtimeMs;
    const again = run(bin, ['build', 'overlays/prod'], { NODE_COMPILE_CACHE: cache });
    assert.is(again.stdout, want.stdout);
    assert.is(fs.statSync(file).mtimeMs, written, 'an accepted cache is not written again');
    fs.writeFileSync(file, Buffer.alloc(4096, 7));
    const bad = run(bin, ['build', 'overlays/prod'], { NODE_COMPILE_CACHE: cache, KFORGE_LONG_BUILD_MS: '600000' });
    assert.is(bad.status, 0, bad.stderr);
    assert.is(bad.stdout, want.stdout);
    assert.is.not(fs.readFileSync(file)[0], 7, 'a rejected cache is written anew');
    const blocked = path.join(tmp, 'not-a-dir');
    fs.writeFileSync(blocked, '');
    const nowhere = run(bin, ['build', 'overlays/prod'], { NODE_COMPILE_CACHE: path.join(blocked, 'cache') });
    assert.is(nowhere.status, 0, nowhere.stderr);
    assert.is(nowhere.stdout, want.stdout);
    // build.cjs holds kforge build only; its usage and user errors are the CLI's
    const help = run(bin, ['build', '--help'], { NODE_COMPILE_CACHE: cache });
    assert.is(help.status, 0);
    assert.is(help.stdout, run(CLI, ['build', '--help']).stdout);
    const many = run(bin, ['build', 'a', 'b'], { NODE_COMPILE_CACHE: cache });
    assert.is(many.status, 2);
    assert.match(many.stderr, /KF1001/);
    // old caches (other installs, other Node versions) are pruned when one is written: the
    // newest eight are kept, the new one among them; other files are left alone
    const crowded = path.join(tmp, 'crowded');
    fs.mkdirSync(crowded);
    const day = 24 * 3600;
    const now = Date.now() / 1000;
    for (let i = 0; i < 12; i++) {
      const f = path.join(crowded, `kforge-build-v0.0.${i}-x64-old.cache`);
      fs.writeFileSync(f, 'old');
      fs.utimesSync(f, now - (i + 1) * day, now - (i + 1) * day);
    }
    for (const [name, age] of [['kforge-build-x.cache.1.tmp', 2 * 3600], ['kforge-build-y.cache.2.tmp', 60], ['other.cache', 30 * day]] as const) {
      fs.writeFileSync(path.join(crowded, name), '');
      fs.utimesSync(path.join(crowded, name), now - age, now - age);
    }
    const pruned = run(bin, ['build', 'overlays/prod'], { NODE_COMPILE_CACHE: crowded, KFORGE_LONG_BUILD_MS: '600000' });
    assert.is(pruned.stdout, want.stdout);
    const left = fs.readdirSync(crowded).sort();
    const caches = left.filter((f) => f.startsWith('kforge-build-') && f.endsWith('.cache'));
    assert.is(caches.length, 8, left.join(' '));
    assert.ok(caches.includes(files[0]), 'the cache just written is kept');
    for (let i = 0; i < 7; i++) assert.ok(caches.includes(`kforge-build-v0.0.${i}-x64-old.cache`), `the newest old cache ${i} is kept`);
    assert.ok(left.includes('other.cache') && left.includes('kforge-build-y.cache.2.tmp'), 'other files and a fresh temporary file stay');
    assert.not.ok(left.includes('kforge-build-x.cache.1.tmp'), 'a temporary file an hour old is removed');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('build.cjs builds a remote base (git over file://) as Kustomize does', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-bundle-remote-'));
  const fx = path.join(ROOT, 'test', 'fixtures', 'remote', 'tag-subpath');
  const repo = remoteRepo(path.join(fx, 'repo'));
  try {
    copyTree(path.join(fx, 'local'), path.join(tmp, 'local'), { REPO: repo.dir, COMMIT: repo.commit });
    const env = { NODE_COMPILE_CACHE: path.join(tmp, 'cc'), KFORGE_CACHE: path.join(tmp, 'kc') };
    for (let i = 0; i < 2; i++) {
      const r = run(path.join(out, 'kforge.js'), ['build', path.join(tmp, 'local')], env);
      assert.is(r.status, 0, r.stderr);
      assert.is(r.stdout, fs.readFileSync(path.join(fx, 'expected.yaml'), 'utf8'));
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.rmSync(repo.dir, { recursive: true, force: true });
  }
});


test('a bundle without @kubernetes/client-node beside it stops with a clear error instead of replacing lists it should merge', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-orphan-'));
  try {
    // the bundle alone, with no node_modules in any folder above it
    const bin = path.join(tmp, 'kforge');
    fs.cpSync(out, bin, { recursive: true });
    const tree = path.join(tmp, 'tree');
    fs.mkdirSync(tree);
    fs.writeFileSync(path.join(tree, 'kustomization.yaml'), 'resources:\n- deploy.yaml\npatches:\n- path: sidecar.yaml\n');
    fs.writeFileSync(path.join(tree, 'deploy.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx\n');
    fs.writeFileSync(path.join(tree, 'sidecar.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: proxy\n        image: envoy\n');
    for (const env of [{}, { NODE_DISABLE_COMPILE_CACHE: '1' }]) {
      const r = run(path.join(bin, 'kforge.js'), ['build', tree], env);
      assert.is(r.status, 3, r.stdout + r.stderr);
      assert.is(r.stdout, '');
      assert.match(r.stderr, /@kubernetes\/client-node's generated models were not found/);
      assert.match(r.stderr, /npm ci/);
    }
    // in place, the same tree merges the two containers by name
    const ok = run(path.join(out, 'kforge.js'), ['build', tree]);
    assert.is(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /- image: envoy\n {8}name: proxy\n {6}- image: nginx\n {8}name: web\n/); // as kubectl kustomize prints it
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('build: a cache folder that cannot be made (NODE_COMPILE_CACHE under /proc) costs only the cache, the process ends', () => {
  if (!fs.existsSync('/proc/self')) return;
  // Node 22 and later enable their own compile cache from NODE_COMPILE_CACHE and hang there
  // themselves (bare `node -e 0` never ends): nothing kforge can do about that
  const bare = spawnSync(process.execPath, ['-e', '0'], { env: { ...process.env, NODE_COMPILE_CACHE: '/proc/kforge-no-such-folder' }, timeout: 10_000 });
  if (bare.status !== 0) return;
  const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-cc-proc-'));
  try {
    writeSmallTrees(tree, 1);
    const dir = path.join(tree, 'app000');
    // Node 20's mkdirSync(..., { recursive: true }) never returns here: the build printed its
    // output and then spun, so a CI job would hang
    const r = spawnSync(process.execPath, [path.join(out, 'kforge.js'), 'build', dir], {
      encoding: 'utf8',
      env: { ...process.env, NODE_COMPILE_CACHE: '/proc/kforge-no-such-folder', KFORGE_DEBUG: '' },
      timeout: 20_000,
    });
    assert.is(r.status, 0, `status ${r.status} signal ${r.signal}: ${r.stderr}`);
    assert.equal(r.stdout, run(path.join(out, 'kforge.js'), ['build', dir]).stdout);
  } finally {
    fs.rmSync(tree, { recursive: true, force: true });
  }
});

test.run();
