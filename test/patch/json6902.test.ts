import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { fixture } from '../helpers.js';
import { applyJson6902, checkOpPaths, validateOps } from '../../compiler/transform/patch-json6902.js';
import type { Json, JsonObject, SourceLocation } from '../../compiler/types.js';

const where: SourceLocation = { file: 'kustomization.yaml', line: 7, column: 5 };
const cm = (): JsonObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } });

test('reference case 13: every op kind, ~1 escapes, JSON and YAML patches', () => {
  const dir = fixture('patch', 'json6902', 'ref-13-json6902-operations');
  const docs = (f: string) => parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS() as JsonObject);
  const [svc, sts] = docs('resources.yaml');
  const [expSvc, expSts] = docs('expected.yaml');
  const frozen = JSON.stringify(sts);
  const r1 = applyJson6902(sts, parse(fs.readFileSync(path.join(dir, 'statefulset-patch.yaml'), 'utf8')) as Json, where);
  assert.equal(r1.diagnostics, []);
  assert.equal(r1.value, expSts);
  assert.is(JSON.stringify(sts), frozen, 'input not mutated');
  const r2 = applyJson6902(svc, JSON.parse(fs.readFileSync(path.join(dir, 'service-patch.json'), 'utf8')) as Json, where);
  assert.equal(r2.value, expSvc);
});

test('reference case 31: remove of a missing path is KF3002 at the op, listing existing keys', () => {
  const sts: JsonObject = { spec: { template: { spec: { containers: [{ name: 'zookeeper', resources: { requests: { cpu: '250m' } } }] } } } };
  const ops = [{ op: 'remove', path: '/spec/template/spec/containers/0/resources/limits' }];
  const opLoc = { file: 'kustomization.yaml', line: 9, column: 9 };
  const r = applyJson6902(sts, ops, where, [opLoc]);
  assert.is(r.value, undefined);
  assert.equal(r.diagnostics.map((d) => [d.code, d.severity, d.location, d.pointer]), [['KF3002', 'error', opLoc, ops[0].path]]);
  assert.match(r.diagnostics[0].hint!, 'requests');
});

// Kustomize 5.5 behaviour, checked with kubectl kustomize.
const ok: { name: string; ops: Json; expect: JsonObject }[] = [
  { name: 'replace of a missing map key adds it', ops: [{ op: 'replace', path: '/data/zz', value: '2' }], expect: { ...cm(), data: { a: '1', zz: '2' } } },
  {
    name: 'add then ~1 escaped key; replace of a whole map',
    ops: [
      { op: 'add', path: '/metadata/labels', value: {} },
      { op: 'add', path: '/metadata/labels/a~1b', value: 'x' },
      { op: 'replace', path: '/data', value: { q: '1' } },
    ],
    expect: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { 'a/b': 'x' } }, data: { q: '1' } },
  },
  { name: 'empty op list', ops: [], expect: cm() },
];
for (const c of ok) {
  test(`6902 ok: ${c.name}`, () => {
    const r = applyJson6902(cm(), c.ops, where);
    assert.equal(r.diagnostics, []);
    assert.equal(r.value, c.expect);
  });
}

const fail: { name: string; ops: Json; index: number; hint?: string }[] = [
  { name: 'replace under a missing parent', ops: [{ op: 'replace', path: '/metadata/labels/x', value: '2' }], index: 0, hint: 'name' },
  { name: 'add under a missing parent', ops: [{ op: 'add', path: '/data/a', value: '0' }, { op: 'add', path: '/metadata/labels/x', value: '2' }], index: 1 },
  { name: 'failing test', ops: [{ op: 'test', path: '/data/a', value: '2' }], index: 0, hint: '"1"' },
  { name: 'move from a missing path', ops: [{ op: 'move', from: '/data/q', path: '/data/b' }], index: 0 },
  { name: 'remove of an index past the end', ops: [{ op: 'add', path: '/data/l', value: [1] }, { op: 'remove', path: '/data/l/3' }], index: 1 },
  { name: 'did you mean for a misspelt key', ops: [{ op: 'remove', path: '/metdata/name' }], index: 0, hint: '/metadata/name' },
];
for (const c of fail) {
  test(`6902 error: ${c.name}`, () => {
    const locs = (c.ops as Json[]).map((_, i) => ({ file: 'k.yaml', line: 10 + i, column: 3 }));
    const r = applyJson6902(cm(), c.ops, where, locs);
    assert.is(r.value, undefined);
    assert.equal(r.diagnostics.map((d) => [d.code, d.location?.line]), [['KF3002', 10 + c.index]]);
    if (c.hint) assert.match(r.diagnostics[0].hint!, c.hint);
  });
}

test('validateOps: malformed patches are KF3003 at the op; forms Kustomize accepts are warnings', () => {
  assert.equal(validateOps({ op: 'add' }, where).map((d) => d.code), ['KF3003']);
  const ops = [{ op: 'add', path: '/a' }, { path: '/a' }, { op: 'ad', path: '/a', value: 1 }, { op: 'copy', path: '/b' }, 'x', { op: 'remove', path: 'a' }, { op: 'remove', path: '/a' }];
  const locs = ops.map((_, i) => ({ file: 'p.yaml', line: i + 1, column: 3 }));
  const ds = validateOps(ops as Json, where, locs);
  // no value: Kustomize uses null (a warning); a path without any slash finds nothing (an error)
  assert.equal(ds.map((d) => [d.code, d.severity, d.location?.line]), [
    ['KF3003', 'warning', 1],
    ...[2, 3, 4, 5, 6].map((l) => ['KF3003', 'error', l]),
  ]);
  assert.match(ds[2].hint!, 'add');
  assert.equal(applyJson6902(cm(), ops as Json, where).diagnostics.length, 5);
});

test('6902 as Kustomize applies it: no value is null, a path without / loses its first segment, Atoi and negative indexes', () => {
  const doc = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'v' }, spec: { list: ['a', 'b', 'c'] } } as unknown as JsonObject;
  const r = applyJson6902(doc, [
    { op: 'replace', path: '/data/k' },
    { op: 'add', path: 'data/x', value: 'y' },
    { op: 'replace', path: '/spec/list/-1', value: 'z' },
    { op: 'replace', path: '/spec/list/01', value: 'o' },
    { op: 'add', path: '/spec/list/-1', value: 'end' },
    { op: 'replace', path: '/spec/list/+0', value: 'first' },
  ] as unknown as Json, where);
  assert.equal(r.diagnostics, []);
  assert.equal(r.value, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: null }, x: 'y', spec: { list: ['first', 'o', 'z', 'end'] } });
  const bad = applyJson6902(doc, [{ op: 'replace', path: '/spec/list/-4', value: 1 }] as unknown as Json, where);
  assert.equal(bad.diagnostics.map((d) => d.code), ['KF3002']);
});

test('checkOpPaths: unknown field is a KF3004 warning with the corrected pointer', () => {
  const ops: JsonObject[] = [
    { op: 'replace', path: '/spec/replica', value: 3 },
    { op: 'add', path: '/spec/template/spec/containers/0/env/-', value: {} },
    { op: 'add', path: '/metadata/annotations/a~1b', value: 'x' },
    { op: 'copy', from: '/spec/template/spec/containers/0/imagee', path: '/metadata/labels/x' },
  ];
  const ds = checkOpPaths('V1Deployment', ops as Json, where);
  assert.equal(ds.map((d) => [d.code, d.severity, d.pointer, d.hint]), [
    ['KF3004', 'warning', '/spec/replica', 'did you mean /spec/replicas?'],
    ['KF3004', 'warning', '/spec/template/spec/containers/0/imagee', 'did you mean /spec/template/spec/containers/0/image?'],
  ]);
  assert.equal(checkOpPaths(undefined, ops as Json, where), []);
});

test.run();
