/**
 * The GitOps controller objects that make a cluster follow kforge's deploy branches.
 * Pure: environments (with the inventory of their render, inventory.ts) in, plain JSON
 * objects out (keys in a fixed, conventional order: apiVersion, kind, metadata, spec).
 *
 * Argo CD — per environment an AppProject and an ApplicationSet.
 *   The AppProject `kforge-<env>` allows exactly what the environment renders: its one source
 *   repository (`sourceRepos`), the namespaces its resources go to on one cluster
 *   (`destinations`), the cluster-scoped objects it creates by group, kind and name
 *   (`clusterResourceWhitelist`; `name` needs Argo CD 3.2 or later), and, when the environment
 *   lists `signatureKeys`, only commits signed by one of those GnuPG keys (Argo CD verifies the
 *   commit the branch points to, `git verify-commit`, with the keys imported into
 *   argocd-gpg-keys-cm). Namespaced kinds are not restricted (no namespaceResourceWhitelist):
 *   the destinations already confine them. With `CreateNamespace=true` Argo CD creates the
 *   Application's destination namespace, which needs that Namespace whitelisted too.
 *   One ApplicationSet per environment (not one with a list/matrix generator): each
 *   environment has its own branch, deploy path and namespace, and can be added, removed or
 *   paused on its own. A git directory generator lists the app folders of the deploy branch
 *   (`<deployPath>/*`, dot-folders excluded) and makes one Application per folder, named
 *   `<env>-<folder>`, in the environment's project, reading only that folder's
 *   `manifest.yaml` (README.md and hydrator.metadata are not manifests).
 *   `destination.namespace` is the overlay's `namespace:` (or the one namespace the render
 *   uses): the rendered resources already carry it, but Argo CD needs it to create the
 *   namespace before the first sync (CreateNamespace=true), since the Namespace object lives
 *   in only one of the app folders and Applications sync in no particular order.
 *   `preserveResourcesOnDeletion: true`: deleting the ApplicationSet (or an app folder
 *   disappearing) deletes Applications but never the workloads they deployed.
 *
 * Flux — per environment a GitRepository (the deploy branch; `verify` when signatureKeys are
 *   set) and one Kustomization per app folder, so one unhealthy app does not hold back the
 *   others (`wait` makes each one's readiness its own resources' health). `dependsOn` only
 *   where the tree requires it: an app whose resources go to a namespace created by a Namespace
 *   object of another app, or that uses a kind whose CRD another app defines. The deploy branch
 *   holds no kustomization.yaml, so kustomize-controller generates one listing every
 *   `*.yaml`/`*.yml` file of the folder: `README.md` and `hydrator.metadata` are never read
 *   as manifests. The app list comes from the render at bootstrap time: an app added later
 *   needs `kforge bootstrap flux` again (`--check` in CI finds the stale files).
 */
import type { JsonObject } from '../types.js';
import { argoRepoURL, fluxRepoURL } from './repo-url.js';
import { EMPTY_INVENTORY, type Inventory } from './inventory.js';

export interface BootstrapEnv {
  name: string;
  /** The branch the cluster follows (what kforge publishes, or the target of its promotion PRs). */
  branch: string;
  /** Folder inside the deploy branch ("" or undefined: the root). */
  deployPath?: string;
  /** The Applications' destination namespace (the overlay's `namespace:`), when known. */
  namespace?: string;
  /** GnuPG key IDs the cluster accepts on deploy commits (the environment's `signatureKeys`). */
  signatureKeys?: string[];
  /** Promoted by pull request: the branch's head is a merge commit the Git host makes. */
  promotedByPullRequest?: boolean;
  /** What the environment renders (default: nothing known). */
  inventory?: Inventory;
}

export interface ManifestOptions {
  repoURL: string;
  argocdNamespace: string;
  fluxNamespace: string;
  /** Argo CD destination cluster. */
  server: string;
}

export const DEFAULTS = {
  argocdNamespace: 'argocd',
  fluxNamespace: 'flux-system',
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

/** The Flux Kustomization of one app folder. */
export function appResourceName(env: string, app: string): string {
  return `kforge-${env}-${app}`;
}

/** The Secret holding the ASCII-armored public keys Flux verifies deploy commits with. */
export function signingKeysSecretName(env: string): string {
  return `kforge-${env}-signing-keys`;
}

/** Key IDs as GnuPG prints them (upper case): Argo CD compares them as strings. */
export function normalizeKeyIDs(keys: readonly string[] | undefined): string[] {
  return [...new Set((keys ?? []).map((k) => k.toUpperCase()))];
}

function labels(env: string): JsonObject {
  return { 'app.kubernetes.io/part-of': 'kforge', 'kforge.io/environment': env };
}

/** The Applications' destination namespace: the overlay's, else the one namespace the render uses. */
export function destinationNamespace(env: BootstrapEnv): string | undefined {
  if (env.namespace) return env.namespace;
  const ns = (env.inventory ?? EMPTY_INVENTORY).namespaces;
  return ns.length === 1 ? ns[0] : undefined;
}

export function appProject(env: BootstrapEnv, o: ManifestOptions): JsonObject {
  const inv = env.inventory ?? EMPTY_INVENTORY;
  const dest = destinationNamespace(env);
  const namespaces = [...new Set([...inv.namespaces, ...(dest ? [dest] : [])])].sort();
  const destinations: JsonObject[] = namespaces.map((namespace) => ({ server: o.server, namespace }));
  // No namespace known for the Applications: their destination has none, and Argo CD matches
  // that empty namespace against the project's destinations too.
  if (!dest) destinations.push({ server: o.server, namespace: '' });

  // Namespaces the project may create or delete: the render's Namespace objects and the one
  // CreateNamespace=true creates. Other cluster-scoped objects by kind and name.
  const nsNames = [...new Set([...inv.namespaceObjects, ...(dest ? [dest] : [])])].sort();
  const whitelist: JsonObject[] = [];
  const kinds = inv.clusterResources.filter((c) => !(c.group === '' && c.kind === 'Namespace'));
  if (nsNames.length) kinds.push({ group: '', kind: 'Namespace', names: nsNames });
  kinds.sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
  for (const c of kinds) for (const name of c.names) whitelist.push({ group: c.group, kind: c.kind, name });

  const dp = normalizeDeployPath(env.deployPath) ?? '';
  const spec: JsonObject = {
    description: `kforge environment ${env.name}: branch ${env.branch}${dp ? `, folder ${dp}/` : ''}`,
    sourceRepos: [argoRepoURL(o.repoURL)],
    destinations,
    clusterResourceWhitelist: whitelist,
  };
  const keys = normalizeKeyIDs(env.signatureKeys);
  if (keys.length) spec.signatureKeys = keys.map((keyID) => ({ keyID }));
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name: resourceName(env.name), namespace: o.argocdNamespace, labels: labels(env.name) },
    spec,
  };
}

export function applicationSet(env: BootstrapEnv, o: ManifestOptions): JsonObject {
  const dp = normalizeDeployPath(env.deployPath) ?? '';
  const glob = dp ? `${dp}/*` : '*';
  const dots = dp ? `${dp}/.*` : '.*';
  const url = argoRepoURL(o.repoURL);
  const destination: JsonObject = { server: o.server };
  const ns = destinationNamespace(env);
  if (ns) destination.namespace = ns;
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: resourceName(env.name), namespace: o.argocdNamespace, labels: labels(env.name) },
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
          labels: { ...labels(env.name), 'kforge.io/app': '{{.path.basename}}' },
        },
        spec: {
          project: resourceName(env.name),
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
  const spec: JsonObject = {
    interval: '1m',
    url: fluxRepoURL(o.repoURL),
    ref: { branch: env.branch },
  };
  if (normalizeKeyIDs(env.signatureKeys).length) spec.verify = { mode: 'HEAD', secretRef: { name: signingKeysSecretName(env.name) } };
  return {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name: resourceName(env.name), namespace: o.fluxNamespace, labels: labels(env.name) },
    spec,
  };
}

/** One Flux Kustomization per app folder of the environment's render. */
export function fluxKustomizations(env: BootstrapEnv, o: ManifestOptions): JsonObject[] {
  const dp = normalizeDeployPath(env.deployPath) ?? '';
  return (env.inventory ?? EMPTY_INVENTORY).apps.map((a) => {
    const spec: JsonObject = {
      interval: '10m',
      retryInterval: '2m',
      timeout: '10m',
      sourceRef: { kind: 'GitRepository', name: resourceName(env.name) },
      path: `./${dp ? `${dp}/` : ''}${a.name}`,
      prune: true,
      wait: true,
    };
    if (a.dependsOn.length) spec.dependsOn = a.dependsOn.map((d) => ({ name: appResourceName(env.name, d) }));
    return {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: appResourceName(env.name, a.name), namespace: o.fluxNamespace, labels: { ...labels(env.name), 'kforge.io/app': a.name } },
      spec,
    };
  });
}
