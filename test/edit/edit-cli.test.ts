/**
 * `kforge edit` (set image, add resource, set namespace) through the real bin, in temporary
 * copies of overlays/: Kustomize's argument forms and replace-by-name behaviour, comments and
 * layout kept, located errors.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot, kforgeCli } from '../helpers.js';
import { parseImageArg } from '../../compiler/edit/kustomization.js';

const ROOT = repoRoot();
const CLI = kforgeCli();
const made: string[] = [];
test.after(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A copy of bases/ and overlays/ (the YAML), the repository layout kforge edit works on. */
function copy(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-edit-'));
  made.push(d);
  for (const sub of ['bases', 'overlays']) fs.cpSync(path.join(ROOT, sub), path.join(d, sub), { recursive: true, filter: (p) => !p.endsWith('.ts') });
  return d;
}

function kforge(cwd: string, ...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Lines of b that are not in a, and of a not in b (a line diff good enough for small edits). */
function changedLines(a: string, b: string): { added: string[]; removed: string[] } {
  const la = a.split('\n');
  const lb = b.split('\n');
  const count = (xs: string[]) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());
  const ca = count(la);
  const cb = count(lb);
  return {
    added: [...cb].flatMap(([l, n]) => Array(Math.max(0, n - (ca.get(l) ?? 0))).fill(l) as string[]),
    removed: [...ca].flatMap(([l, n]) => Array(Math.max(0, n - (cb.get(l) ?? 0))).fill(l) as string[]),
  };
}

test('set image arguments: Kustomize\'s forms', () => {
  const ok: [string, Record<string, string>][] = [
    ['postgres=eu.gcr.io/my-project/postgres:latest', { name: 'postgres', newName: 'eu.gcr.io/my-project/postgres', newTag: 'latest' }],
    ['my-app=my-registry/my-app@sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3', { name: 'my-app', newName: 'my-registry/my-app', digest: 'sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3' }],
    ['node:8.15.0', { name: 'node', newTag: '8.15.0' }],
    ['mysql=mariadb', { name: 'mysql', newName: 'mariadb' }],
    ['alpine@sha256:24a0c4b4', { name: 'alpine', digest: 'sha256:24a0c4b4' }],
    ['app=registry.local:5000/team/app:1.2@sha256:abcd', { name: 'app', newName: 'registry.local:5000/team/app', newTag: '1.2', digest: 'sha256:abcd' }],
    ['registry.local:5000/app:2', { name: 'registry.local:5000/app', newTag: '2' }],
    ['app=*:1.3', { name: 'app', newName: '*', newTag: '1.3' }],
  ];
  for (const [arg, want] of ok) assert.equal(parseImageArg(arg).value, want, arg);
  for (const bad of ['nginx', '=nginx:1', 'nginx:a/b', 'nginx:1@notadigest', 'registry.local:5000/app']) {
    const r = parseImageArg(bad);
    assert.is(r.value, undefined, bad);
    assert.ok(r.error, bad);
  }
});

test('edit set image --env: replaces the entry by name, adds new ones, keeps comments and layout; the build shows it', () => {
  const d = copy();
  const file = path.join(d, 'overlays', 'staging', 'kustomization.yaml');
  const before = fs.readFileSync(file, 'utf8');
  const r = kforge(d, 'edit', 'set', 'image', 'ghcr.io/kforge-demo/im-service:1.10', 'busybox=registry.local:5000/busybox@sha256:abc123', '--env', 'staging');
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, 'ghcr.io/kforge-demo/im-service:1.10 (was ghcr.io/kforge-demo/im-service:1.9.0)');
  const after = fs.readFileSync(file, 'utf8');
  const { added, removed } = changedLines(before, after);
  assert.equal(removed, ['  newTag: 1.9.0']);
  assert.equal(added, ['- name: busybox', '  newName: registry.local:5000/busybox', '  digest: sha256:abc123', '  newTag: "1.10"']);
  // the comment stays above the im-service entry it describes; busybox sorts before it
  assert.match(after, '- name: busybox\n  newName: registry.local:5000/busybox\n  digest: sha256:abc123\n# The release candidate under test; prod promotes the same tag.\n- name: ghcr.io/kforge-demo/im-service\n  newTag: "1.10"\n');
  const b = kforge(d, 'build', 'overlays/staging');
  assert.is(b.code, 0, b.stderr);
  assert.match(b.stdout, 'image: ghcr.io/kforge-demo/im-service:1.10\n');
  // the same again: nothing to change
  const again = kforge(d, 'edit', 'set', 'image', 'ghcr.io/kforge-demo/im-service:1.10', '--env', 'staging');
  assert.is(again.code, 0);
  assert.is(fs.readFileSync(file, 'utf8'), after);
});

test('edit set image: a whole entry is replaced as in Kustomize (a tag drops the digest), * keeps a value', () => {
  const d = copy();
  const dir = path.join(d, 'app');
  fs.mkdirSync(dir);
  const file = path.join(dir, 'kustomization.yaml');
  fs.writeFileSync(file, 'resources: []\nimages:\n  - name: web # the front end\n    newName: ghcr.io/acme/web\n    digest: sha256:aaaa\n  - name: api\n    newTag: "1"\n');
  let r = kforge(d, 'edit', 'set', 'image', 'web=*:2.0', '--dir', 'app');
  assert.is(r.code, 0, r.stderr);
  assert.is(fs.readFileSync(file, 'utf8'), 'resources: []\nimages:\n  - name: web\n    newName: ghcr.io/acme/web\n    newTag: "2.0"\n  - name: api\n    newTag: "1"\n');
  r = kforge(d, 'edit', 'set', 'image', 'web:3', 'api=*@sha256:bbbb');
  assert.is(r.code, 2, 'no kustomization in the current folder');
  r = kforge(dir, 'edit', 'set', 'image', 'web:3', 'api=*@sha256:bbbb');
  assert.is(r.code, 0, r.stderr);
  assert.is(fs.readFileSync(file, 'utf8'), 'resources: []\nimages:\n  - name: web\n    newTag: "3"\n  - name: api\n    digest: sha256:bbbb\n', 'api=*@DIGEST keeps the new name (none) and drops the tag, as Kustomize does');
  // no images: field yet, and a flow list
  fs.writeFileSync(file, 'resources:\n- a.yaml\n');
  assert.is(kforge(d, 'edit', 'set', 'image', 'nginx:1.27', 'app', '--no-verify').code, 2, '--no-verify is add resource\'s');
  assert.is(kforge(d, 'edit', 'set', 'image', 'app', 'nginx:1.27').code, 0, 'DIR as the first argument');
  assert.is(fs.readFileSync(file, 'utf8'), 'resources:\n- a.yaml\nimages:\n- name: nginx\n  newTag: 1.27\n'.replace('1.27', '"1.27"'));
  fs.writeFileSync(file, 'images: [{name: a, newTag: "1"}]\n');
  assert.is(kforge(dir, 'edit', 'set', 'image', 'b:2').code, 0);
  assert.is(fs.readFileSync(file, 'utf8'), 'images:\n- name: a\n  newTag: "1"\n- name: b\n  newTag: "2"\n');
});

test('edit errors: located, exit 2, nothing on stdout', () => {
  const d = copy();
  const noKust = kforge(d, 'edit', 'set', 'image', 'nginx:1', '--dir', 'bases');
  assert.is(noKust.code, 2);
  assert.is(noKust.stdout, '');
  assert.match(noKust.stderr, /error KF1001: no kustomization.yaml in bases/);
  const badArg = kforge(d, 'edit', 'set', 'image', 'nginx', '--env', 'prod');
  assert.is(badArg.code, 2);
  assert.is(badArg.stdout, '');
  assert.match(badArg.stderr, '"nginx" is not an image setting; use NAME=NEWNAME:TAG');
  const noEnv = kforge(d, 'edit', 'set', 'namespace', 'x', '--env', 'prdo');
  assert.is(noEnv.code, 2);
  assert.match(noEnv.stderr, /KF4002.*environments: dev, prod, staging/s);
  const badNs = kforge(d, 'edit', 'set', 'namespace', 'Kforge_Prod', '--env', 'prod');
  assert.is(badNs.code, 2);
  assert.match(badNs.stderr, '"Kforge_Prod" is not a valid namespace name');
  const app = path.join(d, 'broken');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'kustomization.yaml'), 'resources:\n- a.yaml\nimages: "x\n');
  const broken = kforge(d, 'edit', 'set', 'image', 'a:1', '--dir', 'broken');
  assert.is(broken.code, 2);
  assert.match(broken.stderr, /broken\/kustomization\.yaml:\d+:\d+: error KF1003/);
  const flag = kforge(d, 'edit', 'set', 'image', 'a:1', '--env');
  assert.is(flag.code, 2);
  assert.match(flag.stderr, '--env needs a value');
  const sub = kforge(d, 'edit', 'remove', 'image');
  assert.is(sub.code, 2);
  assert.match(sub.stderr, 'unknown edit "remove image"');
  const help = kforge(d, 'edit', '--help');
  assert.is(help.code, 0);
  assert.match(help.stdout, '--no-verify');
});

test('edit set namespace and add resource: in place, after kind:, globbed, listed ones skipped', () => {
  const d = copy();
  const file = path.join(d, 'overlays', 'prod', 'kustomization.yaml');
  const before = fs.readFileSync(file, 'utf8');
  assert.is(kforge(d, 'edit', 'set', 'namespace', 'kforge-prod-2', '--env', 'prod').code, 0);
  const ns = changedLines(before, fs.readFileSync(file, 'utf8'));
  assert.equal(ns.added, ['namespace: kforge-prod-2']);
  assert.is(ns.removed.length, 1);
  assert.match(ns.removed[0], /^namespace: /);

  const dir = path.join(d, 'app');
  fs.mkdirSync(dir);
  const k = path.join(dir, 'kustomization.yaml');
  fs.writeFileSync(k, 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n# the app\nresources:\n  - deploy.yaml # first\n');
  for (const f of ['deploy.yaml', 'svc-a.yaml', 'svc-b.yaml', 'other.yml']) fs.writeFileSync(path.join(dir, f), '');
  let r = kforge(dir, 'edit', 'add', 'resource', 'svc-*.yaml', 'deploy.yaml');
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, 'resource deploy.yaml already listed');
  r = kforge(dir, 'edit', 'set', 'namespace', 'web');
  assert.is(r.code, 0, r.stderr);
  assert.is(fs.readFileSync(k, 'utf8'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: web\n# the app\nresources:\n  - deploy.yaml # first\n  - svc-a.yaml\n  - svc-b.yaml\n');
  r = kforge(dir, 'edit', 'add', 'resource', 'missing.yaml');
  assert.is(r.code, 2);
  assert.match(r.stderr, 'error KF1002: missing.yaml has no match');
  assert.is(kforge(dir, 'edit', 'add', 'resource', 'missing.yaml', '--no-verify').code, 0);
  assert.match(fs.readFileSync(k, 'utf8'), '  - svc-b.yaml\n  - missing.yaml\n');
  fs.writeFileSync(k, '# empty\n');
  assert.is(kforge(dir, 'edit', 'add', 'resource', 'other.yml').code, 0);
  assert.is(fs.readFileSync(k, 'utf8'), '# empty\nresources:\n- other.yml\n');
});

test.run();
