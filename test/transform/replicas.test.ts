import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyReplicas } from '../../compiler/transform/replicas.js';
import { ResourceMap } from '../../compiler/resource-map.js';
import { byId, loadDocs, loadResources, loc, res } from './resource-helper.js';
import { transformerFixture } from './resource-helper.js';

test('reference case 10: existing and missing spec.replicas, Deployment and StatefulSet', () => {
  const rm = loadResources(transformerFixture('ref-10-replicas', 'input/rocketmq.yaml'));
  const ds = applyReplicas(
    rm,
    [
      { name: 'rocketmq-namesrv', count: 3, location: loc(6) },
      { name: 'rocketmq-broker-a', count: 2, location: loc(9) },
      { name: 'rocketmq-dashboard', count: 0, location: loc(12) },
    ],
    [],
  );
  assert.equal(ds, []);
  assert.equal(byId(rm.all().map((r) => r.object)), byId(loadDocs(transformerFixture('ref-10-replicas', 'expected.yaml'))));
  const d = rm.byKind('Deployment').find((r) => r.id.name === 'rocketmq-dashboard')!;
  assert.equal(d.origin.fieldSources.map((f) => [f.pointer, f.location.line, f.by]), [['/spec/replicas', 12, 'replicas']]);
});

const mk = () => {
  const d = res({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'm-b-app' }, spec: { replicas: 1 } }, { previousNames: ['app', 'b-app'] });
  d.originalId.name = 'app';
  const w = res({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'm-b-app' }, spec: {} });
  const cm = res({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } });
  return { d, w, cm, rm: ResourceMap.of([d, w, cm]) };
};

test('original, intermediate and current names; other kinds with the name ignored', () => {
  for (const name of ['app', 'b-app', 'm-b-app']) {
    const { d, w, rm } = mk();
    assert.equal(applyReplicas(rm, [{ name, count: 5, location: loc(3) }], []), []);
    assert.is((d.object.spec as any).replicas, 5, name);
    assert.equal(w.object.spec, {});
  }
});

test('an entry naming nothing (or only kinds without replicas) is KF2006 at the entry', () => {
  const { rm } = mk();
  const ds = applyReplicas(rm, [{ name: 'cm', count: 1, location: loc(4, 5) }, { name: 'nothing', count: 1, location: loc(6, 5) }], []);
  assert.equal(ds.map((d) => [d.code, d.severity, d.location?.line, d.location?.column]), [
    ['KF2006', 'error', 4, 5],
    ['KF2006', 'error', 6, 5],
  ]);
});

test('configurations replicas field spec makes other kinds eligible', () => {
  const { w, rm } = mk();
  assert.equal(applyReplicas(rm, [{ name: 'm-b-app', count: 2, location: loc(3) }], [{ kind: 'Widget', path: 'spec/size', create: true }]), []);
  assert.equal(w.object.spec, { size: 2 });
});

test.run();
