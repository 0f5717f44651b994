import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { patch, byKey, at, type Field } from '../../compiler/api.js';
import { applyTypedPatches, compileTypedPatch } from '../../compiler/patch/apply.js';
import type { JsonObject, Resource } from '../../compiler/types.js';
import { idFromObject } from '../../compiler/resource-map.js';

function res(object: JsonObject): Resource {
  const id = idFromObject(object);
  return {
    id,
    originalId: { ...id },
    previousNames: [],
    previousNamespaces: [],
    previousIds: [],
    prefixes: [],
    suffixes: [],
    object,
    origin: { location: { file: 'base.yaml', line: 1, column: 1 }, kustomizations: ['.'], fieldSources: [] },
  };
}

const sts = (): JsonObject => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'prod-kafka', namespace: 'mq' },
  spec: {
    replicas: 1,
    serviceName: 'kafka-headless',
    template: {
      spec: {
        containers: [
          { name: 'metrics', image: 'exporter:1' },
          { name: 'kafka', image: 'kafka:3.7', env: [{ name: 'A', value: '1' }] },
        ],
      },
    },
  },
});

test('byKey compiles to the item index guarded by a test operation', () => {
  const p = patch({ kind: 'StatefulSet', name: 'kafka' }, (b) => b.set((s) => byKey(s.spec.template.spec.containers, 'name', 'kafka').image, 'kafka:3.8'));
  const out = compileTypedPatch(p, sts());
  assert.equal(out.ops, [
    { op: 'test', path: '/spec/template/spec/containers/1/name', value: 'kafka' },
    { op: 'add', path: '/spec/template/spec/containers/1/image', value: 'kafka:3.8' },
  ]);
});

test('set, replace, append, remove and at() apply to the rendered resource found by its original name', () => {
  const r = res(sts());
  r.originalId.name = 'kafka';
  r.previousNames.push('kafka');
  const p = patch({ kind: 'StatefulSet', name: 'kafka' }, (b) =>
    b
      .replace((s) => s.spec.replicas, 3)
      .append((s) => byKey(s.spec.template.spec.containers, 'name', 'kafka').env, { name: 'B', value: '2' })
      .remove((s) => at(s.spec.template.spec.containers, 0))
      .set((s) => s.metadata.labels, { tier: 'data' }),
  );
  const ds = applyTypedPatches([r], [p]);
  assert.equal(ds, []);
  const spec = r.object.spec as JsonObject;
  assert.is(spec.replicas, 3);
  const containers = (spec.template as JsonObject).spec as JsonObject;
  assert.equal(containers.containers, [{ name: 'kafka', image: 'kafka:3.7', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }]);
  assert.equal((r.object.metadata as JsonObject).labels, { tier: 'data' });
  // Each field set records the environment file line it came from.
  const src = r.origin.fieldSources.find((f) => f.pointer === '/spec/replicas');
  assert.ok(src && src.by === 'typed-patch' && /typed\.test\.(ts|js)$/.test(src.location.file), JSON.stringify(src));
});

test('a missing merge-key item is KF3006 with a did-you-mean hint', () => {
  const r = res(sts());
  const p = patch({ kind: 'StatefulSet', name: 'prod-kafka' }, (b) => b.set((s) => byKey(s.spec.template.spec.containers, 'name', 'kafak').image, 'x:1'));
  const ds = applyTypedPatches([r], [p]);
  assert.is(ds.length, 1);
  assert.is(ds[0].code, 'KF3006');
  assert.match(ds[0].hint ?? '', 'kafka');
  assert.is((r.object.spec as JsonObject).replicas, 1, 'nothing applied');
});

test('a target that is not rendered is KF3006; replace of a missing field is KF3002', () => {
  const r = res(sts());
  const ds1 = applyTypedPatches([r], [patch({ kind: 'Deployment', name: 'kafka' }, (b) => b.set((d) => d.spec.replicas, 2))]);
  assert.equal(ds1.map((d) => d.code), ['KF3006']);
  const ds2 = applyTypedPatches([r], [patch({ kind: 'StatefulSet', name: 'prod-kafka' }, (b) => b.replace((s) => s.spec.minReadySeconds, 5))]);
  assert.equal(ds2.map((d) => d.code), ['KF3002']);
  assert.is(ds2[0].pointer, '/spec/minReadySeconds');
});

test('a generated ConfigMap with a hash suffix cannot be patched after the build', () => {
  const r = res({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg-5hhcbfc62m' }, data: { A: '1' } });
  r.origin.generated = { kind: 'ConfigMap', behavior: 'create', hashed: true };
  r.previousNames.push('cfg');
  const ds = applyTypedPatches([r], [patch({ kind: 'ConfigMap', name: 'cfg' }, (b) => b.set((c) => c.data, { A: '2' }))]);
  assert.equal(ds.map((d) => d.code), ['KF3006']);
  assert.equal((r.object.data as JsonObject).A, '1');
});

test('at run time a path outside the model is KF3004 even when the definition skipped tsc', () => {
  const r = res(sts());
  // What a transpiled (not type-checked) environment could hold: cast away the types.
  const p = patch({ kind: 'StatefulSet', name: 'prod-kafka' }, (b) => b.set((s) => (s.spec as unknown as { replicaz: Field<number> }).replicaz, 3));
  const ds = applyTypedPatches([r], [p]);
  assert.equal(ds.map((d) => d.code), ['KF3004']);
  assert.match(ds[0].hint ?? '', '/spec/replicas');
  assert.is((r.object.spec as JsonObject).replicaz, undefined);
});

test.run();
