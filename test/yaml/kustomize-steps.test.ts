/*
 * The steps where Kustomize's value differs from the YAML value (compiler/load/yaml/scalars.ts
 * "Block scalars as Kustomize keeps them", compiler/emit/yaml.ts "Kustomize's JSON
 * step"). Expected values checked with `kubectl kustomize` (Kustomize v5.5.0).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { goUtf8, parseYamlDocuments, plainKeyProblem, v3FoldedRoundTrip, yaml11Plain } from '../../compiler/load/yaml/index.js';
import { foldNel, unwritableString } from '../../compiler/emit/yaml.js';

test('go-yaml v3 folded writer round trip', () => {
  assert.is(v3FoldedRoundTrip('a b\n'), 'a b\n');
  assert.is(v3FoldedRoundTrip('a b\n\n'), 'a b\n\n\n');
  assert.is(v3FoldedRoundTrip('a\n  b\nc\n'), 'a\n\n  b\nc\n');
  assert.is(v3FoldedRoundTrip('\na b\n\n'), '\na b\n\n\n');
  assert.is(v3FoldedRoundTrip(' x\na\nb'), ' x\na b');
  assert.is(v3FoldedRoundTrip('one line'), 'one line');
});

test('NEL folding of the JSON step', () => {
  assert.is(foldNel('a\u0085b'), 'a b');
  assert.is(foldNel('a \u0085  b'), 'a b');
  assert.is(foldNel('a\u0085\u0085b'), 'a\nb');
  assert.is(foldNel('a\u0085 \u0085\u0085b'), 'a\n\nb');
  assert.is(foldNel('plain'), 'plain');
});

test('strings the JSON step refuses', () => {
  assert.equal(unwritableString({ data: { k: 'a\u0080' } }), { pointer: '/data/k', code: 0x80 });
  assert.equal(unwritableString({ 'a/\u009f': 'x' }), { pointer: '/a~1\u009f', code: 0x9f });
  assert.is(unwritableString({ data: { k: 'a\u0085\u0001\t' } }), undefined);
  assert.equal(unwritableString({ a: ['x', 1, null, { b: 'ok\uffff' }] }), { pointer: '/a/3/b', code: 0xffff });
  assert.equal(unwritableString(['\ufffe']), { pointer: '/0', code: 0xfffe });
});

test("bytes as Go's JSON encoder coerces them to UTF-8", () => {
  assert.is(goUtf8(Buffer.from([0xff, 0xfe, 0x61])), '\ufffd\ufffda');
  assert.is(goUtf8(Buffer.from([0xe2, 0x82, 0x61])), '\ufffd\ufffda');
  assert.is(goUtf8(Buffer.from('é🚀', 'utf8')), 'é🚀');
  assert.is(goUtf8(Buffer.from([0xed, 0xa0, 0x80])), '\ufffd\ufffd\ufffd');
});

function values(text: string) {
  const r = parseYamlDocuments(text, 'x.yaml');
  assert.equal(r.diagnostics, []);
  return r.value!.map((d) => d.value);
}

test('one document per ---separated piece', () => {
  assert.equal(values('a: 1\n...\nb: 2\n---\nc: 3\n'), [{ a: 1 }, { c: 3 }]);
  assert.equal(values('a: 1\n--- x'), [{ a: 1 }]);
  assert.equal(values('a: 1\n---\n\ufeffb: 2\n'), [{ a: 1 }, { b: 2 }]);
  assert.is(parseYamlDocuments('a: 1\n--- b: 2\n', 'x.yaml').diagnostics[0]?.code, 'KF1003');
  assert.is(parseYamlDocuments('%YAML 1.1\n---\na: 1\n', 'x.yaml').diagnostics[0]?.code, 'KF1003');
});

test('block scalars: unterminated last line, keep before a trailing comment, tab start', () => {
  assert.equal(values('k: |\n  a\n  b'), [{ k: 'a\nb' }]);
  assert.equal(values('k: |+\n  a\n\n# c\n'), [{ k: 'a\n\n\n' }]);
  assert.equal(values('k: |+\n  a\n\n# c\nz: 1\n'), [{ k: 'a\n\n', z: 1 }]);
  assert.equal(values('k: >\n  a\n    b\n  c\n'), [{ k: 'a\n\n  b\nc\n' }]);
  assert.equal(values('metadata:\n  annotations:\n    k: >\n      a\n        b\n      c\n'), [{ metadata: { annotations: { k: 'a\n  b\nc\n' } } }]);
  assert.is(parseYamlDocuments('k: |2\n  \ta\n  b\n', 'x.yaml').diagnostics[0]?.code, 'KF1003');
});

test('merge keys as kyaml resolves them', () => {
  assert.equal(values('a: &a {x: 1}\nb:\n  "<<": dropped\n  y: 2\n'), [{ a: { x: 1 }, b: { y: 2 } }]);
  assert.equal(values('a: &a {x: 1}\nb:\n  ! <<: *a\n  y: 2\n'), [{ a: { x: 1 }, b: { x: 1, y: 2 } }]);
  assert.is(parseYamlDocuments('a: &a {x: 1}\nb:\n  <<: *a\n  <<: *a\n', 'x.yaml').diagnostics[0]?.code, 'KF1003');
});

test('YAML 1.1 plain scalars (kustomization files, JSON 6902 patches) and keys that cannot be written back', () => {
  assert.equal(['y', 'No', 'ON', 'off', '1_000', '0x1F', '017', '0b101', '.5', 'yes please', '1:20', '2001-01-01'].map(yaml11Plain), [true, false, true, false, 1000, 31, 15, 5, 0.5, 'yes please', '1:20', '2001-01-01']);
  // the longest spellings (5 characters), and longer strings that only start like one
  assert.equal(['FALSE', 'False', 'false', 'falsey', 'offset', 'YES!'].map(yaml11Plain), [false, false, false, 'falsey', 'offset', 'YES!']);
  // labels, annotations and generated data keys Kustomize fails on (checked with kubectl)
  assert.equal(['1', 'true', '~', '0o17', '1_000', '.inf', '2001-01-01', '<<'].map(plainKeyProblem), ['a number', 'a boolean', 'null', 'a number', 'a number', 'a number', 'a timestamp', 'a merge key']);
  assert.equal(['y', 'on', '1:20', '._', '-', '0xG', ''].map(plainKeyProblem), [undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
});

test.run();
