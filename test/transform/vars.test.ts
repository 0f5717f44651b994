import * as fs from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import type { Json, JsonObject, Resource } from '../../compiler/types.js';
import { ResourceMap } from '../../compiler/resource-map.js';
import type { BoundVar, VarDecl } from '../../compiler/transform/vars.js';
import { bindVars, expandVarRefs, mergeVars, parseVars, readVarField, resolveVars } from '../../compiler/transform/vars.js';
import { fixture } from '../helpers.js';
import { byId, loadDocs, loadResources, loc, res } from './resource-helper.js';

const vf = (...p: string[]) => fixture('vars', ...p);

/** The `vars:` of a fixture kustomization, parsed. */
function varsOf(file: string): VarDecl[] {
  const k = parse(fs.readFileSync(file, 'utf8')) as JsonObject;
  const got = parseVars(k.vars ?? null, loc(3, 1, file));
  assert.equal(got.diagnostics, [], file);
  return got.value;
}

function objects(rm: ResourceMap): JsonObject[] {
  return byId(rm.all().map((r) => r.object));
}

/** Builds a one-level fixture: resources, vars bound, resolved. */
function runOneLevel(name: string, extra: { kind: string; path: string }[] = []) {
  const rm = loadResources(vf(name, 'input/res.yaml'));
  const acc: BoundVar[] = [];
  const bound = bindVars(rm, varsOf(vf(name, 'input/kustomization.yaml')), acc);
  const ds = [...bound, ...resolveVars(rm, acc, extra)];
  return { rm, ds };
}

// ---- golden cases from kubectl kustomize ----

test('fields: the built-in var-reference table (every candidate field set to $(V))', () => {
  const { rm, ds } = runOneLevel('fields');
  assert.equal(ds, []);
  assert.equal(objects(rm), byId(loadDocs(vf('fields', 'expected.yaml'))));
});

test('syntax: escapes, undefined references, typed values, labels and annotations', () => {
  const { rm, ds } = runOneLevel('syntax');
  assert.equal(objects(rm), byId(loadDocs(vf('syntax', 'expected.yaml'))));
  assert.equal(ds.length, 1);
  assert.is(ds[0].severity, 'warning');
  // Kustomize lists them in random order; kforge in declaration order.
  assert.is(ds[0].message, 'well-defined vars that were never replaced: MAP,UNUSED');
});

test('configurations: varReference field specs of a custom kind', () => {
  const { rm, ds } = runOneLevel('configurations', [
    { kind: 'Widget', path: 'spec/url' },
    { kind: 'Widget', path: 'spec/list' },
  ]);
  assert.equal(ds, []);
  assert.equal(objects(rm), byId(loadDocs(vf('configurations', 'expected.yaml'))));
});

function rename(r: Resource, name: string, namespace: string | undefined): void {
  if (name !== r.id.name) r.previousNames.push(r.id.name);
  if (namespace !== r.id.namespace) r.previousNamespaces.push(r.id.namespace);
  r.id = { ...r.id, name, ...(namespace !== undefined ? { namespace } : {}) };
  const meta = r.object.metadata as JsonObject;
  meta.name = name;
  if (namespace !== undefined) meta.namespace = namespace;
}

test('overlay: base vars resolve to the overlay’s final names, namespace and hash', () => {
  // Base level: its resources and its generated ConfigMap, then its vars are bound.
  const base = loadResources(vf('overlay', 'input/base/rabbitmq.yaml'));
  const cm = res({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'rabbitmq-config' }, data: { 'loopback_users.guest': 'false' } }, { generated: true });
  base.add(cm);
  const acc: BoundVar[] = [];
  assert.equal(bindVars(base, varsOf(vf('overlay', 'input/base/kustomization.yaml')), acc), []);
  // Overlay level: namespace and prefix (as the transformers leave them), then its vars.
  const rm = ResourceMap.of(base.all());
  for (const r of rm) rename(r, `prod-${r.id.name}`, 'mq-system');
  rm.reindex();
  assert.equal(bindVars(rm, varsOf(vf('overlay', 'input/overlay/kustomization.yaml')), acc), []);
  // Root: hash suffix and name references, then vars.
  rename(cm, 'prod-rabbitmq-config-dhcbm79759', 'mq-system');
  const sts = rm.byKind('StatefulSet')[0];
  (sts.object.spec as JsonObject).serviceName = 'prod-rabbitmq-headless';
  rm.reindex();
  assert.equal(resolveVars(rm, acc, []), []);
  assert.equal(objects(rm), byId(loadDocs(vf('overlay', 'expected.yaml'))));
});

test('conformance case 64: vars resolved at the root without binding, unknown $(MY_POD_NAME) kept', () => {
  const dir = fixture('conformance', 'cases', '64-deprecated-bases-commonlabels-vars');
  const rm = loadResources(`${dir}/input/base/rabbitmq.yaml`);
  for (const r of rm) rename(r, `prod-${r.id.name}`, 'mq-system');
  rm.reindex();
  const vars = varsOf(`${dir}/input/base/kustomization.yaml`);
  assert.equal(resolveVars(rm, vars, []), []);
  const env = ((((rm.byKind('StatefulSet')[0].object.spec as JsonObject).template as JsonObject).spec as JsonObject).containers as JsonObject[])[0];
  assert.equal(env.args, ['--namespace=mq-system']);
  assert.equal(env.env, [
    { name: 'K8S_SERVICE_NAME', value: 'prod-rabbitmq-headless' },
    { name: 'RABBITMQ_NODENAME', value: 'rabbit@$(MY_POD_NAME).prod-rabbitmq-headless.mq-system.svc.cluster.local' },
  ]);
});

// ---- errors Kustomize reports ----

test('error: objref without apiVersion matches nothing (exact group and version)', () => {
  const { ds } = runOneLevel('errors/objref-not-found');
  assert.equal(ds.map((d) => [d.code, d.severity]), [['KF2015', 'error']]);
  assert.match(ds[0].message, 'matches no resource');
});

test('error: the same var name twice', () => {
  const { ds } = runOneLevel('errors/duplicate-name');
  assert.ok(ds.some((d) => d.severity === 'error' && /declared twice/.test(d.message)));
});

test('error: fieldPath not in the resource', () => {
  const { ds } = runOneLevel('errors/field-not-found');
  assert.equal(ds.map((d) => d.code), ['KF2015']);
  assert.match(ds[0].message, 'spec.ports[1].port');
});

test('error: unknown objref field', () => {
  const k = parse(fs.readFileSync(vf('errors/unknown-field/input/kustomization.yaml'), 'utf8')) as JsonObject;
  const got = parseVars(k.vars, loc(3));
  assert.equal(got.value, []);
  assert.equal(got.diagnostics.map((d) => d.code), ['KF1006']);
  assert.match(got.diagnostics[0].message, '"bogus"');
});

test('error: a non-string item in a var-reference list', () => {
  const { rm, ds } = runOneLevel('errors/non-string-list');
  assert.ok(ds.some((d) => d.severity === 'error' && d.pointer === '/spec/containers/0/args/0'));
  assert.ok(rm.all().length === 1);
});

test('error: ambiguous objref when the var is bound', () => {
  const { ds } = runOneLevel('errors/ambiguous');
  assert.equal(ds.map((d) => d.code), ['KF2011']);
});

test('error: a base var is not rescued by a resource the overlay adds', () => {
  const rm = loadResources(vf('errors/late-resource/input/base/cm.yaml'));
  const acc: BoundVar[] = [];
  assert.equal(bindVars(rm, varsOf(vf('errors/late-resource/input/base/kustomization.yaml')), acc), []);
  for (const r of loadResources(vf('errors/late-resource/input/overlay/res.yaml'))) rm.add(r);
  const ds = resolveVars(rm, acc, []);
  assert.equal(ds.map((d) => d.code), ['KF2015']);
  // Unbound (plain VarDecl) vars are matched at the root instead.
  const rm2 = loadResources(vf('errors/late-resource/input/overlay/res.yaml'));
  assert.equal(resolveVars(rm2, varsOf(vf('errors/late-resource/input/base/kustomization.yaml')), []).filter((d) => d.severity === 'error'), []);
});

// ---- units ----

test('expandVarRefs: Kubernetes $(VAR) syntax', () => {
  const m = (n: string) => ({ A: 'x', B: '$(A)' })[n];
  const cases: [string, string][] = [
    ['$(A)', 'x'],
    ['a$(A)b$(A)', 'axbx'],
    ['$$(A)', '$(A)'],
    ['$$$(A)', '$x'],
    ['$(Z)', '$(Z)'],
    ['$(A', '$(A'],
    ['$', '$'],
    ['a$b', 'a$b'],
    ['$$', '$'],
    ['$()', '$()'],
    ['$(B)', '$(A)'],
    ['$(A)(A)', 'x(A)'],
  ];
  for (const [i, o] of cases) assert.is(expandVarRefs(i, m), o, i);
});

test('readVarField: dots, escaped dots, indexes', () => {
  const o: JsonObject = { metadata: { name: 'n', labels: { 'app.kubernetes.io/name': 'web' } }, spec: { ports: [{ port: 80 }], nul: null } };
  const r = (p: string): Json | undefined => readVarField(o, p)?.value;
  assert.is(r('metadata.name'), 'n');
  assert.is(r('.metadata..name'), 'n');
  assert.is(r('metadata.labels.app\\.kubernetes\\.io/name'), 'web');
  assert.is(r('spec.ports[0].port'), 80);
  assert.is(r('spec.ports.0.port'), 80);
  assert.is(r('spec.nul'), null);
  for (const bad of ['spec.ports[1].port', 'spec.ports[-1].port', 'spec.ports[0]port', 'metadata.labels[app.kubernetes.io/name]', 'spec.ports.x', 'metadata.name.x', 'spec.none'])
    assert.is(readVarField(o, bad), undefined, bad);
});

test('parseVars: case-insensitive keys, apiVersion precedence, default fieldPath', () => {
  const got = parseVars(
    [
      { name: 'A', objref: { kind: 'Deployment', name: 'd', apiVersion: 'apps/v1' } },
      { name: 'B', OBJREF: { KIND: 'Service', NAME: 's', Version: 'v1' }, FieldRef: { FIELDPATH: 'spec.x' } },
      { name: 'C', objref: { kind: 'Service', name: 's', version: 'v1', apiVersion: 'foo/v2' }, fieldref: { fieldPath: '' } },
      { name: 'D', objref: { kind: 'Service', name: 's', group: 'foo', apiVersion: 'v1' } },
      { objref: { kind: 'Service', name: 's', apiVersion: 'v1' } },
    ],
    loc(5),
  );
  assert.equal(got.diagnostics, []);
  assert.equal(
    got.value.map((v) => [v.name, v.objref.group, v.objref.version, v.objref.kind, v.fieldPath]),
    [
      ['A', 'apps', 'v1', 'Deployment', 'metadata.name'],
      ['B', undefined, 'v1', 'Service', 'spec.x'],
      ['C', 'foo', 'v2', 'Service', 'metadata.name'],
      ['D', 'foo', 'v1', 'Service', 'metadata.name'],
      ['', undefined, 'v1', 'Service', 'metadata.name'],
    ],
  );
  assert.equal(parseVars(null, loc(1)).value, []);
  for (const bad of [{ name: 'V' }, ['V'], [{ name: 5 }], [{ name: 'V', fieldref: 'data.v' }], [{ name: 'V', bogus: 1 }]] as Json[])
    assert.equal(parseVars(bad, loc(1)).diagnostics.map((d) => d.code), ['KF1006'], JSON.stringify(bad));
});

test('objref matching: original, earlier and current names; namespace original or current; none = any', () => {
  const mkRm = () => {
    const s = res({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'p-svc-s', namespace: 'z' } }, { previousNames: ['svc', 'p-svc'], previousNamespaces: ['b'] });
    s.originalId = { ...s.originalId, name: 'svc', namespace: 'b' };
    const pod = res({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', args: ['$(X)'] }] } });
    return { rm: ResourceMap.of([s, pod]), pod };
  };
  for (const [name, namespace, ok] of [
    ['svc', 'b', true],
    ['p-svc', 'z', true],
    ['p-svc-s', undefined, true],
    ['svc', 'c', false],
    ['other', undefined, false],
  ] as [string, string | undefined, boolean][]) {
    const { rm, pod } = mkRm();
    const v: VarDecl = { name: 'X', objref: { version: 'v1', kind: 'Service', name, ...(namespace ? { namespace } : {}) }, fieldPath: 'metadata.name', location: loc(2) };
    const ds = resolveVars(rm, [v], []);
    const args = (((pod.object.spec as JsonObject).containers as JsonObject[])[0].args as Json[])[0];
    assert.is(args, ok ? 'p-svc-s' : '$(X)', `${name} ${namespace}`);
    assert.is(ds.some((d) => d.severity === 'error'), !ok);
  }
});

test('no vars: nothing is touched, not even $$', () => {
  const pod = res({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', args: ['$$(X)', 1] }] } });
  assert.equal(resolveVars(ResourceMap.of([pod]), [], []), []);
  assert.equal(((pod.object.spec as JsonObject).containers as JsonObject[])[0].args, ['$$(X)', 1]);
});

test('values are all read before substitution; duplicate field specs substitute once', () => {
  // Checked with kubectl: `$$$$(A)` under a builtin path repeated in configurations comes out `$$(A)`.
  const cm = res({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', annotations: { a: '$(B)', b: '$$$$(A)', c: '$(B)' } } });
  const v = (name: string, fieldPath: string): VarDecl => ({ name, objref: { version: 'v1', kind: 'ConfigMap', name: 'cm' }, fieldPath, location: loc(1) });
  const rm = ResourceMap.of([cm]);
  const ds = resolveVars(rm, [v('A', 'metadata.annotations.a'), v('B', 'metadata.name')], [{ path: 'metadata/annotations' }, { kind: 'ConfigMap', path: 'metadata/annotations' }]);
  assert.equal(ds.map((d) => [d.severity, d.message]), [['warning', 'well-defined vars that were never replaced: A']]);
  assert.equal((cm.object.metadata as JsonObject).annotations, { a: 'cm', b: '$$(A)', c: 'cm' });
});

test('mergeVars: a name from two resources directories is an error', () => {
  const v = (name: string): BoundVar => ({ name, objref: { version: 'v1', kind: 'Service', name: 's' }, fieldPath: 'metadata.name', location: loc(2), target: null });
  const into = [v('A')];
  const ds = mergeVars(into, [v('B'), v('A')]);
  assert.equal(into.map((x) => x.name), ['A', 'B']);
  assert.equal(ds.map((d) => d.code), ['KF1006']);
});

test.run();
