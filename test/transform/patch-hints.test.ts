/** KF3001's hint names namespaces only when they are why a strategic-merge patch matches nothing. */
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

test.run();
