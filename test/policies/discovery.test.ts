import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run, hits, lineOf } from './helpers.js';

const stack = (envName: string, svc: string, rbac: boolean) => `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: rabbitmq, namespace: mq}
spec:
  serviceName: rabbitmq-headless
  replicas: 3
  selector: {matchLabels: {app: rabbitmq}}
  template:
    metadata: {labels: {app: rabbitmq}}
    spec:
      serviceAccountName: rabbitmq
      containers:
      - name: rabbitmq
        image: rabbitmq:3.13
        env:
        - name: K8S_SERVICE_NAME
          value: ${envName}
      volumes:
      - name: config
        configMap: {name: rabbitmq-config}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: rabbitmq-config, namespace: mq}
data:
  rabbitmq.conf: |
    cluster_formation.peer_discovery_backend = rabbit_peer_discovery_k8s
    cluster_formation.k8s.service_name = ${svc}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: rabbitmq, namespace: mq}
${rbac ? `---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: endpoint-reader, namespace: mq}
rules:
- apiGroups: [""]
  resources: ["endpoints"]
  verbs: ["get", "list", "watch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: endpoint-reader, namespace: mq}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: endpoint-reader}
subjects: [{kind: ServiceAccount, name: rabbitmq}]
` : ''}`;

test('discovery-service-name: env var and rabbitmq.conf agree with serviceName', () => {
  assert.equal(hits(run('discovery-service-name', stack('rabbitmq-headless', 'rabbitmq-headless.mq.svc.cluster.local', true))), []);
});

test('discovery-service-name: disagreeing env var and config are reported where written', () => {
  const y = stack('rabbitmq', 'rabbitmq-hl', true);
  assert.equal(hits(run('discovery-service-name', y)), [
    `discovery-service-name@${lineOf(y, 'value: rabbitmq')}`,
    `discovery-service-name@${lineOf(y, 'rabbitmq.conf: |')}`,
  ]);
});

test('discovery-rbac: bound to a role reading endpoints is quiet', () => {
  assert.equal(hits(run('discovery-rbac', stack('rabbitmq-headless', 'rabbitmq-headless', true))), []);
});

test('discovery-rbac: no binding is reported at serviceAccountName', () => {
  const y = stack('rabbitmq-headless', 'rabbitmq-headless', false);
  assert.equal(hits(run('discovery-rbac', y)), [`discovery-rbac@${lineOf(y, 'serviceAccountName')}`]);
});

test('discovery-rbac: a role without endpoints access does not count; EMQX strategy env detected', () => {
  const y = `apiVersion: apps/v1
kind: Deployment
metadata: {name: emqx}
spec:
  template:
    spec:
      containers:
      - name: emqx
        image: emqx:5.8
        env:
        - name: EMQX_CLUSTER__DISCOVERY_STRATEGY
          value: k8s
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: r}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}
subjects: [{kind: ServiceAccount, name: default}]
`;
  assert.equal(hits(run('discovery-rbac', y)), [`discovery-rbac@${lineOf(y, '- name: EMQX_CLUSTER__DISCOVERY_STRATEGY')}`]);
});

test.run();
