/**
 * compiler/env-compile.ts's caches are keyed by content and repository-relative paths: a moved
 * checkout (a fresh CI path, a test's clone) reuses what another compiled, without loading
 * TypeScript, and still gets modules that import its own files; anything that changes the
 * program (an import's content, TypeScript's or kforge's version, a package's package.json,
 * kforge's own sources) misses.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { cacheDirFor, compileEnvironment } from '../compiler/env-compile.js';
import { execFileSync } from 'node:child_process';
import { writeFiles } from './helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-env-compile-'));
const cache = path.join(tmp, 'cache');
const savedCacheDir = process.env.KFORGE_CACHE_DIR;

test.before(() => {
  process.env.KFORGE_CACHE_DIR = cache;
});
test.after(() => {
  if (savedCacheDir === undefined) delete process.env.KFORGE_CACHE_DIR;
  else process.env.KFORGE_CACHE_DIR = savedCacheDir;
  fs.rmSync(tmp, { recursive: true, force: true });
});

const ENV = [
  "import { defineEnvironment } from '../../compiler/api.js';",
  "import { hosts } from './hosts.js';",
  "import { region } from './region.js';",
  "export default defineEnvironment({ name: 'prod', kubernetesVersion: '1.31', externalHosts: [...hosts, region] });",
  '',
].join('\n');

function repo(name: string, region: string): string {
  const root = path.join(tmp, name);
  writeFiles(root, {
    'overlays/prod/kustomization.yaml': 'resources: []\n',
    'overlays/prod/environment.ts': ENV,
    'overlays/prod/hosts.ts': "export const hosts: string[] = ['db.example.com'];\n",
    // a plain JavaScript module (and its declarations): imported where it lies, by URL
    'overlays/prod/region.js': `export const region = '${region}';\n`,
    'overlays/prod/region.d.ts': 'export declare const region: string;\n',
  });
  return root;
}

const entry = (root: string) => path.join(root, 'overlays', 'prod', 'environment.ts');

async function load(url: string): Promise<{ environment: { externalHosts?: string[] } }> {
  return ((await import(url)) as { default: { environment: { externalHosts?: string[] } } }).default;
}

test('a moved checkout hits both caches (no type-check, no transpile) and its modules import its own files', async () => {
  const a = repo('a', 'a.example.com');
  const ca = await compileEnvironment(a, entry(a));
  assert.equal(ca.diagnostics, []);
  assert.is(ca.checked, true);
  assert.is(ca.transpiled, true);
  assert.equal((await load(ca.url!)).environment.externalHosts, ['db.example.com', 'a.example.com']);

  // the same sources at another path, its plain .js module different (it is not compiled)
  const b = path.join(tmp, 'elsewhere', 'b');
  fs.mkdirSync(path.dirname(b), { recursive: true });
  fs.cpSync(a, b, { recursive: true });
  fs.writeFileSync(path.join(b, 'overlays', 'prod', 'region.js'), "export const region = 'b.example.com';\n");
  const cb = await compileEnvironment(b, entry(b));
  assert.equal(cb.diagnostics, []);
  assert.is(cb.checked, false, 'type-check cached');
  assert.is(cb.transpiled, false, 'transpiled modules reused');
  assert.is.not(cb.url, ca.url);
  assert.equal((await load(cb.url!)).environment.externalHosts, ['db.example.com', 'b.example.com']);
  const js = fs.readFileSync(fileURLToPath(cb.url!), 'utf8');
  assert.not.match(js, 'kforge-link-');
  assert.not.match(js, path.join(tmp, 'a'));
  // the source map names b's file (stack traces, typed-patch locations)
  const map = JSON.parse(Buffer.from(/sourceMappingURL=data:application\/json;base64,(\S+)/.exec(js)![1], 'base64').toString()) as { sources: string[] };
  assert.equal(map.sources.map((s) => fileURLToPath(s)), [entry(b)]);
  // and b's copy is kept: the next run only reads it
  const again = await compileEnvironment(b, entry(b));
  assert.equal([again.url, again.checked, again.transpiled], [cb.url, false, false]);
});

test('an edited import misses both caches', async () => {
  const c = path.join(tmp, 'c');
  fs.cpSync(path.join(tmp, 'a'), c, { recursive: true });
  fs.writeFileSync(path.join(c, 'overlays', 'prod', 'hosts.ts'), "export const hosts: string[] = ['mq.example.com'];\n");
  const cc = await compileEnvironment(c, entry(c));
  assert.equal([cc.checked, cc.transpiled], [true, true]);
  assert.equal((await load(cc.url!)).environment.externalHosts, ['mq.example.com', 'a.example.com']);
  // a type error in it is found, though the first check's parsed files are shared
  fs.writeFileSync(path.join(c, 'overlays', 'prod', 'hosts.ts'), 'export const hosts: string[] = [42];\n');
  const bad = await compileEnvironment(c, entry(c));
  assert.is(bad.url, undefined);
  assert.equal(bad.diagnostics.map((d) => [d.code, d.location?.file, d.location?.line]), [['KF4004', path.relative(process.cwd(), path.join(c, 'overlays', 'prod', 'hosts.ts')), 1]]);
});

/** The check manifests written so far, by file. */
function manifests(): Map<string, { ts: string; kforge: string; inputs: [string, string][] }> {
  const dir = path.join(cache, 'check');
  return new Map(fs.readdirSync(dir).map((f) => [path.join(dir, f), JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))]));
}

test('another TypeScript, another kforge, another package or kforge source recorded: the check runs again', async () => {
  const a = path.join(tmp, 'a');
  const hosts = createHash('sha256').update(fs.readFileSync(path.join(a, 'overlays', 'prod', 'hosts.ts'))).digest('hex');
  const found = [...manifests()].find(([, x]) => x.inputs.some(([n, h]) => n === 'repo:overlays/prod/hosts.ts' && h === hosts));
  assert.ok(found, 'the manifest of a');
  const [file, m] = found;
  const names = m.inputs.map(([n]) => n);
  // kforge's API is checked from its sources, the typed patches' models from their package
  assert.ok(names.includes('kforge:api.ts'), names.join(' '));
  assert.ok(names.some((n) => /^kforge-nm\d+:@kubernetes\/client-node\/package\.json$/.test(n)), names.join(' '));
  assert.ok(!names.some((n) => n.startsWith('abs:')), names.join(' '));
  assert.is((await compileEnvironment(a, entry(a))).checked, false);
  const edits: [string, (x: typeof m) => void][] = [
    ['typescript version', (x) => (x.ts = '0.0.1')],
    ['kforge version', (x) => (x.kforge = '0.0.1')],
    ['package.json', (x) => (x.inputs.find(([n]) => n.includes('@kubernetes/client-node'))![1] = '0'.repeat(64))],
    ['kforge source', (x) => (x.inputs.find(([n]) => n === 'kforge:api.ts')![1] = '0'.repeat(64))],
  ];
  for (const [what, edit] of edits) {
    const x = JSON.parse(JSON.stringify(m)) as typeof m;
    edit(x);
    fs.writeFileSync(file, JSON.stringify(x));
    assert.is((await compileEnvironment(a, entry(a))).checked, true, what);
    assert.is((await compileEnvironment(a, entry(a))).checked, false, `${what}: checked again, cached again`);
  }
});

test('cached type errors name the file relative to the current folder, as a fresh check does', async () => {
  const d = path.join(tmp, 'd');
  writeFiles(d, {
    'overlays/prod/kustomization.yaml': 'resources: []\n',
    'overlays/prod/environment.ts': "import { defineEnvironment } from '../../compiler/api.js';\nexport default defineEnvironment({ name: 'prod', kubernetesVersion: '1.31', allowSecrets: 'no' });\n",
  });
  const first = await compileEnvironment(d, entry(d));
  assert.is(first.checked, true);
  assert.is(first.diagnostics[0]?.location?.file, path.relative(process.cwd(), entry(d)));
  const before = process.cwd();
  process.chdir(d);
  try {
    const cached = await compileEnvironment(d, entry(d));
    assert.is(cached.checked, false);
    assert.equal(
      cached.diagnostics.map((x) => [x.code, x.location]),
      [['KF4004', { file: path.join('overlays', 'prod', 'environment.ts'), line: 2, column: 77 }]],
    );
  } finally {
    process.chdir(before);
  }
});

test('a module beside the repository (../) is compiled inside the cache folder', async () => {
  const e = path.join(tmp, 'e', 'repo');
  writeFiles(path.dirname(e), {
    'shared/hosts.ts': "export const hosts: string[] = ['shared.example.com'];\n",
    'repo/overlays/prod/kustomization.yaml': 'resources: []\n',
    'repo/overlays/prod/environment.ts':
      "import { defineEnvironment } from '../../compiler/api.js';\nimport { hosts } from '../../../shared/hosts.js';\nexport default defineEnvironment({ name: 'prod', kubernetesVersion: '1.31', externalHosts: hosts });\n",
  });
  const c = await compileEnvironment(e, entry(e));
  assert.equal(c.diagnostics, []);
  const out = fileURLToPath(c.url!);
  assert.ok(out.startsWith(path.join(cache, 'env') + path.sep), out);
  assert.equal((await load(c.url!)).environment.externalHosts, ['shared.example.com']);
  const dir = path.dirname(path.dirname(path.dirname(out)));
  assert.ok(fs.existsSync(path.join(dir, '_up_', 'shared', 'hosts.js')), fs.readdirSync(dir).join(' '));
});

test('the copy made for a repository that is gone is removed when the next copy is made', async () => {
  const gone = path.join(tmp, 'gone');
  fs.cpSync(path.join(tmp, 'a'), gone, { recursive: true });
  const g = await compileEnvironment(gone, entry(gone));
  const copy = path.dirname(path.dirname(path.dirname(fileURLToPath(g.url!))));
  assert.ok(fs.existsSync(copy));
  fs.rmSync(gone, { recursive: true });
  const kept = path.join(tmp, 'kept');
  fs.cpSync(path.join(tmp, 'a'), kept, { recursive: true });
  const k = await compileEnvironment(kept, entry(kept));
  assert.is(k.transpiled, false);
  assert.not.ok(fs.existsSync(copy), 'the copy of a removed repository');
  // the copies of repositories that still exist stay
  const a = await compileEnvironment(path.join(tmp, 'a'), entry(path.join(tmp, 'a')));
  assert.ok(fs.existsSync(fileURLToPath(a.url!)));
  assert.ok(fs.existsSync(fileURLToPath(k.url!)));
});

test('cache folder: .git/kforge-cache of a checkout without node_modules; in a worktree, its own git directory, not the temporary folder', () => {
  const saved = process.env.KFORGE_CACHE_DIR;
  delete process.env.KFORGE_CACHE_DIR;
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-cd-')));
  try {
    const repo = path.join(base, 'repo');
    fs.mkdirSync(repo);
    const g = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' } });
    g(repo, 'init', '-q');
    fs.writeFileSync(path.join(repo, 'a'), 'a\n');
    g(repo, 'add', 'a');
    g(repo, 'commit', '-q', '-m', 'a');
    assert.is(cacheDirFor(repo), path.join(repo, '.git', 'kforge-cache'));
    const wt = path.join(base, 'wt');
    g(repo, 'worktree', 'add', '-q', '--detach', wt);
    assert.is(cacheDirFor(wt), path.join(path.resolve(wt, g(wt, 'rev-parse', '--git-dir').trim()), 'kforge-cache'));
    assert.not.ok(cacheDirFor(wt).startsWith(path.join(os.tmpdir(), 'kforge-cache-')));
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
    if (saved !== undefined) process.env.KFORGE_CACHE_DIR = saved;
  }
});

test.run();
