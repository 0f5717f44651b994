import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run, hits, lineOf } from './helpers.js';

const deploy = (name: string, replicas: number, image = 'x:1', extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:${extra}
      containers: [{name: c, image: "${image}"}]
`;
const pdb = (name: string, spec: string) => `---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: ${name}}
spec: {${spec}, selector: {matchLabels: {app: ${name}}}}
`;

test('pdb-missing: multi-replica without PDB or spread fires in prod only', () => {
  const y = deploy('a', 3);
  assert.equal(hits(run('pdb-missing', y, 'prod')), ['pdb-missing@5']);
  assert.equal(hits(run('pdb-missing', y, 'dev')), []);
});

test('pdb-missing: a PDB, anti-affinity or a single replica is enough', () => {
  assert.equal(hits(run('pdb-missing', deploy('a', 3) + pdb('a', 'maxUnavailable: 1'), 'prod')), []);
  assert.equal(hits(run('pdb-missing', deploy('a', 3, 'x:1', '\n      topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}]'), 'prod')), []);
  assert.equal(hits(run('pdb-missing', deploy('a', 1), 'prod')), []);
});

test('pdb-unsatisfiable: minAvailable ≥ replicas, maxUnavailable 0, 100%', () => {
  const y = deploy('a', 3) + pdb('a', 'minAvailable: 3');
  assert.equal(hits(run('pdb-unsatisfiable', y)), [`pdb-unsatisfiable@${lineOf(y, 'spec: {minAvailable')}`]);
  assert.equal(hits(run('pdb-unsatisfiable', deploy('a', 3) + pdb('a', 'maxUnavailable: 0'))).length, 1);
  assert.equal(hits(run('pdb-unsatisfiable', deploy('a', 3) + pdb('a', 'minAvailable: "100%"'))).length, 1);
  assert.equal(hits(run('pdb-unsatisfiable', deploy('a', 3) + pdb('a', 'minAvailable: 2'))), []);
});

test('quorum: even or small clusters fire in prod', () => {
  const y = [deploy('zk', 2, 'zookeeper:3.9'), deploy('kafka', 2, 'bitnami/kafka:3.7'), deploy('redis', 3, 'redis:7', '\n      volumes: []'), deploy('nacos', 3, 'nacos/nacos-server:v2.3.2')].join('---\n').replace(/kind: Deployment/g, 'kind: StatefulSet');
  const redis = `---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: rc}
spec:
  replicas: 3
  template:
    spec:
      containers: [{name: r, image: "redis:7", command: [redis-server, --cluster-enabled, "yes"]}]
`;
  const r = run('quorum', y + redis, 'prod');
  assert.equal(r.findings.map((f) => f.resource.name), ['zk', 'kafka', 'rc']);
  assert.equal(hits(run('quorum', y + redis, 'dev')), []);
  assert.equal(hits(run('quorum', deploy('zk', 3, 'zookeeper:3.9').replace('Deployment', 'StatefulSet') + '---\n' + deploy('exp', 1, 'kafka-exporter:1'), 'prod')), []);
});

test.run();
