import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildDir } from '../../compiler/index.js';
import { memFs, nodeFs } from '../../compiler/fs.js';
import type { Diagnostic } from '../../compiler/types.js';

// One test per user mistake: the code, the file and the line it names.

const DEPLOY = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: web
        image: nginx:1.27
`;

function build(tree: Record<string, string | Uint8Array>, dir = '/r') {
  return buildDir(dir, { fs: memFs(tree) });
}

function only(ds: Diagnostic[], code: string): Diagnostic {
  const errs = ds.filter((d) => d.severity === 'error');
  assert.ok(errs.length >= 1, `expected an error, got ${JSON.stringify(ds)}`);
  const d = errs.find((x) => x.code === code);
  assert.ok(d, `expected ${code}, got ${errs.map((x) => `${x.code} ${x.message}`).join('; ')}`);
  return d!;
}

function at(d: Diagnostic, file: string, line: number, column?: number) {
  assert.ok(d.location, `diagnostic ${d.code} has no location`);
  assert.is(d.location!.file, file);
  assert.is(d.location!.line, line, `line of ${d.code}: ${d.message}`);
  if (column !== undefined) assert.is(d.location!.column, column);
  assert.ok(d.hint && d.hint.length > 0, `${d.code} has a hint`);
}

test('invalid YAML in a resource names the file and line (KF1003)', () => {
  const res = build({
    '/r/kustomization.yaml': 'resources:\n- web.yaml\n',
    '/r/web.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: "unclosed\n',
  });
  assert.is(res.output, undefined);
  const d = only(res.diagnostics, 'KF1003');
  assert.is(d.location?.file, '/r/web.yaml');
  assert.ok(d.location!.line >= 6, `line ${d.location!.line}`);
});

test('a missing resource file points at its entry in kustomization.yaml (KF1002)', () => {
  const res = build({ '/r/kustomization.yaml': 'resources:\n- web.yaml\n- deploy.yml\n', '/r/web.yaml': DEPLOY, '/r/deploy.yaml': DEPLOY });
  const d = only(res.diagnostics, 'KF1002');
  at(d, '/r/kustomization.yaml', 3, 3);
  assert.match(d.hint!, 'deploy.yaml');
});

test('a cycle between kustomizations is KF1007 at the entry that closes it', () => {
  const res = build(
    {
      '/r/base/kustomization.yaml': 'resources:\n- web.yaml\n- ../overlays/prod\n',
      '/r/base/web.yaml': DEPLOY,
      '/r/overlays/prod/kustomization.yaml': 'resources:\n- ../../base\n',
    },
    '/r/overlays/prod',
  );
  const d = only(res.diagnostics, 'KF1007');
  at(d, '/r/base/kustomization.yaml', 3, 3);
});

test('a duplicate resource id is KF2001 at the second declaration', () => {
  const res = build({ '/r/kustomization.yaml': 'resources:\n- a.yaml\n- b.yaml\n', '/r/a.yaml': DEPLOY, '/r/b.yaml': `# again\n${DEPLOY}` });
  const d = only(res.diagnostics, 'KF2001');
  at(d, '/r/b.yaml', 2);
});

test('a Service without namespace and the same one in default are one id (KF2001)', () => {
  const svc = (ns: string) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n${ns}spec:\n  ports:\n  - port: 80\n`;
  const res = build({ '/r/kustomization.yaml': 'resources:\n- a.yaml\n- b.yaml\n', '/r/a.yaml': svc(''), '/r/b.yaml': svc('  namespace: default\n') });
  only(res.diagnostics, 'KF2001');
});

test('a JSON 6902 remove of a missing path is KF3002 at the operation', () => {
  const res = build({
    '/r/kustomization.yaml': `resources:\n- web.yaml\npatches:\n- target:\n    kind: Deployment\n    name: web\n  patch: |-\n    - op: replace\n      path: /spec/replicas\n      value: 2\n    - op: remove\n      path: /spec/template/spec/containers/0/resources/limits\n`,
    '/r/web.yaml': DEPLOY,
  });
  const d = only(res.diagnostics, 'KF3002');
  assert.is(d.location?.file, '/r/kustomization.yaml');
  assert.is(d.location?.line, 11);
});

test('a JSON 6902 path outside the kind\'s model applies, as in Kustomize, with a KF3004 warning at the operation, with did-you-mean', () => {
  const res = build({
    '/r/kustomization.yaml': `resources:\n- web.yaml\npatches:\n- target:\n    kind: Deployment\n    name: web\n  patch: |-\n    - op: add\n      path: /spec/replicaz\n      value: 2\n`,
    '/r/web.yaml': DEPLOY,
  });
  assert.match(res.output ?? '', /\n  replicaz: 2\n/);
  assert.equal(res.diagnostics.filter((x) => x.severity === 'error'), []);
  const d = res.diagnostics.find((x) => x.code === 'KF3004' && x.severity === 'warning');
  assert.ok(d, JSON.stringify(res.diagnostics));
  assert.is(d!.location?.file, '/r/kustomization.yaml');
  assert.is(d!.location?.line, 8);
  assert.match(d!.hint!, '/spec/replicas');
});

test('a strategic-merge patch whose resource does not exist is KF3001 at the patch', () => {
  const res = build({
    '/r/kustomization.yaml': 'resources:\n- web.yaml\npatches:\n- path: patch.yaml\n',
    '/r/web.yaml': DEPLOY,
    '/r/patch.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: wbe\nspec:\n  replicas: 3\n',
  });
  const d = only(res.diagnostics, 'KF3001');
  at(d, '/r/patch.yaml', 1);
  assert.match(d.hint!, 'web');
});

test('a patch with a target that matches nothing is skipped, as Kustomize does', () => {
  const res = build({
    '/r/kustomization.yaml': 'resources:\n- web.yaml\npatches:\n- target:\n    kind: StatefulSet\n  patch: |-\n    - op: add\n      path: /spec/replicas\n      value: 2\n',
    '/r/web.yaml': DEPLOY,
  });
  assert.equal(res.diagnostics.filter((d) => d.severity === 'error'), []);
  assert.ok(res.output?.includes('name: web'));
});

test('an unknown kustomization field is KF1005 with did-you-mean', () => {
  const res = build({ '/r/kustomization.yaml': 'resources:\n- web.yaml\ncommonLabel:\n  app: web\n', '/r/web.yaml': DEPLOY });
  const d = only(res.diagnostics, 'KF1005');
  at(d, '/r/kustomization.yaml', 3, 1);
  assert.match(d.hint!, 'commonLabels');
});

test('a remote base is refused without touching the network (KF1009)', () => {
  const res = build({ '/r/kustomization.yaml': 'resources:\n- https://github.com/org/repo//deploy?ref=v1\n- github.com/org/repo/base\n' });
  const ds = res.diagnostics.filter((d) => d.code === 'KF1009');
  assert.is(ds.length, 2);
  at(ds[0], '/r/kustomization.yaml', 2, 3);
  at(ds[1], '/r/kustomization.yaml', 3, 3);
});

test('a resource file outside the kustomization root is refused (KF1008); a directory outside is allowed', () => {
  const res = build({ '/r/app/kustomization.yaml': 'resources:\n- ../web.yaml\n', '/r/web.yaml': DEPLOY }, '/r/app');
  at(only(res.diagnostics, 'KF1008'), '/r/app/kustomization.yaml', 2, 3);
  const ok = build({ '/r/app/kustomization.yaml': 'resources:\n- ../base\n', '/r/base/kustomization.yaml': 'resources:\n- web.yaml\n', '/r/base/web.yaml': DEPLOY }, '/r/app');
  assert.equal(ok.diagnostics.filter((d) => d.severity === 'error'), []);
});

test('a symlink that points outside the root is refused before it is read (KF1008)', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-sym-'));
  try {
    fs.mkdirSync(path.join(tmp, 'app'));
    fs.writeFileSync(path.join(tmp, 'secret.yaml'), DEPLOY);
    fs.symlinkSync(path.join(tmp, 'secret.yaml'), path.join(tmp, 'app', 'web.yaml'));
    fs.writeFileSync(path.join(tmp, 'app', 'kustomization.yaml'), 'resources:\n- web.yaml\n');
    const res = buildDir(path.join(tmp, 'app'), { fs: nodeFs() });
    assert.ok(res.diagnostics.some((d) => d.code === 'KF1008'), JSON.stringify(res.diagnostics));
    assert.is(res.output, undefined);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('a Component listed under resources is KF1014', () => {
  const res = build({
    '/r/kustomization.yaml': 'resources:\n- comp\n',
    '/r/comp/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n- web.yaml\n',
    '/r/comp/web.yaml': DEPLOY,
  });
  at(only(res.diagnostics, 'KF1014'), '/r/kustomization.yaml', 2, 3);
});

test('an empty kustomization is KF1006', () => {
  at(only(build({ '/r/kustomization.yaml': '# nothing here\n' }).diagnostics, 'KF1006'), '/r/kustomization.yaml', 1);
});

test('a directory without kustomization is KF1001; two kustomization files are KF1013', () => {
  only(build({ '/r/web.yaml': DEPLOY }).diagnostics, 'KF1001');
  only(build({ '/r/kustomization.yaml': 'resources:\n- web.yaml\n', '/r/kustomization.yml': 'resources:\n- web.yaml\n', '/r/web.yaml': DEPLOY }).diagnostics, 'KF1013');
});

test('a resource without kind or name is KF1010 at its document', () => {
  const res = build({ '/r/kustomization.yaml': 'resources:\n- web.yaml\n', '/r/web.yaml': `${DEPLOY}---\napiVersion: v1\nmetadata:\n  name: nokind\n` });
  at(only(res.diagnostics, 'KF1010'), '/r/web.yaml', 12);
});

test('after one base fails, the bases built after it report their own mistakes, not duplicates by names their skipped prefixes would have changed', () => {
  const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\n';
  const res = build({
    '/r/kustomization.yaml': 'resources:\n- a\n- b\n- c\n- d\n',
    '/r/a/kustomization.yaml': 'namePrefix: a-\nresources:\n- cm.yaml\n',
    '/r/a/cm.yaml': cm,
    '/r/b/kustomization.yaml': 'resources:\n- bad.yaml\n',
    '/r/b/bad.yaml': 'apiVersion: v1\nkind: ConfigMap\n',
    '/r/c/kustomization.yaml': 'namePrefix: c-\nresources:\n- cm.yaml\n',
    '/r/c/cm.yaml': cm,
    '/r/d/kustomization.yaml': 'namePrefix: d-\nresources:\n- cm.yaml\n- missing.yaml\n',
    '/r/d/cm.yaml': cm,
  });
  assert.equal(
    res.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.location?.file}`),
    ['KF1010 /r/b/bad.yaml', 'KF1002 /r/d/kustomization.yaml'],
  );
});

test('a document that is not a mapping is KF1004', () => {
  const res = build({ '/r/kustomization.yaml': 'resources:\n- web.yaml\n', '/r/web.yaml': '- a\n- b\n' });
  only(res.diagnostics, 'KF1004');
});

test('a binary file or non-UTF-8 bytes listed as a resource is KF1011', () => {
  only(build({ '/r/kustomization.yaml': 'resources:\n- img.png\n', '/r/img.png': new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 1]) }).diagnostics, 'KF1011');
  only(build({ '/r/kustomization.yaml': 'resources:\n- web.yaml\n', '/r/web.yaml': new Uint8Array([0x6b, 0x3a, 0x20, 0xff, 0xfe, 0x0a]) }).diagnostics, 'KF1011');
});

test('unquoted numbers as label values are an error, as in Kustomize (KF2008)', () => {
  const res = build({ '/r/kustomization.yaml': 'resources:\n- web.yaml\nlabels:\n- pairs:\n    version: 2\n', '/r/web.yaml': DEPLOY });
  at(only(res.diagnostics, 'KF2008'), '/r/kustomization.yaml', 5, 14);
});

test('vars build, with Kustomize\'s deprecation warning; an objref naming nothing is an error at its item (KF2015)', () => {
  const res = build({ '/r/kustomization.yaml': 'resources:\n- web.yaml\nvars:\n- name: X\n', '/r/web.yaml': DEPLOY });
  assert.is(res.diagnostics.find((d) => d.code === 'KF1017')?.severity, 'warning');
  at(only(res.diagnostics, 'KF2015'), '/r/kustomization.yaml', 4, 3);
});

test('deprecated fields still build and print Kustomize\'s warning (KF1017)', () => {
  const res = build({ '/r/kustomization.yaml': 'bases:\n- base\n', '/r/base/kustomization.yaml': 'resources:\n- web.yaml\n', '/r/base/web.yaml': DEPLOY });
  assert.ok(res.output?.includes('name: web'));
  const w = res.diagnostics.find((d) => d.code === 'KF1017');
  assert.ok(w && w.severity === 'warning');
  assert.is(w!.message, "# Warning: 'bases' is deprecated. Please use 'resources' instead. Run 'kustomize edit fix' to update your Kustomization automatically.");
});

test('kind: List documents are split into their items', () => {
  const res = build({
    '/r/kustomization.yaml': 'resources:\n- list.yaml\n',
    '/r/list.yaml': 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: b\n',
  });
  assert.is(res.output, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n');
});

test('kustomization.yml and Kustomization are accepted file names', () => {
  for (const name of ['kustomization.yml', 'Kustomization']) {
    const res = build({ [`/r/${name}`]: 'resources:\n- web.yaml\n', '/r/web.yaml': DEPLOY });
    assert.ok(res.output?.includes('name: web'), name);
  }
});

test.run();
