import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { setNamespace } from '../../compiler/transform/namespace.js';
import { isClusterScoped } from '../../compiler/schema/cluster-scoped.js';
import { ResourceMap } from '../../compiler/resource-map.js';
import { byId, loadDocs, loadResources, res, transformerFixture } from './resource-helper.js';

const f = (dir: string, file: string) => transformerFixture(dir, file);

test('golden: Namespace renamed, cluster-scoped untouched, default subjects, APIService/CRD service refs', () => {
  const rm = loadResources(f('namespace', 'input.yaml'));
  const ds = setNamespace(rm, 'newns', []);
  assert.equal(ds, []);
  assert.equal(byId(rm.all().map((r) => r.object)), byId(loadDocs(f('namespace', 'expected.yaml'))));
});

test('golden: which built-in kinds are cluster-scoped, per group/version (kustomize schema)', () => {
  const rm = loadResources(f('cluster-scoped', 'input.yaml'));
  setNamespace(rm, 'zz', []);
  assert.equal(byId(rm.all().map((r) => r.object)), byId(loadDocs(f('cluster-scoped', 'expected.yaml'))));
});

test('reference case 03: cluster-scoped kinds and RoleBinding subjects (SA subjects excluded: name references)', () => {
  const rm = new ResourceMap();
  for (const file of ['namespace.yaml', 'storage.yaml', 'rbac.yaml', 'rabbitmq.yaml']) for (const o of loadDocs(f('ref-03-namespace-cluster-scoped', `input/${file}`))) rm.add(res(o));
  setNamespace(rm, 'mq-prod', []);
  const expected = byId(loadDocs(f('ref-03-namespace-cluster-scoped', 'expected.yaml')));
  const actual = byId(rm.all().map((r) => r.object));
  // Subjects naming ServiceAccounts of the build are fixed by the name-reference pass.
  const strip = (o: any) => {
    if (Array.isArray(o.subjects)) o.subjects = o.subjects.filter((s: any) => !['rabbitmq', 'rabbitmq-backup'].includes(s.name));
    return o;
  };
  assert.equal(actual.map(strip), expected.map(strip));
});

test('ids, previousNamespaces and index are updated', () => {
  const rm = ResourceMap.of([
    res({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'old' } }),
    res({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'old' } }),
    res({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'cr' } }),
  ]);
  setNamespace(rm, 'new', []);
  const cm = rm.get({ group: '', version: 'v1', kind: 'ConfigMap', namespace: 'new', name: 'a' });
  assert.ok(cm);
  assert.equal(cm!.previousNamespaces, ['old']);
  assert.equal(cm!.originalId.namespace, 'old');
  const ns = rm.get({ group: '', version: 'v1', kind: 'Namespace', name: 'new' });
  assert.ok(ns);
  assert.equal(ns!.previousNames, ['old']);
  const cr = rm.byKind('ClusterRole')[0];
  assert.is(cr.id.namespace, undefined);
  assert.equal(cr.previousNamespaces, []);
});

test('user field specs (configurations) are applied with create', () => {
  const rm = ResourceMap.of([res({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: {} })]);
  setNamespace(rm, 'n', [{ kind: 'Widget', path: 'spec/targetNamespace', create: true }]);
  assert.equal((rm.all()[0].object.spec as any).targetNamespace, 'n');
});

test('isClusterScoped table', () => {
  const cases: [string, string, string | undefined, boolean][] = [
    ['', 'Namespace', 'v1', true],
    ['', 'Pod', 'v1', false],
    ['rbac.authorization.k8s.io', 'ClusterRole', 'v1', true],
    ['rbac.authorization.k8s.io', 'ClusterRole', 'v1alpha1', false],
    ['admissionregistration.k8s.io', 'ValidatingAdmissionPolicy', 'v1', false],
    ['flowcontrol.apiserver.k8s.io', 'FlowSchema', 'v1beta1', true],
    ['flowcontrol.apiserver.k8s.io', 'FlowSchema', 'v1beta3', false],
    ['example.com', 'ClusterWidget', 'v1', false],
    ['storage.k8s.io', 'StorageClass', undefined, true],
  ];
  for (const [g, k, v, want] of cases) assert.is(isClusterScoped(g, k, v), want, `${g}/${v}/${k}`);
});

test.run();
