/**
 * The deploy-branch layout (pure, no IO): rendered apps → the files of the deploy branch.
 *
 * Layout (compatible with Argo CD's source hydrator), under `environment.deployPath` (default: root):
 *   <app>/manifest.yaml      the app's resources, in the order given, `---` separated
 *   <app>/README.md          what was rendered from which source commit, and how to reproduce it
 *   <app>/hydrator.metadata  {repoURL, drySha, commands} + `x-kforge` {app, digest, resources: {resIdKey: digest}}
 *   hydrator.metadata        Argo's fields (repoURL, drySha, author, date, subject, body, references; empty
 *                            ones left out as Go's omitempty does, date in UTC RFC 3339, references parsed from
 *                            the source's `Argocd-reference-commit-*` trailers and stripped from body)
 *                            + `x-kforge` (environment, version, digest, apps, owned files, policy, allowDirty)
 *   .gitattributes           Argo CD's, byte for byte: README.md and hydrator.metadata are linguist-generated
 *                            (manifest.yaml is not: promotion pull requests show its diff)
 *
 * The content digest covers what is deployed (deploy path, app names and manifests), not the
 * source commit: re-rendering an unchanged result from a newer commit gives the same digest.
 * filesToWrite(plan, previous) leaves the README.md and hydrator.metadata of apps whose manifest did
 * not change as they are on the deploy head (Argo CD rewrites them only for changed manifests).
 */
import { createHash } from 'node:crypto';
import type { Diagnostic, Environment, ResId } from '../types.js';
import { resIdKey } from '../types.js';
import { diag } from '../diagnostics.js';
import { GITATTRIBUTES, hydratorJson, omitEmpty, references, utcDate, type RevisionReference } from './hydrator.js';

/** The source commit a render comes from. Dates are strict ISO 8601; `*Raw` are git's raw form ("<unix> <tz>"). */
export interface SourceInfo {
  /** URL of the source repository (credentials stripped), "" when unknown. */
  repoURL: string;
  /** Full id of the source commit. */
  sha: string;
  /** The ref it was rendered from, e.g. refs/heads/main ("" when detached and unknown). */
  ref: string;
  subject: string;
  body: string;
  author: { name: string; email: string; date: string; dateRaw?: string };
  committerDate: string;
  committerDateRaw?: string;
  /** The working tree had uncommitted changes (only possible with allowDirty). */
  dirty: boolean;
}

export interface RenderedApp {
  /** The app: a stack of bases/ (first-level folder name). Becomes a folder of the deploy branch. */
  app: string;
  /** Resources in emit order, each one YAML document, already emitted. */
  resources: { id: ResId; yaml: string }[];
}

export interface PlanApp {
  name: string;
  /** Folder of the app in the deploy branch (deployPath included). */
  path: string;
  /** sha256:<hex> of manifest.yaml. */
  digest: string;
  /** Paths (in the deploy branch) of the files written for this app. */
  files: string[];
  resources: number;
  /** Resource count by kind. */
  kinds: Record<string, number>;
  /** resIdKey → short digest of its YAML document; for change summaries. */
  resourceDigests: Record<string, string>;
}

export interface KforgeMetadata {
  environment: string;
  kforgeVersion: string;
  digest: string;
  deployPath: string;
  sourceRef: string;
  apps: { name: string; digest: string; files: string[]; resources: number }[];
  /** Every file kforge wrote (deploy branch paths): exactly what the next render may delete. */
  files: string[];
  policy: { errors: number; warnings: number; waived: number };
  allowDirty: boolean;
  dirty: boolean;
  /** Git tree id of the source commit: an unchanged source tree needs no new build. */
  sourceTree?: string;
}

/**
 * Root `hydrator.metadata`: Argo CD's field names and order (HydratorCommitMetadata; `commands` is
 * only in the per-app files), each left out when empty; kforge's own data under `x-kforge`.
 */
export interface HydratorMetadata {
  repoURL?: string;
  drySha?: string;
  author?: string;
  /** Author date of the source commit, UTC, RFC 3339 ("2023-11-14T22:13:20Z"). */
  date?: string;
  subject?: string;
  /** %b without the valid Argocd-reference-commit-* lines, each kept line ending in "\n". */
  body?: string;
  references?: RevisionReference[];
  'x-kforge': KforgeMetadata;
}

export interface RenderPlan {
  /** Path in the deploy branch (deployPath included) → content. */
  files: Map<string, string>;
  /** sha256:<hex> of the deployed content (deploy path, apps, manifests). */
  digest: string;
  apps: PlanApp[];
  metadata: HydratorMetadata;
  environment: string;
  /** Normalised deployPath ("" for the root). */
  deployPath: string;
  source: SourceInfo;
  /** Errors here (invalid app names…) stop publishing. */
  diagnostics: Diagnostic[];
}

export interface PlanInput {
  environment: Environment;
  apps: RenderedApp[];
  source: SourceInfo;
  kforgeVersion: string;
  policy: { errors: number; warnings: number; waived: number };
  allowDirty: boolean;
  /** Git tree id of the source commit (recorded so an unchanged source can skip the build). */
  sourceTree?: string;
  /** The exact command that reproduces the render (default `npm run render -- <env>`). */
  command?: string;
}

export const METADATA_FILE = 'hydrator.metadata';
export const MANIFEST_FILE = 'manifest.yaml';
export const README_FILE = 'README.md';
export const ATTRIBUTES_FILE = '.gitattributes';
const RESERVED = new Set([METADATA_FILE, ATTRIBUTES_FILE, README_FILE, '.git', '.', '..']);

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** "" for the root; "a/b" otherwise; undefined when invalid (absolute, `..`). */
export function normalizeDeployPath(p: string | undefined): string | undefined {
  if (p === undefined) return '';
  if (p.startsWith('/') || p.includes('\\') || p.includes('\0')) return undefined;
  const parts = p.split('/').filter((x) => x !== '' && x !== '.');
  if (parts.some((x) => x === '..' || x === '.git')) return undefined;
  return parts.join('/');
}

export function joinPath(dir: string, file: string): string {
  return dir ? `${dir}/${file}` : file;
}

/** One YAML stream, kustomize-style: documents separated by `---`. */
export function joinDocuments(docs: string[]): string {
  let out = '';
  for (let i = 0; i < docs.length; i++) {
    let d = docs[i];
    if (d.startsWith('---\n')) d = d.slice(4);
    if (!d.endsWith('\n')) d += '\n';
    out += i === 0 ? d : `---\n${d}`;
  }
  return out;
}

function readme(app: PlanApp, input: PlanInput, command: string): string {
  const s = input.source;
  const short = s.sha.slice(0, 7);
  const kinds = Object.entries(app.kinds)
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const lines = [
    `# ${app.name} (${input.environment.name})`,
    '',
    'Generated by kforge: do not edit. The next render overwrites this folder.',
    '',
    `- environment: \`${input.environment.name}\``,
    `- source: ${s.repoURL ? `\`${s.repoURL}\` ` : ''}commit \`${s.sha}\`${s.ref ? ` (\`${s.ref}\`)` : ''}: ${s.subject}`,
    `- rendered by: kforge ${input.kforgeVersion}${input.allowDirty && s.dirty ? ' (from a dirty working tree: not reproducible)' : ''}`,
    `- resources: ${app.resources}${kinds ? ` (${kinds})` : ''}`,
    `- digest: \`${app.digest}\``,
    '',
    '## Reproduce',
    '',
    '```shell',
    ...(s.repoURL ? [`git clone ${s.repoURL} source && cd source`] : []),
    `git checkout ${s.sha}`,
    command,
    '```',
    '',
    `Manifests: [\`${MANIFEST_FILE}\`](${MANIFEST_FILE}). Short id ${short}.`,
    '',
  ];
  return lines.join('\n');
}

const json = hydratorJson;

/** Plans the deploy-branch files of one environment. Pure and deterministic. */
export function planRender(input: PlanInput): RenderPlan {
  const diagnostics: Diagnostic[] = [];
  const env = input.environment;
  const command = input.command ?? `npm run render -- ${env.name}`;
  let deployPath = normalizeDeployPath(env.deployPath);
  if (deployPath === undefined) {
    diagnostics.push(diag('KF4001', `deployPath "${env.deployPath}" must be a relative folder inside the deploy branch`));
    deployPath = '';
  }
  const seen = new Set<string>();
  const apps = [...input.apps]
    .filter((a) => {
      const bad = a.app === '' || a.app.includes('/') || a.app.includes('\\') || a.app.includes('\0') || RESERVED.has(a.app) || /[\n\r]/.test(a.app);
      if (bad) diagnostics.push(diag('KF9001', `app name "${a.app}" cannot be a folder of the deploy branch`));
      else if (seen.has(a.app)) diagnostics.push(diag('KF9001', `app "${a.app}" given twice`));
      const ok = !bad && !seen.has(a.app);
      seen.add(a.app);
      return ok;
    })
    .sort((a, b) => (a.app < b.app ? -1 : a.app > b.app ? 1 : 0));

  const files = new Map<string, string>();
  const planApps: PlanApp[] = [];
  const contentHash = createHash('sha256');
  contentHash.update(`kforge-content-v1\0${deployPath}\0`);
  for (const a of apps) {
    const dir = joinPath(deployPath, a.app);
    const manifest = joinDocuments(a.resources.map((r) => r.yaml));
    const digest = `sha256:${sha256(manifest)}`;
    contentHash.update(`${a.app}\0${manifest}\0`);
    const kinds: Record<string, number> = {};
    const resourceDigests: Record<string, string> = {};
    for (const r of a.resources) {
      kinds[r.id.kind] = (kinds[r.id.kind] ?? 0) + 1;
      resourceDigests[resIdKey(r.id)] = sha256(r.yaml).slice(0, 16);
    }
    const app: PlanApp = {
      name: a.app,
      path: dir,
      digest,
      files: [MANIFEST_FILE, README_FILE, METADATA_FILE].map((f) => joinPath(dir, f)),
      resources: a.resources.length,
      kinds,
      resourceDigests,
    };
    planApps.push(app);
    files.set(joinPath(dir, MANIFEST_FILE), manifest);
    files.set(joinPath(dir, README_FILE), readme(app, input, command));
    files.set(
      joinPath(dir, METADATA_FILE),
      json({
        ...omitEmpty({ repoURL: input.source.repoURL, drySha: input.source.sha, commands: [command] }),
        'x-kforge': { app: a.app, environment: env.name, digest, resources: resourceDigests },
      }),
    );
  }
  const digest = `sha256:${contentHash.digest('hex')}`;
  const attributesPath = joinPath(deployPath, ATTRIBUTES_FILE);
  const rootMetaPath = joinPath(deployPath, METADATA_FILE);
  const owned = [...planApps.flatMap((a) => a.files), rootMetaPath, attributesPath].sort();
  files.set(attributesPath, GITATTRIBUTES);
  const s = input.source;
  const refs = references(s.subject, s.body);
  const metadata: HydratorMetadata = {
    ...omitEmpty({
      repoURL: s.repoURL,
      drySha: s.sha,
      author: `${s.author.name} <${s.author.email}>`,
      date: utcDate(s.author.date),
      subject: s.subject,
      body: refs.body,
      references: refs.references,
    }),
    'x-kforge': {
      environment: env.name,
      kforgeVersion: input.kforgeVersion,
      digest,
      deployPath,
      sourceRef: s.ref,
      apps: planApps.map((a) => ({ name: a.name, digest: a.digest, files: a.files, resources: a.resources })),
      files: owned,
      policy: { errors: input.policy.errors, warnings: input.policy.warnings, waived: input.policy.waived },
      allowDirty: input.allowDirty,
      dirty: s.dirty,
      ...(input.sourceTree && !s.dirty ? { sourceTree: input.sourceTree } : {}),
    },
  };
  files.set(rootMetaPath, json(metadata));
  return { files, digest, apps: planApps, metadata, environment: env.name, deployPath, source: s, diagnostics };
}

/** What the deploy head holds from the previous render (its x-kforge apps and owned files). */
export interface PreviousLayout {
  apps?: { name: string; digest: string }[];
  files: string[];
}

/**
 * The files a commit on top of `previous` writes: every file of the plan, except the README.md and
 * hydrator.metadata of an app whose manifest digest equals the previous render's (those stay as
 * they are on the head, with the source commit that last changed the app, as Argo CD does). The
 * root hydrator.metadata and .gitattributes are always written. Files the previous render did not
 * own are always written.
 */
export function filesToWrite(plan: RenderPlan, previous: PreviousLayout | undefined): Map<string, string> {
  if (!previous?.apps) return plan.files;
  const before = new Map(previous.apps.map((a) => [a.name, a.digest]));
  const owned = new Set(previous.files);
  const keep = new Set<string>();
  for (const a of plan.apps) {
    if (before.get(a.name) !== a.digest) continue;
    for (const f of [README_FILE, METADATA_FILE]) {
      const p = joinPath(a.path, f);
      if (owned.has(p)) keep.add(p);
    }
  }
  if (!keep.size) return plan.files;
  const out = new Map<string, string>();
  for (const [p, c] of plan.files) if (!keep.has(p)) out.set(p, c);
  return out;
}
