/**
 * The CEL environment of policies/cel (the standard library, the strings extension and the
 * Kubernetes libraries on top) against the CEL conformance suite shipped in
 * @bufbuild/cel-spec: every test of the suites below whose result is a scalar value and that
 * needs no bindings, type environment or container. Adding the Kubernetes functions must not
 * change a standard result. The only expected differences: kforge rejects undeclared names
 * at compile time (as cel-go does with a type checker), where the suite expects a runtime error.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getConformanceSuite } from '@bufbuild/cel-spec/testdata/tests.js';
import { compileCel } from '../../../policies/cel/index.js';

const SUITES = new Set(['basic', 'comparisons', 'integer_math', 'lists', 'logic', 'macros', 'string', 'string_ext']);
const EXPECTED_DIFFERENCES = ['basic/functions/unbound_is_runtime_error', 'basic/variables/unbound_is_runtime_error'];

interface Suite {
  name: string;
  suites?: Suite[];
  tests?: { original: any }[];
}

test('conformance: standard library and strings extension results unchanged by the Kubernetes libraries', () => {
  const fails: string[] = [];
  let ran = 0;
  const walk = (x: Suite, path: string[]): void => {
    for (const t of x.tests ?? []) {
      const o = t.original;
      if (!SUITES.has(path[0])) continue;
      if (Object.keys(o.bindings ?? {}).length || (o.typeEnv ?? []).length || o.container) continue;
      const rm = o.resultMatcher;
      if (rm?.case !== 'value') continue;
      const k = rm.value.kind;
      if (!['stringValue', 'int64Value', 'boolValue', 'doubleValue'].includes(k.case)) continue;
      ran++;
      const c = compileCel(o.expr, []);
      const r = c.program?.eval({});
      const ok = r?.ok === true && (r.value === k.value || (typeof r.value === 'number' && Number.isNaN(r.value) && Number.isNaN(k.value)));
      if (!ok) fails.push([...path, o.name].join('/'));
    }
    for (const y of x.suites ?? []) walk(y, [...path, y.name]);
  };
  for (const s of (getConformanceSuite() as unknown as Suite).suites ?? []) walk(s, [s.name]);
  assert.ok(ran > 500, `ran ${ran} conformance tests`);
  assert.equal(fails.sort(), EXPECTED_DIFFERENCES);
});

test.run();
