import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runChecksWith } from '../../../policies/engine.js';
import { makeAdmissionCheck, loadAdmissionDir, repoRootOf, pointerOfExpression } from '../../../policies/admission/index.js';
import { admissionPolicy } from '../../../policies/admission/index.js';
import { CHECKS } from '../../../policies/registry.js';
import { fromYaml, locateFieldFrom, env, TODAY, lineOf } from '../helpers.js';
import type { Report } from '../../../policies/types.js';

const PFILE = 'policies/admission/p.yaml';

/** Runs the admission check over `tree` with `policies` as the repository's policies/admission file. */
function check(tree: string, policies = '', envName = 'dev'): Report {
  const rs = fromYaml(tree, 'test.yaml');
  const extra = policies ? fromYaml(policies, PFILE) : [];
  return runChecksWith([makeAdmissionCheck({ extra })], rs, env(envName), { today: TODAY, locateField: locateFieldFrom({ 'test.yaml': tree, [PFILE]: policies }) });
}
const msgs = (r: Report): string[] => r.findings.map((f) => `${f.severity} ${f.resource.kind}/${f.resource.name}: ${f.message}`);
const codes = (r: Report): string[] => r.diagnostics.map((d) => `${d.code}@${d.location?.line ?? '?'}`);

function policy(spec: string, name = 'p'): string {
  return `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: ${name}
spec:
${spec.replace(/^/gm, '  ')}
`;
}
function binding(spec: string, name = 'b', policyName = 'p'): string {
  return `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: ${name}
spec:
  policyName: ${policyName}
${spec.replace(/^/gm, '  ')}
`;
}
const RULES_DEPLOY = `matchConstraints:
  resourceRules:
  - apiGroups: [apps]
    apiVersions: [v1]
    operations: [CREATE, UPDATE]
    resources: [deployments]
`;
const REPLICAS = `validations:
- expression: object.spec.replicas >= 2
  message: at least 2 replicas
`;
const DEPLOY = (name: string, replicas: number, ns = 'apps', labels = 'app: x'): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${ns}
  labels:
    ${labels}
spec:
  replicas: ${replicas}
  template:
    spec:
      containers:
      - name: c
        image: nginx:1.27
`;

test('Deny: an error naming the policy and binding, at the line of the field the expression reads', () => {
  const tree = DEPLOY('one', 1) + '---\n' + DEPLOY('two', 3);
  const r = check(tree, policy(RULES_DEPLOY + REPLICAS) + '---\n' + binding('validationActions: [Deny]'));
  assert.equal(msgs(r), ['error Deployment/one: at least 2 replicas (ValidatingAdmissionPolicy p, binding b; reason Invalid)']);
  assert.is(r.findings[0].id, 'admission-policy');
  assert.is(r.findings[0].pointer, '/spec/replicas');
  assert.is(r.findings[0].source?.line, lineOf(tree, 'replicas: 1'));
  assert.equal(r.diagnostics, []);
});

test('Warn is a warning, Audit a note (KF4122), both together give both', () => {
  const tree = DEPLOY('one', 1);
  const p = policy(RULES_DEPLOY + REPLICAS);
  const warn = check(tree, p + '---\n' + binding('validationActions: [Warn]'));
  assert.equal(msgs(warn), ['warning Deployment/one: at least 2 replicas (ValidatingAdmissionPolicy p, binding b; reason Invalid)']);
  const audit = check(tree, p + '---\n' + binding('validationActions: [Audit]'));
  assert.equal(msgs(audit), []);
  assert.equal(codes(audit), [`KF4122@${lineOf(tree, 'replicas: 1')}`]);
  assert.is(audit.diagnostics[0].severity, 'info');
  const both = check(tree, p + '---\n' + binding('validationActions: [Warn, Audit]'));
  assert.is(both.findings.length, 1);
  assert.is(both.diagnostics.length, 1);
});

test('resource rules: group, version, plural resource, operation, scope, resourceNames, `*`', () => {
  const tree = DEPLOY('one', 1);
  const b = '---\n' + binding('validationActions: [Deny]');
  const rule = (r: string): string => policy(`matchConstraints:\n  resourceRules:\n${r.replace(/^/gm, '  ')}\n` + REPLICAS) + b;
  const hit = (r: string): number => check(tree, rule(r)).findings.length;
  assert.is(hit('- {apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}'), 1);
  assert.is(hit('- {apiGroups: ["*"], apiVersions: ["*"], operations: ["*"], resources: ["*"]}'), 1);
  assert.is(hit('- {apiGroups: ["*"], apiVersions: ["*"], operations: ["*"], resources: ["*/*"]}'), 1);
  assert.is(hit('- {apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployment]}'), 0, 'the kind is not the resource');
  assert.is(hit('- {apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments/scale]}'), 0, 'a subresource');
  assert.is(hit('- {apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [deployments]}'), 0, 'core group');
  assert.is(hit('- {apiGroups: [apps], apiVersions: [v1], operations: [UPDATE, DELETE], resources: [deployments]}'), 0, 'no CREATE');
  assert.is(hit('- {apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments], scope: Cluster}'), 0);
  assert.is(hit('- {apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments], scope: Namespaced}'), 1);
  assert.is(hit('- {apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments], resourceNames: [other]}'), 0);
  assert.is(hit('- {apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments], resourceNames: [one]}'), 1);
});

test('matchPolicy: Equivalent matches another version and the extensions alias; Exact does not', () => {
  const tree = DEPLOY('one', 1);
  const b = '---\n' + binding('validationActions: [Deny]');
  const p = (mp: string, g: string, v: string): string =>
    policy(`matchConstraints:\n  ${mp}resourceRules:\n  - {apiGroups: [${g}], apiVersions: [${v}], operations: [CREATE], resources: [deployments]}\n` + REPLICAS) + b;
  assert.is(check(tree, p('', 'apps', 'v1beta1')).findings.length, 1);
  assert.is(check(tree, p('', 'extensions', 'v1beta1')).findings.length, 1);
  assert.is(check(tree, p('matchPolicy: Exact\n  ', 'apps', 'v1beta1')).findings.length, 0);
});

test('custom resources match by the plural of their CRD in the tree', () => {
  const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: brokers.mq.example.com
spec:
  group: mq.example.com
  scope: Namespaced
  names: {kind: Broker, plural: brokerz, singular: broker}
  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}]
---
apiVersion: mq.example.com/v1
kind: Broker
metadata: {name: b1, namespace: mq}
spec: {replicas: 1}
`;
  const b = '---\n' + binding('validationActions: [Deny]');
  const p = (res: string): string => policy(`matchConstraints:\n  resourceRules:\n  - {apiGroups: [mq.example.com], apiVersions: [v1], operations: [CREATE], resources: [${res}]}\n` + REPLICAS) + b;
  assert.is(check(crd, p('brokerz')).findings.length, 1);
  assert.is(check(crd, p('brokers')).findings.length, 0);
});

test('excludeResourceRules', () => {
  const tree = DEPLOY('one', 1) + '---\n' + DEPLOY('keep', 1);
  const p = policy(
    RULES_DEPLOY + `  excludeResourceRules:\n  - {apiGroups: [apps], apiVersions: [v1], operations: ["*"], resources: [deployments], resourceNames: [keep]}\n` + REPLICAS,
  );
  assert.equal(
    check(tree, p + '---\n' + binding('validationActions: [Deny]')).findings.map((f) => f.resource.name),
    ['one'],
  );
});

test('namespaceSelector: labels of the tree\'s Namespace; a namespace not in the tree has only kubernetes.io/metadata.name', () => {
  const ns = `apiVersion: v1
kind: Namespace
metadata:
  name: prod
  labels: {tier: prod}
---
`;
  const tree = ns + DEPLOY('in-prod', 1, 'prod') + '---\n' + DEPLOY('in-dev', 1, 'dev');
  const p = (sel: string): string => policy(RULES_DEPLOY + `  namespaceSelector:\n${sel.replace(/^/gm, '    ')}\n` + REPLICAS) + '---\n' + binding('validationActions: [Deny]');
  const names = (sel: string): string[] => check(tree, p(sel)).findings.map((f) => f.resource.name);
  assert.equal(names('matchLabels: {tier: prod}'), ['in-prod']);
  assert.equal(names('matchExpressions: [{key: tier, operator: NotIn, values: [prod]}]'), ['in-dev']);
  assert.equal(names('matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [dev]}]'), ['in-dev']);
  assert.equal(names('matchExpressions: [{key: tier, operator: Exists}]'), ['in-prod']);
  assert.equal(names('{}'), ['in-prod', 'in-dev'].sort((a, b) => (tree.indexOf(a) - tree.indexOf(b))));
});

test('objectSelector, and a binding\'s matchResources narrows the policy (intersection)', () => {
  const tree = DEPLOY('a', 1, 'apps', 'team: red') + '---\n' + DEPLOY('b', 1, 'apps', 'team: blue');
  const names = (p: string, b: string): string[] => check(tree, p + '---\n' + b).findings.map((f) => f.resource.name);
  const sel = policy(RULES_DEPLOY + '  objectSelector: {matchLabels: {team: red}}\n' + REPLICAS);
  assert.equal(names(sel, binding('validationActions: [Deny]')), ['a']);
  const all = policy(RULES_DEPLOY + REPLICAS);
  assert.equal(names(all, binding('validationActions: [Deny]\nmatchResources:\n  objectSelector: {matchLabels: {team: blue}}')), ['b']);
  // The binding cannot widen: its rules name Services, the policy Deployments.
  assert.equal(names(all, binding('validationActions: [Deny]\nmatchResources:\n  resourceRules:\n  - {apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [services]}')), []);
});

test('matchConditions: false skips, an error follows failurePolicy (Fail: a finding, Ignore: KF4123 note)', () => {
  const tree = DEPLOY('a', 1, 'apps', 'team: red') + '---\n' + DEPLOY('b', 1, 'apps', 'team: blue');
  const b = '---\n' + binding('validationActions: [Deny]');
  const mc = (e: string, fp = 'Fail'): Report => check(tree, policy(`failurePolicy: ${fp}\n` + RULES_DEPLOY + `matchConditions:\n- name: red\n  expression: "${e}"\n` + REPLICAS) + b);
  assert.equal(mc("object.metadata.labels.team == 'red'").findings.map((f) => f.resource.name), ['a']);
  const err = mc('object.metadata.labels.nope == 1');
  assert.is(err.findings.length, 2);
  assert.match(err.findings[0].message, /matchCondition red failed: .*nope.*failurePolicy Fail/);
  const ign = mc('object.metadata.labels.nope == 1', 'Ignore');
  assert.is(ign.findings.length, 0);
  assert.equal(ign.diagnostics.map((d) => d.code), ['KF4123', 'KF4123']);
});

test('validation errors: failurePolicy Fail denies, Ignore lets through', () => {
  const tree = DEPLOY('a', 3);
  const p = (fp: string): string => policy(`failurePolicy: ${fp}\n` + RULES_DEPLOY + 'validations:\n- expression: object.spec.missing > 1\n') + '---\n' + binding('validationActions: [Deny]');
  const fail = check(tree, p('Fail'));
  assert.is(fail.findings.length, 1);
  assert.match(fail.findings[0].message, /expression 'object.spec.missing > 1' failed: .*missing/);
  assert.is(check(tree, p('Ignore')).findings.length, 0);
});

test('params: by name in the object\'s namespace, by selector (each param evaluated), namespace given, not found Deny / Allow, paramRef missing', () => {
  const cm = (name: string, ns: string, min: number, labels = '{}'): string => `apiVersion: v1
kind: ConfigMap
metadata: {name: ${name}, namespace: ${ns}, labels: ${labels}}
data: {min: "${min}"}
---
`;
  const tree = cm('limits', 'apps', 2) + DEPLOY('a', 1) + '---\n' + DEPLOY('ok', 5);
  const p = policy('paramKind: {apiVersion: v1, kind: ConfigMap}\n' + RULES_DEPLOY + 'validations:\n- expression: object.spec.replicas >= int(params.data.min)\n  messageExpression: "\'replicas below \' + params.data.min"\n');
  const byName = check(tree, p + '---\n' + binding('validationActions: [Deny]\nparamRef: {name: limits, parameterNotFoundAction: Deny}'));
  assert.equal(msgs(byName), ['error Deployment/a: replicas below 2 with params ConfigMap apps/limits (ValidatingAdmissionPolicy p, binding b; reason Invalid)']);
  // Params in another namespace, from the policies folder, chosen by selector: each one is evaluated.
  const params = cm('p1', 'platform', 2, '{use: r}') + cm('p2', 'platform', 6, '{use: r}') + cm('p3', 'platform', 9, '{use: other}');
  const sel = check(tree, p + '---\n' + binding('validationActions: [Deny]\nparamRef: {namespace: platform, selector: {matchLabels: {use: r}}, parameterNotFoundAction: Deny}') + '---\n' + params);
  assert.equal(sel.findings.map((f) => `${f.resource.name} ${/replicas below (\d)/.exec(f.message)?.[1]}`).sort(), ['a 2', 'a 6', 'ok 6']);
  const missingDeny = check(tree, p + '---\n' + binding('validationActions: [Deny]\nparamRef: {name: nope, parameterNotFoundAction: Deny}'));
  assert.is(missingDeny.findings.length, 2);
  assert.match(missingDeny.findings[0].message, /no params found: ConfigMap nope in namespace apps is not in the tree.*parameterNotFoundAction Deny/);
  assert.is(check(tree, p + '---\n' + binding('validationActions: [Deny]\nparamRef: {name: nope, parameterNotFoundAction: Allow}')).findings.length, 0);
  const noRef = check(tree, p + '---\n' + binding('validationActions: [Deny]'));
  assert.match(noRef.findings[0].message, /takes params \(paramKind ConfigMap\) but binding b has no paramRef/);
});

test('variables are lazy: an unused failing variable is no error, a used one is; messageExpression falls back to message', () => {
  const tree = DEPLOY('a', 1);
  const b = '---\n' + binding('validationActions: [Deny]');
  const vars = `variables:
- name: replicas
  expression: object.spec.replicas
- name: broken
  expression: object.spec.nope
`;
  const used = (e: string, me = "'only ' + string(variables.replicas)"): Report =>
    check(tree, policy(RULES_DEPLOY + vars + `validations:\n- expression: "${e}"\n  message: static message\n  messageExpression: "${me}"\n`) + b);
  assert.equal(msgs(used('variables.replicas >= 2')), ['error Deployment/a: only 1 (ValidatingAdmissionPolicy p, binding b; reason Invalid)']);
  assert.is(used('variables.replicas >= 2').findings[0].pointer, '/spec/replicas', 'the field a variable reads');
  assert.match(used('variables.broken >= 2').findings[0].message, /failed: variable broken/);
  assert.match(used('variables.replicas >= 2', 'variables.broken').findings[0].message, /^static message/);
});

test('a validation without message says which expression failed; reason is shown', () => {
  const r = check(DEPLOY('a', 1), policy(RULES_DEPLOY + 'validations:\n- expression: object.spec.replicas > 1\n  reason: Forbidden\n') + '---\n' + binding('validationActions: [Deny]'));
  assert.equal(msgs(r), ['error Deployment/a: failed expression: object.spec.replicas > 1 (ValidatingAdmissionPolicy p, binding b; reason Forbidden)']);
});

test('an expression that does not compile is KF4121 at its line (and the line inside a block scalar); the rest of the policy still runs', () => {
  const p = policy(
    RULES_DEPLOY +
      `validations:
- expression: object.spec.replicas >
- expression: |-
    object.spec.replicas > 0 &&
    object.spec.nope.lowerAsci() == ''
- expression: authorizer.group('apps').check('x').allowed()
- expression: params.x == 1
- expression: object.spec.replicas >= 2
`,
  ) + '---\n' + binding('validationActions: [Deny]');
  const r = check(DEPLOY('a', 1), p);
  assert.equal(codes(r), [`KF4121@${lineOf(p, 'replicas >\n')}`, `KF4121@${lineOf(p, 'lowerAsci')}`, `KF4121@${lineOf(p, 'authorizer')}`, `KF4121@${lineOf(p, 'params.x')}`]);
  assert.match(r.diagnostics[0].message, /ValidatingAdmissionPolicy p: CEL expression at \/spec\/validations\/0\/expression does not compile/);
  assert.is(r.diagnostics[0].location?.file, PFILE);
  assert.match(r.diagnostics[1].message, /lowerAsci/);
  assert.match(r.diagnostics[2].hint ?? '', /authorizer/);
  assert.match(r.diagnostics[3].hint ?? '', /paramKind/);
  assert.is(r.findings.length, 1, 'the valid validation still runs');
});

test('policies and bindings rendered in the tree itself apply too; a binding without its policy is a KF4120 warning', () => {
  const tree = policy(RULES_DEPLOY + REPLICAS) + '---\n' + binding('validationActions: [Deny]') + '---\n' + DEPLOY('a', 1) + '---\n' + binding('validationActions: [Deny]', 'orphan', 'missing');
  const r = check(tree);
  assert.equal(r.findings.map((f) => f.resource.name), ['a']);
  assert.equal(r.diagnostics.map((d) => `${d.code} ${d.severity}`), ['KF4120 warning']);
  assert.is(r.diagnostics[0].location?.line, lineOf(tree, 'policyName: missing'));
});

test('request, namespaceObject and oldObject (null on CREATE) are bound', () => {
  const tree = `apiVersion: v1
kind: Namespace
metadata: {name: apps, labels: {tier: gold}}
---
` + DEPLOY('a', 1);
  const p = policy(
    RULES_DEPLOY +
      `validations:
- expression: "request.operation == 'CREATE' && oldObject == null && request.resource.resource == 'deployments' && request.kind.kind == 'Deployment' && request.namespace == 'apps' && request.name == 'a'"
  message: request
- expression: "namespaceObject.metadata.labels.tier != 'gold'"
  message: gold namespace
`,
  ) + '---\n' + binding('validationActions: [Deny]');
  assert.equal(check(tree, p).findings.map((f) => f.message.split(' (')[0]), ['gold namespace']);
});

test('pointerOfExpression: the deepest existing object path', () => {
  const o = { kind: 'Deployment', spec: { template: { spec: { containers: [{ name: 'c' }] } } } };
  assert.is(pointerOfExpression("object.kind == 'Pod' ? object.spec : object.spec.template.spec.containers.all(c, has(c.x))", o), '/spec/template/spec/containers');
  assert.is(pointerOfExpression("object.spec.template.spec.containers[0].resources.limits", o), '/spec/template/spec/containers/0');
  assert.is(pointerOfExpression("object.metadata.name == 'x'", o), undefined);
});

test('the repository folder: repoRootOf is the folder of overlays/, loadAdmissionDir reads *.yaml with lines; registered as admission-policy', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-vap-'));
  try {
    fs.mkdirSync(path.join(dir, 'overlays', 'dev'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'policies', 'admission'), { recursive: true });
    const text = policy(RULES_DEPLOY + REPLICAS) + '---\n' + binding('validationActions: [Deny]');
    fs.writeFileSync(path.join(dir, 'policies', 'admission', 'replicas.yaml'), text);
    fs.writeFileSync(path.join(dir, 'policies', 'admission', 'notes.txt'), 'ignored');
    const rs = fromYaml(DEPLOY('a', 1), 'test.yaml', { kustomizations: [path.join(dir, 'overlays', 'dev')] });
    assert.is(repoRootOf(rs), dir);
    const loaded = loadAdmissionDir(path.join(dir, 'policies', 'admission'));
    assert.equal(loaded.resources.map((r) => `${r.id.kind} ${r.origin.location.line}`), ['ValidatingAdmissionPolicy 1', `ValidatingAdmissionPolicyBinding ${lineOf(text, 'kind: ValidatingAdmissionPolicyBinding') - 1}`]);
    const r = runChecksWith([admissionPolicy], rs, env('dev'), { today: TODAY });
    assert.equal(r.findings.map((f) => f.resource.name), ['a']);
    assert.ok(CHECKS.includes(admissionPolicy));
    fs.writeFileSync(path.join(dir, 'policies', 'admission', 'bad.yaml'), 'just: a map\n');
    assert.equal(runChecksWith([admissionPolicy], rs, env('dev'), { today: TODAY }).diagnostics.map((d) => d.code), ['KF4120']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
