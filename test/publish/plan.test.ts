import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { joinDocuments, normalizeDeployPath, planRender, type SourceInfo } from '../../compiler/emit/plan.js';
import { commitMessage, compare, parseTrailers } from '../../compiler/publish/message.js';
import { appsFromSpec, prod, type AppsSpec } from './helpers.js';

const source = (sha: string): SourceInfo => ({
  repoURL: 'https://example.com/gitops.git',
  sha,
  ref: 'refs/heads/main',
  subject: 'Bump web',
  body: '',
  author: { name: 'Ada', email: 'ada@example.com', date: '2023-11-14T22:13:20+00:00' },
  committerDate: '2023-11-14T22:13:20+00:00',
  dirty: false,
});
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const input = (sha: string, spec: AppsSpec = { web: { w: '1', v: '2' }, api: { a: '1' } }) => ({
  environment: prod,
  apps: appsFromSpec(spec),
  source: source(sha),
  kforgeVersion: '1.2.3',
  policy: { errors: 0, warnings: 0, waived: 2 },
  allowDirty: false,
});

test('plans are pure and deterministic; the digest ignores the source commit', () => {
  const p1 = planRender(input(A));
  const p2 = planRender(input(A));
  assert.equal([...p1.files], [...p2.files]);
  const p3 = planRender(input(B));
  assert.is(p3.digest, p1.digest);
  assert.is(p3.files.get('web/manifest.yaml'), p1.files.get('web/manifest.yaml'));
  assert.is.not(p3.files.get('hydrator.metadata'), p1.files.get('hydrator.metadata'));
  const p4 = planRender(input(A, { web: { w: '1', v: '3' }, api: { a: '1' } }));
  assert.is.not(p4.digest, p1.digest);
  assert.is(p4.apps.find((a) => a.name === 'api')!.digest, p1.apps.find((a) => a.name === 'api')!.digest);
  assert.equal(p1.diagnostics, []);
});

test('layout: app folders, root metadata with Argo field names, owned files, .gitattributes', () => {
  const p = planRender({ ...input(A), environment: { ...prod, deployPath: './k8s//prod/' } });
  assert.is(p.deployPath, 'k8s/prod');
  assert.equal([...p.files.keys()].sort(), [
    'k8s/prod/.gitattributes',
    'k8s/prod/api/README.md',
    'k8s/prod/api/hydrator.metadata',
    'k8s/prod/api/manifest.yaml',
    'k8s/prod/hydrator.metadata',
    'k8s/prod/web/README.md',
    'k8s/prod/web/hydrator.metadata',
    'k8s/prod/web/manifest.yaml',
  ]);
  const meta = JSON.parse(p.files.get('k8s/prod/hydrator.metadata')!);
  assert.equal(Object.keys(meta), ['repoURL', 'drySha', 'author', 'date', 'subject', 'x-kforge']);
  assert.equal(meta['x-kforge'].files, [...p.files.keys()].sort());
  assert.is(meta['x-kforge'].policy.waived, 2);
  const appMeta = JSON.parse(p.files.get('k8s/prod/web/hydrator.metadata')!);
  assert.equal(appMeta.commands, ['npm run render -- prod']);
  assert.is(Object.keys(appMeta['x-kforge'].resources).length, 2);
  assert.is(p.files.get('k8s/prod/.gitattributes'), '**/README.md linguist-generated=true\n**/hydrator.metadata linguist-generated=true');
  assert.is(p.files.get('k8s/prod/web/manifest.yaml')!.split('---\n').length, 2);
});

test('joinDocuments and normalizeDeployPath', () => {
  assert.is(joinDocuments(['a: 1', '---\nb: 2\n']), 'a: 1\n---\nb: 2\n');
  assert.is(joinDocuments([]), '');
  assert.is(normalizeDeployPath(undefined), '');
  assert.is(normalizeDeployPath('./a//b/'), 'a/b');
  assert.is(normalizeDeployPath('../x'), undefined);
  assert.is(normalizeDeployPath('/abs'), undefined);
});

test('invalid or duplicate app names are diagnostics, not exceptions', () => {
  const apps = [...appsFromSpec({ ok: { a: '1' } }), { app: '../evil', resources: [] }, { app: 'hydrator.metadata', resources: [] }, { app: 'ok', resources: [] }];
  const p = planRender({ ...input(A), apps });
  assert.equal(p.diagnostics.map((d) => d.code), ['KF9001', 'KF9001', 'KF9001']);
  assert.equal(p.apps.map((a) => a.name), ['ok']);
});

test('commit message: subject, summary, trailers that parse back', () => {
  const before = planRender(input(A));
  const after = planRender(input(B, { web: { w: '9', x: '1' }, db: { d: '1' } }));
  const prev = before.apps.map((a) => ({ name: a.name, digest: a.digest, resources: a.resources, resourceDigests: a.resourceDigests }));
  const cs = compare(after, prev);
  assert.equal(cs.apps, { added: ['db'], changed: ['web'], removed: ['api'], unchanged: 0 });
  assert.equal([cs.resources.added, cs.resources.changed, cs.resources.removed], [2, 1, 2]);
  const msg = commitMessage(after, cs, '1.2.3', A);
  assert.ok(msg.startsWith('bbbbbbb: Bump web\n\n'));
  const t = parseTrailers(msg);
  assert.equal(t, {
    'Source-Commit': B,
    'Source-Ref': 'refs/heads/main',
    'Render-Env': 'prod',
    'Render-Tool': 'kforge 1.2.3',
    'Render-Digest': after.digest,
  });
});

test.run();
