import * as fs from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixture } from '../helpers.js';
import { fromYaml, env, locateFieldFrom, TODAY } from './helpers.js';
import { runChecks } from '../../policies/index.js';
import type { Report } from '../../policies/types.js';

/** Runs every check on one seed fixture (prod, Kubernetes 1.31) and returns `id@line` of each finding. */
function check(name: string): { hits: string[]; report: Report } {
  const file = `test/fixtures/policies/seeds/${name}`;
  const text = fs.readFileSync(fixture('policies', 'seeds', name), 'utf8');
  const report = runChecks(fromYaml(text, file), env('prod', { kubernetesVersion: '1.31' }), { today: TODAY, locateField: locateFieldFrom({ [file]: text }) });
  assert.ok(report.findings.every((f) => f.source?.file === file));
  return { hits: report.findings.map((f) => `${f.id}@${f.source?.line}`), report };
}

function includes(hits: string[], want: string[]): void {
  for (const w of want) assert.ok(hits.includes(w), `${w} not in ${hits.join(' ')}`);
}

test('seed 000 NSQ: extensions/v1beta1 DaemonSet, untagged image, hard-coded ClusterIP, hostPath', () => {
  const { hits } = check('000-nsq-daemonset.yaml');
  includes(hits, ['removed-api@16', 'image-tag@29', 'connection-string@34', 'host-path@45']);
  assert.not.ok(hits.includes('image-tag@64'));
});

test('seed 001 EMQX: Service in another namespace selecting nothing', () => {
  const { hits } = check('001-emqx-service-namespace.yaml');
  includes(hits, ['dangling-ref@24', 'namespace-consistency@21']);
  assert.not.ok(hits.some((h) => h.startsWith('nodeport-range')));
});

test('seed 002: JVM heap larger than the memory limit', () => {
  const { hits, report } = check('002-jvm-heap.yaml');
  includes(hits, ['jvm-heap@22']);
  assert.is(report.findings.find((f) => f.id === 'jvm-heap')?.severity, 'error');
});

test('seed 003 EMQX: rbac v1beta1 removed, -rc image', () => {
  const { hits, report } = check('003-emqx-rbac-v1beta1.yaml');
  includes(hits, ['removed-api@8', 'removed-api@18', 'image-tag@50']);
  assert.is(report.findings.find((f) => f.id === 'image-tag')?.severity, 'warning');
  assert.not.ok(hits.some((h) => h.startsWith('discovery-')), 'the Role grants endpoints and the Service exists');
});

test('seed 004 RabbitMQ: names disagree, discovery without RBAC, plain Erlang cookie, split namespaces', () => {
  const { hits } = check('004-rabbitmq-discovery.yaml');
  includes(hits, ['dangling-ref@36', 'discovery-service-name@55', 'discovery-rbac@46', 'plaintext-secret@57', 'namespace-consistency@72']);
});

test.run();
