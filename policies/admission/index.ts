/**
 * ValidatingAdmissionPolicy, evaluated offline: for each rendered object, what the API server
 * would decide for its CREATE under the admissionregistration.k8s.io/v1 policies and bindings
 * found in the tree and in the repository's `policies/admission/*.yaml`.
 *
 * Matching: policy `matchConstraints` and binding `matchResources` (both must match: resource
 * rules by group, version, resource plural, operation CREATE or `*`, scope and resourceNames;
 * `excludeResourceRules`; `namespaceSelector` against the tree's Namespace objects — a namespace
 * the tree does not create has only its `kubernetes.io/metadata.name` label, as the API server
 * gives every namespace —; `objectSelector`; `matchPolicy: Equivalent` also matches the other
 * versions of the group and the apps/extensions and networking/extensions aliases), then
 * params (`paramKind` + `paramRef` name / selector / namespace, `parameterNotFoundAction`),
 * then `matchConditions`, then `validations` with `variables` computed lazily.
 * Actions: Deny → error finding, Warn → warning finding, Audit → note (KF4122).
 * `failurePolicy` (default Fail) applies to evaluation errors and params misconfiguration;
 * an expression that does not compile is KF4121 at its line and is left out.
 * `auditAnnotations` are ignored; `authorizer` is not available offline.
 */
import * as path from 'node:path';
import type { Diagnostic, Json, JsonObject, Resource, SourceLocation } from '../../compiler/types.js';
import { apiVersionOf, splitApiVersion } from '../../compiler/types.js';
import type { Check, CheckContext, RawFinding } from '../types.js';
import { arr, at, esc, labelSelectorMatches, obj, str, strMap } from '../util.js';
import { compileCel, lazyVariables, toCel, type CelProgram } from '../cel/index.js';
import { crdIndex, resourceOf, type ResourceInfo } from './resources.js';
import { loadAdmissionDir, repoRootOf } from './load.js';

export { loadAdmissionDir, repoRootOf, looseResource } from './load.js';
export { resourceOf, crdIndex } from './resources.js';

export const ADMISSION_CHECK_ID = 'admission-policy';
const GROUP = 'admissionregistration.k8s.io';
const VARS = ['object', 'oldObject', 'request', 'params', 'namespaceObject', 'variables'];

interface Expr {
  program?: CelProgram;
  expression: string;
  pointer: string;
}
interface Validation {
  expr: Expr;
  message?: string;
  messageExpr?: Expr;
  reason: string;
}
interface Policy {
  res: Resource;
  name: string;
  spec: JsonObject;
  failOnError: boolean;
  paramKind?: { group: string; kind: string };
  matchConditions: { name: string; expr: Expr }[];
  variables: Map<string, Expr>;
  variableNames: string[];
  validations: Validation[];
}
interface Binding {
  res: Resource;
  name: string;
  policy: Policy;
  actions: string[];
  paramRef?: JsonObject;
  matchResources?: JsonObject;
}

function diagAt(code: string, severity: 'error' | 'warning' | 'info', message: string, location: SourceLocation | undefined, hint?: string, r?: Resource, pointer?: string): Diagnostic {
  return { code, severity, message, ...(hint ? { hint } : {}), ...(location ? { location } : {}), ...(r ? { resource: r.id } : {}), ...(pointer !== undefined ? { pointer } : {}) };
}

/**
 * Where an expression is written. A multi-line expression is a literal block scalar (`|`): its
 * text starts on the line after the key, so the error's line inside it is added to the key's.
 */
function exprLocation(ctx: CheckContext, r: Resource, pointer: string, expression: string, line: number, column: number): SourceLocation | undefined {
  const loc = ctx.locate(r, pointer);
  if (!loc) return undefined;
  return expression.includes('\n') ? { file: loc.file, line: loc.line + line, column } : loc;
}

function compile(ctx: CheckContext, r: Resource, kind: string, name: string, expression: Json | undefined, pointer: string, variables: readonly string[], ds: Diagnostic[]): Expr | undefined {
  if (typeof expression !== 'string' || expression.trim() === '') {
    ds.push(diagAt('KF4120', 'error', `${kind} ${name}: ${pointer} has no expression`, ctx.locate(r, pointer), 'write a CEL expression', r, pointer));
    return undefined;
  }
  const c = compileCel(expression, variables);
  if (c.error) {
    const hint = /'authorizer'/.test(c.error.message)
      ? 'authorizer checks need the cluster; kforge cannot evaluate them offline'
      : /'params'/.test(c.error.message)
        ? 'params are available only when the policy sets paramKind'
        : 'fix the expression (CEL syntax and the Kubernetes CEL libraries kforge supports are listed in README)';
    ds.push(diagAt('KF4121', 'error', `${kind} ${name}: CEL expression at ${pointer} does not compile: ${c.error.message} (line ${c.error.line}, column ${c.error.column} of the expression)`, exprLocation(ctx, r, pointer, expression, c.error.line, c.error.column), hint, r, pointer));
    return { expression, pointer };
  }
  return { program: c.program, expression, pointer };
}

function parsePolicy(ctx: CheckContext, r: Resource, ds: Diagnostic[]): Policy | undefined {
  const name = r.id.name;
  const spec = obj(r.object.spec) ?? {};
  const fp = str(spec.failurePolicy) ?? 'Fail';
  const pk = obj(spec.paramKind);
  const paramKind = pk && str(pk.kind) ? { group: splitApiVersion(str(pk.apiVersion) ?? '').group, kind: str(pk.kind) as string } : undefined;
  const vars = paramKind ? VARS : VARS.filter((v) => v !== 'params');
  const p: Policy = { res: r, name, spec, failOnError: fp !== 'Ignore', ...(paramKind ? { paramKind } : {}), matchConditions: [], variables: new Map(), variableNames: [], validations: [] };
  if (!obj(spec.matchConstraints)) {
    ds.push(diagAt('KF4120', 'warning', `ValidatingAdmissionPolicy ${name} has no spec.matchConstraints: it matches nothing`, ctx.locate(r, '/spec'), 'add matchConstraints.resourceRules', r, '/spec'));
  }
  const K = 'ValidatingAdmissionPolicy';
  arr(spec.matchConditions).forEach((m, i) => {
    const e = compile(ctx, r, K, name, obj(m)?.expression, `/spec/matchConditions/${i}/expression`, vars.filter((v) => v !== 'variables'), ds);
    if (e) p.matchConditions.push({ name: str(obj(m)?.name) ?? String(i), expr: e });
  });
  arr(spec.variables).forEach((v) => {
    const n = str(obj(v)?.name);
    if (n) p.variableNames.push(n);
  });
  arr(spec.variables).forEach((v, i) => {
    const n = str(obj(v)?.name);
    if (!n) return;
    const e = compile(ctx, r, K, name, obj(v)?.expression, `/spec/variables/${i}/expression`, vars, ds);
    if (e) p.variables.set(n, e);
  });
  arr(spec.validations).forEach((v, i) => {
    const vo = obj(v) ?? {};
    const e = compile(ctx, r, K, name, vo.expression, `/spec/validations/${i}/expression`, vars, ds);
    if (!e) return;
    const me = vo.messageExpression !== undefined ? compile(ctx, r, K, name, vo.messageExpression, `/spec/validations/${i}/messageExpression`, vars, ds) : undefined;
    p.validations.push({ expr: e, ...(str(vo.message) ? { message: str(vo.message) } : {}), ...(me ? { messageExpr: me } : {}), reason: str(vo.reason) ?? 'Invalid' });
  });
  return p;
}

// --- matching ---------------------------------------------------------------------------

interface Target {
  r: Resource;
  group: string;
  version: string;
  info: ResourceInfo;
  namespace: string | undefined;
  labels: Record<string, string>;
  /** group|version|resource|scope: what resource rules look at. */
  key: string;
  /** object, oldObject, request, namespaceObject: built on the first evaluation. */
  bindings?: Record<string, unknown>;
}

const EQUIVALENT: Record<string, string[]> = {
  'apps|deployments': ['extensions|deployments'],
  'apps|daemonsets': ['extensions|daemonsets'],
  'apps|replicasets': ['extensions|replicasets'],
  'networking.k8s.io|ingresses': ['extensions|ingresses'],
  'networking.k8s.io|networkpolicies': ['extensions|networkpolicies'],
  'policy|podsecuritypolicies': ['extensions|podsecuritypolicies'],
};
for (const [k, vs] of Object.entries(EQUIVALENT)) for (const v of vs) (EQUIVALENT[v] ??= []).push(k);

function has(list: Json | undefined, v: string): boolean {
  return arr(list).some((x) => x === '*' || x === v);
}

function ruleMatches(rule: JsonObject, t: Target, equivalent: boolean): boolean {
  const ops = arr(rule.operations);
  if (!ops.some((o) => o === '*' || o === 'CREATE')) return false;
  const scope = str(rule.scope) ?? '*';
  if (scope === 'Cluster' && !t.info.clusterScoped) return false;
  if (scope === 'Namespaced' && t.info.clusterScoped) return false;
  const names = arr(rule.resourceNames);
  if (names.length && !names.includes(t.r.id.name)) return false;
  const resourceOk = (res: string): boolean => arr(rule.resources).some((x) => x === '*' || x === '*/*' || x === res);
  if (has(rule.apiGroups, t.group) && has(rule.apiVersions, t.version) && resourceOk(t.info.resource)) return true;
  if (!equivalent) return false;
  // matchPolicy Equivalent: the same resource under another version or an aliased group.
  if (has(rule.apiGroups, t.group) && resourceOk(t.info.resource)) return true;
  for (const alt of EQUIVALENT[`${t.group}|${t.info.resource}`] ?? []) {
    const [g, res] = alt.split('|');
    if (has(rule.apiGroups, g) && resourceOk(res)) return true;
  }
  return false;
}

function selectorOk(sel: Json | undefined, labels: Record<string, string>): boolean {
  const s = obj(sel);
  if (!s || (Object.keys(strMap(s.matchLabels)).length === 0 && arr(s.matchExpressions).length === 0)) return true;
  return labelSelectorMatches(s, labels);
}

/** MatchResources (a policy's matchConstraints, a binding's matchResources) against a CREATE of the target. */
function rulesMatch(m: JsonObject, t: Target, requireRules: boolean): boolean {
  const equivalent = (str(m.matchPolicy) ?? 'Equivalent') === 'Equivalent';
  const rules = arr(m.resourceRules).map(obj).filter((x): x is JsonObject => !!x);
  if (rules.length || requireRules) {
    if (!rules.some((rule) => ruleMatches(rule, t, equivalent))) return false;
  }
  for (const x of arr(m.excludeResourceRules)) {
    const rule = obj(x);
    if (rule && ruleMatches(rule, t, equivalent)) return false;
  }
  return true;
}

/** Rule results by group, version, resource and scope (rules without resourceNames depend on nothing else). */
const ruleCache = new WeakMap<JsonObject, { byName: boolean; hits: Map<string, boolean> }>();

function matchResources(m: JsonObject, t: Target, nsLabels: (ns: string) => Record<string, string>, requireRules: boolean): boolean {
  let c = ruleCache.get(m);
  if (!c) {
    const byName = [...arr(m.resourceRules), ...arr(m.excludeResourceRules)].some((x) => arr(obj(x)?.resourceNames).length > 0);
    ruleCache.set(m, (c = { byName, hits: new Map() }));
  }
  if (c.byName) {
    if (!rulesMatch(m, t, requireRules)) return false;
  } else {
    let hit = c.hits.get(t.key);
    if (hit === undefined) c.hits.set(t.key, (hit = rulesMatch(m, t, requireRules)));
    if (!hit) return false;
  }
  if (m.namespaceSelector !== undefined) {
    // A Namespace is matched on its own labels; other cluster-scoped objects are never skipped.
    if (t.r.id.kind === 'Namespace' && t.group === '') {
      if (!selectorOk(m.namespaceSelector, { ...t.labels, 'kubernetes.io/metadata.name': t.r.id.name })) return false;
    } else if (!t.info.clusterScoped && t.namespace !== undefined) {
      if (!selectorOk(m.namespaceSelector, nsLabels(t.namespace))) return false;
    }
  }
  if (m.objectSelector !== undefined && !selectorOk(m.objectSelector, t.labels)) return false;
  return true;
}

/**
 * The field an expression reads, as a JSON pointer: of its `object.a.b[0]…` paths, the existing
 * prefix that goes deepest into the object (the first one on a tie); `object.kind` and
 * `object.apiVersion` do not count (they say which branch, not what is wrong).
 */
export function pointerOfExpression(expression: string, object: JsonObject): string | undefined {
  let best: string | undefined;
  let bestDepth = 0;
  const re = /(?<![A-Za-z0-9_.])object((?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*|\s*\[\s*(?:'[^']*'|"[^"]*"|[0-9]+)\s*\])+)/g;
  for (const m of expression.matchAll(re)) {
    const segs: string[] = [];
    for (const s of m[1].matchAll(/\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*(?:'([^']*)'|"([^"]*)"|([0-9]+))\s*\]/g)) segs.push(s[1] ?? s[2] ?? s[3] ?? s[4]);
    let cur: Json | undefined = object;
    let ptr = '';
    let depth = 0;
    for (const s of segs) {
      let next: Json | undefined;
      if (Array.isArray(cur)) next = /^[0-9]+$/.test(s) ? cur[Number(s)] : undefined;
      else if (cur && typeof cur === 'object') next = Object.prototype.hasOwnProperty.call(cur, s) ? cur[s] : undefined;
      if (next === undefined) break;
      ptr += '/' + esc(s);
      cur = next;
      depth++;
    }
    if (ptr === '/kind' || ptr === '/apiVersion') continue;
    if (depth > bestDepth) {
      best = ptr;
      bestDepth = depth;
    }
  }
  return best;
}

// --- the check --------------------------------------------------------------------------

export interface AdmissionOptions {
  /** Extra policies, bindings and params (e.g. loaded from a folder); default: `<repo>/policies/admission` of the rendered tree. */
  extra?: readonly Resource[];
  /** Diagnostics of loading `extra`. */
  extraDiagnostics?: readonly Diagnostic[];
}

const pending = new WeakMap<CheckContext, Diagnostic[]>();

function isAdmission(r: Resource, kind: string): boolean {
  return r.id.group === GROUP && r.id.version === 'v1' && r.id.kind === kind;
}

/** Runs the admission policies over every rendered object; findings go back, diagnostics wait in `pending`. */
function run(ctx: CheckContext, opts: AdmissionOptions): RawFinding[] {
  const ds: Diagnostic[] = [];
  pending.set(ctx, ds);
  let extra = opts.extra ?? ctx.admission;
  if (!extra) {
    const root = repoRootOf(ctx.resources);
    const loaded = root ? loadAdmissionDir(path.join(root, 'policies', 'admission')) : { resources: [], diagnostics: [] };
    extra = loaded.resources;
    ds.push(...loaded.diagnostics);
  } else if (opts.extra) ds.push(...(opts.extraDiagnostics ?? []));
  const all = [...ctx.resources, ...extra];
  const policies = new Map<string, Policy>();
  for (const r of all) {
    if (!isAdmission(r, 'ValidatingAdmissionPolicy')) continue;
    if (policies.has(r.id.name)) {
      ds.push(diagAt('KF4120', 'error', `ValidatingAdmissionPolicy ${r.id.name} is defined twice`, ctx.locate(r), 'keep one definition (the tree and policies/admission share one cluster)', r));
      continue;
    }
    const p = parsePolicy(ctx, r, ds);
    if (p) policies.set(p.name, p);
  }
  const bindings: Binding[] = [];
  for (const r of all) {
    if (!isAdmission(r, 'ValidatingAdmissionPolicyBinding')) continue;
    const spec = obj(r.object.spec) ?? {};
    const pname = str(spec.policyName);
    const policy = pname ? policies.get(pname) : undefined;
    if (!policy) {
      ds.push(diagAt('KF4120', 'warning', `ValidatingAdmissionPolicyBinding ${r.id.name} binds ${pname ? `policy ${pname}, which is neither in the tree nor in policies/admission` : 'no policy (spec.policyName)'}: it has no effect`, ctx.locate(r, '/spec/policyName'), 'name a ValidatingAdmissionPolicy the tree or policies/admission defines', r, '/spec/policyName'));
      continue;
    }
    const actions = arr(spec.validationActions).filter((a): a is string => typeof a === 'string');
    if (!actions.length) {
      ds.push(diagAt('KF4120', 'error', `ValidatingAdmissionPolicyBinding ${r.id.name} has no validationActions (Deny, Warn, Audit)`, ctx.locate(r, '/spec'), 'set spec.validationActions, e.g. [Deny]', r, '/spec'));
      continue;
    }
    bindings.push({ res: r, name: r.id.name, policy, actions, ...(obj(spec.paramRef) ? { paramRef: obj(spec.paramRef) } : {}), ...(obj(spec.matchResources) ? { matchResources: obj(spec.matchResources) } : {}) });
  }
  if (!bindings.length) return [];
  bindings.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  // Plurals and scopes of the environment's vendored CRDs, then the tree's (which win).
  const crds = crdIndex([...ctx.crds, ...all]);
  const namespaces = new Map<string, Record<string, string>>();
  const nsObjects = new Map<string, Resource>();
  for (const r of ctx.resources) {
    if (r.id.kind === 'Namespace' && r.id.group === '') {
      namespaces.set(r.id.name, { ...strMap(at(r.object, 'metadata', 'labels')), 'kubernetes.io/metadata.name': r.id.name });
      nsObjects.set(r.id.name, r);
    }
  }
  const nsLabels = (ns: string): Record<string, string> => namespaces.get(ns) ?? { 'kubernetes.io/metadata.name': ns };
  const celCache = new Map<Json, unknown>();
  const cel = (o: JsonObject): unknown => {
    let v = celCache.get(o);
    if (v === undefined) celCache.set(o, (v = toCel(o)));
    return v;
  };
  const byGroupKind = new Map<string, Resource[]>();
  for (const r of all) {
    const k = `${r.id.group}|${r.id.kind}`;
    const l = byGroupKind.get(k);
    if (l) l.push(r);
    else byGroupKind.set(k, [r]);
  }
  const u: Universe = { byGroupKind, crds };
  const out: RawFinding[] = [];
  for (const r of ctx.resources) {
    const info = resourceOf(r.id.group, r.id.kind, crds);
    const t: Target = {
      r,
      group: r.id.group,
      version: r.id.version,
      info,
      namespace: info.clusterScoped ? undefined : ctx.ns(r),
      labels: strMap(at(r.object, 'metadata', 'labels')),
      key: `${r.id.group}|${r.id.version}|${info.resource}|${info.clusterScoped}`,
    };
    for (const b of bindings) {
      const mc = obj(b.policy.spec.matchConstraints);
      if (!mc || !matchResources(mc, t, nsLabels, true)) continue;
      if (b.matchResources && !matchResources(b.matchResources, t, nsLabels, false)) continue;
      evaluate(ctx, b, t, u, cel, nsObjects, out, ds);
    }
  }
  return out;
}

interface Universe {
  /** Tree and policies/admission objects by `${group}|${kind}` (params). */
  byGroupKind: ReadonlyMap<string, readonly Resource[]>;
  crds: ReadonlyMap<string, ResourceInfo>;
}

function paramsFor(b: Binding, t: Target, u: Universe): { params: Resource[] } | { error: string } {
  const pk = b.policy.paramKind;
  if (!pk) return { params: [] };
  const ref = b.paramRef;
  if (!ref) return { error: `policy ${b.policy.name} takes params (paramKind ${pk.kind}) but binding ${b.name} has no paramRef` };
  const info = resourceOf(pk.group, pk.kind, u.crds);
  let ns: string | undefined = str(ref.namespace);
  if (!ns && !info.clusterScoped) {
    if (t.namespace === undefined) return { error: `binding ${b.name}: paramRef has no namespace and ${t.r.id.kind} ${t.r.id.name} is cluster-scoped` };
    ns = t.namespace;
  }
  const name = str(ref.name);
  const params = (u.byGroupKind.get(`${pk.group}|${pk.kind}`) ?? []).filter(
    (p) =>
      (info.clusterScoped || (p.id.namespace || 'default') === ns) &&
      (name ? p.id.name === name : selectorOk(ref.selector, strMap(at(p.object, 'metadata', 'labels')))),
  );
  return { params };
}

/** Where a violation goes: Deny and Warn become findings, Audit a note. */
function report(ctx: CheckContext, b: Binding, r: Resource, message: string, pointer: string | undefined, reason: string, out: RawFinding[], ds: Diagnostic[]): void {
  const text = `${message} (ValidatingAdmissionPolicy ${b.policy.name}, binding ${b.name}; ${reason})`;
  for (const a of b.actions) {
    if (a === 'Deny') out.push({ resource: r, message: text, ...(pointer ? { pointer } : {}), hint: hintOf(b.policy) });
    else if (a === 'Warn') out.push({ resource: r, message: text, ...(pointer ? { pointer } : {}), hint: hintOf(b.policy), severity: 'warning' });
    else if (a === 'Audit') ds.push(diagAt('KF4122', 'info', `audit: ${text}`, ctx.locate(r, pointer), undefined, r, pointer));
  }
}

/** An evaluation error, under the policy's failurePolicy. */
function failed(ctx: CheckContext, b: Binding, r: Resource, what: string, error: string, pointer: string | undefined, out: RawFinding[], ds: Diagnostic[]): void {
  const p = b.policy;
  if (p.failOnError) report(ctx, b, r, `${what} failed: ${error}`, pointer, 'failurePolicy Fail', out, ds);
  else ds.push(diagAt('KF4123', 'info', `ValidatingAdmissionPolicy ${p.name}, binding ${b.name}: ${what} failed for ${r.id.kind} ${r.id.name} and is ignored (failurePolicy Ignore): ${error}`, ctx.locate(p.res, pointer ?? '/spec'), undefined, r));
}

function evaluate(
  ctx: CheckContext,
  b: Binding,
  t: Target,
  u: Universe,
  cel: (o: JsonObject) => unknown,
  nsObjects: ReadonlyMap<string, Resource>,
  out: RawFinding[],
  ds: Diagnostic[],
): void {
  const p = b.policy;
  const r = t.r;
  let params: readonly (Resource | null)[] = NO_PARAMS;
  if (p.paramKind) {
    const pr = paramsFor(b, t, u);
    if ('error' in pr) return failed(ctx, b, r, 'params', pr.error, undefined, out, ds);
    params = pr.params;
    if (params.length === 0) {
      const action = str(b.paramRef?.parameterNotFoundAction) ?? 'Deny';
      if (action === 'Allow') return;
      const ref = b.paramRef ?? {};
      const what = str(ref.name) ? `${p.paramKind.kind} ${str(ref.name)}` : `a ${p.paramKind.kind} matching the binding's paramRef selector`;
      return report(ctx, b, r, `no params found: ${what}${t.namespace !== undefined || str(ref.namespace) ? ` in namespace ${str(ref.namespace) ?? t.namespace}` : ''} is not in the tree`, undefined, 'parameterNotFoundAction Deny', out, ds);
    }
  }
  // One bindings object per target, its params and variables set for each evaluation (evaluation is synchronous).
  const bindings = (t.bindings ??= targetBindings(t, cel, nsObjects));
  for (const param of params) {
    bindings.params = param ? cel(param.object) : null;
    if (p.variableNames.length) {
      const own = { ...bindings };
      own.variables = lazyVariables(p.variableNames, (name) => {
        const e = p.variables.get(name);
        if (!e?.program) throw new Error(`variable ${name} does not compile`);
        const v = e.program.eval(own);
        if (!v.ok) throw new Error(`variable ${name}: ${v.error}`);
        return v.value;
      });
      evaluateWith(ctx, b, own, param, r, out, ds);
    } else {
      bindings.variables = EMPTY_VARIABLES;
      evaluateWith(ctx, b, bindings, param, r, out, ds);
    }
  }
}

const NO_PARAMS: readonly null[] = [null];
const EMPTY_VARIABLES = lazyVariables([], () => null);

/** What every policy sees of one object: object, oldObject, request, namespaceObject (built once). */
function targetBindings(t: Target, cel: (o: JsonObject) => unknown, nsObjects: ReadonlyMap<string, Resource>): Record<string, unknown> {
  const r = t.r;
  const object = cel(r.object);
  const request = {
    uid: '00000000-0000-0000-0000-000000000000',
    kind: { group: t.group, version: t.version, kind: r.id.kind },
    resource: { group: t.group, version: t.version, resource: t.info.resource },
    requestKind: { group: t.group, version: t.version, kind: r.id.kind },
    requestResource: { group: t.group, version: t.version, resource: t.info.resource },
    name: r.id.name,
    namespace: t.namespace ?? '',
    operation: 'CREATE',
    userInfo: { username: 'kforge:offline', groups: ['system:authenticated'] },
    dryRun: false,
    options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
  };
  let namespaceObject: unknown = null;
  if (t.namespace !== undefined) {
    const nr = nsObjects.get(t.namespace);
    namespaceObject = nr ? cel(nr.object) : toCel({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: t.namespace, labels: { 'kubernetes.io/metadata.name': t.namespace } } });
  }
  return { object, oldObject: null, request: toCel(request as unknown as Json), namespaceObject };
}

function evaluateWith(ctx: CheckContext, b: Binding, bindings: Record<string, unknown>, param: Resource | null, r: Resource, out: RawFinding[], ds: Diagnostic[]): void {
  const p = b.policy;
  const paramNote = (): string => (param ? ` with params ${param.id.kind} ${param.id.namespace ? `${param.id.namespace}/` : ''}${param.id.name}` : '');
  for (const m of p.matchConditions) {
    if (!m.expr.program) continue;
    const v = m.expr.program.eval(bindings);
    if (v.ok && v.value === true) continue;
    if (!v.ok || typeof v.value !== 'boolean') failed(ctx, b, r, `matchCondition ${m.name}${paramNote()}`, v.ok ? 'the expression is not a bool' : v.error, m.expr.pointer, out, ds);
    return;
  }
  for (const v of p.validations) {
    if (!v.expr.program) continue;
    const res = v.expr.program.eval(bindings);
    if (res.ok && res.value === true) continue;
    const pointer = pointerOf(v.expr.expression, p, r.object);
    if (!res.ok || typeof res.value !== 'boolean') {
      failed(ctx, b, r, `expression '${oneLine(v.expr.expression)}'${paramNote()}`, res.ok ? 'the expression is not a bool' : res.error, pointer, out, ds);
      continue;
    }
    let message: string | undefined;
    if (v.messageExpr?.program) {
      const m = v.messageExpr.program.eval(bindings);
      if (m.ok && typeof m.value === 'string' && m.value.trim() !== '' && !m.value.includes('\n')) message = m.value;
    }
    message ??= v.message ?? `failed expression: ${oneLine(v.expr.expression)}`;
    report(ctx, b, r, message + paramNote(), pointer, `reason ${v.reason}`, out, ds);
  }
}

/**
 * The field a validation reads: the deepest existing `object…` path of its expression, or of
 * a variable it uses followed by the fields it reads from it (`variables.podSpec.volumes`).
 */
function pointerOf(expression: string, p: Policy, object: JsonObject): string | undefined {
  let best = pointerOfExpression(expression, object);
  let bestDepth = best ? best.split('/').length : 0;
  for (const m of expression.matchAll(/\bvariables\.([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*)*)/g)) {
    const e = p.variables.get(m[1]);
    const base = e ? pointerOfExpression(e.expression, object) : undefined;
    if (!base) continue;
    let cur: Json | undefined = object;
    for (const seg of base.slice(1).split('/')) cur = cur && typeof cur === 'object' && !Array.isArray(cur) ? cur[seg.replace(/~1/g, '/').replace(/~0/g, '~')] : Array.isArray(cur) ? cur[Number(seg)] : undefined;
    let ptr = base;
    for (const seg of m[2].split('.').filter(Boolean)) {
      if (!cur || typeof cur !== 'object' || Array.isArray(cur) || !Object.prototype.hasOwnProperty.call(cur, seg)) break;
      cur = cur[seg];
      ptr += '/' + esc(seg);
    }
    const depth = ptr.split('/').length;
    if (depth > bestDepth) {
      best = ptr;
      bestDepth = depth;
    }
  }
  return best;
}

function oneLine(s: string): string {
  const x = s.trim().replace(/\s+/g, ' ');
  return x.length > 120 ? x.slice(0, 117) + '...' : x;
}

function hintOf(p: Policy): string {
  const loc = p.res.origin?.location;
  return `the cluster would refuse this object: change it, or the policy (${loc ? `${loc.file}:${loc.line}` : p.name}) if the rule is wrong here`;
}

/** A check object: admission policies as kforge's `admission-policy` check, with its diagnostics drained by the engine. */
export function makeAdmissionCheck(opts: AdmissionOptions = {}): Check & { diagnostics(ctx: CheckContext): Diagnostic[] } {
  return {
    id: ADMISSION_CHECK_ID,
    title: 'Objects the cluster\'s ValidatingAdmissionPolicies would reject',
    doc: 'Evaluates admissionregistration.k8s.io/v1 ValidatingAdmissionPolicies and their bindings (from the rendered tree and policies/admission/*.yaml) offline, as the API server would for a CREATE of each rendered object: Deny is an error, Warn a warning, Audit a note.',
    hint: 'the cluster would refuse this object: change it, or the policy if the rule is wrong here',
    defaultSeverity: { dev: 'error', staging: 'error', prod: 'error' },
    run: (ctx) => run(ctx, opts),
    diagnostics(ctx) {
      const d = pending.get(ctx) ?? [];
      pending.delete(ctx);
      return d;
    },
  };
}

export const admissionPolicy = makeAdmissionCheck();

export { apiVersionOf };
