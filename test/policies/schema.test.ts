import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run, hits, lineOf } from './helpers.js';

const good = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app.kubernetes.io/name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: [{containerPort: 80, name: http}]
        resources: {limits: {cpu: 1, memory: 1Gi}}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: Not_Valid}
spec: {anything: [1, 2]}
`;

test('schema: valid objects and CRDs pass', () => {
  assert.equal(hits(run('schema', good)), []);
});

test('schema: unknown field, wrong type, missing required, bad names and labels', () => {
  const y = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: Web_1
  labels:
    "bad key!": x
    ok: "-bad-value"
spec:
  replicas: "2"
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - image: nginx:1.27
        imagePullPolice: Always
        ports: [{containerPort: 80, name: http_port}]
`;
  const r = run('schema', y);
  const got = r.findings.map((f) => `${f.pointer}@${f.source?.line}`);
  assert.ok(got.includes(`/metadata/name@${lineOf(y, 'name: Web_1')}`), 'name');
  assert.ok(got.includes(`/metadata/labels/bad key!@${lineOf(y, '"bad key!"')}`), 'label key');
  assert.ok(got.includes(`/metadata/labels/ok@${lineOf(y, 'ok: ')}`), 'label value');
  assert.ok(got.includes(`/spec/replicas@${lineOf(y, 'replicas:')}`), 'wrong type');
  assert.ok(got.includes(`/spec/template/spec/containers/0/imagePullPolice@${lineOf(y, 'imagePullPolice')}`), 'unknown field');
  assert.ok(got.includes(`/spec/template/spec/containers/0@${lineOf(y, '- image:')}`), 'missing name');
  assert.ok(got.includes(`/spec/template/spec/containers/0/ports/0/name@${lineOf(y, 'ports:')}`), 'port name');
  assert.ok(r.findings.every((f) => f.id === 'schema'));
  assert.is(r.findings.length, 7);
});

test('schema: Service names must be DNS labels', () => {
  const y = `apiVersion: v1
kind: Service
metadata: {name: a.b}
spec: {ports: [{port: 80}]}
`;
  assert.equal(hits(run('schema', y)), ['schema@3']);
});

test.run();
