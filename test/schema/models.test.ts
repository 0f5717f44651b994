import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fieldsOf, modelForKind, resolvePointer } from '../../compiler/schema/models.js';
import { kustomizeMerges, mergeInfo, MERGE_KEYS } from '../../compiler/schema/merge-keys.js';

const kinds: [string, string, string, string | undefined][] = [
  ['apps', 'v1', 'Deployment', 'V1Deployment'],
  ['', 'v1', 'Service', 'V1Service'],
  ['networking.k8s.io', 'v1', 'Ingress', 'V1Ingress'],
  ['autoscaling', 'v2', 'HorizontalPodAutoscaler', 'V2HorizontalPodAutoscaler'],
  ['policy', 'v1', 'PodDisruptionBudget', 'V1PodDisruptionBudget'],
  ['rbac.authorization.k8s.io', 'v1', 'Role', 'V1Role'],
  ['batch', 'v1', 'CronJob', 'V1CronJob'],
  ['', 'v1', 'Event', 'CoreV1Event'],
  ['events.k8s.io', 'v1', 'Event', 'EventsV1Event'],
  ['example.com', 'v1', 'Deployment', undefined],
  ['apps', 'v1beta1', 'Deployment', undefined],
  ['', 'v1', 'Deployment', undefined],
];
for (const [g, v, k, m] of kinds) test(`modelForKind ${g}/${v} ${k}`, () => assert.is(modelForKind(g, v, k), m));

test('fieldsOf uses JSON names and types, cached', () => {
  const f = fieldsOf('V1PodSpec');
  assert.is(f.get('containers'), 'Array<V1Container>');
  assert.is(f.get('nodeSelector'), '{ [key: string]: string; }');
  assert.is(fieldsOf('V1PodSpec'), f);
  assert.is(fieldsOf('V1ListMeta').get('continue'), 'string'); // TS name is _continue
  assert.is(fieldsOf('NoSuchModel').size, 0);
});

const ptrs: [string, string, ReturnType<typeof resolvePointer>][] = [
  ['V1Deployment', '/spec/replicas', { ok: true, type: 'number' }],
  ['V1Deployment', '/spec/template/spec/containers/0/env/-', { ok: true, type: 'V1EnvVar' }],
  ['V1Deployment', '/metadata/annotations/prometheus.io~1port', { ok: true, type: 'string' }],
  ['V1Deployment', '/spec/replica', { ok: false, at: '/spec', bad: 'replica', suggestion: '/spec/replicas' }],
  ['V1Deployment', '/spec/template/spec/containers/x/image', { ok: false, at: '/spec/template/spec/containers', bad: 'x' }],
  ['V1Deployment', '/spec/replicas/0', { ok: false, at: '/spec/replicas', bad: '0' }],
  ['V1CustomResourceDefinition', '/spec/versions/0/schema/openAPIV3Schema/properties/foo/default/x/0', { ok: true, type: 'any' }],
];
for (const [m, p, exp] of ptrs) test(`resolvePointer ${m} ${p}`, () => assert.equal(resolvePointer(m, p), exp));

test('merge-key table names real model fields', () => {
  for (const key of Object.keys(MERGE_KEYS)) {
    const [model, field] = key.split('.');
    assert.ok(fieldsOf(model).get(field)?.startsWith('Array<'), key);
  }
  assert.equal(mergeInfo('V1Container', 'ports')?.listMapKeys, ['containerPort', 'protocol']);
  assert.is(mergeInfo('V1PodSpec', 'tolerations'), undefined);
  assert.ok(mergeInfo('V1PodSpec', 'resourceClaims'));
  assert.is(kustomizeMerges('V1PodSpec', 'resourceClaims'), undefined);
});

test.run();
