/**
 * ValidatingAdmissionPolicy, evaluated offline as the API server would for a CREATE of each
 * rendered object. Policies, bindings and params come from the rendered tree and from
 * `policies/admission/*.yaml`. CEL is @bufbuild/cel (standard library + the strings extension);
 * Kubernetes' own libraries (quantity, url, ip, regex find, lists, authorizer) are not there:
 * an expression that calls them is not evaluated, and a KF4114 note says so.
 */
import { celEnv, isCelError, parse, plan, type CelEnv } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import type { Json, JsonObject, Resource } from '../../compiler/types.js';
import type { Check, CheckContext, RawFinding } from '../types.js';
import { arr, at, labelSelectorMatches, obj, str, strMap } from '../util.js';
import { crdIndex } from '../crd/index.js';
import { CLUSTER_SCOPED } from './namespace-consistency.js';

type Program = (vars: Record<string, unknown>) => unknown;

let env: CelEnv | undefined;
const PROGRAMS = new Map<string, Program | { error: string }>();

/** Parses and plans a CEL expression once (cached by text); a syntax error is returned, never thrown. */
export function compileCel(expr: string): Program | { error: string } {
  const hit = PROGRAMS.get(expr);
  if (hit) return hit;
  env ??= celEnv({ funcs: strings });
  let res: Program | { error: string };
  try {
    res = plan(env, parse(expr)) as unknown as Program;
  } catch (e) {
    res = { error: (e as Error).message.split('\n')[0] };
  }
  PROGRAMS.set(expr, res);
  return res;
}

const CONVERTED = new WeakMap<object, unknown>();

/** JSON → CEL input: integers become int (bigint), other numbers double. */
export function toCel(x: Json | undefined): unknown {
  if (x === undefined || x === null) return null;
  if (typeof x === 'number') return Number.isInteger(x) ? BigInt(x) : x;
  if (typeof x !== 'object') return x;
  const hit = CONVERTED.get(x);
  if (hit !== undefined) return hit;
  const out = Array.isArray(x) ? x.map(toCel) : Object.fromEntries(Object.entries(x).map(([k, v]) => [k, toCel(v)]));
  CONVERTED.set(x, out);
  return out;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: string; unsupported?: string };

export function evalCel(expr: string, vars: Record<string, unknown>): Outcome {
  const p = compileCel(expr);
  if ('error' in p) return { ok: false, error: p.error };
  let v: unknown;
  try {
    v = p(vars);
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
  if (isCelError(v)) {
    const m = /unbound function: (\S+)/.exec(v.message);
    return { ok: false, error: v.message, ...(m ? { unsupported: m[1] } : {}) };
  }
  return { ok: true, value: v };
}

const IRREGULAR: Record<string, string> = { Endpoints: 'endpoints', PodSecurityPolicy: 'podsecuritypolicies' };

/** The resource (plural) of a kind: the CRD's names.plural, else the API server's default pluralisation. */
export function pluralOf(ctx: CheckContext, r: Resource): string {
  const crd = crdIndex(ctx).byGroupKind.get(`${r.id.group}|${r.id.kind}`);
  if (crd) return crd.plural;
  const k = r.id.kind;
  if (IRREGULAR[k]) return IRREGULAR[k];
  const l = k.toLowerCase();
  if (/(s|x|z|ch|sh)$/.test(l)) return l + 'es';
  if (/[^aeiou]y$/.test(l)) return l.slice(0, -1) + 'ies';
  return l + 's';
}

function listHas(list: Json | undefined, v: string): boolean {
  const l = arr(list).map(String);
  return l.includes('*') || l.includes(v);
}

function ruleMatches(rule: Json, r: Resource, plural: string, namespaced: boolean): boolean {
  const ro = obj(rule);
  if (!ro) return false;
  if (!listHas(ro.apiGroups, r.id.group) || !listHas(ro.apiVersions, r.id.version)) return false;
  if (!arr(ro.operations).some((o) => o === '*' || o === 'CREATE')) return false;
  const res = arr(ro.resources).map(String);
  if (!res.some((x) => x === '*' || x === plural || x === '*/*')) return false;
  const scope = str(ro.scope) ?? '*';
  if (scope === 'Namespaced' && !namespaced) return false;
  if (scope === 'Cluster' && namespaced) return false;
  const names = arr(ro.resourceNames).map(String);
  return names.length === 0 || names.includes(r.id.name);
}

function selectorOk(sel: Json | undefined, labels: Record<string, string>): boolean {
  const so = obj(sel);
  if (!so || (Object.keys(strMap(so.matchLabels)).length === 0 && arr(so.matchExpressions).length === 0)) return true; // empty selector: everything
  return labelSelectorMatches(so, labels);
}

/** Whether a MatchResources (policy matchConstraints or binding matchResources) selects a CREATE of `r`. */
function matchResources(ctx: CheckContext, m: JsonObject | undefined, r: Resource, plural: string, required: boolean): boolean {
  if (!m) return !required;
  const namespaced = !CLUSTER_SCOPED.has(r.id.kind) && r.id.namespace !== undefined;
  const rules = arr(m.resourceRules);
  if (rules.length === 0 ? required : !rules.some((x) => ruleMatches(x, r, plural, namespaced))) return false;
  if (arr(m.excludeResourceRules).some((x) => ruleMatches(x, r, plural, namespaced))) return false;
  if (namespaced) {
    const ns = ctx.get('Namespace', 'default', r.id.namespace!);
    const labels = { ...strMap(at(ns?.object, 'metadata', 'labels')), 'kubernetes.io/metadata.name': r.id.namespace! };
    if (!selectorOk(m.namespaceSelector, labels)) return false;
  }
  return selectorOk(m.objectSelector, strMap(at(r.object, 'metadata', 'labels')));
}

/** The pointer of the deepest existing field an expression reads as object.a.b.c (else undefined). */
export function fieldRead(expr: string, o: JsonObject): string | undefined {
  let best: string | undefined;
  for (const m of expr.matchAll(/\bobject((?:\??\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) {
    const segs = m[1].split('.').map((s) => s.replace(/\?$/, '')).filter(Boolean);
    let cur: Json | undefined = o;
    let p = '';
    for (const s of segs) {
      const next: Json | undefined = obj(cur)?.[s];
      if (next === undefined) break;
      p += '/' + s;
      cur = next;
    }
    if (p && (!best || p.length > best.length)) best = p;
  }
  return best;
}

const ADMISSION_GROUP = 'admissionregistration.k8s.io';

export const admissionPolicy: Check = {
  id: 'admission-policy',
  title: 'Rejected by a ValidatingAdmissionPolicy',
  doc: 'The cluster\'s ValidatingAdmissionPolicies (in the rendered tree and in policies/admission/*.yaml) are evaluated offline for a CREATE of each rendered object: matchConstraints and binding matchResources (resource rules by group, version and plural, excludeResourceRules, namespaceSelector against the tree\'s Namespaces, objectSelector), matchConditions, variables, params (paramKind, paramRef by name or selector), validations with message or messageExpression. Deny is an error, Warn a warning, Audit a note. CEL: the standard library and the strings extension.',
  hint: 'Change the object so that the policy admits it (the message says what the policy wants).',
  defaultSeverity: { dev: 'error', staging: 'error', prod: 'error' },
  run(ctx) {
    const all = [...ctx.resources, ...ctx.admission].filter((r) => r.id.group === ADMISSION_GROUP);
    const policies = new Map<string, Resource>();
    for (const p of all) if (p.id.kind === 'ValidatingAdmissionPolicy' && !policies.has(p.id.name)) policies.set(p.id.name, p);
    const bindings = all.filter((b) => b.id.kind === 'ValidatingAdmissionPolicyBinding');
    const out: RawFinding[] = [];
    if (bindings.length === 0) return out;
    const paramPool = [...ctx.resources, ...ctx.admission];
    // resources by `${group}|${plural}`, plurals computed once
    const plurals = new Map<Resource, string>();
    const byGroupResource = new Map<string, Resource[]>();
    for (const r of ctx.resources) {
      if (r.id.group === ADMISSION_GROUP) continue;
      const pl = pluralOf(ctx, r);
      plurals.set(r, pl);
      const k = `${r.id.group}|${pl}`;
      const l = byGroupResource.get(k);
      if (l) l.push(r);
      else byGroupResource.set(k, [r]);
    }
    const order = new Map(ctx.resources.map((r, i) => [r, i]));
    /** The resources a policy's resourceRules can match (all of them when a rule uses '*'). */
    const candidates = (m: JsonObject | undefined): Iterable<Resource> => {
      const rules = arr(m?.resourceRules);
      const keys: string[] = [];
      for (const rule of rules) {
        const groups = arr(at(rule, 'apiGroups')).map(String);
        const res = arr(at(rule, 'resources')).map(String);
        if (groups.includes('*') || res.some((x) => x.includes('*'))) return plurals.keys();
        for (const g of groups) for (const x of res) keys.push(`${g}|${x.split('/')[0]}`);
      }
      const set = new Set<Resource>();
      for (const k of keys) for (const r of byGroupResource.get(k) ?? []) set.add(r);
      return [...set].sort((a, b) => order.get(a)! - order.get(b)!);
    };
    const namespaceObjects = new Map(ctx.ofKind('Namespace').map((n) => [n.id.name, n]));
    const where = (r: Resource) => r.origin?.location;
    for (const b of bindings) {
      const policyName = str(at(b.object, 'spec', 'policyName')) ?? '';
      const policy = policies.get(policyName);
      if (!policy) {
        ctx.note('KF4114', `ValidatingAdmissionPolicyBinding ${b.id.name} names policy ${policyName}, which is neither rendered nor in policies/admission`, where(b), 'warning');
        continue;
      }
      const spec = obj(policy.object.spec) ?? {};
      const actions = arr(at(b.object, 'spec', 'validationActions')).map(String);
      if (actions.length === 0) continue;
      const failClosed = str(spec.failurePolicy) !== 'Ignore';
      const pname = `ValidatingAdmissionPolicy ${policy.id.name}, binding ${b.id.name}`;
      // compile everything once, reporting what does not compile at the policy
      const exprs: string[] = [
        ...arr(spec.matchConditions).map((c) => str(at(c, 'expression')) ?? ''),
        ...arr(spec.variables).map((v) => str(at(v, 'expression')) ?? ''),
        ...arr(spec.validations).flatMap((v) => [str(at(v, 'expression')) ?? '', ...(str(at(v, 'messageExpression')) ? [str(at(v, 'messageExpression'))!] : [])]),
      ];
      const broken = exprs.map((e) => ({ e, c: compileCel(e) })).filter((x) => 'error' in x.c);
      if (broken.length) {
        for (const x of broken) ctx.note('KF4114', `ValidatingAdmissionPolicy ${policy.id.name}: expression ${JSON.stringify(x.e)} does not compile: ${(x.c as { error: string }).error}`, where(policy), 'warning');
        continue;
      }
      // params
      const paramKind = obj(spec.paramKind);
      const paramRef = obj(at(b.object, 'spec', 'paramRef'));
      let paramSets: (Resource | undefined)[] = [undefined];
      let paramsMissing = false;
      if (paramKind) {
        const [pg, pv] = (str(paramKind.apiVersion) ?? '').includes('/') ? (str(paramKind.apiVersion) ?? '').split('/') : ['', str(paramKind.apiVersion) ?? ''];
        const pk = str(paramKind.kind) ?? '';
        const cands = paramPool.filter((r) => r.id.kind === pk && r.id.group === pg && r.id.version === pv);
        const name = str(paramRef?.name);
        const pns = str(paramRef?.namespace);
        const sel = obj(paramRef?.selector);
        const found = cands.filter((r) => (name ? r.id.name === name : sel ? selectorOk(sel, strMap(at(r.object, 'metadata', 'labels'))) : false) && (pns === undefined || r.id.namespace === pns));
        if (found.length > 0) paramSets = found;
        else paramsMissing = true;
      }
      for (const r of candidates(obj(spec.matchConstraints))) {
        const plural = plurals.get(r)!;
        if (!matchResources(ctx, obj(spec.matchConstraints), r, plural, true)) continue;
        if (!matchResources(ctx, obj(at(b.object, 'spec', 'matchResources')), r, plural, false)) continue;
        const report = (message: string, pointer: string | undefined) => {
          for (const a of actions) {
            if (a === 'Deny') out.push({ resource: r, message, ...(pointer ? { pointer } : {}) });
            else if (a === 'Warn') out.push({ resource: r, message, severity: 'warning', ...(pointer ? { pointer } : {}) });
            else if (a === 'Audit') ctx.note('KF4114', `audit: ${r.id.kind} ${r.id.namespace ? r.id.namespace + '/' : ''}${r.id.name}: ${message}`, ctx.locate(r, pointer), 'info');
          }
        };
        if (paramsMissing) {
          if ((str(paramRef?.parameterNotFoundAction) ?? 'Deny') === 'Deny') report(`no params for ${pname} (${str(paramKind?.kind)} ${str(paramRef?.name) ?? 'by selector'} is not rendered): the API server denies the request`, undefined);
          continue;
        }
        const object = toCel(r.object);
        const nsObj = r.id.namespace ? namespaceObjects.get(r.id.namespace) : undefined;
        const request = {
          operation: 'CREATE',
          kind: { group: r.id.group, version: r.id.version, kind: r.id.kind },
          resource: { group: r.id.group, version: r.id.version, resource: plural },
          name: r.id.name,
          namespace: r.id.namespace ?? '',
          userInfo: { username: 'kforge', groups: [] },
          dryRun: false,
        };
        for (const p of paramSets) {
          const vars: Record<string, unknown> = { object, oldObject: null, request, params: p ? toCel(p.object) : null, namespaceObject: nsObj ? toCel(nsObj.object) : null, variables: {} };
          const failed = (what: string, o: Outcome & { ok: false }) => {
            if (o.unsupported) ctx.note('KF4114', `ValidatingAdmissionPolicy ${policy.id.name}: ${what} uses ${o.unsupported}, which kforge's CEL does not provide; not evaluated`, where(policy), 'info');
            else if (failClosed) report(`${pname}: ${what} failed: ${o.error} (failurePolicy Fail)`, undefined);
          };
          let skip = false;
          for (const c of arr(spec.matchConditions)) {
            const e = str(at(c, 'expression')) ?? '';
            const o = evalCel(e, vars);
            if (!o.ok) {
              failed(`matchCondition ${str(at(c, 'name')) ?? e}`, o);
              skip = true;
              break;
            }
            if (o.value !== true) {
              skip = true;
              break;
            }
          }
          if (skip) continue;
          const variables: Record<string, unknown> = {};
          vars.variables = variables;
          for (const v of arr(spec.variables)) {
            const o = evalCel(str(at(v, 'expression')) ?? '', vars);
            if (o.ok) variables[str(at(v, 'name')) ?? ''] = o.value;
          }
          for (const v of arr(spec.validations)) {
            const e = str(at(v, 'expression')) ?? '';
            const o = evalCel(e, vars);
            if (!o.ok) {
              failed(`validation ${JSON.stringify(e)}`, o);
              continue;
            }
            if (o.value === true) continue;
            let message = str(at(v, 'message')) ?? `failed expression: ${e}`;
            const me = str(at(v, 'messageExpression'));
            if (me) {
              const mo = evalCel(me, vars);
              if (mo.ok && typeof mo.value === 'string' && mo.value.trim() !== '') message = mo.value;
            }
            const reads = e + ' ' + arr(spec.variables).filter((x) => e.includes(`variables.${str(at(x, 'name'))}`)).map((x) => str(at(x, 'expression')) ?? '').join(' ');
            report(`${message} (${pname})`, fieldRead(reads, r.object));
          }
        }
      }
    }
    return out;
  },
};
