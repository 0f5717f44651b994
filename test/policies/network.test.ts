import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run, hits, lineOf } from './helpers.js';
import { hostPorts } from '../../policies/checks/network.js';

const cluster = `apiVersion: v1
kind: Service
metadata: {name: zk-headless, namespace: kafka}
spec:
  clusterIP: None
  selector: {app: zk}
  ports: [{port: 2181, name: client}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: zk, namespace: kafka}
spec:
  serviceName: zk-headless
  replicas: 3
  template:
    metadata: {labels: {app: zk}}
    spec: {containers: [{name: zk, image: "zookeeper:3.9", ports: [{containerPort: 2181}, {containerPort: 2888}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: rabbitmq, namespace: kafka}
spec: {selector: {app: zk}, ports: [{port: 5672}]}
`;

test('hostPorts: bare, lists, URLs', () => {
  assert.equal(hostPorts('amqp://user:pw@rabbitmq:5672/vhost'), [{ host: 'rabbitmq', port: 5672 }]);
  assert.equal(hostPorts('zk-0.zk:2181,zk-1.zk:2181'), [{ host: 'zk-0.zk', port: 2181 }, { host: 'zk-1.zk', port: 2181 }]);
  assert.equal(hostPorts('--lookupd-tcp-address=10.96.0.3:4160 --broadcast-address=$(POD_IP):4151'), [{ host: '10.96.0.3', port: 4160 }]);
  assert.equal(hostPorts('at 12:30 or 2021-01-01T10:00:00'), []);
});

test('connection-string: resolvable names are quiet', () => {
  const y = cluster + `---
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: kafka}
data:
  zk: "zk-0.zk-headless.kafka.svc.cluster.local:2181,zk-1.zk-headless:2181,zk-2.zk-headless.kafka:2888"
  amqp: amqp://rabbitmq:5672
  api: https://kubernetes.default.svc:443
  ext: db.example.com:3306
`;
  assert.equal(hits(run('connection-string', y)), []);
});

test('connection-string: wrong ordinal, wrong port, unknown service, hard-coded IP', () => {
  const y = cluster + `---
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: kafka}
data:
  a: zk-3.zk-headless.kafka.svc.cluster.local:2181
  b: rabbitmq.kafka.svc:5673
  c: nsqlookupd:4160
  d: 10.96.0.3:4160
  e: db.example.com:3306
  f: "zk-0.zk-headless:2181,zk-5.zk-headless:2181"
`;
  const r = run('connection-string', y, 'dev', { externalHosts: ['db.example.com'] });
  assert.equal(hits(r), ['a:', 'b:', 'c:', 'd:', 'f:'].map((k) => `connection-string@${lineOf(y, '  ' + k)}`));
  assert.equal(hits(run('connection-string', y, 'dev', { externalHosts: ['db.example.com', '10.96.0.3'] })).length, 4);
});

test('nodeport-range and duplicate-port', () => {
  const y = `apiVersion: v1
kind: Service
metadata: {name: a}
spec:
  type: NodePort
  ports:
  - {port: 1883, nodePort: 31883, name: mqtt}
  - {port: 18083, nodePort: 8083, name: dash}
  - {port: 1883, name: mqtt2}
---
apiVersion: v1
kind: Service
metadata: {name: b}
spec:
  type: NodePort
  ports: [{port: 80, nodePort: 31883}]
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - {name: a, image: "x:1", ports: [{containerPort: 80, name: http}]}
  - {name: b, image: "x:1", ports: [{containerPort: 80}]}
`;
  assert.equal(hits(run('nodeport-range', y)), ['nodeport-range@8']);
  assert.equal(hits(run('duplicate-port', y)), ['duplicate-port@9', 'duplicate-port@16', 'duplicate-port@24']);
  assert.equal(hits(run('nodeport-range', y.replace('nodePort: 8083', 'nodePort: 30083'))), []);
});

test('ingress-collision and duplicate-id', () => {
  const ing = (name: string, path: string) => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: ${name}}
spec:
  rules:
  - host: a.example.com
    http:
      paths:
      - {path: ${path}, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}
`;
  const y = ing('one', '/') + '---\n' + ing('two', '/');
  assert.equal(hits(run('ingress-collision', y)), ['ingress-collision@19']);
  assert.equal(hits(run('ingress-collision', ing('one', '/') + '---\n' + ing('two', '/api'))), []);
  const dup = `apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: x}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: x}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: y}
`;
  assert.equal(hits(run('duplicate-id', dup)), ['duplicate-id@7']);
});

test.run();
