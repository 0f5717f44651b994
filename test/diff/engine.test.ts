import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diffRenderings, diffFields, redactValue, type DiffResource } from '../../compiler/diff/engine.js';
import type { JsonObject } from '../../compiler/types.js';

const KEY = 'test-key';

function r(apiVersion: string, kind: string, name: string, object: JsonObject, namespace = 'prod'): DiffResource {
  return { apiVersion, kind, name, namespace, object: { apiVersion, kind, metadata: { name, namespace }, ...object }, app: 'im-service' };
}

const deploy = (image: string, replicas = 2, env = [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], cm = 'cfg-5hhcbfc62m') =>
  r('apps/v1', 'Deployment', 'web', {
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { spec: { containers: [{ name: 'web', image, env, envFrom: [{ configMapRef: { name: cm } }] }] } },
    },
  });

test('an image bump is one changed field at the container found by name', () => {
  const cs = diffRenderings([deploy('web:1')], [deploy('web:2')], { redactKey: KEY });
  assert.equal(cs.counts, { added: 0, removed: 0, changed: 1, unchanged: 0, followers: 0 });
  assert.equal(cs.changes[0].fields, [{ path: 'spec.template.spec.containers[name=web].image', kind: 'changed', before: 'web:1', after: 'web:2' }]);
  assert.ok(cs.risks.some((x) => x.code === 'image'));
});

test('a reordered env list is no change; an inserted env var is one addition', () => {
  const swapped = deploy('web:1', 2, [{ name: 'B', value: '2' }, { name: 'A', value: '1' }]);
  assert.equal(diffRenderings([deploy('web:1')], [swapped], { redactKey: KEY }).counts.changed, 0);
  const more = deploy('web:1', 2, [{ name: 'A', value: '1' }, { name: 'C', value: '3' }, { name: 'B', value: '2' }]);
  const cs = diffRenderings([deploy('web:1')], [more], { redactKey: KEY });
  assert.equal(cs.changes[0].fields, [{ path: 'spec.template.spec.containers[name=web].env[name=C]', kind: 'added', after: { name: 'C', value: '3' } }]);
});

test('an apiVersion bump is a change of the same resource, not a delete and an add', () => {
  const a = r('autoscaling/v2', 'HorizontalPodAutoscaler', 'web', { spec: { maxReplicas: 5 } });
  const b = r('autoscaling/v1', 'HorizontalPodAutoscaler', 'web', { spec: { maxReplicas: 5 } });
  const cs = diffRenderings([a], [b], { redactKey: KEY });
  assert.equal(cs.counts, { added: 0, removed: 0, changed: 1, unchanged: 0, followers: 0 });
  assert.is(cs.changes[0].previousApiVersion, 'autoscaling/v2');
});

test('a generator rename is one ConfigMap change, and the workload following it is grouped under it', () => {
  const cm = (name: string, level: string) => r('v1', 'ConfigMap', name, { data: { LOG_LEVEL: level } });
  const cs = diffRenderings([cm('cfg-5hhcbfc62m', 'info'), deploy('web:1')], [cm('cfg-hdbkktk5b7', 'debug'), deploy('web:1', 2, undefined, 'cfg-hdbkktk5b7')], { redactKey: KEY });
  assert.is(cs.changes.length, 1);
  const c = cs.changes[0];
  assert.is(c.previousName, 'cfg-5hhcbfc62m');
  assert.is(c.name, 'cfg-hdbkktk5b7');
  assert.equal(c.fields, [{ path: 'data.LOG_LEVEL', kind: 'changed', before: 'info', after: 'debug' }]);
  assert.equal(c.followers, ['Deployment prod/web']);
});

test('Secret values are never shown: equal values give equal placeholders, changed ones differ', () => {
  const sec = (pw: string, user: string) => r('v1', 'Secret', 'creds', { data: { password: Buffer.from(pw).toString('base64'), user: Buffer.from(user).toString('base64') } });
  const cs = diffRenderings([sec('hunter2', 'admin')], [sec('correct horse', 'admin')], { redactKey: KEY });
  const text = JSON.stringify(cs);
  assert.not.match(text, 'hunter2');
  assert.not.match(text, Buffer.from('hunter2').toString('base64'));
  assert.not.match(text, 'correct horse');
  assert.is(cs.changes[0].fields.length, 1, 'the unchanged user value is no change');
  const f = cs.changes[0].fields[0];
  assert.match(String(f.before), /^‹redacted [0-9a-f]{8} · 7 B›$/);
  assert.match(String(f.after), /^‹redacted [0-9a-f]{8} · 13 B›$/);
  assert.is(redactValue(Buffer.from('x').toString('base64'), KEY), redactValue(Buffer.from('x').toString('base64'), KEY));
});

test('risks: deleting a StatefulSet and a PVC, changing a selector, shrinking a PVC, scaling to zero, widening RBAC', () => {
  const sts = r('apps/v1', 'StatefulSet', 'kafka', { spec: { serviceName: 'kafka-headless', replicas: 3 } });
  const pvc = (size: string) => r('v1', 'PersistentVolumeClaim', 'data', { spec: { resources: { requests: { storage: size } } } });
  const role = (verbs: string[]) => r('rbac.authorization.k8s.io/v1', 'Role', 'reader', { rules: [{ apiGroups: [''], resources: ['endpoints'], verbs }] });
  const sel = (v: string) => r('apps/v1', 'Deployment', 'api', { spec: { replicas: 2, selector: { matchLabels: { app: v } } } });
  const cs = diffRenderings(
    [sts, pvc('10Gi'), role(['get']), sel('api'), deploy('web:1')],
    [pvc('5Gi'), role(['get', 'list', 'delete']), sel('api-v2'), deploy('web:1', 0)],
    { redactKey: KEY },
  );
  const codes = cs.risks.map((x) => `${x.level}:${x.code}`);
  assert.ok(codes.includes('high:delete'), codes.join());
  assert.ok(codes.includes('high:immutable-field'), codes.join());
  assert.ok(codes.includes('high:pvc-shrink'), codes.join());
  assert.ok(codes.includes('high:scale-to-zero'), codes.join());
  assert.ok(codes.includes('medium:rbac-widening'), codes.join());
  assert.is(cs.risks[0].level, 'high', 'risks first, highest first');
});

test('ignore rules drop noise fields and whole resources', () => {
  const a = r('v1', 'ConfigMap', 'x', { metadata: { name: 'x', namespace: 'prod', annotations: { 'checksum/config': 'a' } }, data: { k: 'v' } });
  const b = r('v1', 'ConfigMap', 'x', { metadata: { name: 'x', namespace: 'prod', annotations: { 'checksum/config': 'b' } }, data: { k: 'v' } });
  assert.is(diffRenderings([a], [b], { redactKey: KEY, ignoreFields: ['metadata.annotations.checksum/*'] }).counts.changed, 0);
  assert.is(diffRenderings([a], [b], { redactKey: KEY }).counts.changed, 1);
  assert.is(diffRenderings([a], [], { redactKey: KEY, ignoreResources: [{ kind: 'ConfigMap' }] }).counts.removed, 0);
});

test('diffFields: lists of scalars in another order are equal; different lengths are one change', () => {
  assert.equal(diffFields({ a: ['x', 'y'] }, { a: ['y', 'x'] }), []);
  assert.equal(diffFields({ a: ['x'] }, { a: ['x', 'y'] }), [{ path: 'a', kind: 'changed', before: ['x'], after: ['x', 'y'] }]);
});

test.run();
