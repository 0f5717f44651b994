/**
 * Issue 17 point 4: the seed mistakes the first round of checks missed, each as a small
 * Kustomize tree under test/fixtures/policies-e2e, checked by the real `kforge check DIR
 * --format json`, each finding asserted at its file:line (and with the complete list, so a
 * tree has no other finding).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FIX, kforge, parseFindings, where, type JsonFinding } from './helpers.js';

async function check(dir: string): Promise<{ code: number; findings: JsonFinding[] }> {
  const r = await kforge(['check', `${FIX}/${dir}`, '--format', 'json']);
  assert.is(r.err, '', `stderr of check ${dir}`);
  return { code: r.code, findings: parseFindings(r.out) };
}

test('seed 004 RabbitMQ: cluster_formation.k8s.hostname_suffix names rmq-cluster, not the headless Service', async () => {
  const { code, findings } = await check('rabbitmq-hostname-suffix/overlays/prod');
  assert.is(code, 1);
  assert.equal(where(findings), [`discovery-service-name error ${FIX}/rabbitmq-hostname-suffix/bases/rabbitmq/configmap.yaml:9`]);
  assert.is(findings[0].pointer, '/data/rabbitmq.conf');
  assert.match(findings[0].message, /hostname_suffix \.rmq-cluster\.public-service\.svc\.cluster\.local \(line 5 of rabbitmq\.conf\) names Service rmq-cluster, not the headless Service rabbitmq-headless/);
  assert.match(findings[0].message, /<pod>\.rabbitmq-headless\.public-service\.svc\.cluster\.local/);
  assert.match(findings[0].message, /nxdomain/);
});

test('seed 003 EMQX: EMQX_CLUSTER__K8S__SERVICE_NAME through envFrom of a ConfigMap is checked like env', async () => {
  const { code, findings } = await check('emqx-envfrom/overlays/prod');
  assert.is(code, 1);
  assert.equal(where(findings), [`discovery-service-name error ${FIX}/emqx-envfrom/bases/emqx/configmap.yaml:11`]);
  assert.is(findings[0].pointer, '/data/EMQX_CLUSTER__K8S__SERVICE_NAME');
  assert.equal(findings[0].resource, { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'emqx', name: 'emqx-config' });
  assert.match(findings[0].message, /emqx-service \(EMQX_CLUSTER__K8S__SERVICE_NAME from ConfigMap emqx-config \(envFrom of StatefulSet emqx\)\) differs from the StatefulSet emqx serviceName emqx-headless/);
});

test('seed 003 EMQX: Role and RoleBinding under rbac.authorization.kubernetes.io: error in prod, warning in dev, with did-you-mean', async () => {
  const f = `${FIX}/rbac-group/bases/emqx/rbac.yaml`;
  const prod = await check('rbac-group/overlays/prod');
  assert.is(prod.code, 1);
  assert.equal(where(prod.findings), [`unknown-api error ${f}:8`, `unknown-api error ${f}:17`]);
  assert.equal(prod.findings.map((x) => x.resource.kind), ['Role', 'RoleBinding']);
  assert.ok(prod.findings.every((x) => x.pointer === '/apiVersion'));
  assert.match(prod.findings[0].message, /no CRD defines Role in rbac\.authorization\.kubernetes\.io\/v1beta1.*did you mean rbac\.authorization\.k8s\.io\/v1\?/);
  assert.ok(prod.findings.every((x) => x.hint.includes('rbac.authorization.k8s.io/v1')));
  const dev = await check('rbac-group/overlays/dev');
  assert.is(dev.code, 0);
  assert.equal(where(dev.findings), [`unknown-api warning ${f}:8`, `unknown-api warning ${f}:17`]);
});

test('seed 002/004: a password inside a URL, a jdbc:mysql URL and Spring host/port pairs naming Services not rendered', async () => {
  const { code, findings } = await check('app-config/overlays/prod');
  assert.is(code, 1);
  const f = `${FIX}/app-config/bases/im/configmap.yaml`;
  assert.equal(where(findings), [`plaintext-secret error ${f}:7`, `connection-string error ${f}:8`, `connection-string error ${f}:10`]);
  assert.equal(findings.map((x) => x.pointer), ['/data/RABBITMQ_URL', '/data/SPRING_DATASOURCE_URL', '/data/application.yml']);
  assert.match(findings[0].message, /URL with a password in plain text \(amqp:\/\/im:\*\*\*@\)/);
  assert.not.match(findings[0].message, /Pa55w0rd/, 'the finding must not repeat the password');
  assert.match(findings[1].message, /mysql-primary:3306 does not resolve: no Service im\/mysql-primary is rendered/);
  assert.match(findings[2].message, /spring\.redis\.host \/ port in application\.yml: host redis-master and port 6379 do not resolve: no Service im\/redis-master/);
});

test('seed 004: Secret.data that is not base64 and a storageClassName that is not a DNS-1123 subdomain', async () => {
  const { code, findings } = await check('api-values/overlays/staging');
  assert.is(code, 1);
  const b = `${FIX}/api-values/bases/rabbitmq`;
  assert.equal(where(findings), [`schema error ${b}/pvc.yaml:9`, `schema error ${b}/secret.yaml:9`]);
  assert.equal(findings.map((x) => x.pointer), ['/spec/storageClassName', '/data/password']);
  assert.match(findings[0].message, /storageClassName rabbitmq-storageClass is not a DNS-1123 subdomain/);
  assert.match(findings[1].message, /Secret data password is not valid base64/);
  assert.not.match(findings[1].message, /RABBITMQ_PASS/);
});

test('seed 001 EMQX: Pod and Service in different namespaces, from separate bases: the finding says where the pod is', async () => {
  const { code, findings } = await check('service-namespace-files/overlays/prod');
  assert.is(code, 1);
  assert.equal(where(findings), [`dangling-ref error ${FIX}/service-namespace-files/bases/emqx-service/service.yaml:9`]);
  assert.match(findings[0].message, /selects no pod template in namespace kube-mqtt \(selector name=mqtt\)/);
  assert.match(findings[0].message, /Pod it looks meant for \(same name and ports\), kube-emqx\/emqx, is in namespace kube-emqx, not kube-mqtt, and its labels name=emqx do not match the selector/);
  assert.match(findings[0].hint, /one namespace/);
});

test.run();
