// A custom check, written by the repository (issue 17 point 3), motivated by seed 003: its EMQX
// StatefulSet asks for storage class "manual" through the annotation
// volume.alpha.kubernetes.io/storage-class on a volumeClaimTemplate. Kubernetes ignores the
// alpha annotation (the claim gets the default class, or none) and deprecated the beta one for
// spec.storageClassName. Typed against the client-node models: `sts.object` is a V1StatefulSet,
// `pvc.object` a V1PersistentVolumeClaim, and findings point at typed paths.
import { defineCheck, at } from '../api.js';

const ANNOTATIONS: Record<string, string> = {
  'volume.alpha.kubernetes.io/storage-class': 'ignored by Kubernetes',
  'volume.beta.kubernetes.io/storage-class': 'deprecated',
};

function annotationOf(annotations: Record<string, string> | undefined): { key: string; value: string; why: string } | undefined {
  for (const key of Object.keys(ANNOTATIONS)) {
    const value = annotations?.[key];
    if (value !== undefined) return { key, value, why: ANNOTATIONS[key] };
  }
  return undefined;
}

export default defineCheck({
  id: 'storage-class-annotation',
  title: 'Storage class requested by annotation',
  doc: 'PersistentVolumeClaims and StatefulSet volumeClaimTemplates must name their storage class in spec.storageClassName, not with the volume.alpha.kubernetes.io/storage-class (ignored) or volume.beta.kubernetes.io/storage-class (deprecated) annotation.',
  hint: 'Move the class to spec.storageClassName and drop the annotation.',
  severity: { dev: 'warning', staging: 'error', prod: 'error' },
  run(ctx) {
    for (const sts of ctx.objects('StatefulSet')) {
      (sts.object.spec?.volumeClaimTemplates ?? []).forEach((t, i) => {
        const a = annotationOf(t.metadata?.annotations);
        if (!a) return;
        const spec = t.spec?.storageClassName !== undefined ? `; spec.storageClassName ${t.spec.storageClassName} is set too` : '';
        ctx.report(sts, `volumeClaimTemplate ${t.metadata?.name ?? i} asks for storage class ${a.value} with ${a.key} (${a.why})${spec}`, (s) => at(s.spec.volumeClaimTemplates, i).metadata.annotations[a.key]);
      });
    }
    for (const pvc of ctx.objects('PersistentVolumeClaim')) {
      const a = annotationOf(pvc.object.metadata?.annotations);
      if (a) ctx.report(pvc, `PersistentVolumeClaim ${pvc.name} asks for storage class ${a.value} with ${a.key} (${a.why})`, (c) => c.metadata.annotations[a.key]);
    }
  },
});
