/** Issue 17 point 4, unit level: the helpers and edge cases behind the seed mistakes first missed. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run, hits, lineOf } from './helpers.js';
import { suffixMismatch } from '../../policies/checks/discovery.js';
import { urlWithPassword } from '../../policies/checks/secrets.js';
import { hostPorts, hostPortPairs } from '../../policies/checks/network.js';
import { isBase64 } from '../../policies/checks/schema.js';

test('suffixMismatch: the headless Service and namespace, relative or fully qualified', () => {
  assert.is(suffixMismatch('.rabbitmq-headless.mq.svc.cluster.local', 'rabbitmq-headless', 'mq'), undefined);
  assert.is(suffixMismatch('.rabbitmq-headless', 'rabbitmq-headless', 'mq'), undefined);
  assert.is(suffixMismatch('.rabbitmq-headless.mq.svc', 'rabbitmq-headless', 'mq'), undefined);
  assert.match(suffixMismatch('.rmq-cluster.mq.svc.cluster.local', 'rabbitmq-headless', 'mq') ?? '', /names Service rmq-cluster, not the headless Service rabbitmq-headless/);
  assert.match(suffixMismatch('.rabbitmq-headless.public-service.svc.cluster.local', 'rabbitmq-headless', 'mq') ?? '', /names namespace public-service, but .* are in mq/);
  assert.match(suffixMismatch('.rmq.other.svc.cluster.local', 'rabbitmq-headless', 'mq') ?? '', /Service rmq in namespace other/);
});

test('urlWithPassword: credentials in URLs, never the password, placeholders skipped', () => {
  assert.is(urlWithPassword('amqp://user:PASS@host:5672/vhost'), 'amqp://user:***@');
  assert.is(urlWithPassword('redis://default:s3cret@redis-master:6379/0'), 'redis://default:***@');
  assert.is(urlWithPassword('jdbc:mysql://root:root@mysql:3306/im'), 'mysql://root:***@');
  assert.is(urlWithPassword('amqp://user:$(RABBITMQ_PASS)@host'), undefined);
  assert.is(urlWithPassword('amqp://user:${RABBITMQ_PASS}@host'), undefined);
  assert.is(urlWithPassword('amqp://user@host'), undefined);
  assert.is(urlWithPassword('https://example.com/a:b@c'), undefined);
});

test('hostPorts: jdbc URLs with query strings and several hosts', () => {
  assert.equal(hostPorts('jdbc:mysql://mysql-primary:3306/im?useSSL=false&serverTimezone=Asia/Shanghai'), [{ host: 'mysql-primary', port: 3306 }]);
  assert.equal(hostPorts('jdbc:mysql://m-0.mysql:3306,m-1.mysql:3306/im?a=b'), [{ host: 'm-0.mysql', port: 3306 }, { host: 'm-1.mysql', port: 3306 }]);
  assert.equal(hostPorts('jdbc:postgresql://pg:5432/db#frag'), [{ host: 'pg', port: 5432 }]);
  assert.equal(hostPorts('SERVERS=zk-0.zk:2181'), [{ host: 'zk-0.zk', port: 2181 }]);
});

test('hostPortPairs: Spring application.yml and application.properties', () => {
  const yml = 'spring:\n  redis:\n    host: redis\n    port: 6379\n  datasource:\n    host: ${DB_HOST}\n    port: 3306\n';
  assert.equal(hostPortPairs('application.yml', yml).map((x) => `${x.host}:${x.port} ${x.where}`), ['redis:6379 spring.redis.host / port in application.yml']);
  const props = 'spring.rabbitmq.host=rabbitmq\nspring.rabbitmq.port=5672\nspring.redis.host=redis\n';
  assert.equal(hostPortPairs('application.properties', props).map((x) => `${x.host}:${x.port}`), ['rabbitmq:5672']);
  assert.equal(hostPortPairs('notes.txt', yml), []);
  assert.equal(hostPortPairs('broken.yaml', 'a: [\n'), []);
});

test('isBase64: padded standard base64, line breaks allowed', () => {
  assert.ok(isBase64('cmFiYml0bXE='));
  assert.ok(isBase64('cmFi\nYml0bXE='));
  assert.ok(isBase64(''));
  assert.not.ok(isBase64('RABBITMQ_PASS'));
  assert.not.ok(isBase64('cmFiYml0bXE'));
  assert.not.ok(isBase64('abc-_def'));
});

test('discovery-service-name: a service name from a ConfigMap key (valueFrom.configMapKeyRef) and an envFrom prefix', () => {
  const yaml = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: emqx, namespace: mq}
spec:
  serviceName: emqx-headless
  selector: {matchLabels: {app: emqx}}
  template:
    metadata: {labels: {app: emqx}}
    spec:
      containers:
      - name: emqx
        image: emqx:5
        envFrom:
        - prefix: EMQX_
          configMapRef: {name: cluster}
        env:
        - name: K8S_SERVICE_NAME
          valueFrom: {configMapKeyRef: {name: cluster, key: svc}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cluster, namespace: mq}
data:
  CLUSTER__K8S__SERVICE_NAME: emqx-headless
  svc: emqx
`;
  const r = run('discovery-service-name', yaml, 'prod');
  assert.equal(hits(r), [`discovery-service-name@${lineOf(yaml, 'svc: emqx')}`]);
  assert.match(r.findings[0].message, /K8S_SERVICE_NAME from ConfigMap cluster key svc/);
});

test('dangling-ref: a Service whose selector matches pods only in another namespace points at its namespace', () => {
  const yaml = `apiVersion: v1
kind: Pod
metadata: {name: emqx, namespace: kube-emqx, labels: {name: emqx}}
spec:
  containers: [{name: emqx, image: "emqx:5"}]
---
apiVersion: v1
kind: Service
metadata:
  name: mqtt
  namespace: kube-mqtt
spec:
  selector: {name: emqx}
  ports: [{port: 1883}]
`;
  const r = run('dangling-ref', yaml, 'prod');
  assert.equal(hits(r), [`dangling-ref@${lineOf(yaml, 'namespace: kube-mqtt')}`]);
  assert.is(r.findings[0].pointer, '/metadata/namespace');
  assert.match(r.findings[0].message, /Pod kube-emqx\/emqx matches the selector but is in namespace kube-emqx/);
});

test('unknown-api: a CRD in the tree defines the kind and its served versions; near groups get a did-you-mean', () => {
  const yaml = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: externalsecrets.external-secrets.io}
spec:
  group: external-secrets.io
  names: {kind: ExternalSecret, plural: externalsecrets}
  scope: Namespaced
  versions:
  - {name: v1, served: true, storage: true}
  - {name: v1alpha1, served: false, storage: false}
---
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: ok, namespace: a}
---
apiVersion: external-secrets.io/v1alpha1
kind: ExternalSecret
metadata: {name: old, namespace: a}
---
apiVersion: external-secrets.io/v1
kind: ExternalSecrets
metadata: {name: typo, namespace: a}
---
apiVersion: networking.k8s.oi/v1
kind: Gateway
metadata: {name: gw, namespace: a}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: no-crd-known, namespace: a}
`;
  const r = run('unknown-api', yaml, 'prod');
  assert.equal(hits(r), [`unknown-api@${lineOf(yaml, 'external-secrets.io/v1alpha1')}`, `unknown-api@${lineOf(yaml, 'kind: ExternalSecrets')}`, `unknown-api@${lineOf(yaml, 'networking.k8s.oi')}`]);
  assert.equal(r.findings.map((f) => f.severity), ['warning', 'warning', 'error']);
  assert.match(r.findings[0].message, /does not serve v1alpha1 \(it serves v1\)/);
  assert.match(r.findings[1].message, /did you mean ExternalSecret\?/);
  assert.match(r.findings[2].message, /did you mean networking\.k8s\.io\?/);
});

test('unknown-api: with vendored CRDs, a custom resource no CRD defines is a warning', async () => {
  const { fromYaml, env, TODAY } = await import('./helpers.js');
  const { runChecks } = await import('../../policies/index.js');
  const crds = fromYaml(`apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: x.example.com}
spec: {group: example.com, names: {kind: X, plural: xs}, scope: Namespaced, versions: [{name: v1, served: true}]}
`, 'crds/x.yaml');
  const rs = fromYaml('apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: c, namespace: a}\n');
  const r = runChecks(rs, env('prod'), { today: TODAY, only: ['unknown-api'], crds });
  assert.equal(r.findings.map((f) => `${f.severity} ${f.message}`), ["warning no CRD defines Certificate in cert-manager.io/v1, neither in the tree nor in the environment's crds folder"]);
});


test('unknown-api: CRD groups that look like built-in ones, and CRD kinds named like built-in kinds, are not typos', async () => {
  const { nearBuiltinGroup } = await import('../../policies/checks/unknown-api.js');
  for (const g of ['networking.istio.io', 'networking.gke.io', 'networking.x-k8s.io', 'gateway.networking.k8s.io', 'snapshot.storage.k8s.io', 'batch.volcano.sh', 'serving.knative.dev']) assert.is(nearBuiltinGroup(g), undefined, g);
  assert.is(nearBuiltinGroup('networking.k8s.oi'), 'networking.k8s.io');
  assert.is(nearBuiltinGroup('app'), 'apps');
  const yaml = `apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: hello, namespace: a}
---
apiVersion: batch.volcano.sh/v1alpha1
kind: Job
metadata: {name: train, namespace: a}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: a}
---
apiVersion: app/v1
kind: Deployment
metadata: {name: web, namespace: a}
`;
  assert.equal(hits(run('unknown-api', yaml, 'prod')), [`unknown-api@${lineOf(yaml, 'apiVersion: app/v1')}`]);
});

test.run();
