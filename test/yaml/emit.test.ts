import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { emitYaml, emitYamlDocument } from '../../compiler/emit/yaml.js';

// Expected texts come from `kubectl kustomize` experiments (Kustomize v5.5.0).
const d = (data: Record<string, unknown>) => emitYamlDocument({ data } as never);

test('documents are separated by ---, with a final newline', () => {
  assert.is(emitYaml([{ a: 1 }, { b: 2 }]), 'a: 1\n---\nb: 2\n');
  assert.is(emitYaml([]), '');
});

test('strings that would read back as another type are double-quoted', () => {
  assert.is(d({ a: '0123', b: 'true', c: 'yes', d: 'y', e: '', f: '~', g: '12:30', h: '2024-07-01', i: '1e3' }),
    'data:\n  a: "0123"\n  b: "true"\n  c: "yes"\n  d: "y"\n  e: ""\n  f: "~"\n  g: "12:30"\n  h: "2024-07-01"\n  i: "1e3"\n');
  assert.is(d({ a: '1e400', b: '2024-02-30', c: '<<' }), 'data:\n  a: 1e400\n  b: 2024-02-30\n  c: <<\n');
});

test('indicators and spaces: single quotes; tabs and controls: double quotes', () => {
  assert.is(d({ a: '- item', b: ' padded', c: 'padded ', d: "it's", e: 'a #b', f: 'a: b', g: '*' }),
    "data:\n  a: '- item'\n  b: ' padded'\n  c: 'padded '\n  d: it's\n  e: 'a #b'\n  f: 'a: b'\n  g: '*'\n");
  assert.is(d({ a: 'a\tb', b: '\u0007', c: '\u{1F680} go' }), 'data:\n  a: "a\\tb"\n  b: "\\a"\n  c: "\\U0001F680 go"\n');
});

test('multi-line strings: literal blocks, or double quotes when lines end with spaces', () => {
  assert.is(d({ a: 'x\ny\n', b: 'x\ny', c: 'x\n\n', d: ' x\ny', e: 'x  \ny\n' }),
    'data:\n  a: |\n    x\n    y\n  b: |-\n    x\n    y\n  c: |+\n    x\n\n  d: |2-\n     x\n    y\n  e: "x  \\ny\\n"\n');
});

test('long plain strings fold after column 80', () => {
  const s = 'SELECT clientid, payload.temperature AS temp, payload.humidity AS hum, timestamp FROM "sensors/+/telemetry" WHERE payload.temperature > 40';
  assert.is(d({ 'rule-sql': s }),
    'data:\n  rule-sql: SELECT clientid, payload.temperature AS temp, payload.humidity AS hum,\n    timestamp FROM "sensors/+/telemetry" WHERE payload.temperature > 40\n');
});

test('numbers print as Go does after the JSON round trip', () => {
  assert.is(emitYamlDocument({ a: [1, 1000000, 1.5e-7, 1e21, 0.1, -0.5, 1234567.5, 123456.5, 0.0001, 0.00001, 1e20, 1e19, -1e19, -0] }),
    'a:\n- 1\n- 1000000\n- 1.5e-07\n- 1e+21\n- 0.1\n- -0.5\n- 1.2345675e+06\n- 123456.5\n- 0.0001\n- 1e-05\n- 1e+20\n- 10000000000000000000\n- -1e+19\n- 0\n');
});

test('keys sorted in go-yaml order (numbers by value, punctuation before letters)', () => {
  const keys = ['e10', 'e2', 'e1', 'a', 'B', '8080', 'a.b', 'a-b', 'a_b', 'aB'];
  const obj = Object.fromEntries(keys.map((k) => [k, 1]));
  assert.is(emitYamlDocument(obj), '"8080": 1\nB: 1\na: 1\na-b: 1\na.b: 1\na_b: 1\naB: 1\ne1: 1\ne2: 1\ne10: 1\n');
});

test('collections: compact sequences, empty {} and [], null', () => {
  assert.is(emitYamlDocument({ s: [{ b: 1, a: [] }, [1, [2]], {}], m: {}, nul: null }),
    'm: {}\nnul: null\ns:\n- a: []\n  b: 1\n- - 1\n  - - 2\n- {}\n');
});

test('multi-line and very long keys are complex keys', () => {
  assert.is(emitYamlDocument({ 'a\nb': 1 }), '? |-\n  a\n  b\n: 1\n');
  const long = 'k'.repeat(129);
  assert.is(emitYamlDocument({ [long]: 1 }), `? ${long}\n: 1\n`);
});

test('undefined values are left out of maps and null in lists, as JSON does', () => {
  assert.is(emitYamlDocument({ a: undefined, b: [undefined, 1] } as never), 'b:\n- null\n- 1\n');
});

test.run();
