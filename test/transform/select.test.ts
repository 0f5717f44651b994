import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { matchesSelector, parseLabelSelector, parseSelector, selectResources, selectTargets } from '../../compiler/transform/select.js';
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

test('a name, namespace or kind without regex syntax matches as the anchored regex does (compared as a string), with or without previous names', () => {
  const r = res({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'prod-app-1', namespace: 'ns_1' } }, { previousNames: ['app-1'] });
  r.originalId = { ...r.originalId, name: 'app-1', namespace: 'ns:0' };
  const pool = ResourceMap.of([r]);
  const cases: [Selector, boolean][] = [
    [{ name: 'prod-app-1' }, true],
    [{ name: 'app-1' }, true],
    [{ name: 'app' }, false],
    [{ name: 'app-10' }, false],
    [{ name: 'prod-app-1x' }, false],
    [{ name: 'prod-app-.' }, true],
    [{ name: 'PROD-APP-1' }, false],
    [{ namespace: 'ns_1' }, true],
    [{ namespace: 'ns:0' }, true],
    [{ namespace: 'ns' }, false],
    [{ namespace: 'ns.1' }, true],
    [{ kind: 'Deployment' }, true],
    [{ kind: 'Deploy' }, false],
    [{ kind: 'Deploy.*' }, true],
    [{ group: 'apps', version: 'v1', kind: 'Deployment', name: 'app-1', namespace: 'ns_1' }, true],
  ];
  for (const [sel, want] of cases) {
    assert.is(selectTargets(pool, sel).selected.length === 1, want, `target ${JSON.stringify(sel)}`);
    // with regex syntax the same selector written as an explicit group matches alike
    const asRegex: Selector = { ...sel };
    for (const f of ['name', 'namespace', 'kind'] as const) if (asRegex[f]) asRegex[f] = `(?:${asRegex[f]})`;
    assert.is(selectTargets(pool, asRegex).selected.length === 1, want, `regex target ${JSON.stringify(asRegex)}`);
  }
  // previous names count only where the caller asks for them
  assert.is(matchesSelector(r, { name: 'app-1' }), true); // the original name
  r.originalId = { ...r.originalId, name: 'orig' };
  assert.is(matchesSelector(r, { name: 'app-1' }), false);
  assert.is(matchesSelector(r, { name: 'app-1' }, { anyName: true }), true);
});

test.run();
