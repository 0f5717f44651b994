import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run, hits, lineOf } from './helpers.js';

test('namespace-consistency: the odd one out of a part-of stack is reported', () => {
  const y = `apiVersion: apps/v1
kind: Deployment
metadata: {name: a, namespace: shop, labels: {app.kubernetes.io/part-of: shop}}
spec: {template: {spec: {containers: [{name: a, image: "a:1"}]}}}
---
apiVersion: v1
kind: Service
metadata: {name: a, namespace: shop, labels: {app.kubernetes.io/part-of: shop}}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: a
  namespace: shopp
  labels: {app.kubernetes.io/part-of: shop}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: other, namespace: elsewhere, labels: {app.kubernetes.io/part-of: other}}
`;
  assert.equal(hits(run('namespace-consistency', y)), [`namespace-consistency@${lineOf(y, 'namespace: shopp')}`]);
});

test('namespace-consistency: a tie is decided by where the workload runs; cluster-scoped kinds are ignored', () => {
  const y = `apiVersion: v1
kind: Service
metadata: {name: mqtt, namespace: kube-mqtt}
---
apiVersion: v1
kind: Pod
metadata: {name: emqx, namespace: kube-emqx}
spec: {containers: [{name: e, image: "emqx:5"}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: x}
`;
  const r = run('namespace-consistency', y);
  assert.equal(hits(r), ['namespace-consistency@3']);
  assert.is(r.findings[0].resource.kind, 'Service');
});

test('namespace-consistency: one namespace per stack is quiet', () => {
  const y = `apiVersion: v1
kind: Service
metadata: {name: a, namespace: x}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: a, namespace: x}
`;
  assert.equal(hits(run('namespace-consistency', y)), []);
});

test.run();
