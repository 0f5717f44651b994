/**
 * `kforge bootstrap argocd|flux`: writes the objects that make a cluster's GitOps
 * controller follow kforge's deploy branches (see manifests.ts for what and why).
 *
 * IO at the edges only: the repository URL comes from the caller or from
 * `git remote get-url origin`; environments' namespaces from their overlay's
 * kustomization; the output is written under `outDir` (default `<repoDir>/deploy/<target>/`)
 * or returned as one multi-document stream (`stdout`). The content is deterministic:
 * no dates, environments sorted by name, keys in a fixed order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import type { Diagnostic, JsonObject } from '../types.js';
import { diag } from '../diagnostics.js';
import { Git } from '../publish/git.js';
import {
  DEFAULTS,
  applicationSet,
  fluxGitRepository,
  fluxKustomization,
  normalizeDeployPath,
  type BootstrapEnv,
  type ManifestOptions,
} from './manifests.js';
import { argoRepoURL, fluxRepoURL, repoURLKind, stripCredentials } from './repo-url.js';

export type BootstrapTarget = 'argocd' | 'flux';
export type { BootstrapEnv } from './manifests.js';

export interface BootstrapOptions {
  repoDir: string;
  target: BootstrapTarget;
  envs: BootstrapEnv[];
  /** Default: `git remote get-url origin` in repoDir. */
  repoURL?: string;
  /** Return one multi-document stream (`stream`) and write nothing. */
  stdout?: boolean;
  /** Default: `<repoDir>/deploy/<target>/`. A relative path is taken from repoDir. */
  outDir?: string;
  /** Namespace of Argo CD (default argocd). */
  argocdNamespace?: string;
  /** Namespace of Flux (default flux-system). */
  fluxNamespace?: string;
  /** Argo CD project of the Applications (default "default"). */
  project?: string;
  /** Argo CD destination server (default https://kubernetes.default.svc). */
  server?: string;
}

export interface BootstrapResult {
  /** File name (relative to outDir) → content. Empty when errors stopped the run. */
  files: Map<string, string>;
  diagnostics: Diagnostic[];
  /** Every object as one YAML stream (kustomization.yaml excluded), for printing. */
  stream?: string;
  /** Absolute output folder. */
  outDir?: string;
  /** Absolute paths written (none with `stdout`). */
  written: string[];
}

const ENV_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const KUSTOMIZATION_FILE = 'kustomization.yaml';

export async function bootstrap(opts: BootstrapOptions): Promise<BootstrapResult> {
  const diagnostics: Diagnostic[] = [];
  const fail = (): BootstrapResult => ({ files: new Map(), diagnostics, written: [] });
  const repoDir = path.resolve(opts.repoDir);
  if (!fs.existsSync(repoDir) || !fs.statSync(repoDir).isDirectory()) {
    diagnostics.push(diag('KF1002', `repository folder ${opts.repoDir} does not exist`));
    return fail();
  }

  const envs = checkEnvs(opts.envs, diagnostics);
  if (diagnostics.some((d) => d.severity === 'error')) return fail();

  const url = opts.repoURL !== undefined ? { url: opts.repoURL.trim() } : await originURL(repoDir);
  if ('diagnostic' in url) {
    diagnostics.push(url.diagnostic);
    return fail();
  }
  if (!url.url) {
    diagnostics.push(diag('KF5005', 'the repository URL is empty', { hint: 'pass --repo-url https://github.com/<org>/<repo>.git' }));
    return fail();
  }
  const kind = repoURLKind(url.url);
  if (kind === 'other') {
    diagnostics.push(
      diag('KF5005', `repository URL "${stripCredentials(url.url)}" is not an http(s), ssh or git@host:path URL a cluster can clone`, {
        severity: 'warning',
        hint: 'pass --repo-url with the URL your GitOps controller uses',
      }),
    );
  }
  if (stripCredentials(url.url) !== url.url) {
    diagnostics.push(diag('KF5005', 'credentials in the repository URL were left out of the generated files', { severity: 'info' }));
  }

  for (const e of envs) if (e.namespace === undefined) {
    const ns = overlayNamespace(repoDir, e.name);
    if (ns) e.namespace = ns;
  }

  const mo: ManifestOptions = {
    repoURL: url.url,
    argocdNamespace: opts.argocdNamespace ?? DEFAULTS.argocdNamespace,
    fluxNamespace: opts.fluxNamespace ?? DEFAULTS.fluxNamespace,
    project: opts.project ?? DEFAULTS.project,
    server: opts.server ?? DEFAULTS.server,
  };
  const files = renderFiles(opts.target, envs, mo);
  const stream = [...files].filter(([f]) => f !== KUSTOMIZATION_FILE).map(([, c]) => c).join('---\n');
  const outDir = path.resolve(repoDir, opts.outDir ?? path.join('deploy', opts.target));
  if (opts.stdout) return { files, diagnostics, stream, outDir, written: [] };

  const written: string[] = [];
  try {
    fs.mkdirSync(outDir, { recursive: true });
    for (const [name, content] of files) {
      const p = path.join(outDir, name);
      fs.writeFileSync(p, content);
      written.push(p);
    }
  } catch (e) {
    diagnostics.push(diag('KF1002', `cannot write ${path.relative(process.cwd(), outDir) || '.'}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { hint: 'choose another folder with --out DIR' }));
    return { files: new Map(), diagnostics, written };
  }
  return { files, diagnostics, stream, outDir, written };
}

/** Pure: the output files (name → content) for a target. Environments sorted by name. */
export function renderFiles(target: BootstrapTarget, envs: BootstrapEnv[], mo: ManifestOptions): Map<string, string> {
  const sorted = [...envs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files = new Map<string, string>();
  for (const e of sorted) {
    const docs = target === 'argocd' ? [applicationSet(e, mo)] : [fluxGitRepository(e, mo), fluxKustomization(e, mo)];
    files.set(`${e.name}.yaml`, header(target, e, mo) + docs.map(toYaml).join('---\n'));
  }
  files.set(
    KUSTOMIZATION_FILE,
    `# Generated by kforge bootstrap ${target}. Apply this folder with kubectl apply -k <folder>.\n` +
      toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: sorted.map((e) => `${e.name}.yaml`) }),
  );
  return files;
}

function header(target: BootstrapTarget, e: BootstrapEnv, mo: ManifestOptions): string {
  const dp = normalizeDeployPath(e.deployPath) ?? '';
  const lines = [
    `Generated by kforge bootstrap ${target} for environment ${e.name}; re-run it instead of editing.`,
    `Follows branch ${e.branch}${dp ? `, folder ${dp}/` : ''} of ${target === 'flux' ? fluxRepoURL(mo.repoURL) : argoRepoURL(mo.repoURL)}: one app per folder.`,
  ];
  if (target === 'flux') lines.push('Private repository: add spec.secretRef (a Secret made by flux create secret git) to the GitRepository.');
  else lines.push('Private repository: register it (argocd repo add) or add a repository Secret in the Argo CD namespace.');
  return lines.map((l) => `# ${l}\n`).join('');
}

function toYaml(o: JsonObject): string {
  return stringify(o, { lineWidth: 0, indentSeq: false, aliasDuplicateObjects: false });
}

function checkEnvs(input: BootstrapEnv[], ds: Diagnostic[]): BootstrapEnv[] {
  if (input.length === 0) {
    ds.push(diag('KF4002', 'no environments to bootstrap', { hint: 'create overlays/<env>/kustomization.yaml or pass --env NAME' }));
    return [];
  }
  const seen = new Set<string>();
  const out: BootstrapEnv[] = [];
  for (const e of input) {
    if (!ENV_NAME.test(e.name) || e.name.length > 40) {
      ds.push(diag('KF4001', `environment name "${e.name}" cannot name Kubernetes objects`, { hint: 'use lowercase letters, digits and dashes, e.g. prod' }));
      continue;
    }
    if (seen.has(e.name)) {
      ds.push(diag('KF4001', `environment "${e.name}" given twice`));
      continue;
    }
    seen.add(e.name);
    if (!e.branch || /\s/.test(e.branch)) {
      ds.push(diag('KF4001', `environment "${e.name}": deploy branch "${e.branch}" is not a branch name`, { hint: `e.g. environments/${e.name}` }));
      continue;
    }
    const dp = normalizeDeployPath(e.deployPath);
    if (dp === undefined) {
      ds.push(diag('KF4001', `environment "${e.name}": deployPath "${e.deployPath}" must be a relative folder inside the deploy branch`, { hint: 'e.g. deployPath: "manifests"' }));
      continue;
    }
    out.push({ name: e.name, branch: e.branch, ...(dp ? { deployPath: dp } : {}), ...(e.namespace ? { namespace: e.namespace } : {}) });
  }
  return out;
}

async function originURL(repoDir: string): Promise<{ url: string } | { diagnostic: Diagnostic }> {
  const hint = 'pass --repo-url https://github.com/<org>/<repo>.git';
  const notRepo = () => ({ diagnostic: diag('KF5004', `${repoDir} is not a git repository, so it has no origin remote to take the URL from`, { hint }) });
  if (!fs.existsSync(repoDir)) return notRepo();
  // the same allow-listed git as publishing; a missing git surfaces as KF5005 "cannot run git"
  const git = new Git(repoDir);
  if ((await git.tryRun(['rev-parse', '--git-dir'])) === undefined) return notRepo();
  const url = (await git.tryRun(['remote', 'get-url', 'origin']))?.trim();
  if (url) return { url };
  return { diagnostic: diag('KF5005', 'the repository has no origin remote to take the URL from', { hint: `${hint}, or git remote add origin <url>` }) };
}

/** The `namespace:` of overlays/<env>/kustomization.yaml, if it declares one. */
export function overlayNamespace(repoDir: string, env: string): string | undefined {
  for (const f of ['kustomization.yaml', 'kustomization.yml', 'Kustomization']) {
    const p = path.join(repoDir, 'overlays', env, f);
    if (!fs.existsSync(p)) continue;
    try {
      const k = parseYaml(fs.readFileSync(p, 'utf8')) as { namespace?: unknown } | null;
      return k && typeof k.namespace === 'string' && k.namespace ? k.namespace : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
