import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fastParse, parseComplete } from '../../compiler/load/yaml/index.js';
import { isBareNull } from '../../compiler/load/bare-null.js';
import type { JsonObject } from '../../compiler/types.js';

/*
 * Both readers record which nulls were written bare (`key:`), which Kustomize's
 * strategic-merge walk drops; `null`, `~` and `key: # comment`-less forms are told apart.
 */
const TEXT = `spec:
  bare:
  commented: # nothing here
  word: null
  tilde: ~
  nested:
    inner:
  list:
    - k:
      v: null
`;

function check(spec: JsonObject): void {
  assert.ok(isBareNull(spec, 'bare'));
  assert.ok(isBareNull(spec, 'commented'));
  assert.not.ok(isBareNull(spec, 'word'));
  assert.not.ok(isBareNull(spec, 'tilde'));
  assert.ok(isBareNull(spec.nested as JsonObject, 'inner'));
  const item = (spec.list as JsonObject[])[0];
  assert.ok(isBareNull(item, 'k'));
  assert.not.ok(isBareNull(item, 'v'));
  // Invisible to JSON and to a structured clone (Kustomize's JSON 6902 round trip).
  assert.is(JSON.stringify(spec.nested), '{"inner":null}');
  assert.not.ok(isBareNull(structuredClone(spec), 'bare'));
  // Kept by a spread copy (copy-on-write in transformers).
  assert.ok(isBareNull({ ...spec }, 'bare'));
}

test('the complete reader marks bare nulls', () => {
  const r = parseComplete(TEXT, 'x.yaml');
  check((r.value![0].value as JsonObject).spec as JsonObject);
});

test('the fast reader marks bare nulls', () => {
  const docs = fastParse(TEXT.replace('  commented: # nothing here\n', '  commented:\n'));
  assert.ok(docs, 'fast path handles the text');
  const spec = (docs![0].value as JsonObject).spec as JsonObject;
  assert.ok(isBareNull(spec, 'bare'));
  assert.ok(isBareNull(spec, 'commented'));
  assert.not.ok(isBareNull(spec, 'word'));
  assert.ok(isBareNull((spec.list as JsonObject[])[0], 'k'));
});

test('an alias copies the marks of its anchor', () => {
  const r = parseComplete('a: &x\n  k:\nb: *x\n', 'x.yaml');
  const v = r.value![0].value as JsonObject;
  assert.ok(isBareNull(v.b as JsonObject, 'k'));
});

test.run();
