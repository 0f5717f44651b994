import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyReplacements, parsePath } from '../../compiler/transform/replacements.js';
import { addPrefixSuffix } from '../../compiler/transform/prefix-suffix.js';
import type { Replacement } from '../../compiler/load/kustomization.js';
import { ResourceMap } from '../../compiler/resource-map.js';
import type { JsonObject } from '../../compiler/types.js';
import { byId, loadDocs, loadResources, loc, res, transformerFixture } from './resource-helper.js';

const L = loc(4);

test('golden: list selection, index, wildcard, delimiter/index, create, reject, value types', () => {
  const rm = loadResources(transformerFixture('replacements', 'input.yaml'));
  const reps: Replacement[] = [
    {
      source: { kind: 'ConfigMap', name: 'src', fieldPath: 'data.num' },
      targets: [
        {
          select: { kind: 'Deployment' },
          fieldPaths: [
            'spec.replicas',
            'metadata.annotations.existing',
            'metadata.annotations.newnum',
            'spec.template.spec.containers.0.image',
            'spec.template.spec.containers.[name=side].args',
            'spec.template.spec.containers.[name=app].args.1',
          ],
          options: { create: true },
        },
      ],
      location: L,
    },
    { source: { kind: 'ConfigMap', name: 'src', fieldPath: 'data.dotted\\.key' }, targets: [{ select: { kind: 'Deployment' }, fieldPaths: ['spec.template.spec.containers.*.name'] }], location: L },
    {
      source: { kind: 'ConfigMap', name: 'src', fieldPath: 'data.path', options: { delimiter: '/', index: 1 } },
      targets: [
        { select: { kind: 'Deployment' }, fieldPaths: ['spec.template.spec.containers.1.image'], options: { delimiter: ':', index: -1 } },
        { select: { kind: 'Deployment' }, fieldPaths: ['metadata.annotations.newd'], options: { delimiter: ':', index: 1, create: true } },
        { select: { kind: 'Deployment' }, fieldPaths: ['metadata.annotations.existing2'], options: { delimiter: '.', index: 5 } },
        { select: { kind: 'Deployment' }, reject: [{ name: 'd' }], fieldPaths: ['metadata.annotations.rejected'], options: { create: true } },
      ],
      location: L,
    },
    { source: { kind: 'ConfigMap', name: 'src', fieldPath: 'data.str' }, targets: [{ select: { kind: 'Deployment' }, fieldPaths: ['spec.template.spec.volumes.[name=v].x'], options: { create: true } }], location: L },
  ];
  assert.equal(applyReplacements(rm, reps), []);
  assert.equal(byId(rm.all().map((r) => r.object)), byId(loadDocs(transformerFixture('replacements', 'expected.yaml'))));
});

test('reference case 21: prefixed source by original name, generated source created untyped', () => {
  const rm = new ResourceMap();
  for (const f of ['zookeeper.yaml', 'kafka.yaml']) for (const o of loadDocs(transformerFixture('ref-21-replacements', `input/${f}`))) rm.add(res(o));
  rm.add(res({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kafka-settings' }, data: { 'replication-factor': '3', 'min-insync-replicas': '2' } }, { generated: true }));
  addPrefixSuffix(rm, 'prod-', undefined, { prefix: [], suffix: [] });
  const ds = applyReplacements(rm, [
    {
      source: { kind: 'Service', name: 'zookeeper', fieldPath: 'metadata.name' },
      targets: [{ select: { kind: 'StatefulSet', name: 'kafka' }, fieldPaths: ['spec.template.spec.containers.[name=kafka].env.[name=KAFKA_CFG_ZOOKEEPER_CONNECT].value'], options: { delimiter: ':', index: 0 } }],
      location: loc(12),
    },
    {
      source: { kind: 'Service', name: 'zookeeper', fieldPath: 'spec.ports.[name=client].port' },
      targets: [{ select: { kind: 'StatefulSet', name: 'kafka' }, fieldPaths: ['spec.template.spec.containers.[name=kafka].env.[name=ZK_CLIENT_PORT].value'] }],
      location: loc(24),
    },
    {
      source: { kind: 'ConfigMap', name: 'kafka-settings', fieldPath: 'data.replication-factor' },
      targets: [{ select: { kind: 'StatefulSet' }, reject: [{ name: 'zookeeper' }], fieldPaths: ['spec.template.metadata.annotations.kafka\\.example\\.com/replication-factor'], options: { create: true } }],
      location: loc(35),
    },
    {
      source: { kind: 'ConfigMap', name: 'kafka-settings', fieldPath: 'data.min-insync-replicas' },
      targets: [{ select: { kind: 'StatefulSet', name: 'kafka' }, fieldPaths: ['spec.template.spec.containers.[name=kafka].env.[name=KAFKA_CFG_MIN_INSYNC_REPLICAS].value'] }],
      location: loc(47),
    },
  ]);
  assert.equal(ds, []);
  const expected = loadDocs(transformerFixture('ref-21-replacements', 'expected.yaml')).filter((o) => o.kind !== 'ConfigMap');
  // serviceName follows the renamed Service through the name-reference pass, not here.
  for (const o of expected) if ((o.metadata as JsonObject).name === 'prod-zookeeper' && o.kind === 'StatefulSet') (o.spec as JsonObject).serviceName = 'zookeeper';
  assert.equal(byId(rm.all().filter((r) => r.id.kind !== 'ConfigMap').map((r) => r.object)), byId(expected));
  const kafka = rm.byKind('StatefulSet').find((r) => r.id.name === 'prod-kafka')!;
  assert.equal(
    kafka.origin.fieldSources.map((f) => [f.pointer, f.location.line, f.by]),
    [
      ['/spec/template/spec/containers/0/env/0/value', 12, 'replacements'],
      ['/spec/template/spec/containers/0/env/1/value', 24, 'replacements'],
      ['/spec/template/metadata/annotations/kafka.example.com~1replication-factor', 35, 'replacements'],
      ['/spec/template/spec/containers/0/env/2/value', 47, 'replacements'],
    ],
  );
});

const small = () =>
  ResourceMap.of([
    res({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'src' }, data: { a: 'x' } }),
    res({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { spec: { containers: [{ name: 'c', image: 'i' }] } } } }),
  ]);

test('errors: missing source resource, source field, target field (KF2007); ambiguous source (KF2011); out-of-range index', () => {
  const cases: [Replacement, string[]][] = [
    [{ source: { kind: 'ConfigMap', name: 'nosuch' }, targets: [], location: loc(3) }, ['KF2007']],
    [{ source: { kind: 'ConfigMap', name: 'src', fieldPath: 'data.zz' }, targets: [], location: loc(3) }, ['KF2007']],
    [{ source: { kind: 'ConfigMap', name: 'src', fieldPath: 'data.a' }, targets: [{ select: { kind: 'Deployment' }, fieldPaths: ['metadata.annotations.x', 'spec.template.spec.containers.[name=zzz].image'] }], location: loc(3) }, ['KF2007', 'KF2007']],
    [{ source: { name: 'src' }, targets: [], location: loc(3) }, []],
    [{ source: {}, targets: [], location: loc(3) }, ['KF2011']],
    [{ source: { kind: 'ConfigMap', name: 'src', fieldPath: 'data.a', options: { delimiter: '/', index: 3 } }, targets: [], location: loc(3) }, ['KF2007']],
    [{ source: { kind: 'ConfigMap', name: 'src', fieldPath: 'data.a' }, targets: [{ select: { kind: 'Nothing' }, fieldPaths: ['x'] }], location: loc(3) }, []],
  ];
  for (const [rep, codes] of cases) {
    const ds = applyReplacements(small(), [rep]);
    assert.equal(ds.map((d) => d.code), codes, JSON.stringify(rep));
    for (const d of ds) assert.is(d.location?.line, 3);
  }
});

// Verified with kubectl kustomize (v5.5): a map replaced by a file's string keeps it a
// string; a bool field given "abc" makes Kustomize fail ("cannot decode !!str `abc` as a !!bool").
test('typing: int field stays int, string stays string, map replaced by the source node, bool field refuses text', () => {
  const rm = ResourceMap.of([
    res({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'src' }, data: { n: '7', s: 'abc' } }),
    res({ apiVersion: 'example.com/v1', kind: 'W', metadata: { name: 'w' }, spec: { i: 1, b: true, s: 'x', m: { a: 1 } } }),
  ]);
  const ds = applyReplacements(rm, [
    { source: { kind: 'ConfigMap', fieldPath: 'data.n' }, targets: [{ select: { kind: 'W' }, fieldPaths: ['spec.i', 'spec.s', 'spec.m'] }], location: L },
    { source: { kind: 'ConfigMap', fieldPath: 'data.s' }, targets: [{ select: { kind: 'W' }, fieldPaths: ['spec.b'] }], location: L },
  ]);
  assert.equal((rm.byKind('W')[0].object as JsonObject).spec, { i: 7, b: true, s: '7', m: '7' });
  assert.equal(ds.map((d) => d.code), ['KF2007']);
});

test('created fields are typed as plain YAML; target [k=v] is an unanchored regex; index == length appends', () => {
  const rm = ResourceMap.of([
    res({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'src' }, data: { n: '010' } }),
    res({ apiVersion: 'v1', kind: 'W', metadata: { name: 'w' }, spec: { c: [{ name: 'kafka' }, { name: 'kafka-exporter' }, { name: 'zk' }] } }),
  ]);
  const ds = applyReplacements(rm, [
    { source: { kind: 'ConfigMap', fieldPath: 'data.n' }, targets: [{ select: { kind: 'W' }, fieldPaths: ['spec.c.[name=kafka].port', 'spec.list.0', 'metadata.annotations.n'], options: { create: true } }], location: L },
  ]);
  assert.equal(ds, []);
  const o = rm.byKind('W')[0].object as JsonObject;
  assert.equal(o.spec, { c: [{ name: 'kafka', port: 8 }, { name: 'kafka-exporter', port: 8 }, { name: 'zk' }], list: [8] });
  assert.equal((o.metadata as JsonObject).annotations, { n: '010' });
});

test('parsePath (kyaml SmarterPathSplitter)', () => {
  assert.equal(parsePath('a.b\\.c.[k=v].*.0'), [
    { t: 'key', key: 'a' },
    { t: 'key', key: 'b.c' },
    { t: 'sel', k: 'k', v: 'v' },
    { t: 'all' },
    { t: 'idx', i: 0 },
  ]);
  // no dot before the bracket: one key, as in Kustomize (which then finds nothing)
  assert.equal(parsePath('containers[name=a.b].image'), [
    { t: 'key', key: 'containers[name=a' },
    { t: 'key', key: 'b]' },
    { t: 'key', key: 'image' },
  ]);
  assert.equal(parsePath('metadata.annotations.[a.b/c]'), [
    { t: 'key', key: 'metadata' },
    { t: 'key', key: 'annotations' },
    { t: 'key', key: 'a.b/c' },
  ]);
  assert.equal(parsePath('c.[name=a.b].image'), [
    { t: 'key', key: 'c' },
    { t: 'sel', k: 'name', v: 'a.b' },
    { t: 'key', key: 'image' },
  ]);
});

test.run();
