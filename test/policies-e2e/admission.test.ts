/** Issue 17 point 1 end to end: the tree's ValidatingAdmissionPolicies evaluated offline by `kforge check`. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FIX, kforge, parseFindings, where } from './helpers.js';

test('Deny is an error at the field the expression reads, Warn a warning, Audit a KF4122 note; namespaceSelector, params, excludeResourceRules', async () => {
  const r = await kforge(['check', `${FIX}/admission/overlays/prod`, '--format', 'json']);
  assert.is(r.code, 1);
  const w = `${FIX}/admission/bases/mq/workloads.yaml`;
  const findings = parseFindings(r.out).filter((f) => f.id === 'admission-policy');
  assert.equal(where(findings), [`admission-policy error ${w}:12`, `admission-policy warning ${w}:55`]);
  assert.equal(findings.map((f) => `${f.resource.kind} ${f.resource.namespace}/${f.resource.name} ${f.pointer}`), ['StatefulSet mq/rabbitmq /spec/replicas', 'Deployment mq/console /spec/template/spec/containers']);
  assert.is(findings[0].message, 'a clustered broker needs an odd number of replicas, at least 3; it has 2 with params ConfigMap mq/quorum (ValidatingAdmissionPolicy broker-quorum, binding broker-quorum-prod; reason Invalid)');
  assert.is(findings[1].message, 'images must be pinned to a version (ValidatingAdmissionPolicy pinned-images, binding pinned-images; reason Invalid)');
  const err = r.err.trim().split('\n').filter((l) => !l.startsWith(' '));
  assert.equal(err, [`${w}:55:7: info KF4122: audit: images must be pinned to a version (ValidatingAdmissionPolicy pinned-images, binding pinned-images; reason Invalid)`]);
});

test('an expression that does not compile is a KF4121 error at its line in the tree (exit 2)', async () => {
  const r = await kforge(['check', `${FIX}/admission/overlays/broken`, '--format', 'json']);
  assert.is(r.code, 2);
  const err = r.err.trim().split('\n').filter((l) => !l.startsWith(' '));
  assert.ok(err.includes(`${FIX}/admission/overlays/broken/broken.yaml:13:5: error KF4121: ValidatingAdmissionPolicy broken: CEL expression at /spec/validations/0/expression does not compile: found > but expecting end of input (line 1, column 29 of the expression)`), err.join('\n'));
});

test.run();
