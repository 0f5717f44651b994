// kforge's additions for staging, beside the plain Kustomize overlay (kustomization.yaml).
import { defineEnvironment, patch, byKey } from '../../compiler/api.js';

export default defineEnvironment({
  name: 'staging',
  kubernetesVersion: '1.31',
  deployBranch: 'environments/staging',
  allowSecrets: false,
  patches: [
    patch({ kind: 'Deployment', name: 'im-service' }, (p) =>
      p.set((d) => byKey(d.spec.template.spec.containers, 'name', 'im-service').terminationMessagePolicy, 'FallbackToLogsOnError'),
    ),
  ],
  diffIgnore: { fields: ['metadata.annotations.checksum/*'] },
});
