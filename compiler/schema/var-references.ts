import type { FieldSpec } from '../transform/fieldspec.js';

/**
 * Where Kustomize v5.5 substitutes `$(VAR)` references of `vars` (its built-in
 * `varReference` table), established by experiment with `kustomize build`: every string
 * field of many kinds was set to `$(V)` and the replaced ones were recorded.
 *
 * Observed:
 * - kinds are matched by kind only: a `Deployment` of any group/version (apps/v1,
 *   extensions/v1beta1, a custom my.io/v1) gets the Deployment paths;
 * - `metadata/labels` and `metadata/annotations` of every kind (map values only, never keys);
 * - only a Deployment's pod template annotations (not a StatefulSet's, Job's…), and no
 *   pod template labels at all;
 * - containers and initContainers (never ephemeralContainers): args, command, env value,
 *   volumeMount mountPath;
 * - `volumes/nfs/server` of Pod, Deployment, DaemonSet, ReplicaSet and Job pod specs;
 *   for StatefulSet and CronJob, Kustomize's table names paths no real object has
 *   (`spec/volumeClaimTemplates/spec/nfs/server`, and the CronJob's
 *   `spec/jobTemplate/spec/template/volumes/nfs/server`, without the pod `spec`): those
 *   are substituted, the real pod-spec volumes of these two kinds are not;
 * - Ingress rule hosts, TLS hosts and TLS secret names; Service port and targetPort;
 *   PersistentVolume `spec/nfs/server`;
 * - nothing else: not ConfigMap data, not Secret data, not ReplicationController, not
 *   names, namespaces, images, probes or volume sources other than nfs server.
 */

const CONTAINER_FIELDS = ['args', 'command', 'env/value', 'volumeMounts/mountPath'];

function podSpecFields(kind: string, podSpec: string, nfs: boolean): FieldSpec[] {
  const out: FieldSpec[] = [];
  for (const list of ['containers', 'initContainers']) {
    for (const f of CONTAINER_FIELDS) out.push({ kind, path: `${podSpec}/${list}/${f}` });
  }
  if (nfs) out.push({ kind, path: `${podSpec}/volumes/nfs/server` });
  return out;
}

export const VAR_REFERENCE_FIELD_SPECS: readonly FieldSpec[] = [
  { path: 'metadata/labels' },
  { path: 'metadata/annotations' },
  { kind: 'Deployment', path: 'spec/template/metadata/annotations' },
  ...podSpecFields('Pod', 'spec', true),
  ...podSpecFields('Deployment', 'spec/template/spec', true),
  ...podSpecFields('DaemonSet', 'spec/template/spec', true),
  ...podSpecFields('ReplicaSet', 'spec/template/spec', true),
  ...podSpecFields('Job', 'spec/template/spec', true),
  ...podSpecFields('StatefulSet', 'spec/template/spec', false),
  ...podSpecFields('CronJob', 'spec/jobTemplate/spec/template/spec', false),
  { kind: 'Ingress', path: 'spec/rules/host' },
  { kind: 'Ingress', path: 'spec/tls/hosts' },
  { kind: 'Ingress', path: 'spec/tls/secretName' },
  { kind: 'Service', path: 'spec/ports/port' },
  { kind: 'Service', path: 'spec/ports/targetPort' },
  { kind: 'PersistentVolume', path: 'spec/nfs/server' },
  { kind: 'StatefulSet', path: 'spec/volumeClaimTemplates/spec/nfs/server' },
  { kind: 'CronJob', path: 'spec/jobTemplate/spec/template/volumes/nfs/server' },
];
