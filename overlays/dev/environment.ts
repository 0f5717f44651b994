// kforge's additions for dev, beside the plain Kustomize overlay (kustomization.yaml).
import { defineEnvironment, patch, byKey } from '../../compiler/api.js';

export default defineEnvironment({
  name: 'dev',
  kubernetesVersion: '1.31',
  deployBranch: 'environments/dev',
  // dev generates throwaway credentials with secretGenerator (dev-only values).
  allowSecrets: true,
  patches: [
    // dev rolls out many builds a day: keep fewer old ReplicaSets around, and show the
    // last log lines as the termination message when a build crashes.
    patch({ kind: 'Deployment', name: 'im-service' }, (p) =>
      p
        .set((d) => d.spec.revisionHistoryLimit, 2)
        .set((d) => byKey(d.spec.template.spec.containers, 'name', 'im-service').terminationMessagePolicy, 'FallbackToLogsOnError'),
    ),
  ],
});
