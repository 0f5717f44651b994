/**
 * `x-kubernetes-validations` of a CRD schema, evaluated for a create with kforge's CEL
 * (policies/cel: the same environment and Kubernetes libraries as the admission policies):
 * each rule runs with `self` bound to the value at its schema node (object fields, map values
 * and list items are walked); rules that read `oldSelf` are transition rules and do not apply
 * to a create. A rule that does not compile (a syntax error, or a function kforge's CEL does
 * not provide) is reported once per CRD as a note.
 */
import type { Json, JsonObject } from '../../compiler/types.js';
import { compileCel, evalCrdRule, toCel } from '../cel/index.js';
import { esc } from '../util.js';

export interface RuleFailure {
  pointer: string;
  message: string;
}

export interface RuleProblem {
  rule: string;
  why: string;
  /** Set for a runtime error (the API server rejects the object); unset when kforge cannot evaluate the rule. */
  pointer?: string;
}

function obj(x: Json | undefined): JsonObject | undefined {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? x : undefined;
}

/** Why a rule does not compile: a function kforge's CEL lacks is named as such. */
function compileProblem(message: string): string {
  const m = /undeclared reference to '([^']+)': no such function/.exec(message);
  return m ? `uses ${m[1]}, which kforge's CEL does not provide` : `does not compile: ${message}`;
}

/** Walks schema and value together; failures in document order. */
export function checkRules(schema: JsonObject, value: Json | undefined, pointer = '', out: { failures: RuleFailure[]; problems: RuleProblem[] } = { failures: [], problems: [] }): { failures: RuleFailure[]; problems: RuleProblem[] } {
  if (value === undefined || value === null) return out;
  const rules = schema['x-kubernetes-validations'];
  if (Array.isArray(rules)) {
    for (const r of rules) {
      const ro = obj(r);
      const rule = typeof ro?.rule === 'string' ? ro.rule : undefined;
      if (!ro || !rule) continue;
      const res = evalCrdRule(rule, value);
      if (res.transition) continue;
      if (res.compileError) {
        out.problems.push({ rule, why: compileProblem(res.compileError.message) });
        continue;
      }
      if (res.error !== undefined) {
        out.problems.push({ rule, why: res.error, pointer });
        continue;
      }
      if (res.passed) continue;
      let message = typeof ro.message === 'string' && ro.message ? ro.message : `failed rule: ${rule}`;
      if (typeof ro.messageExpression === 'string') {
        const c = compileCel(ro.messageExpression, ['self']);
        const m = c.program?.eval({ self: toCel(value) });
        if (m?.ok && typeof m.value === 'string' && m.value.trim()) message = m.value;
      }
      let p = pointer;
      if (typeof ro.fieldPath === 'string' && /^(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(ro.fieldPath)) p += ro.fieldPath.split('.').slice(1).map((s) => '/' + esc(s)).join('');
      out.failures.push({ pointer: p, message });
    }
  }
  const vo = obj(value);
  const props = obj(schema.properties);
  if (vo && props) for (const [k, s] of Object.entries(props)) if (obj(s) && vo[k] !== undefined) checkRules(obj(s)!, vo[k], `${pointer}/${esc(k)}`, out);
  const addl = obj(schema.additionalProperties);
  if (vo && addl) for (const [k, v] of Object.entries(vo)) if (!props || !(k in props)) checkRules(addl, v, `${pointer}/${esc(k)}`, out);
  const items = obj(schema.items);
  if (Array.isArray(value) && items) value.forEach((v, i) => checkRules(items, v, `${pointer}/${i}`, out));
  return out;
}
