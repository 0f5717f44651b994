/**
 * Kind → resource (plural) for the built-in Kubernetes API, as discovery would answer it
 * (kforge has no cluster to ask), plus the custom resources whose CRD is in the tree.
 */
import type { Resource } from '../../compiler/types.js';
import { isClusterScoped } from '../../compiler/schema/cluster-scoped.js';
import { crdInfo } from '../crd/index.js';

const BUILTIN: Record<string, string> = {
  Binding: 'bindings', ComponentStatus: 'componentstatuses', ConfigMap: 'configmaps', Endpoints: 'endpoints', Event: 'events',
  LimitRange: 'limitranges', Namespace: 'namespaces', Node: 'nodes', PersistentVolume: 'persistentvolumes',
  PersistentVolumeClaim: 'persistentvolumeclaims', Pod: 'pods', PodTemplate: 'podtemplates', ReplicationController: 'replicationcontrollers',
  ResourceQuota: 'resourcequotas', Secret: 'secrets', Service: 'services', ServiceAccount: 'serviceaccounts',
  ControllerRevision: 'controllerrevisions', DaemonSet: 'daemonsets', Deployment: 'deployments', ReplicaSet: 'replicasets', StatefulSet: 'statefulsets',
  HorizontalPodAutoscaler: 'horizontalpodautoscalers', CronJob: 'cronjobs', Job: 'jobs', CertificateSigningRequest: 'certificatesigningrequests',
  Lease: 'leases', EndpointSlice: 'endpointslices', Ingress: 'ingresses', IngressClass: 'ingressclasses', NetworkPolicy: 'networkpolicies',
  PodDisruptionBudget: 'poddisruptionbudgets', ClusterRole: 'clusterroles', ClusterRoleBinding: 'clusterrolebindings', Role: 'roles',
  RoleBinding: 'rolebindings', PriorityClass: 'priorityclasses', CSIDriver: 'csidrivers', CSINode: 'csinodes', CSIStorageCapacity: 'csistoragecapacities',
  StorageClass: 'storageclasses', VolumeAttachment: 'volumeattachments', CustomResourceDefinition: 'customresourcedefinitions',
  APIService: 'apiservices', MutatingWebhookConfiguration: 'mutatingwebhookconfigurations', ValidatingWebhookConfiguration: 'validatingwebhookconfigurations',
  ValidatingAdmissionPolicy: 'validatingadmissionpolicies', ValidatingAdmissionPolicyBinding: 'validatingadmissionpolicybindings',
  MutatingAdmissionPolicy: 'mutatingadmissionpolicies', MutatingAdmissionPolicyBinding: 'mutatingadmissionpolicybindings',
  RuntimeClass: 'runtimeclasses', FlowSchema: 'flowschemas', PriorityLevelConfiguration: 'prioritylevelconfigurations',
  TokenReview: 'tokenreviews', SubjectAccessReview: 'subjectaccessreviews', SelfSubjectAccessReview: 'selfsubjectaccessreviews',
  ResourceClaim: 'resourceclaims', ResourceClaimTemplate: 'resourceclaimtemplates', DeviceClass: 'deviceclasses', ResourceSlice: 'resourceslices',
};

const BUILTIN_CLUSTER = new Set(['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding', 'FlowSchema', 'PriorityLevelConfiguration', 'DeviceClass', 'ResourceSlice', 'CertificateSigningRequest']);

export interface ResourceInfo {
  /** The resource (plural), lower case. */
  resource: string;
  clusterScoped: boolean;
}

/** Resource names of CRDs (crd/index.ts crdInfo): `${group}|${kind}` → plural and scope; a later CRD wins. */
export function crdIndex(resources: readonly Resource[]): Map<string, ResourceInfo> {
  const m = new Map<string, ResourceInfo>();
  for (const r of resources) {
    const c = crdInfo(r);
    if (c) m.set(`${c.group}|${c.kind}`, { resource: c.plural, clusterScoped: c.scope === 'Cluster' });
  }
  return m;
}

/** The resource of a kind: its CRD, the built-in table, else the lower-case English plural discovery would most likely give. */
export function resourceOf(group: string, kind: string, crds: ReadonlyMap<string, ResourceInfo>): ResourceInfo {
  const crd = crds.get(`${group}|${kind}`);
  if (crd) return crd;
  const clusterScoped = BUILTIN_CLUSTER.has(kind) || isClusterScoped(group, kind);
  const known = BUILTIN[kind];
  if (known) return { resource: known, clusterScoped };
  const l = kind.toLowerCase();
  const resource = /(s|x|z|ch|sh)$/.test(l) ? l + 'es' : /[^aeiou]y$/.test(l) ? l.slice(0, -1) + 'ies' : l + 's';
  return { resource, clusterScoped };
}
