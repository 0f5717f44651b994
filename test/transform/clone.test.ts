import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cloneJson } from '../../compiler/transform/clone.js';
import type { JsonObject } from '../../compiler/types.js';

test('cloneJson: the same tree as structuredClone (key order, integer-like keys, nesting), sharing nothing with the input', () => {
  const v = JSON.parse('{"b":1,"a":[1,"x",null,true,{"z":{"y":[[]]},"10":2,"2":3}],"e":{},"f":-0.5,"s":"\\u0085"}') as JsonObject;
  const c = cloneJson(v);
  assert.equal(c, structuredClone(v));
  assert.is(JSON.stringify(c), JSON.stringify(v));
  assert.equal(Object.keys(c), Object.keys(v));
  assert.is.not(c.a, v.a);
  ((c.a as JsonObject[])[4].z as JsonObject).y = 'changed';
  assert.equal(((v.a as JsonObject[])[4].z as JsonObject).y, [[]]);
  for (const x of [null, 1, 'a', true]) assert.is(cloneJson(x), x);
});

test('cloneJson: a __proto__ key stays an own property and does not change the prototype', () => {
  const v: JsonObject = {};
  Object.defineProperty(v, '__proto__', { value: { polluted: 'yes' }, enumerable: true, writable: true, configurable: true });
  const c = cloneJson(v);
  assert.is(Object.getPrototypeOf(c), Object.prototype);
  assert.ok(Object.prototype.hasOwnProperty.call(c, '__proto__'));
  assert.equal(Object.getOwnPropertyDescriptor(c, '__proto__')?.value, { polluted: 'yes' });
  assert.is((c as { polluted?: string }).polluted, undefined);
});

test.run();
