/**
 * Issue 4, end to end: every seed mistake of /work/shared/seeds, written as a small
 * Kustomize tree (bases/ + overlays/prod), built by the real compiler and checked by
 * `kforge check DIR --format json`. Each finding must carry the check id, the severity
 * of the environment and the exact file:line of the offending field — the overlay's
 * patch line when a patch set it, never the base's.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FIX, kforge, parseFindings, where, type JsonFinding } from './helpers.js';

async function check(dir: string, ...flags: string[]): Promise<{ code: number; findings: JsonFinding[]; err: string }> {
  const r = await kforge(['check', `${FIX}/${dir}`, '--format', 'json', ...flags]);
  assert.is(r.err, '', `stderr of check ${dir}`);
  return { code: r.code, findings: parseFindings(r.out), err: r.err };
}

test('seed 001 EMQX: Service in another namespace than its pod, selector matching nothing', async () => {
  const { code, findings } = await check('service-namespace/overlays/prod');
  assert.is(code, 1);
  const svc = `${FIX}/service-namespace/bases/emqx/service.yaml`;
  assert.equal(where(findings), [`namespace-consistency error ${svc}:6`, `dangling-ref error ${svc}:9`]);
  assert.equal(findings.map((f) => f.pointer), ['/metadata/namespace', '/spec/selector']);
  assert.ok(findings.every((f) => f.resource.kind === 'Service' && f.resource.namespace === 'kube-mqtt' && f.resource.name === 'emqx'));
  assert.match(findings[0].message, /kube-emqx/);
  assert.match(findings[1].message, /name=mqtt/);
});

test('seed 004 RabbitMQ: StatefulSet serviceName, headless Service and K8S_SERVICE_NAME disagree (the overlay patch set the env)', async () => {
  const { code, findings } = await check('statefulset-discovery/overlays/prod');
  assert.is(code, 1);
  assert.equal(where(findings), [
    `dangling-ref error ${FIX}/statefulset-discovery/bases/rabbitmq/statefulset.yaml:7`,
    `discovery-service-name error ${FIX}/statefulset-discovery/overlays/prod/discovery.yaml:13`,
  ]);
  assert.is(findings[0].pointer, '/spec/serviceName');
  assert.match(findings[0].message, /no Service mq-system\/rabbitmq/);
  // the strategic merge puts the patched env entry first, as kustomize does
  assert.is(findings[1].pointer, '/spec/template/spec/containers/0/env/0/value');
  assert.match(findings[1].message, /rabbitmq-discovery differs from the StatefulSet rabbitmq serviceName rabbitmq/);
});

test('seed 003 EMQX: Kubernetes discovery without RBAC to read endpoints', async () => {
  const { code, findings } = await check('discovery-rbac/overlays/prod');
  assert.is(code, 1);
  assert.equal(where(findings), [`discovery-rbac error ${FIX}/discovery-rbac/bases/emqx/statefulset.yaml:17`]);
  assert.is(findings[0].pointer, '/spec/template/spec/serviceAccountName');
  assert.equal(findings[0].resource, { apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: 'emqx', name: 'emqx' });
});

test('seed 004 RabbitMQ: Erlang cookie in plain text', async () => {
  const { code, findings } = await check('erlang-cookie/overlays/prod');
  assert.is(code, 1);
  assert.equal(where(findings), [`plaintext-secret error ${FIX}/erlang-cookie/bases/rabbitmq/statefulset.yaml:31`]);
  assert.is(findings[0].source?.column, 11);
  assert.match(findings[0].message, /RABBITMQ_ERLANG_COOKIE/);
  assert.not.match(findings[0].message, /secret-cookie-do-not-share/, 'the finding must not repeat the secret');
});

test('seed 000 NSQ: extensions/v1beta1 DaemonSet', async () => {
  const { code, findings } = await check('nsq-daemonset/overlays/prod');
  assert.is(code, 1);
  assert.equal(where(findings), [`removed-api error ${FIX}/nsq-daemonset/bases/nsq/nsqd.yaml:2`]);
  assert.is(findings[0].pointer, '/apiVersion');
  assert.equal(findings[0].resource, { apiVersion: 'extensions/v1beta1', kind: 'DaemonSet', namespace: 'nsq', name: 'nsqd' });
  assert.match(findings[0].message, /removed in Kubernetes 1\.16/);
});

test('seed 003 EMQX: rbac.authorization.k8s.io/v1beta1 Role and RoleBinding', async () => {
  const { code, findings } = await check('rbac-v1beta1/overlays/prod');
  assert.is(code, 1);
  const f = `${FIX}/rbac-v1beta1/bases/emqx/rbac.yaml`;
  assert.equal(where(findings), [`removed-api error ${f}:7`, `removed-api error ${f}:16`]);
  assert.equal(findings.map((x) => x.resource.kind), ['Role', 'RoleBinding']);
  assert.ok(findings.every((x) => x.hint.includes('rbac.authorization.k8s.io/v1')));
});

test('seed 002: JVM heap above the memory limit, set by the overlay patch (strategic merge): the patch line, not the base', async () => {
  const { code, findings } = await check('jvm-heap/overlays/prod');
  assert.is(code, 1);
  assert.equal(where(findings), [`jvm-heap error ${FIX}/jvm-heap/overlays/prod/heap.yaml:13`]);
  assert.is(findings[0].source?.column, 11);
  assert.match(findings[0].message, /-Xmx 2048Mi is not below the memory limit 1024Mi/);
});

test('seed 002: JVM heap appended by a JSON 6902 patch (env/-): the finding points at the patch value, not the base', async () => {
  const { code, findings } = await check('jvm-heap/overlays/staging');
  assert.is(code, 1);
  assert.is(findings.length, 1);
  assert.is(findings[0].pointer, '/spec/template/spec/containers/0/env/1/value');
  assert.equal(where(findings), [`jvm-heap error ${FIX}/jvm-heap/overlays/staging/heap.yaml:6`]);
});

test('seed 002: JVM heap set by an inline patch in the kustomization: the line inside kustomization.yaml', async () => {
  const { code, findings } = await check('jvm-heap/overlays/qa');
  assert.is(code, 1);
  assert.is(findings.length, 1);
  assert.equal(where(findings), [`jvm-heap error ${FIX}/jvm-heap/overlays/qa/kustomization.yaml:19`]);
  assert.is(findings[0].source?.column, 15);
});

test('seed 000 NSQ: hard-coded lookupd ClusterIP, put in by a JSON 6902 replace in the overlay: the patch value line', async () => {
  const { code, findings } = await check('lookupd-clusterip/overlays/prod');
  assert.is(code, 1);
  assert.is(findings.length, 1);
  assert.is(findings[0].id, 'connection-string');
  assert.is(findings[0].pointer, '/spec/template/spec/containers/0/command/1');
  assert.match(findings[0].message, /hard-coded IP address 10\.96\.0\.3:4160/);
  assert.is(findings[0].source?.file, `${FIX}/lookupd-clusterip/overlays/prod/lookupd-ip.yaml`);
  assert.is(findings[0].source?.line, 4, 'the line of `value:` that holds the IP (line 3 is the op path)');
});

test('seed 000 NSQ: untagged image pulled Always: error in prod, warning in dev', async () => {
  const f = `${FIX}/untagged-image/bases/nsq/nsqadmin.yaml`;
  const prod = await check('untagged-image/overlays/prod');
  assert.is(prod.code, 1);
  assert.equal(where(prod.findings), [`image-tag error ${f}:18`]);
  assert.is(prod.findings[0].pointer, '/spec/template/spec/containers/0/image');
  assert.match(prod.findings[0].message, /nsqio\/nsq has no tag/);
  const dev = await check('untagged-image/overlays/dev');
  assert.is(dev.code, 0, 'warnings do not fail the check');
  assert.equal(where(dev.findings), [`image-tag warning ${f}:18`]);
});

test('seed 000 NSQ: an overlay `images:` entry setting newTag latest: the finding points at that entry (warning in staging)', async () => {
  const { code, findings } = await check('untagged-image/overlays/staging');
  assert.is(code, 0);
  assert.equal(where(findings), [`image-tag warning ${FIX}/untagged-image/overlays/staging/kustomization.yaml:7`]);
  assert.match(findings[0].message, /nsqio\/nsq:latest uses the latest tag/);
});

test('--env overrides the environment named by the directory', async () => {
  const dev = await check('untagged-image/overlays/prod', '--env', 'dev');
  assert.is(dev.code, 0);
  assert.equal(dev.findings.map((f) => f.severity), ['warning']);
});

test.run();
