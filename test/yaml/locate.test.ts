import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { locatePointer, parseYamlDocuments } from '../../compiler/load/yaml/index.js';

const text = [
  '# leading comment',
  'apiVersion: v1',
  'kind: ConfigMap',
  'metadata:',
  '  name: a',
  '---',
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata: {name: web, labels: {app/x: "1"}}',
  'spec:',
  '  template:',
  '    spec:',
  '      containers:',
  '        - name: app',
  '          image: nginx:1.25',
  '        - name: side',
  '          image: &img busybox',
  '      initContainers:',
  '        - image: *img',
  'base: &b {x: 1}',
  'merged: {<<: *b, y: 2}',
  '',
].join('\n');

test('positions of fields, list items, flow maps and escaped pointers', () => {
  assert.equal(locatePointer(text, 1, '/spec/template/spec/containers/0/image'), { line: 15, column: 11 });
  assert.equal(locatePointer(text, 1, '/spec/template/spec/containers/1'), { line: 16, column: 11 });
  assert.equal(locatePointer(text, 1, '/metadata/name'), { line: 9, column: 12 });
  assert.equal(locatePointer(text, 1, '/metadata/labels/app~1x'), { line: 9, column: 32 });
  assert.equal(locatePointer(text, 0, '/metadata/name'), { line: 5, column: 3 });
  assert.equal(locatePointer(text, 0, ''), { line: 2, column: 1 });
});

test('through aliases and merge keys', () => {
  assert.equal(locatePointer(text, 1, '/merged/x'), { line: 20, column: 11 });
  assert.equal(locatePointer(text, 1, '/merged/y'), { line: 21, column: 18 });
});

test('absent paths and documents', () => {
  assert.is(locatePointer(text, 1, '/spec/nope'), undefined);
  assert.is(locatePointer(text, 1, '/spec/template/spec/containers/5'), undefined);
  assert.is(locatePointer(text, 7, '/a'), undefined);
  assert.is(locatePointer('a: [', 0, '/a'), undefined);
});

test('document indexes agree with parseYamlDocuments', () => {
  const t = '---\n# empty\n---\nkind: A\nspec: {replicas: 3}\n';
  const docs = parseYamlDocuments(t, 'x.yaml').value!;
  assert.is(docs.length, 1);
  assert.equal(locatePointer(t, docs[0].index, '/spec/replicas'), { line: 5, column: 8 });
});

test.run();
