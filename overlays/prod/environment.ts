// kforge's additions for prod, beside the plain Kustomize overlay (kustomization.yaml).
// Type-checked with the project: a misspelt field or a value of the wrong type in a
// typed patch is a compile error (npm test runs tsc over every overlay).
import { defineEnvironment, patch, byKey } from '../../compiler/api.js';

export default defineEnvironment({
  name: 'prod',
  kubernetesVersion: '1.31',
  deployBranch: 'environments/prod',
  // Production Secrets come from the external secret store (ExternalSecret), never from git.
  allowSecrets: false,
  patches: [
    // Kafka brokers need time for a controlled shutdown (partition leadership moves away).
    patch({ kind: 'StatefulSet', name: 'kafka' }, (p) => p.set((s) => s.spec.template.spec.terminationGracePeriodSeconds, 180)),
    // Never take a replica of the business service down before its replacement is ready.
    patch({ kind: 'Deployment', name: 'im-service' }, (p) =>
      p
        .set((d) => d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } })
        .set((d) => byKey(d.spec.template.spec.containers, 'name', 'im-service').terminationMessagePolicy, 'FallbackToLogsOnError'),
    ),
  ],
  diffIgnore: { fields: ['metadata.annotations.checksum/*'] },
});
