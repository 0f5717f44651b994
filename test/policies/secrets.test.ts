import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run, hits, lineOf } from './helpers.js';
import { isCredentialName } from '../../policies/checks/secrets.js';

test('plaintext-secret: credential names', () => {
  for (const n of ['RABBITMQ_ERLANG_COOKIE', 'MYSQL_ROOT_PASSWORD', 'API_KEY', 'AWS_SECRET_ACCESS_KEY', 'GITHUB_TOKEN', 'REDIS_PASS', 'db.password']) assert.ok(isCredentialName(n), n);
  for (const n of ['PASSWORD_FILE', 'SECRET_NAME', 'TOKEN_TTL', 'ROUTING_KEY', 'PWD', 'KEY', 'MONKEY', 'TOKENIZER_PATH', 'K8S_SERVICE_NAME']) assert.not.ok(isCredentialName(n), n);
});

test('plaintext-secret: plain values fire, secretKeyRef and paths do not', () => {
  const y = `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: c
    image: x:1
    env:
    - name: RABBITMQ_ERLANG_COOKIE
      value: secretcookie
    - name: DB_PASSWORD
      valueFrom: {secretKeyRef: {name: s, key: p}}
    - name: TLS_KEY
      value: /etc/tls/tls.key
    - name: NAME
      value: x
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c}
data:
  redis.password: hunter2
  config.yaml: "a: 1"
`;
  assert.equal(hits(run('plaintext-secret', y)), [`plaintext-secret@${lineOf(y, 'value: secretcookie')}`, `plaintext-secret@${lineOf(y, 'redis.password')}`]);
});

const secret = `apiVersion: v1
kind: Secret
metadata: {name: s}
stringData: {password: x}
`;

test('secret-in-prod: Secret data in prod is an error, unless allowed; off in dev', () => {
  assert.equal(hits(run('secret-in-prod', secret, 'prod')), ['secret-in-prod@4']);
  assert.equal(hits(run('secret-in-prod', secret, 'prod', { allowSecrets: true })), []);
  assert.equal(hits(run('secret-in-prod', secret, 'dev')), []);
});

test('rbac-wildcard: * in rules and cluster-admin bindings', () => {
  const y = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r}
rules:
- apiGroups: [""]
  resources: [endpoints]
  verbs: [get]
- apiGroups: [""]
  resources: ["*"]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: b}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: []
`;
  assert.equal(hits(run('rbac-wildcard', y)), [`rbac-wildcard@${lineOf(y, 'resources: ["*"]')}`, `rbac-wildcard@${lineOf(y, 'roleRef')}`]);
  assert.equal(hits(run('rbac-wildcard', y.split('- apiGroups: [""]\n  resources: ["*"]')[0])), []);
});

test.run();
