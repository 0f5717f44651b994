import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyLabels } from '../../compiler/transform/labels.js';
import type { LabelsEntry } from '../../compiler/load/kustomization.js';
import { ResourceMap } from '../../compiler/resource-map.js';
import { byId, loadDocs, loadResources, loc, res, transformerFixture } from './resource-helper.js';

const entry = (pairs: Record<string, string>, o: Partial<LabelsEntry> = {}): LabelsEntry => ({
  pairs,
  includeSelectors: false,
  includeTemplates: false,
  location: loc(3),
  ...o,
});

const goldens: [string, LabelsEntry][] = [
  ['labels-common', entry({ L: 'v', team: 'payments' }, { includeSelectors: true, includeTemplates: true, legacyCommon: true })],
  ['labels-selectors', entry({ L: 'v' }, { includeSelectors: true })],
  ['labels-templates', entry({ L: 'v' }, { includeTemplates: true })],
  ['labels-metadata', entry({ L: 'v' })],
];
for (const [dir, e] of goldens) {
  test(`golden ${dir}: which selectors and templates are reached (and which are created)`, () => {
    const rm = loadResources(transformerFixture(dir, 'input.yaml'));
    assert.equal(applyLabels(rm, e, []), []);
    assert.equal(byId(rm.all().map((r) => r.object)), byId(loadDocs(transformerFixture(dir, 'expected.yaml'))));
  });
}

test('reference case 06: commonLabels (NetworkPolicy ingress podSelector, CronJob, PDB, affinity, volumeClaimTemplates)', () => {
  const rm = loadResources(transformerFixture('ref-06-common-labels', 'input/kafka.yaml'));
  applyLabels(rm, entry({ 'app.kubernetes.io/part-of': 'event-streaming', env: 'prod' }, { includeSelectors: true, includeTemplates: true, legacyCommon: true }), []);
  assert.equal(byId(rm.all().map((r) => r.object)), byId(loadDocs(transformerFixture('ref-06-common-labels', 'expected.yaml'))));
});

test('reference case 07: three labels entries in order', () => {
  const rm = loadResources(transformerFixture('ref-07-labels-selectors-templates', 'input/zookeeper.yaml'));
  applyLabels(rm, entry({ team: 'middleware', 'cost-center': '4021' }), []);
  applyLabels(rm, entry({ tier: 'coordination' }, { includeTemplates: true }), []);
  applyLabels(rm, entry({ 'app.kubernetes.io/instance': 'zk-main' }, { includeSelectors: true }), []);
  assert.equal(byId(rm.all().map((r) => r.object)), byId(loadDocs(transformerFixture('ref-07-labels-selectors-templates', 'expected.yaml'))));
});

test('configurations specs only with includeSelectors; entry fields always', () => {
  const mk = () => res({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { sel: { a: 'b' }, tpl: {} } });
  const cfg = [{ kind: 'Widget', path: 'spec/sel', create: false }];
  const own = [{ kind: 'Widget', path: 'spec/tpl/labels', create: true }];
  const w1 = mk();
  applyLabels(ResourceMap.of([w1]), entry({ x: 'y' }, { fields: own }), [...cfg, ...own]);
  assert.equal(w1.object.spec, { sel: { a: 'b' }, tpl: { labels: { x: 'y' } } });
  const w2 = mk();
  applyLabels(ResourceMap.of([w2]), entry({ x: 'y' }, { includeSelectors: true }), cfg);
  assert.equal(w2.object.spec, { sel: { a: 'b', x: 'y' }, tpl: {} });
  assert.equal((w2.object.metadata as any).labels, { x: 'y' });
});

test('invalid label keys and values: KF2008 warnings at the entry', () => {
  const rm = ResourceMap.of([res({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } })]);
  const ds = applyLabels(rm, entry({ ok: 'fine', 'bad key': 'v', v: 'has space', long: 'x'.repeat(64), 'Example.com/x': 'y', empty: '' }, { location: loc(7, 5) }), []);
  assert.equal(ds.map((d) => [d.code, d.severity, d.location?.line, d.location?.column]), [
    ['KF2008', 'warning', 7, 5],
    ['KF2008', 'warning', 7, 5],
    ['KF2008', 'warning', 7, 5],
    ['KF2008', 'warning', 7, 5],
  ]);
  assert.ok(ds[0].message.includes('bad key'));
  // still applied, as Kustomize does
  assert.is(((rm.all()[0].object.metadata as any).labels as any).v, 'has space');
});

test.run();
