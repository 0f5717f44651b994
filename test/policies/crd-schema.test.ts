/** Issue 17 point 2: the structural-schema translation and the crd-schema check. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run, hits, lineOf } from './helpers.js';
import { translateSchema, validatorFor } from '../../policies/crd/schema.js';
import { loadAdmissionFolder, loadCrdFolder } from '../../policies/crd/load.js';
import type { JsonObject } from '../../compiler/types.js';

const valid = (schema: JsonObject, x: unknown) => {
  const v = validatorFor(schema);
  if ('error' in v) throw new Error(v.error);
  return v.validate(x) as boolean;
};

test('translation: nullable, int-or-string, preserve-unknown-fields, embedded resources, unknown fields rejected', () => {
  const schema: JsonObject = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          a: { type: 'string', nullable: true },
          port: { 'x-kubernetes-int-or-string': true },
          free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          tpl: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object' } } },
          n: { type: 'integer', format: 'int32', minimum: 0 },
        },
        'x-kubernetes-validations': [{ rule: 'self.n > 0' }],
      },
    },
  };
  assert.is(translateSchema(schema).celRules, 1);
  const ok = { apiVersion: 'x/v1', kind: 'X', metadata: { name: 'x' }, spec: { a: null, port: 'http', free: { any: { thing: 1 } }, tpl: { apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: {} }, n: 3 } };
  assert.ok(valid(schema, ok));
  assert.ok(valid(schema, { ...ok, spec: { ...ok.spec, port: 8080 } }));
  assert.not.ok(valid(schema, { ...ok, spec: { ...ok.spec, port: true } }));
  assert.not.ok(valid(schema, { ...ok, spec: { ...ok.spec, extra: 1 } }), 'unknown field');
  assert.not.ok(valid(schema, { ...ok, spec: { ...ok.spec, n: -1 } }));
  assert.not.ok(valid(schema, { ...ok, status: {} }), 'status is not in the schema');
});

test('crd-schema: int-or-string and type errors are said once, at the field line', () => {
  const yaml = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: things.example.com}
spec:
  group: example.com
  names: {kind: Thing, plural: things}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              port: {x-kubernetes-int-or-string: true}
              size: {type: integer}
---
apiVersion: example.com/v1
kind: Thing
metadata: {name: t, namespace: a}
spec:
  port: [1]
  size: "3"
`;
  const r = run('crd-schema', yaml, 'prod');
  assert.equal(hits(r), [`crd-schema@${lineOf(yaml, 'port: [1]')}`, `crd-schema@${lineOf(yaml, 'size: "3"')}`]);
  assert.match(r.findings[0].message, /^spec\.port: expected integer or string/);
  assert.match(r.findings[1].message, /^spec\.size: expected integer/);
});

test('crd-schema: no CRD known, nothing checked; a CRD without a schema checks nothing', () => {
  const yaml = 'apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: t, namespace: a}\nspec: {anything: 1}\n';
  assert.equal(hits(run('crd-schema', yaml, 'prod')), []);
});

test('loadCrdFolder: a missing folder is KF4112', () => {
  const r = loadCrdFolder('/nonexistent-root', 'crds');
  assert.equal(r.diagnostics.map((d) => d.code), ['KF4112']);
});

test('loadCrdFolder and the admission folder read hostile files within bounds: an alias bomb, deep nesting and a 100 MB file are each KF4112 / KF1012 at their place, not a crash', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-crd-hostile-'));
  try {
    const crds = path.join(root, 'crds');
    fs.mkdirSync(crds);
    const head = 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: x\nspec:\n';
    const laughs = ['  a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) laughs.push(`  a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    fs.writeFileSync(path.join(crds, 'a-laughs.yaml'), head + laughs.join('\n') + '\n');
    fs.writeFileSync(path.join(crds, 'b-deep.yaml'), head.replace('spec:\n', 'spec: ') + '['.repeat(5000) + ']'.repeat(5000) + '\n');
    fs.writeFileSync(path.join(crds, 'c-big.yaml'), '');
    fs.truncateSync(path.join(crds, 'c-big.yaml'), 100 * 1024 * 1024); // sparse: refused by its size, never read
    fs.writeFileSync(path.join(crds, 'd-ok.yaml'), head + '  group: example.com\n');
    const t0 = Date.now();
    const r = loadCrdFolder(root, 'crds');
    assert.ok(Date.now() - t0 < 15_000);
    const byFile = (f: string) => r.diagnostics.filter((d) => d.location?.file.endsWith(f));
    assert.equal(r.diagnostics.map((d) => d.code), ['KF4112', 'KF4112', 'KF4112']);
    assert.match(byFile('a-laughs.yaml')[0].message, /more than 1000000 values/);
    assert.ok((byFile('a-laughs.yaml')[0].location?.line ?? 0) > 5);
    assert.match(byFile('b-deep.yaml')[0].message, /nesting is too deep/);
    assert.is(byFile('b-deep.yaml')[0].location?.line, 5);
    assert.match(byFile('c-big.yaml')[0].message, /the file is 100 MiB, larger than the 64 MiB kforge reads/);
    assert.equal(r.crds.map((c) => c.object.metadata), [{ name: 'x' }]); // the good file is still read
    // the admission folder is read the same way (its own codes)
    const adm = path.join(root, 'policies', 'admission');
    fs.mkdirSync(adm, { recursive: true });
    fs.writeFileSync(path.join(adm, 'big.yaml'), '');
    fs.truncateSync(path.join(adm, 'big.yaml'), 100 * 1024 * 1024);
    fs.writeFileSync(path.join(adm, 'laughs.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p\ndata:\n' + laughs.join('\n') + '\n');
    fs.mkdirSync(path.join(adm, 'not-a-file.yaml')); // listed, but cannot be read as a file: said, not a crash
    const a = loadAdmissionFolder(root);
    assert.equal(a.diagnostics.map((d) => d.code), ['KF1012', 'KF1012', 'KF1002']);
    assert.match(a.diagnostics[2].message, /cannot read .*not-a-file\.yaml/);
    assert.equal(a.objects, []);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});


test('x-kubernetes-validations: self at each node (maps and lists too), fieldPath, messageExpression; oldSelf rules skipped; Kubernetes quantity functions evaluate; unsupported functions noted', async () => {
  const { checkRules } = await import('../../policies/crd/rules.js');
  const schema: JsonObject = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        'x-kubernetes-validations': [
          { rule: 'self.min <= self.max', messageExpression: "'min ' + string(self.min) + ' is above max ' + string(self.max)", fieldPath: '.min' },
          { rule: 'self.min == oldSelf.min', message: 'immutable' },
          { rule: "quantity(self.size).isGreaterThan(quantity('1'))" },
          { rule: "quantity(self.size).isLessThan(quantity('1Mi'))", message: 'size at most 1Mi' },
          { rule: 'sets.contains([1, 2], [self.min])' },
          { rule: 'self.min.isOdd()' },
        ],
        properties: {
          min: { type: 'integer' },
          max: { type: 'integer' },
          size: { type: 'string' },
          ports: { type: 'array', items: { type: 'object', 'x-kubernetes-validations': [{ rule: 'self.port > 1024', message: 'unprivileged ports only' }] } },
          labels: { type: 'object', additionalProperties: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self.size() <= 3' }] } },
        },
      },
    },
  };
  const r = checkRules(schema, { spec: { min: 5, max: 2, size: '1Gi', ports: [{ port: 8080 }, { port: 80 }], labels: { a: 'ok', b: 'too-long' } } });
  assert.equal(r.failures, [
    { pointer: '/spec/min', message: 'min 5 is above max 2' },
    { pointer: '/spec', message: 'size at most 1Mi' },
    { pointer: '/spec/ports/1', message: 'unprivileged ports only' },
    { pointer: '/spec/labels/b', message: 'failed rule: self.size() <= 3' },
  ]);
  assert.equal(r.problems.map((p) => `${p.why} ${p.pointer ?? '-'}`), ["does not compile: undeclared reference to 'sets' -", "uses isOdd, which kforge's CEL does not provide -"]);
});

test.run();
