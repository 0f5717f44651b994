import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseYamlDocuments } from '../../compiler/load/yaml/index.js';

function err(text: string | Uint8Array, limits?: { maxBytes?: number; maxNodes?: number }) {
  const r = parseYamlDocuments(text, 'f.yaml', limits);
  assert.is(r.value, undefined, 'expected a failure');
  assert.is(r.diagnostics.length, 1);
  const d = r.diagnostics[0];
  assert.is(d.severity, 'error');
  assert.ok(d.hint && d.hint.length > 0, 'a hint');
  assert.is(d.location?.file, 'f.yaml');
  return [d.code, d.location?.line, d.location?.column];
}

test('tab used as indentation', () => {
  assert.equal(err('a:\n\tb: 1\n'), ['KF1003', 2, 1]);
});

test('bad indentation (reference case 30)', () => {
  const text = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: redis\nspec:\n  selector:\n    app: redis\n  ports:\n    - name: redis\n      port: 6379\n     targetPort: 6379\n';
  assert.equal(err(text), ['KF1003', 11, 6]);
});

test('mapping value where none is allowed', () => {
  assert.equal(err('a: b: c\n'), ['KF1003', 1, 4]);
});

test('unclosed quotes point at the opening quote', () => {
  assert.equal(err('x: 1\na: "abc\nb: 1\n'), ['KF1003', 2, 4]);
  assert.equal(err("a: 'it''s\nb: 1\n"), ['KF1003', 1, 4]);
});

test('unclosed flow sequence', () => {
  const [code, line] = err('a: [1, 2\nb: 3\n');
  assert.is(code, 'KF1003');
  assert.is(line, 2);
});

test('duplicate keys point at the second one', () => {
  assert.equal(err('a: 1\nb: 2\na: 3\n'), ['KF1015', 3, 1]);
  assert.equal(err('x:\n  y:\n    k: 1\n    k: 2\n'), ['KF1015', 4, 5]);
  assert.equal(err('- {name: a, name: b}\n'), ['KF1015', 1, 13]);
});

test('keys merged with << are not duplicates', () => {
  const r = parseYamlDocuments('b: &b {a: 1}\nm: {<<: *b, a: 2}\n', 'f.yaml');
  assert.equal(r.diagnostics, []);
});

test('billion laughs is stopped', () => {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  const names = 'abcdefg';
  for (let i = 1; i < names.length; i++) {
    const prev = names[i - 1];
    lines.push(`${names[i]}: &${names[i]} [${new Array(9).fill('*' + prev).join(',')}]`);
  }
  assert.equal(err(lines.join('\n') + '\n'), ['KF1012', 7, 8]);
});

test('node and size bounds', () => {
  assert.equal(err('a: [1, 2, 3, 4, 5]\n', { maxNodes: 4 })[0], 'KF1012');
  assert.equal(err('a: 1\n', { maxBytes: 3 }), ['KF1012', 1, 1]);
});

test('binary input: NUL byte, as text or bytes', () => {
  assert.equal(err('a: 1\nb: x\0y\n'), ['KF1011', 2, 5]);
  assert.equal(err(new Uint8Array([0x61, 0x3a, 0x20, 0x0a, 0x00])), ['KF1011', 2, 1]);
});

test('invalid UTF-8 bytes', () => {
  assert.equal(err(new Uint8Array([0x61, 0x3a, 0x20, 0x31, 0x0a, 0x62, 0x3a, 0x20, 0xc3, 0x28, 0x0a])), ['KF1011', 2, 4]);
});

test('control characters are refused as go-yaml does', () => {
  assert.equal(err('a: 1\nb: x\u0007y\n'), ['KF1003', 2, 5]);
});

test('unknown alias', () => {
  assert.equal(err('a: 1\nb: *nope\n'), ['KF1003', 2, 4]);
});

test('non-string keys fail as in Kustomize (json: unsupported type)', () => {
  assert.equal(err('a:\n  1: x\n'), ['KF1003', 2, 3]);
  assert.equal(err('a:\n  true: x\n'), ['KF1003', 2, 3]);
  assert.equal(err('~: x\n'), ['KF1003', 1, 1]);
});

test('infinity cannot pass the JSON round trip', () => {
  assert.equal(err('a:\n  b: .inf\n'), ['KF1003', 2, 6]);
});

test('a tag that does not fit its value', () => {
  assert.equal(err('a: !!int abc\n'), ['KF1003', 1, 10]);
});

test.run();
