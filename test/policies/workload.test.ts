import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run, hits, lineOf } from './helpers.js';
import { parseImage } from '../../policies/checks/workload.js';

const pod = (container: string, spec = '') => `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:${spec}
  containers:
  - name: c
${container}`;

const healthy = `    image: registry.example.com:5000/team/app:1.4.2
    resources:
      requests: {cpu: 100m, memory: 512Mi}
      limits: {memory: 1Gi}
    readinessProbe: {tcpSocket: {port: 80}}
    livenessProbe: {tcpSocket: {port: 80}}
    env:
    - name: JAVA_OPTS
      value: "-Xms256m -Xmx700m -XX:+UseG1GC"
`;

test('workload checks: a healthy container is quiet', () => {
  for (const id of ['image-tag', 'resources', 'jvm-heap', 'probes', 'privileged', 'host-path']) assert.equal(hits(run(id, pod(healthy))), [], id);
});

test('image-tag: untagged, latest, and pre-release; digests are fine', () => {
  assert.equal(parseImage('registry:5000/app').tag, undefined);
  assert.is(parseImage('registry:5000/app:1').tag, '1');
  const y = `apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      containers:
      - {name: a, image: nsqio/nsq}
      - {name: b, image: "nginx:latest"}
      - {name: c, image: "emqx/emqx:v4.0.0-rc.3"}
      - {name: d, image: "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}
`;
  const r = run('image-tag', y, 'prod');
  assert.equal(hits(r), ['image-tag@8', 'image-tag@9', 'image-tag@10']);
  assert.equal(r.findings.map((f) => f.severity), ['error', 'error', 'warning']);
});

test('resources and probes: missing ones are reported at the container', () => {
  const y = pod('    image: x:1\n');
  assert.equal(hits(run('resources', y)), [`resources@${lineOf(y, '- name: c')}`]);
  assert.equal(hits(run('probes', y)), [`probes@${lineOf(y, '- name: c')}`]);
  assert.equal(hits(run('probes', `apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec: {template: {spec: {containers: [{name: c, image: "x:1"}]}}}
`)), []);
});

test('jvm-heap: -Xmx at or above the limit is an error, close to it a warning; MaxRAMPercentage', () => {
  const over = healthy.replace('-Xmx700m', '-Xmx2g');
  assert.equal(hits(run('jvm-heap', pod(over))), [`jvm-heap@${lineOf(pod(over), 'value: "-Xms256m')}`]);
  const close = healthy.replace('-Xmx700m', '-Xmx950m');
  const r = run('jvm-heap', pod(close));
  assert.equal(r.findings.map((f) => f.severity), ['warning']);
  const nacos = healthy.replace('- name: JAVA_OPTS\n      value: "-Xms256m -Xmx700m -XX:+UseG1GC"', '- name: JVM_XMX\n      value: 2g');
  assert.equal(hits(run('jvm-heap', pod(nacos))), [`jvm-heap@${lineOf(pod(nacos), 'value: 2g')}`]);
  const pct = healthy.replace('-Xmx700m', '-XX:MaxRAMPercentage=95.0');
  assert.equal(hits(run('jvm-heap', pod(pct))).length, 1);
  const args = `    image: x:1
    args: ["java", "-Xmx4096m", "-jar", "app.jar"]
    resources: {limits: {memory: 2Gi}}
`;
  assert.equal(hits(run('jvm-heap', pod(args))), [`jvm-heap@${lineOf(pod(args), 'args:')}`]);
});

test('privileged: privileged, hostNetwork, hostPID and escalation', () => {
  const y = pod(`    image: x:1
    securityContext:
      privileged: true
      allowPrivilegeEscalation: true
      capabilities: {add: [NET_BIND_SERVICE, SYS_ADMIN]}
`, '\n  hostNetwork: true\n  hostPID: true');
  const r = run('privileged', y);
  assert.equal(hits(r), ['privileged@5', 'privileged@6', 'privileged@11', 'privileged@12', 'privileged@13']);
  assert.equal(r.findings.map((f) => f.severity), ['warning', 'warning', 'warning', 'warning', 'warning']);
  const prod = run('privileged', y, 'prod');
  assert.equal(prod.findings.map((f) => f.severity), ['error', 'error', 'error', 'warning', 'error']);
});

test('host-path: warning in dev, error in prod', () => {
  const y = pod('    image: x:1\n', '\n  volumes:\n  - name: data\n    hostPath: {path: /data}');
  assert.equal(hits(run('host-path', y)), [`host-path@${lineOf(y, 'hostPath')}`]);
  assert.is(run('host-path', y).findings[0].severity, 'warning');
  assert.is(run('host-path', y, 'prod').findings[0].severity, 'error');
});

test.run();
