/** Issue 17 point 1 end to end: the tree's ValidatingAdmissionPolicies evaluated offline by `kforge check`. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FIX, kforge, parseFindings, where } from './helpers.js';

test('Deny is an error at the field the expression reads, Warn a warning, Audit a note; namespaceSelector, params, excludeResourceRules; a broken expression is a note at the policy', async () => {
  const r = await kforge(['check', `${FIX}/admission/overlays/prod`, '--format', 'json']);
  assert.is(r.code, 1);
  const w = `${FIX}/admission/bases/mq/workloads.yaml`;
  const findings = parseFindings(r.out).filter((f) => f.id === 'admission-policy');
  assert.equal(where(findings), [`admission-policy error ${w}:12`, `admission-policy warning ${w}:55`]);
  assert.equal(findings.map((f) => `${f.resource.kind} ${f.resource.namespace}/${f.resource.name} ${f.pointer}`), ['StatefulSet mq/rabbitmq /spec/replicas', 'Deployment mq/console /spec/template/spec/containers']);
  assert.is(findings[0].message, 'a clustered broker needs an odd number of replicas, at least 3; it has 2 (ValidatingAdmissionPolicy broker-quorum, binding broker-quorum-prod)');
  assert.is(findings[1].message, 'images must be pinned to a version (ValidatingAdmissionPolicy pinned-images, binding pinned-images)');
  const err = r.err.trim().split('\n');
  assert.equal(err, [
    `${FIX}/admission/bases/mq/policies.yaml:79:1: warning KF4114: ValidatingAdmissionPolicy broken: expression "object.metadata.name.size() >" does not compile: <input>:1:29: found > but expecting end of input`,
    `${w}:55:7: info KF4114: audit: Deployment mq/console: images must be pinned to a version (ValidatingAdmissionPolicy pinned-images, binding pinned-images)`,
  ]);
});

test.run();
