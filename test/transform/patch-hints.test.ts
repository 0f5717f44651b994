/**
 * Diagnostics that point at the line to change: KF3001's hint names namespaces only when they are
 * why a strategic-merge patch matches nothing; a resource listed twice is KF2001 at the second entry;
 * a generator's files/envs problem is at its list entry.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildDir } from '../../compiler/index.js';
import { memFs } from '../../compiler/fs.js';

const DEPLOY = (name: string, ns?: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n${ns ? `  namespace: ${ns}\n` : ''}spec:\n  replicas: 1\n`;
const PATCH = (name: string, ns?: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n${ns ? `  namespace: ${ns}\n` : ''}spec:\n  replicas: 3\n`;

function kf3001(web: string, patch: string): string {
  const res = buildDir('/r', { fs: memFs({ '/r/kustomization.yaml': 'resources:\n- web.yaml\npatches:\n- path: patch.yaml\n', '/r/web.yaml': web, '/r/patch.yaml': patch }) });
  const d = res.diagnostics.find((x) => x.code === 'KF3001');
  assert.ok(d, JSON.stringify(res.diagnostics));
  return d!.hint ?? '';
}

test('a misspelt name: the names in the build, no namespace hint', () => {
  const h = kf3001(DEPLOY('web'), PATCH('wbe'));
  assert.match(h, 'Deployment resources in this build: web');
  assert.not.match(h, 'namespace');
  assert.not.match(kf3001(DEPLOY('web', 'shop'), PATCH('wbe')), 'namespace');
});

test('the name exists in another namespace: the hint says which and what to write', () => {
  assert.match(kf3001(DEPLOY('web', 'shop'), PATCH('web')), 'add metadata.namespace: shop');
  assert.match(kf3001(DEPLOY('web', 'shop'), PATCH('web', 'store')), 'the patch names namespace store; web is in shop');
});

test('a resource listed twice is KF2001 at the second kustomization entry (file or folder)', () => {
  const res = buildDir('/r', { fs: memFs({ '/r/kustomization.yaml': 'resources:\n- web.yaml\n- other.yaml\n- web.yaml\n', '/r/web.yaml': DEPLOY('web') + '---\n' + DEPLOY('api'), '/r/other.yaml': DEPLOY('db') }) });
  const ds = res.diagnostics.filter((d) => d.code === 'KF2001');
  assert.is(ds.length, 1, JSON.stringify(ds));
  assert.equal([ds[0].location?.file, ds[0].location?.line], ['/r/kustomization.yaml', 4]);
  assert.match(ds[0].message, 'resources: "web.yaml" is listed twice (first at line 2)');
  const dir = buildDir('/r', { fs: memFs({ '/r/kustomization.yaml': 'resources:\n- base\n- ./base\n', '/r/base/kustomization.yaml': 'resources:\n- web.yaml\n', '/r/base/web.yaml': DEPLOY('web') }) });
  const d = dir.diagnostics.find((x) => x.code === 'KF2001');
  assert.equal([d?.location?.file, d?.location?.line], ['/r/kustomization.yaml', 3]);
});

test('a generator files/envs entry that is missing or malformed: the error is at that entry', () => {
  const res = buildDir('/r', { fs: memFs({ '/r/kustomization.yaml': 'configMapGenerator:\n- name: cfg\n  files:\n  - app.properties\n  - missing.txt\n  - a=b=c\n  envs:\n  - nope.env\n', '/r/app.properties': 'x=1\n' }) });
  const at = res.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code}@${d.location?.line}:${d.location?.column}`);
  assert.equal(at, ['KF1002@5:5', 'KF2002@6:5', 'KF1002@8:5']);
});

test.run();
