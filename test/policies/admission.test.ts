/** Issue 17 point 1: ValidatingAdmissionPolicy evaluation (matching, params, failurePolicy, CEL). */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run, hits, lineOf, fromYaml, env, TODAY } from './helpers.js';
import { runChecks } from '../../policies/index.js';
import { evalCel, fieldRead, compileCel } from '../../policies/checks/admission.js';
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

test('CEL: ints are ints, strings extension, parse errors returned, unsupported functions named', () => {
  assert.equal(evalCel('object.a / 2 == 1', { object: { a: 3n } }), { ok: true, value: true });
  assert.equal(evalCel("'a,b'.split(',').size()", {}), { ok: true, value: 2n });
  assert.ok('error' in compileCel('1 +'));
  const o = evalCel("quantity('1Gi').isGreaterThan(quantity('1Mi'))", {});
  assert.is(o.ok, false);
  assert.is((o as { unsupported?: string }).unsupported, 'isGreaterThan', 'the outermost function evaluation reaches');
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
  assert.equal(r.findings.map((f) => `${f.resource.name} ${f.message}`), ['small too small (ValidatingAdmissionPolicy p, binding b)']);
});

test('failurePolicy: a runtime error denies with Fail (the default) and is skipped with Ignore; an unsupported function is a note', () => {
  const v = `  - {expression: "object.data.missing == 'x'"}`;
  const fail = run('admission-policy', policy(v) + CMS, 'prod');
  assert.is(fail.findings.length, 2);
  assert.match(fail.findings[0].message, /validation "object.data.missing == 'x'" failed: .*\(failurePolicy Fail\)/);
  assert.equal(run('admission-policy', policy(v, '  failurePolicy: Ignore\n') + CMS, 'prod').findings, []);
  const q = run('admission-policy', policy(`  - {expression: "quantity(object.data.size).isGreaterThan(quantity('1'))"}`) + CMS, 'prod');
  assert.equal(q.findings, []);
  assert.equal(q.diagnostics.map((d) => `${d.code} ${d.severity}`), ['KF4114 info']);
  assert.match(q.diagnostics[0].message, /uses isGreaterThan, which kforge's CEL does not provide/);
});

test('params: missing params deny (parameterNotFoundAction Deny), Allow skips; a binding to a policy nobody has is a warning note', () => {
  const withParams = (action: string) => policy(`  - {expression: "int(object.data.size) <= int(params.data.max)"}`, '  paramKind: {apiVersion: v1, kind: ConfigMap}\n', `validationActions: [Deny]\n  paramRef: {name: limits, namespace: a, parameterNotFoundAction: ${action}}`) + CMS;
  const deny = run('admission-policy', withParams('Deny'), 'prod');
  assert.equal(deny.findings.length, 2);
  assert.match(deny.findings[0].message, /no params for ValidatingAdmissionPolicy p, binding b \(ConfigMap limits is not rendered\)/);
  assert.equal(run('admission-policy', withParams('Allow'), 'prod').findings, []);
  const withLimits = withParams('Deny') + '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: limits, namespace: a}\ndata: {max: "5", size: "0"}\n';
  assert.equal(run('admission-policy', withLimits, 'prod').findings.map((f) => f.resource.name), ['big']);
  const orphan = run('admission-policy', 'apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: b}\nspec: {policyName: nope, validationActions: [Deny]}\n', 'prod');
  assert.match(orphan.diagnostics[0].message, /names policy nope, which is neither rendered nor in policies\/admission/);
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
    assert.equal(r.findings.map((f) => `${f.resource.name}: ${f.message}`), ['big: size 10 is above 4 (ValidatingAdmissionPolicy p, binding b)']);
    assert.equal(loadAdmissionFolder(path.join(dir, 'nope')), { objects: [], diagnostics: [] });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
