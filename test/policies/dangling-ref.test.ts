import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run, hits, lineOf } from './helpers.js';

const base = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: mq, namespace: mq}
spec:
  serviceName: mq-headless
  replicas: 3
  selector: {matchLabels: {app: mq}}
  template:
    metadata: {labels: {app: mq}}
    spec:
      serviceAccountName: mq
      containers:
      - name: mq
        image: rabbitmq:3.13
        ports: [{containerPort: 5672, name: amqp}]
        env:
        - name: PASS
          valueFrom: {secretKeyRef: {name: mq-secret, key: password}}
        - name: OPT
          valueFrom: {configMapKeyRef: {name: nothing-here, key: x, optional: true}}
        envFrom:
        - configMapRef: {name: mq-config}
      volumes:
      - name: conf
        configMap: {name: mq-config, items: [{key: rabbitmq.conf, path: rabbitmq.conf}]}
---
apiVersion: v1
kind: Service
metadata: {name: mq-headless, namespace: mq}
spec:
  clusterIP: None
  selector: {app: mq}
  ports: [{port: 5672, targetPort: amqp}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: mq, namespace: mq}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: mq-config, namespace: mq}
data: {rabbitmq.conf: "x = 1"}
---
apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata: {name: mq-secret-es, namespace: mq}
spec:
  target: {name: mq-secret}
  data: [{secretKey: password, remoteRef: {key: mq/password}}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: mq, namespace: mq}
spec:
  rules:
  - host: mq.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend: {service: {name: mq-headless, port: {number: 5672}}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: mq, namespace: mq}
spec: {maxUnavailable: 1, selector: {matchLabels: {app: mq}}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: mq, namespace: mq}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: mq, namespace: mq}]
`;

test('dangling-ref: a consistent stack is quiet', () => {
  assert.equal(hits(run('dangling-ref', base)), []);
});

test('dangling-ref: each broken reference is reported at its field', () => {
  const y = base
    .replace('serviceName: mq-headless', 'serviceName: mq-hl')
    .replace('serviceAccountName: mq', 'serviceAccountName: mq-sa')
    .replace('key: password}}', 'key: pass}}')
    .replace("configMapRef: {name: mq-config}", 'configMapRef: {name: mq-cfg}')
    .replace('items: [{key: rabbitmq.conf', 'items: [{key: enabled_plugins')
    .replace('targetPort: amqp', 'targetPort: amqps')
    .replace('port: {number: 5672}', 'port: {number: 15672}')
    .replace('matchLabels: {app: mq}}}', 'matchLabels: {app: nope}}}')
    .replace('name: mq, namespace: mq}]', 'name: ghost, namespace: mq}]');
  const got = hits(run('dangling-ref', y)).sort();
  const want = [
    `dangling-ref@${lineOf(y, 'serviceName: mq-hl')}`,
    `dangling-ref@${lineOf(y, 'serviceAccountName: mq-sa')}`,
    `dangling-ref@${lineOf(y, 'secretKeyRef')}`,
    `dangling-ref@${lineOf(y, 'configMapRef: {name: mq-cfg}')}`,
    `dangling-ref@${lineOf(y, 'items: [{key: enabled_plugins')}`,
    `dangling-ref@${lineOf(y, 'ports: [{port: 5672, targetPort: amqps')}`,
    `dangling-ref@${lineOf(y, 'backend: {service')}`,
    `dangling-ref@${lineOf(y, 'spec: {maxUnavailable: 1')}`,
    `dangling-ref@${lineOf(y, 'subjects: [{kind: ServiceAccount, name: ghost')}`,
  ].sort();
  assert.equal(got, want);
});

test('dangling-ref: Service selecting nothing, missing PVC, HPA target, Role', () => {
  const y = `apiVersion: v1
kind: Service
metadata: {name: s}
spec: {selector: {app: none}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Pod
metadata: {name: p, labels: {app: p}}
spec:
  containers: [{name: c, image: "x:1"}]
  volumes: [{name: d, persistentVolumeClaim: {claimName: data}}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: h}
spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: gone}, maxReplicas: 3}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: rb}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: missing}
subjects: []
`;
  assert.equal(hits(run('dangling-ref', y)), ['dangling-ref@4', 'dangling-ref@11', 'dangling-ref@16', 'dangling-ref@21']);
});

test('dangling-ref: SealedSecret counts as rendered; a non-headless serviceName is reported', () => {
  const y = `apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata: {name: creds}
spec: {encryptedData: {token: AgB}}
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: c
    image: x:1
    env: [{name: T, valueFrom: {secretKeyRef: {name: creds, key: token}}}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: s}
spec:
  serviceName: svc
  template: {spec: {containers: [{name: c, image: "x:1"}]}}
---
apiVersion: v1
kind: Service
metadata: {name: svc}
spec: {ports: [{port: 80}]}
`;
  assert.equal(hits(run('dangling-ref', y)), [`dangling-ref@${lineOf(y, 'serviceName: svc')}`]);
});

test('dangling-ref: extensions/v1beta1-style Ingress backends (serviceName/servicePort)', () => {
  const y = `apiVersion: v1
kind: Service
metadata: {name: nsqadmin}
spec: {ports: [{port: 4171, name: http}]}
---
apiVersion: networking.k8s.io/v1beta1
kind: Ingress
metadata: {name: nsqadmin}
spec:
  rules:
  - http:
      paths:
      - backend: {serviceName: nsqadmin, servicePort: 4171}
      - backend: {serviceName: nsqadmin, servicePort: web}
      - backend: {serviceName: nsqadmn, servicePort: 4171}
`;
  assert.equal(hits(run('dangling-ref', y)), ['dangling-ref@14', 'dangling-ref@15']);
});

test.run();
