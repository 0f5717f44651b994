import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { matchesSelector, parseLabelSelector, parseSelector, selectResources } from '../../compiler/transform/select.js';
import type { Selector } from '../../compiler/load/kustomization.js';
import { ResourceMap } from '../../compiler/resource-map.js';
import { loc, res } from './resource-helper.js';

// Expected sets observed with `kustomize build` patches targets (three ConfigMaps a, b, c).
const a = res({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'x', labels: { app: 'web', tier: 'fe' } } });
const b = res({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', labels: { app: 'db' } } });
const c = res({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' } });
const rm = ResourceMap.of([a, b, c]);

const table: [Selector, string][] = [
  [{ namespace: 'default' }, 'b,c'],
  [{ namespace: 'x' }, 'a'],
  [{ namespace: '' }, 'a,b,c'],
  [{ labelSelector: 'app in (web,db)' }, 'a,b'],
  [{ labelSelector: 'app notin (web)' }, 'b,c'],
  [{ labelSelector: '!tier' }, 'b,c'],
  [{ labelSelector: 'app!=web' }, 'b,c'],
  [{ labelSelector: 'app=web,tier' }, 'a'],
  [{ labelSelector: 'app=web, tier=fe' }, 'a'],
  [{ labelSelector: 'app==web' }, 'a'],
  [{ labelSelector: 'app' }, 'a,b'],
  [{ labelSelector: 'app in web' }, ''],
  [{ labelSelector: 'a b' }, ''],
  [{ labelSelector: 'app in ()' }, ''],
  [{ labelSelector: 'app=w*' }, ''],
  [{ annotationSelector: 'x=y' }, ''],
  [{ name: 'a|b' }, 'a,b'],
  [{ name: '[a-b]' }, 'a,b'],
  [{ name: 'A' }, ''],
  [{ name: 'a.*', kind: 'ConfigMap', version: 'v1', group: '' }, 'a'],
  [{ kind: 'Secret' }, ''],
  [{ group: 'apps' }, ''],
];
for (const [s, want] of table) {
  test(`select ${JSON.stringify(s)}`, () => {
    assert.is(selectResources(rm, s).map((r) => r.id.name).sort().join(','), want);
  });
}

test('name: current or original, intermediate only with anyName; namespace: current or original', () => {
  const r = res({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'm-b-app', namespace: 'nsb' } }, { previousNames: ['app', 'b-app'], previousNamespaces: [undefined, 'nsa'] });
  r.originalId = { ...r.id, name: 'app', namespace: undefined };
  assert.ok(matchesSelector(r, { name: 'app' }));
  assert.ok(matchesSelector(r, { name: 'm-b-app' }));
  assert.ok(matchesSelector(r, { name: 'm-b-ap.' }));
  assert.not.ok(matchesSelector(r, { name: 'b-app' }));
  assert.not.ok(matchesSelector(r, { name: 'ap' }));
  assert.ok(matchesSelector(r, { name: 'b-app' }, { anyName: true }));
  assert.ok(matchesSelector(r, { namespace: 'nsb' }));
  assert.ok(matchesSelector(r, { namespace: 'default' }));
  assert.not.ok(matchesSelector(r, { namespace: 'nsa' }));
});

test('parseSelector: bad regex is a KF3007 error, bad label selector a KF3007 warning', () => {
  const ds = parseSelector({ name: '(a', labelSelector: 'app in web', annotationSelector: 'ok=1' }, loc(8, 7));
  assert.equal(ds.map((d) => [d.code, d.severity, d.location?.line, d.location?.column]), [
    ['KF3007', 'error', 8, 7],
    ['KF3007', 'warning', 8, 7],
  ]);
  assert.equal(parseSelector({ name: 'a.*', labelSelector: 'a in (b, c),!d,e!=f' }), []);
  assert.not.ok(matchesSelector(a, { name: '(a' }));
});

test('parseLabelSelector', () => {
  assert.equal(parseLabelSelector(''), []);
  assert.equal(parseLabelSelector('k in (a, b),!x'), [
    { key: 'k', op: 'in', values: ['a', 'b'] },
    { key: 'x', op: '!exists', values: [] },
  ]);
  assert.type(parseLabelSelector('k in (a'), 'string');
  assert.type(parseLabelSelector('k=,'), 'string');
});

test.run();
