/**
 * The GitOps controller objects that make a cluster follow kforge's deploy branches.
 * Pure: an environment list in, plain JSON objects out (keys in a fixed, conventional
 * order: apiVersion, kind, metadata, spec). No IO here.
 *
 * Argo CD — one ApplicationSet per environment (not one with a list/matrix generator):
 *   each environment has its own branch, deploy path and namespace, and can be added,
 *   removed or paused (kubectl delete) on its own; a mistake in one cannot regenerate
 *   another environment's Applications. A git directory generator lists the app folders
 *   of the deploy branch (`<deployPath>/*`, dot-folders excluded) and makes one Application
 *   per folder, named `<env>-<folder>`, reading only that folder's `manifest.yaml`
 *   (README.md and hydrator.metadata are not manifests).
 *   `destination.namespace` is the overlay's `namespace:` when it has one: the rendered
 *   resources already carry it, but Argo CD needs it to create the namespace before the
 *   first sync (CreateNamespace=true), since the Namespace object lives in only one of the
 *   app folders and Applications sync in no particular order. Without one it is left out
 *   and the manifests' own namespaces apply.
 *   `preserveResourcesOnDeletion: true`: deleting the ApplicationSet (or an app folder
 *   disappearing) deletes Applications but never the workloads they deployed.
 *
 * Flux — per environment a GitRepository (the deploy branch) and a Kustomization at the
 *   deploy path. The deploy branch holds no kustomization.yaml, so kustomize-controller
 *   generates one listing every `*.yaml`/`*.yml` file below the path (fluxcd/pkg
 *   kustomize generator: other extensions are skipped), so `README.md`,
 *   `hydrator.metadata` and `.gitattributes` are never read as manifests. No
 *   `targetNamespace`: the manifests carry their namespaces and the environment's
 *   Namespace object is applied first within the same Kustomization.
 */
import type { JsonObject } from '../types.js';
import { argoRepoURL, fluxRepoURL } from './repo-url.js';

export interface BootstrapEnv {
  name: string;
  /** The branch the cluster follows (what kforge publishes, or the target of its promotion PRs). */
  branch: string;
  /** Folder inside the deploy branch ("" or undefined: the root). */
  deployPath?: string;
  /** The environment's namespace (the overlay's `namespace:`), when known. */
  namespace?: string;
}

export interface ManifestOptions {
  repoURL: string;
  argocdNamespace: string;
  fluxNamespace: string;
  project: string;
  /** Argo CD destination cluster. */
  server: string;
}

export const DEFAULTS = {
  argocdNamespace: 'argocd',
  fluxNamespace: 'flux-system',
  project: 'default',
  server: 'https://kubernetes.default.svc',
} as const;

/** "" for the root; "a/b" otherwise; undefined when invalid (absolute, `..`, `.git`). */
export function normalizeDeployPath(p: string | undefined): string | undefined {
  if (p === undefined) return '';
  if (p.startsWith('/') || p.includes('\\') || p.includes('\0')) return undefined;
  const parts = p.split('/').filter((x) => x !== '' && x !== '.');
  if (parts.some((x) => x === '..' || x === '.git')) return undefined;
  return parts.join('/');
}

export function resourceName(env: string): string {
  return `kforge-${env}`;
}

export function applicationSet(env: BootstrapEnv, o: ManifestOptions): JsonObject {
  const dp = normalizeDeployPath(env.deployPath) ?? '';
  const glob = dp ? `${dp}/*` : '*';
  const dots = dp ? `${dp}/.*` : '.*';
  const url = argoRepoURL(o.repoURL);
  const destination: JsonObject = { server: o.server };
  if (env.namespace) destination.namespace = env.namespace;
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: {
      name: resourceName(env.name),
      namespace: o.argocdNamespace,
      labels: { 'app.kubernetes.io/part-of': 'kforge', 'kforge.io/environment': env.name },
    },
    spec: {
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      generators: [
        {
          git: {
            repoURL: url,
            revision: env.branch,
            directories: [{ path: glob }, { path: dots, exclude: true }],
          },
        },
      ],
      syncPolicy: { preserveResourcesOnDeletion: true },
      template: {
        metadata: {
          name: `${env.name}-{{.path.basename}}`,
          labels: {
            'app.kubernetes.io/part-of': 'kforge',
            'kforge.io/environment': env.name,
            'kforge.io/app': '{{.path.basename}}',
          },
        },
        spec: {
          project: o.project,
          source: {
            repoURL: url,
            targetRevision: env.branch,
            path: '{{.path.path}}',
            directory: { include: 'manifest.yaml' },
          },
          destination,
          syncPolicy: {
            automated: { prune: true, selfHeal: true },
            syncOptions: ['CreateNamespace=true'],
            retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
          },
        },
      },
    },
  };
}

export function fluxGitRepository(env: BootstrapEnv, o: ManifestOptions): JsonObject {
  return {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: {
      name: resourceName(env.name),
      namespace: o.fluxNamespace,
      labels: { 'app.kubernetes.io/part-of': 'kforge', 'kforge.io/environment': env.name },
    },
    spec: {
      interval: '1m',
      url: fluxRepoURL(o.repoURL),
      ref: { branch: env.branch },
    },
  };
}

export function fluxKustomization(env: BootstrapEnv, o: ManifestOptions): JsonObject {
  const dp = normalizeDeployPath(env.deployPath) ?? '';
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: {
      name: resourceName(env.name),
      namespace: o.fluxNamespace,
      labels: { 'app.kubernetes.io/part-of': 'kforge', 'kforge.io/environment': env.name },
    },
    spec: {
      interval: '10m',
      retryInterval: '2m',
      timeout: '10m',
      sourceRef: { kind: 'GitRepository', name: resourceName(env.name) },
      path: dp ? `./${dp}` : './',
      prune: true,
      wait: true,
    },
  };
}
