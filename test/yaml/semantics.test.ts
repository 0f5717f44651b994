import * as fs from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseYamlDocuments } from '../../compiler/load/yaml/index.js';
import { emitYaml } from '../../compiler/emit/yaml.js';
import type { Json } from '../../compiler/types.js';
import { fixture } from '../helpers.js';

/*
 * Goldens made with `kubectl kustomize` (Kustomize v5.5.0) on a kustomization listing
 * <name>.input.yaml as its only resource; <name>.expected.yaml is its stdout.
 */
for (const name of ['scalars', 'strings', 'blocks', 'anchors', 'unicode', 'keys']) {
  test(`kustomize golden: ${name}`, () => {
    const input = fs.readFileSync(fixture('yaml', 'semantics', `${name}.input.yaml`), 'utf8');
    const expected = fs.readFileSync(fixture('yaml', 'semantics', `${name}.expected.yaml`), 'utf8');
    const r = parseYamlDocuments(input, `${name}.input.yaml`);
    assert.equal(r.diagnostics, []);
    assert.fixture(emitYaml(r.value!.map((d) => d.value)), expected);
  });
}

function one(text: string): Json {
  const r = parseYamlDocuments(text, 'x.yaml');
  assert.equal(r.diagnostics, []);
  assert.is(r.value!.length, 1);
  return r.value![0].value;
}

function v(scalar: string): Json {
  return (one(`v: ${scalar}\n`) as { v: Json }).v;
}

test('plain scalars resolve as go-yaml v3 does', () => {
  assert.is(v('0644'), 420);
  assert.is(v('0123'), 83);
  assert.is(v('09'), 9);
  assert.is(v('0x1F'), 31);
  assert.is(v('0o17'), 15);
  assert.is(v('0b101'), 5);
  assert.is(v('+12'), 12);
  assert.is(v('1_000'), 1000);
  assert.is(v('-0'), 0);
  assert.is(Object.is(v('-0.0'), -0), false);
  assert.is(v('1.0'), 1);
  assert.is(v('1e6'), 1000000);
  assert.is(v('.5'), 0.5);
  assert.is(v('1e400'), '1e400');
  assert.is(v('0x'), '0x');
  assert.is(v('12:30'), '12:30');
  assert.is(v('true'), true);
  assert.is(v('True'), true);
  assert.is(v('FALSE'), false);
  assert.is(v('tRue'), 'tRue');
  assert.is(v('yes'), 'yes');
  assert.is(v('on'), 'on');
  assert.is(v('~'), null);
  assert.is(v('Null'), null);
  assert.is(v('nULL'), 'nULL');
  assert.is(v(''), null);
  assert.is(v('"0644"'), '0644');
  assert.is(v("'true'"), 'true');
});

test('timestamps become the RFC 3339 strings Go prints', () => {
  assert.is(v('2024-06-18'), '2024-06-18T00:00:00Z');
  assert.is(v('2024-6-8'), '2024-06-08T00:00:00Z');
  assert.is(v('2024-06-18 1:2:3'), '2024-06-18T01:02:03Z');
  assert.is(v('2024-06-18T10:20:30.100000Z'), '2024-06-18T10:20:30.1Z');
  assert.is(v('2024-06-18T10:20:30+00:00'), '2024-06-18T10:20:30Z');
  assert.is(v('2024-06-18T10:20:30.123+02:00'), '2024-06-18T10:20:30.123+02:00');
  assert.is(v('2024-02-30'), '2024-02-30');
  assert.is(v('2024-06-18T24:00:00Z'), '2024-06-18T24:00:00Z');
  assert.is(v('"2024-06-18"'), '2024-06-18');
});

test('tags', () => {
  assert.is(v('!!str 123'), '123');
  assert.is(v('!!int "12"'), 12);
  assert.is(v('!!binary aGVsbG8='), 'hello');
  assert.is(v('!custom foo'), 'foo');
});

test('anchors, aliases and merge keys: explicit keys win, earlier merges win', () => {
  const doc = one('b: &b {a: 1, b: 2}\nc: &c {c: 3, a: 9}\nm1: {<<: *b, a: 5}\nm2: {<<: [*b, *c]}\nm3: {a: 7, <<: {a: 8, z: 1}}\n');
  assert.equal(doc, { b: { a: 1, b: 2 }, c: { c: 3, a: 9 }, m1: { a: 5, b: 2 }, m2: { a: 1, b: 2, c: 3 }, m3: { a: 7, z: 1 } });
});

test('aliases are copies: changing one does not change the other', () => {
  const doc = one('a: &x {k: [1]}\nb: *x\n') as { a: { k: number[] }; b: { k: number[] } };
  doc.b.k.push(2);
  assert.equal(doc.a.k, [1]);
});

test('documents: empty ones and ... markers skipped, index counts all of them, positions 1-based', () => {
  const r = parseYamlDocuments('---\n# only a comment\n---\n---\na: 1\n...\n---\n  b: 2\n', 'x.yaml');
  assert.equal(r.diagnostics, []);
  assert.equal(
    r.value!.map((d) => [d.index, d.line, d.column, d.value]),
    [
      [2, 5, 1, { a: 1 }],
      [3, 8, 3, { b: 2 }],
    ],
  );
});

test('go-yaml quirks: empty values in flow mappings are "", anchors on keys, !!omap', () => {
  assert.equal(one('a: {d: , e}\nb: [{f}]\nc: {g: ~}\nh:\n'), { a: { d: '', e: '' }, b: [{ f: '' }], c: { g: null }, h: null });
  assert.equal(one('&k a: 1\nb: *k\n'), { a: 1, b: 'a' });
  assert.equal(one('a: !!omap [{x: 1}, {y: 2}]\n'), { a: [{ x: 1 }, { y: 2 }] });
});

test('a __proto__ key is an ordinary key', () => {
  const doc = one('__proto__: {polluted: true}\n') as Record<string, Json>;
  assert.equal(Object.keys(doc), ['__proto__']);
  assert.is(({} as Record<string, unknown>).polluted, undefined);
});

test('bytes: UTF-8 with BOM is read', () => {
  const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from('a: é\n', 'utf8')]);
  const r = parseYamlDocuments(bytes, 'x.yaml');
  assert.equal(r.diagnostics, []);
  assert.equal(r.value![0].value, { a: 'é' });
});

test.run();
