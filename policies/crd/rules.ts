/**
 * `x-kubernetes-validations` of a CRD schema, evaluated with the admission policies' CEL for a
 * create: each rule runs with `self` bound to the value at its schema node (object fields,
 * map values and list items are walked); rules that read `oldSelf` are transition rules and do
 * not apply to a create. A rule whose CEL does not compile or calls an unsupported function is
 * reported once per CRD as a note.
 */
import type { Json, JsonObject } from '../../compiler/types.js';
import { compileCel, evalCel, toCel } from '../checks/admission.js';
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

/** Walks schema and value together; failures in document order. */
export function checkRules(schema: JsonObject, value: Json | undefined, pointer = '', out: { failures: RuleFailure[]; problems: RuleProblem[] } = { failures: [], problems: [] }): { failures: RuleFailure[]; problems: RuleProblem[] } {
  if (value === undefined || value === null) return out;
  const rules = schema['x-kubernetes-validations'];
  if (Array.isArray(rules)) {
    for (const r of rules) {
      const ro = obj(r);
      const rule = typeof ro?.rule === 'string' ? ro.rule : undefined;
      if (!ro || !rule || /\boldSelf\b/.test(rule)) continue;
      if ('error' in compileCel(rule)) {
        out.problems.push({ rule, why: 'does not compile' });
        continue;
      }
      const res = evalCel(rule, { self: toCel(value) });
      if (!res.ok) {
        out.problems.push(res.unsupported ? { rule, why: `uses ${res.unsupported}, which kforge's CEL does not provide` } : { rule, why: res.error, pointer });
        continue;
      }
      if (res.value === true) continue;
      let message = typeof ro.message === 'string' && ro.message ? ro.message : `failed rule: ${rule}`;
      if (typeof ro.messageExpression === 'string') {
        const m = evalCel(ro.messageExpression, { self: toCel(value) });
        if (m.ok && typeof m.value === 'string' && m.value.trim()) message = m.value;
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
