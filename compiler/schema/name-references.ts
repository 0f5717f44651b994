import type { FieldSpec } from '../transform/fieldspec.js';
import type { NameBackReference } from '../load/kustomization.js';

/**
 * Kustomize v5.5's built-in name back-references: "a resource of this kind is referred to
 * by name from these fields". The set, including its gaps, is Kustomize's (checked with
 * `kubectl kustomize` on a nameSuffix build of every referrer kind):
 *
 *  - ConfigMap/Secret references are updated in Pod, PodTemplate, Deployment, ReplicaSet,
 *    DaemonSet, StatefulSet, Job and CronJob pod specs, but NOT in ReplicationController
 *    pod specs; ServiceAccount, PVC and PriorityClass references are updated in Pod,
 *    Deployment, StatefulSet, DaemonSet, Job, CronJob and ReplicationController, but NOT in
 *    ReplicaSet or PodTemplate.
 *  - A Knative Service's secretKeyRef is updated, its configMapKeyRef is not.
 *  - `rules/resourceNames` of Roles/ClusterRoles is updated for ConfigMaps and Secrets
 *    (and PersistentVolumes in ClusterRoles), item by item.
 *  - `subjects` of (Cluster)RoleBindings are matched by name and namespace whatever the
 *    subject's kind: a `kind: User` subject named like a renamed ServiceAccount is renamed
 *    too. Kustomize does that; kforge matches it.
 *  - Kustomize's IngressClass entry names the group "networking.k8s.io/v1", which no
 *    resource has, so `ingressClassName` is never updated. Kept as is, so output matches;
 *    the name-reference step warns (KF2010) when such a field keeps an old name.
 *
 * A path ending at a map (subjects, webhook `clientConfig/service`, Node `configSource/
 * configMap`) updates that map's `name`, and its `namespace` when the referral has one.
 */

/** Pod spec locations inside each workload kind. */
const POD_SPEC = {
  Pod: 'spec',
  PodTemplate: 'template/spec',
  Deployment: 'spec/template/spec',
  ReplicaSet: 'spec/template/spec',
  DaemonSet: 'spec/template/spec',
  StatefulSet: 'spec/template/spec',
  Job: 'spec/template/spec',
  CronJob: 'spec/jobTemplate/spec/template/spec',
  ReplicationController: 'spec/template/spec',
} as const;

type Workload = keyof typeof POD_SPEC;

const CONFIGMAP_IN_POD = [
  'volumes/configMap/name',
  'containers/env/valueFrom/configMapKeyRef/name',
  'initContainers/env/valueFrom/configMapKeyRef/name',
  'containers/envFrom/configMapRef/name',
  'initContainers/envFrom/configMapRef/name',
  'volumes/projected/sources/configMap/name',
];

const SECRET_IN_POD = [
  'volumes/secret/secretName',
  'containers/env/valueFrom/secretKeyRef/name',
  'initContainers/env/valueFrom/secretKeyRef/name',
  'containers/envFrom/secretRef/name',
  'initContainers/envFrom/secretRef/name',
  'imagePullSecrets/name',
  'volumes/projected/sources/secret/name',
];

const CONFIG_WORKLOADS: Workload[] = ['Pod', 'PodTemplate', 'Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet', 'Job', 'CronJob'];
const ACCOUNT_WORKLOADS: Workload[] = ['Pod', 'StatefulSet', 'Deployment', 'ReplicationController', 'CronJob', 'Job', 'DaemonSet'];

function inPods(workloads: Workload[], tails: string[]): FieldSpec[] {
  const out: FieldSpec[] = [];
  for (const w of workloads) {
    for (const t of tails) out.push({ kind: w, ...(w === 'Pod' ? { version: 'v1' } : {}), path: `${POD_SPEC[w]}/${t}` });
  }
  return out;
}

const hpa = (): FieldSpec[] => [{ kind: 'HorizontalPodAutoscaler', path: 'spec/scaleTargetRef/name' }];
const RBAC = 'rbac.authorization.k8s.io';

export const BUILTIN_NAME_REFERENCES: readonly NameBackReference[] = [
  { kind: 'Deployment', fieldSpecs: hpa() },
  { kind: 'ReplicationController', fieldSpecs: hpa() },
  { kind: 'ReplicaSet', fieldSpecs: hpa() },
  { kind: 'StatefulSet', fieldSpecs: hpa() },
  {
    kind: 'ConfigMap',
    version: 'v1',
    fieldSpecs: [
      ...inPods(CONFIG_WORKLOADS, CONFIGMAP_IN_POD),
      { kind: 'Node', path: 'spec/configSource/configMap' },
      { kind: 'Role', path: 'rules/resourceNames' },
      { kind: 'ClusterRole', path: 'rules/resourceNames' },
      { kind: 'Ingress', path: 'metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap' },
    ],
  },
  {
    kind: 'Secret',
    version: 'v1',
    fieldSpecs: [
      ...inPods(CONFIG_WORKLOADS, SECRET_IN_POD),
      { kind: 'Ingress', path: 'spec/tls/secretName' },
      { kind: 'Ingress', path: 'metadata/annotations/ingress.kubernetes.io\\/auth-secret' },
      { kind: 'Ingress', path: 'metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret' },
      { kind: 'Ingress', path: 'metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret' },
      { kind: 'ServiceAccount', path: 'imagePullSecrets/name' },
      { kind: 'StorageClass', path: 'parameters/secretName' },
      { kind: 'StorageClass', path: 'parameters/adminSecretName' },
      { kind: 'StorageClass', path: 'parameters/userSecretName' },
      { kind: 'StorageClass', path: 'parameters/secretRef' },
      { kind: 'Role', path: 'rules/resourceNames' },
      { kind: 'ClusterRole', path: 'rules/resourceNames' },
      { kind: 'Service', group: 'serving.knative.dev', version: 'v1', path: 'spec/template/spec/containers/env/valueFrom/secretKeyRef/name' },
      { kind: 'PersistentVolume', path: 'spec/azureFile/secretName' },
    ],
  },
  {
    kind: 'Service',
    version: 'v1',
    fieldSpecs: [
      { kind: 'StatefulSet', group: 'apps', path: 'spec/serviceName' },
      { kind: 'Ingress', path: 'spec/rules/http/paths/backend/serviceName' },
      { kind: 'Ingress', path: 'spec/backend/serviceName' },
      { kind: 'Ingress', path: 'spec/rules/http/paths/backend/service/name' },
      { kind: 'Ingress', path: 'spec/defaultBackend/service/name' },
      { kind: 'APIService', group: 'apiregistration.k8s.io', path: 'spec/service/name' },
      { kind: 'ValidatingWebhookConfiguration', group: 'admissionregistration.k8s.io', path: 'webhooks/clientConfig/service' },
      { kind: 'MutatingWebhookConfiguration', group: 'admissionregistration.k8s.io', path: 'webhooks/clientConfig/service' },
    ],
  },
  { kind: 'Role', group: RBAC, fieldSpecs: [{ kind: 'RoleBinding', group: RBAC, path: 'roleRef/name' }] },
  {
    kind: 'ClusterRole',
    group: RBAC,
    fieldSpecs: [
      { kind: 'RoleBinding', group: RBAC, path: 'roleRef/name' },
      { kind: 'ClusterRoleBinding', group: RBAC, path: 'roleRef/name' },
    ],
  },
  {
    kind: 'ServiceAccount',
    version: 'v1',
    fieldSpecs: [
      { kind: 'RoleBinding', group: RBAC, path: 'subjects' },
      { kind: 'ClusterRoleBinding', group: RBAC, path: 'subjects' },
      ...inPods(ACCOUNT_WORKLOADS, ['serviceAccountName']).map(({ version: _v, ...f }) => f),
    ],
  },
  {
    kind: 'PersistentVolumeClaim',
    version: 'v1',
    fieldSpecs: inPods(ACCOUNT_WORKLOADS, ['volumes/persistentVolumeClaim/claimName']).map(({ version: _v, ...f }) => f),
  },
  {
    kind: 'PersistentVolume',
    version: 'v1',
    fieldSpecs: [
      { kind: 'PersistentVolumeClaim', path: 'spec/volumeName' },
      { kind: 'ClusterRole', path: 'rules/resourceNames' },
    ],
  },
  {
    kind: 'StorageClass',
    group: 'storage.k8s.io',
    version: 'v1',
    fieldSpecs: [
      { kind: 'PersistentVolume', path: 'spec/storageClassName' },
      { kind: 'PersistentVolumeClaim', path: 'spec/storageClassName' },
      { kind: 'StatefulSet', path: 'spec/volumeClaimTemplates/spec/storageClassName' },
    ],
  },
  {
    kind: 'PriorityClass',
    group: 'scheduling.k8s.io',
    version: 'v1',
    fieldSpecs: inPods(ACCOUNT_WORKLOADS, ['priorityClassName']).map(({ version: _v, ...f }) => f),
  },
  {
    kind: 'ValidatingAdmissionPolicy',
    group: 'admissionregistration.k8s.io',
    fieldSpecs: [{ kind: 'ValidatingAdmissionPolicyBinding', group: 'admissionregistration.k8s.io', path: 'spec/policyName' }],
  },
  // Kustomize's own (mis)spelling of the group: never matches; see the header comment.
  { kind: 'IngressClass', group: 'networking.k8s.io/v1', version: 'v1', fieldSpecs: [{ kind: 'Ingress', path: 'spec/ingressClassName' }] },
];
