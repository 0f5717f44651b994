import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { fixture } from '../helpers.js';
import { applyStrategicMerge } from '../../compiler/transform/patch-strategic.js';
import type { JsonObject } from '../../compiler/types.js';
import { splitApiVersion } from '../../compiler/types.js';

function docs(file: string): JsonObject[] {
  return parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as JsonObject)
    .filter((d) => d !== null);
}
const idOf = (o: JsonObject) => `${o.kind}/${(o.metadata as JsonObject).name}`;
const gvk = (o: JsonObject) => ({ ...splitApiVersion(o.apiVersion as string), kind: o.kind as string });

// Golden trees: resources.yaml + patch.yaml (documents applied in order) -> expected.yaml,
// the output of `kubectl kustomize` (v5.5.0) on the folder (it holds a kustomization.yaml).
const dir = fixture('patch', 'smp');
for (const name of fs.readdirSync(dir).sort()) {
  test(`golden ${name}`, () => {
    const resources = new Map(docs(path.join(dir, name, 'resources.yaml')).map((o) => [idOf(o), o]));
    const frozen = JSON.stringify([...resources.values()]);
    const out = new Map(resources);
    for (const p of docs(path.join(dir, name, 'patch.yaml'))) {
      const id = idOf(p);
      const cur = out.get(id);
      assert.ok(cur, `patch target ${id}`);
      const r = applyStrategicMerge(cur!, p, gvk(cur!));
      assert.ok(!r.diagnostics.some((d) => d.severity === 'error'), JSON.stringify(r.diagnostics));
      if (r.value === null) out.delete(id);
      else out.set(id, r.value);
    }
    const expected = new Map(docs(path.join(dir, name, 'expected.yaml')).map((o) => [idOf(o), o]));
    assert.equal([...out.keys()].sort(), [...expected.keys()].sort());
    for (const [id, o] of expected) assert.equal(out.get(id), o, id);
    assert.is(JSON.stringify([...resources.values()]), frozen, 'inputs not mutated');
  });
}

const deploy = (spec: JsonObject): JsonObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec });
const pod = (podSpec: JsonObject) => deploy({ template: { spec: podSpec } });
const D = { group: 'apps', version: 'v1', kind: 'Deployment' };
const podSpecOf = (o: JsonObject | null) => ((o!.spec as JsonObject).template as JsonObject).spec as JsonObject;

const table: { name: string; base: JsonObject; patch: JsonObject; expect: JsonObject; warn?: string }[] = [
  {
    name: 'patch elements first, then untouched originals',
    base: { containers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] },
    patch: { containers: [{ name: 'c', image: 'x' }, { name: 'n' }, { name: 'a', image: 'y' }] },
    expect: { containers: [{ name: 'c', image: 'x' }, { name: 'n' }, { name: 'a', image: 'y' }, { name: 'b' }] },
  },
  {
    name: 'atomic list (tolerations) replaced',
    base: { tolerations: [{ key: 'a' }, { key: 'b' }] },
    patch: { tolerations: [{ key: 'c' }] },
    expect: { tolerations: [{ key: 'c' }] },
  },
  {
    name: 'null deletes a key, nested',
    base: { containers: [{ name: 'a', resources: { limits: { cpu: '1' }, requests: { cpu: '1' } } }] },
    patch: { containers: [{ name: 'a', resources: { limits: null } }] },
    expect: { containers: [{ name: 'a', resources: { requests: { cpu: '1' } } }] },
  },
  {
    name: 'delete list element by key; missing element is a no-op',
    base: { volumes: [{ name: 'a' }, { name: 'b' }] },
    patch: { volumes: [{ name: 'a', $patch: 'delete' }, { name: 'zz', $patch: 'delete' }] },
    expect: { volumes: [{ name: 'b' }] },
  },
  {
    name: 'new list field with directives applies them against nothing',
    base: {},
    patch: { volumes: [{ name: 'a', $patch: 'delete' }, { name: 'b', emptyDir: { sizeLimit: null, medium: 'Memory' } }] },
    expect: { volumes: [{ name: 'b', emptyDir: { medium: 'Memory' } }] },
  },
  {
    name: 'keyless element: warned, list keeps only named elements',
    base: { initContainers: [{ name: 'a' }, { name: 'b' }] },
    patch: { initContainers: [{ name: 'b', image: 'x' }, { image: 'noname' }] },
    expect: { initContainers: [{ name: 'b', image: 'x' }] },
    warn: 'KF3005',
  },
  {
    name: 'resourceClaims (newer than Kustomize schema) replaced',
    base: { resourceClaims: [{ name: 'a' }, { name: 'b' }] },
    patch: { resourceClaims: [{ name: 'b', x: 1 }] },
    expect: { resourceClaims: [{ name: 'b', x: 1 }] },
  },
];
for (const c of table) {
  test(`smp: ${c.name}`, () => {
    const base = pod(c.base);
    const before = JSON.stringify(base);
    const r = applyStrategicMerge(base, pod(c.patch), D);
    assert.equal(podSpecOf(r.value), c.expect);
    assert.equal(r.diagnostics.map((d) => d.code), c.warn ? [c.warn] : []);
    assert.is(JSON.stringify(base), before);
  });
}

test('smp: untouched subtrees are shared, not copied', () => {
  const base = deploy({ replicas: 1, selector: { matchLabels: { a: 'b' } } });
  const r = applyStrategicMerge(base, deploy({ replicas: 2 }), D);
  assert.is((r.value!.spec as JsonObject).selector, (base.spec as JsonObject).selector);
  assert.is(r.value!.metadata, base.metadata);
});

test('smp: $patch: delete at top level deletes the resource', () => {
  const r = applyStrategicMerge(deploy({}), { ...deploy({}), $patch: 'delete' }, D);
  assert.is(r.value, null);
});

test('smp: list where the resource has a map is KF3005 error', () => {
  const base = pod({ nodeSelector: { a: 'b' } });
  const r = applyStrategicMerge(base, pod({ nodeSelector: ['x'] }), D);
  assert.equal(r.diagnostics.map((d) => [d.code, d.severity, d.pointer]), [['KF3005', 'error', '/spec/template/spec/nodeSelector']]);
});

test('smp: unknown $patch directive is KF3005', () => {
  const r = applyStrategicMerge(deploy({}), { ...deploy({}), $patch: 'merg' }, D);
  assert.equal(r.diagnostics.map((d) => d.code), ['KF3005']);
});

test('smp: custom resources replace lists, merge maps', () => {
  const cr = { apiVersion: 'example.com/v1', kind: 'Foo', metadata: { name: 'f' }, spec: { items: [{ name: 'a' }, { name: 'b' }], m: { x: 1 } } };
  const r = applyStrategicMerge(cr, { ...cr, spec: { items: [{ name: 'b', v: 2 }], m: { y: 2 } } }, { group: 'example.com', version: 'v1', kind: 'Foo' });
  assert.equal(r.value!.spec, { items: [{ name: 'b', v: 2 }], m: { x: 1, y: 2 } });
});

test.run();
