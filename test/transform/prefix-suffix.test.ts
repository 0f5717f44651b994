import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { addPrefixSuffix } from '../../compiler/transform/prefix-suffix.js';
import { ResourceMap } from '../../compiler/resource-map.js';
import { byId, loadDocs, loadResources, res, transformerFixture } from './resource-helper.js';

const NONE = { prefix: [], suffix: [] };

test('golden: Namespace, CRD and APIService keep their names; other kinds (cluster-scoped and custom) renamed', () => {
  const rm = loadResources(transformerFixture('prefix-suffix', 'input.yaml'));
  assert.equal(addPrefixSuffix(rm, 'p-', '-s', NONE), []);
  assert.equal(byId(rm.all().map((r) => r.object)), byId(loadDocs(transformerFixture('prefix-suffix', 'expected.yaml'))));
});

test('previousNames, prefixes, suffixes, ids and index', () => {
  const cm = res({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' } });
  const crd = res({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'a.b.c' } });
  const rm = ResourceMap.of([cm, crd]);
  addPrefixSuffix(rm, 'a-', undefined, NONE);
  addPrefixSuffix(rm, undefined, '-z', NONE);
  assert.is(cm.id.name, 'a-cfg-z');
  assert.equal(cm.previousNames, ['cfg', 'a-cfg']);
  assert.equal(cm.prefixes, ['a-']);
  assert.equal(cm.suffixes, ['-z']);
  assert.is(cm.originalId.name, 'cfg');
  assert.ok(rm.get({ group: '', version: 'v1', kind: 'ConfigMap', name: 'a-cfg-z' }));
  assert.is(crd.id.name, 'a.b.c');
  assert.equal(crd.previousNames, []);
  assert.equal(crd.prefixes, []);
});

test('user field specs get the prefix too', () => {
  const w = res({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { ref: 'other' } });
  addPrefixSuffix(ResourceMap.of([w]), 'p-', '', { prefix: [{ kind: 'Widget', path: 'spec/ref' }], suffix: [] });
  assert.is((w.object.spec as any).ref, 'p-other');
  assert.is((w.object.metadata as any).name, 'p-w');
});

test.run();
