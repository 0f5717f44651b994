/**
 * Issue 17 point 1: ValidatingAdmissionPolicy evaluation (matching, params, failurePolicy, CEL)
 * through runChecks, as written for the first (minimal-CEL) implementation and ported to
 * policies/admission + policies/cel; the bulk of the tests is in test/policies/admission/.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run, hits, lineOf, fromYaml, env, TODAY } from './helpers.js';
import { runChecks } from '../../policies/index.js';
import { compileCel } from '../../policies/cel/index.js';
import { pointerOfExpression as fieldRead } from '../../policies/admission/index.js';
import { loadAdmissionFolder } from '../../policies/crd/load.js';

const policy = (validations: string, extra = '', binding = 'validationActions: [Deny]') => `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: p}
spec:
${extra}  matchConstraints:
    resourceRules:
    - {apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}
  validations:
${validations}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: b}
spec:
  policyName: p
  ${binding}
`;

const CMS = `---
apiVersion: v1
kind: ConfigMap
metadata: {name: small, namespace: a, labels: {tier: web}}
data: {size: "1"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: big, namespace: a}
data:
  size: "10"
`;

const evalCel = (expr: string, vars: Record<string, unknown>): unknown => {
  const c = compileCel(expr, Object.keys(vars));
  return c.error ? { error: c.error.message } : c.program!.eval(vars);
};

test('CEL: ints are ints, strings extension, parse errors returned, Kubernetes quantity functions evaluate', () => {
  assert.equal(evalCel('object.a / 2 == 1', { object: { a: 3n } }), { ok: true, value: true });
  assert.equal(evalCel("'a,b'.split(',').size()", {}), { ok: true, value: 2n });
  assert.ok(compileCel('1 +', []).error);
  assert.equal(evalCel("quantity('1Gi').isGreaterThan(quantity('1Mi'))", {}), { ok: true, value: true });
});

test('fieldRead: the deepest existing field an expression reads', () => {
  const o = { spec: { replicas: 2, template: { spec: {} } } };
  assert.is(fieldRead('object.spec.replicas > 1', o), '/spec/replicas');
  assert.is(fieldRead('has(object.spec.template.spec.hostNetwork)', o), '/spec/template/spec');
  assert.is(fieldRead('request.name == "x"', o), undefined);
});

test('validation false: a finding at the data field; true: none; objectSelector narrows the match', () => {
  const yaml = policy(`  - {expression: "int(object.data.size) < 5", message: size too big}`) + CMS;
  assert.equal(hits(run('admission-policy', yaml, 'prod')), [`admission-policy@${lineOf(yaml, 'size: "10"')}`]);
  const sel = policy(`  - {expression: "int(object.data.size) > 5", message: too small}`, '', 'validationActions: [Deny]\n  matchResources: {objectSelector: {matchLabels: {tier: web}}}') + CMS;
  const r = run('admission-policy', sel, 'prod');
  assert.equal(r.findings.map((f) => `${f.resource.name} ${f.message}`), ['small too small (ValidatingAdmissionPolicy p, binding b; reason Invalid)']);
});

test('failurePolicy: a runtime error denies with Fail (the default) and is a KF4123 note with Ignore; quantity() evaluates', () => {
  const v = `  - {expression: "object.data.missing == 'x'"}`;
  const fail = run('admission-policy', policy(v) + CMS, 'prod');
  assert.is(fail.findings.length, 2);
  assert.match(fail.findings[0].message, /expression 'object.data.missing == 'x'' failed: .*\(ValidatingAdmissionPolicy p, binding b; failurePolicy Fail\)/);
  const ignore = run('admission-policy', policy(v, '  failurePolicy: Ignore\n') + CMS, 'prod');
  assert.equal(ignore.findings, []);
  assert.equal(ignore.diagnostics.map((d) => `${d.code} ${d.severity}`), ['KF4123 info', 'KF4123 info']);
  const q = run('admission-policy', policy(`  - {expression: "quantity(object.data.size).isGreaterThan(quantity('1'))"}`) + CMS, 'prod');
  assert.equal(q.findings.map((f) => f.resource.name), ['small']);
  assert.equal(q.diagnostics, []);
});

test('params: missing params deny (parameterNotFoundAction Deny), Allow skips; a binding to a policy nobody has is a KF4120 warning', () => {
  const withParams = (action: string) => policy(`  - {expression: "int(object.data.size) <= int(params.data.max)"}`, '  paramKind: {apiVersion: v1, kind: ConfigMap}\n', `validationActions: [Deny]\n  paramRef: {name: limits, namespace: a, parameterNotFoundAction: ${action}}`) + CMS;
  const deny = run('admission-policy', withParams('Deny'), 'prod');
  assert.equal(deny.findings.length, 2);
  assert.match(deny.findings[0].message, /no params found: ConfigMap limits in namespace a is not in the tree \(ValidatingAdmissionPolicy p, binding b; parameterNotFoundAction Deny\)/);
  assert.equal(run('admission-policy', withParams('Allow'), 'prod').findings, []);
  const withLimits = withParams('Deny') + '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: limits, namespace: a}\ndata: {max: "5", size: "0"}\n';
  assert.equal(run('admission-policy', withLimits, 'prod').findings.map((f) => f.resource.name), ['big']);
  const orphan = run('admission-policy', 'apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: b}\nspec: {policyName: nope, validationActions: [Deny]}\n', 'prod');
  assert.equal(orphan.diagnostics.map((d) => `${d.code} ${d.severity}`), ['KF4120 warning']);
  assert.match(orphan.diagnostics[0].message, /binds policy nope, which is neither in the tree nor in policies\/admission/);
});

test('policies/admission/*.yaml: policies and bindings from the repository apply to the rendered tree', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-admission-'));
  try {
    fs.mkdirSync(path.join(dir, 'policies', 'admission'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'policies', 'admission', 'size.yaml'), policy(`  - {expression: "int(object.data.size) < 5", messageExpression: "'size ' + object.data.size + ' is above 4'"}`));
    const loaded = loadAdmissionFolder(dir);
    assert.equal(loaded.diagnostics, []);
    assert.equal(loaded.objects.map((o) => o.id.kind), ['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);
    const r = runChecks(fromYaml(CMS), env('prod'), { today: TODAY, only: ['admission-policy'], admission: loaded.objects });
    assert.equal(r.findings.map((f) => `${f.resource.name}: ${f.message}`), ['big: size 10 is above 4 (ValidatingAdmissionPolicy p, binding b; reason Invalid)']);
    assert.equal(loadAdmissionFolder(path.join(dir, 'nope')), { objects: [], diagnostics: [] });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a custom resource matches by the plural of its CRD vendored in the environment (RunOptions.crds), not only one in the tree', () => {
  const crd = fromYaml(`apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: brokerz.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Broker, plural: brokerz, singular: broker}
  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}]
`, 'crds/broker.yaml');
  const yaml = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: p}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [example.com], apiVersions: [v1], operations: [CREATE], resources: [brokerz]}
  validations:
  - {expression: "object.spec.replicas % 2 == 1", message: odd replicas}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: b}
spec: {policyName: p, validationActions: [Deny]}
---
apiVersion: example.com/v1
kind: Broker
metadata: {name: mq, namespace: a}
spec: {replicas: 2}
`;
  assert.equal(run('admission-policy', yaml, 'prod').findings, [], 'without the CRD, Broker is "brokers"');
  assert.equal(run('admission-policy', yaml, 'prod', {}, { crds: crd }).findings.map((f) => `${f.resource.name}: ${f.message}`), ['mq: odd replicas (ValidatingAdmissionPolicy p, binding b; reason Invalid)']);
});

test.run();
