/**
 * Environments: what `overlays/<env>/environment.ts` declares beside the overlay's
 * kustomization (target Kubernetes version, deploy branch and path, policy severities,
 * typed patches, diff noise filters). The kustomization stays plain Kustomize; kforge's
 * additions live here.
 *
 *   // overlays/prod/environment.ts
 *   import { defineEnvironment, patch, byKey } from '../../compiler/api.js';
 *   export default defineEnvironment({
 *     name: 'prod',
 *     kubernetesVersion: '1.31',
 *     patches: [patch({ kind: 'StatefulSet', name: 'kafka' }, (p) => p.set((s) => s.spec.replicas, 5))],
 *   });
 *
 * The file is TypeScript, compiled with the project (`npm test` and `prepare`
 * type-check it), and imported from `dist/` at run time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Diagnostic, Environment, SourceLocation } from './types.js';
import { diag } from './diagnostics.js';
import type { TypedPatch } from './patch/typed.js';
import { callerLocation } from './patch/typed.js';

export interface EnvironmentSpec extends Omit<Environment, 'name'> {
  name: string;
  /** kforge's typed JSON patches, applied after the Kustomize build. */
  patches?: TypedPatch[];
}

export interface EnvironmentDefinition {
  environment: Environment;
  patches: TypedPatch[];
  /** Where defineEnvironment was called. */
  location?: SourceLocation;
  readonly __kforgeEnvironment: true;
}

export function defineEnvironment(spec: EnvironmentSpec): EnvironmentDefinition {
  const { patches, ...environment } = spec;
  const location = callerLocation(2); // the caller of defineEnvironment (0: Error, 1: callerLocation, 2: here)
  return { environment, patches: patches ?? [], ...(location ? { location } : {}), __kforgeEnvironment: true };
}

/** The deploy branch of an environment: `environments/<env>` (`-next` when promoted by pull request). */
export function deployBranchOf(env: Environment): string {
  if (env.deployBranch) return env.deployBranch;
  return `${syncBranchOf(env)}${env.promoteByPullRequest ? '-next' : ''}`;
}

/**
 * The branch a cluster follows. kforge publishes to `deployBranchOf(env)`; an environment
 * promoted by pull request publishes to `environments/<env>-next` and the PR merges it into
 * `environments/<env>`: the cluster follows the latter.
 */
export function syncBranchOf(env: Environment): string {
  return env.deployBranch ?? `environments/${env.name}`;
}

const VALID_REF = /^(?!\/)(?!.*\/\/)(?!.*\.\.)(?!.*@\{)(?!.*\.lock$)(?!.*\/$)[^\s~^:?*[\\\x00-\x1f\x7f]+$/;

/** Checks an environment definition; every problem points at the environment file. */
export function validateEnvironment(def: EnvironmentDefinition, expectName: string, file: string, knownChecks?: ReadonlySet<string>): Diagnostic[] {
  const ds: Diagnostic[] = [];
  const env = def.environment;
  const at: SourceLocation = def.location ?? { file, line: 1, column: 1 };
  // Types first, field by field (a definition may reach kforge without tsc: an older ref).
  const typeErrors = checkFieldTypes(def, at);
  if (typeErrors.length) return typeErrors;
  if (env.name !== expectName) {
    ds.push(diag('KF4001', `environment name "${env.name}" does not match its folder overlays/${expectName}`, { location: at, hint: `set name: '${expectName}'` }));
  }
  if (!/^1\.(\d|[1-9]\d)$/.test(env.kubernetesVersion ?? '')) {
    ds.push(diag('KF4001', `kubernetesVersion "${env.kubernetesVersion}" is not a Kubernetes minor version`, { location: at, hint: "write it as '1.31'" }));
  }
  const branch = deployBranchOf(env);
  if (!VALID_REF.test(branch)) {
    ds.push(diag('KF4001', `deploy branch "${branch}" is not a valid git branch name`, { location: at, hint: 'use a name such as environments/prod' }));
  }
  if (env.deployPath !== undefined && (path.isAbsolute(env.deployPath) || env.deployPath.split('/').includes('..'))) {
    ds.push(diag('KF4001', `deployPath "${env.deployPath}" must be a relative folder inside the deploy branch`, { location: at, hint: 'e.g. deployPath: "manifests"' }));
  }
  if (env.sign !== undefined && typeof env.sign !== 'boolean') {
    ds.push(diag('KF4001', `sign must be true or false, not ${JSON.stringify(env.sign)}`, { location: at, hint: 'sign: true signs deploy commits with git\'s signing configuration' }));
  }
  ds.push(...checkSignatureKeys(env.signatureKeys, at));
  for (const [id, sev] of Object.entries(env.policies ?? {})) {
    if (!['error', 'warning', 'off'].includes(sev)) ds.push(diag('KF4001', `policy "${id}": severity "${sev}" must be error, warning or off`, { location: at }));
    if (knownChecks && !knownChecks.has(id)) ds.push(diag('KF4001', `policy "${id}" is not a kforge check`, { location: at, hint: `known checks: ${[...knownChecks].sort().join(', ')}` }));
  }
  return ds;
}

/** What each field of an environment must hold, checked at run time (tsc checks it at compile time). */
const FIELD_TYPES: Record<string, [string, (v: unknown) => boolean]> = {
  name: ['a string', (v) => typeof v === 'string'],
  kubernetesVersion: ['a string such as \'1.31\'', (v) => typeof v === 'string'],
  deployBranch: ['a string', (v) => typeof v === 'string'],
  deployPath: ['a string', (v) => typeof v === 'string'],
  promoteByPullRequest: ['a boolean (true or false, not a string)', (v) => typeof v === 'boolean'],
  allowSecrets: ['a boolean (true or false, not a string)', (v) => typeof v === 'boolean'],
  policies: ['an object of check id → severity', (v) => isPlainObject(v) && Object.values(v).every((x) => typeof x === 'string')],
  externalHosts: ['a list of host names', (v) => Array.isArray(v) && v.every((x) => typeof x === 'string')],
  diffIgnore: [
    'an object { fields?: string[]; resources?: { kind?, name?, namespace? }[] }',
    (v) =>
      isPlainObject(v) &&
      (v.fields === undefined || (Array.isArray(v.fields) && v.fields.every((x) => typeof x === 'string'))) &&
      (v.resources === undefined || (Array.isArray(v.resources) && v.resources.every((r) => isPlainObject(r) && Object.values(r).every((x) => typeof x === 'string')))),
  ],
  promote: [
    'a list of { kind, name, key } (the ConfigMap keys promotion carries)',
    (v) => Array.isArray(v) && v.every((r) => isPlainObject(r) && r.kind === 'ConfigMap' && typeof r.name === 'string' && typeof r.key === 'string'),
  ],
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every field's type; each problem at the field's line in the definition when it can be found. */
function checkFieldTypes(def: EnvironmentDefinition, at: SourceLocation): Diagnostic[] {
  const ds: Diagnostic[] = [];
  const env = def.environment as unknown as Record<string, unknown>;
  if (!isPlainObject(env)) return [diag('KF4001', 'the environment definition is not an object', { location: at })];
  for (const [field, [want, ok]] of Object.entries(FIELD_TYPES)) {
    const v = env[field];
    if (v === undefined && field !== 'name' && field !== 'kubernetesVersion') continue;
    if (ok(v)) continue;
    ds.push(diag('KF4001', `${field} must be ${want}, not ${v === undefined ? 'missing' : JSON.stringify(v)}`, { location: fieldLocation(at, field), hint: `write ${field}: ${field === 'allowSecrets' || field === 'promoteByPullRequest' ? 'false' : '…'} as the Environment type says` }));
  }
  if (!Array.isArray(def.patches) || def.patches.some((p) => !isPlainObject(p))) {
    ds.push(diag('KF4001', 'patches must be a list of patch(…) results', { location: fieldLocation(at, 'patches'), hint: "patches: [patch({ kind: 'Deployment', name: 'web' }, (p) => p.set(…))]" }));
  }
  return ds;
}

/** The line of `field:` in the definition's source (the first one), else the defineEnvironment call. */
function fieldLocation(at: SourceLocation, field: string): SourceLocation {
  try {
    const lines = fs.readFileSync(at.file, 'utf8').split('\n');
    const re = new RegExp(`^(\\s*)['"]?${field}['"]?\\s*:`);
    for (let i = Math.max(0, at.line - 1); i < lines.length; i++) {
      const m = re.exec(lines[i]);
      if (m) return { file: at.file, line: i + 1, column: m[1].length + 1 };
    }
  } catch {
    /* the source is not at hand (a transpiled ref): the call's location */
  }
  return at;
}

/** A GnuPG key ID as Argo CD takes it: 16 hex digits (long key ID) or a 40-digit fingerprint. */
export const GPG_KEY_ID = /^(?:[0-9A-Fa-f]{16}|[0-9A-Fa-f]{40})$/;

/** `signatureKeys`: a list of GnuPG key IDs (see GPG_KEY_ID), no duplicates. */
function checkSignatureKeys(keys: unknown, at: SourceLocation): Diagnostic[] {
  if (keys === undefined) return [];
  const hint = 'list GnuPG key IDs of 16 hex digits (gpg --list-keys --keyid-format long) or 40-digit fingerprints, e.g. signatureKeys: [\'4AEE18F83AFDEB23\']';
  if (!Array.isArray(keys)) return [diag('KF4001', 'signatureKeys must be a list of GnuPG key IDs', { location: at, hint })];
  const ds: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const k of keys) {
    if (typeof k !== 'string' || !GPG_KEY_ID.test(k)) {
      const shown = typeof k === 'string' ? `"${k}"` : JSON.stringify(k);
      const why = typeof k === 'string' && /^(?:ssh-|sk-|ecdsa-)/.test(k) ? ' (an SSH key: Argo CD and Flux verify GnuPG signatures only)' : '';
      ds.push(diag('KF4001', `signatureKeys: ${shown} is not a GnuPG key ID${why}`, { location: at, hint }));
      continue;
    }
    const id = k.toUpperCase().slice(-16);
    if (seen.has(id)) ds.push(diag('KF4001', `signatureKeys: key ${k} is listed twice`, { location: at, hint: 'remove the duplicate' }));
    seen.add(id);
  }
  return ds;
}

/**
 * Loads `overlays/<name>/environment.ts` (compiled under `dist/`). An overlay without
 * one gets defaults (the Kubernetes version of `defaultKubernetesVersion`).
 */
export async function loadEnvironment(
  repoRoot: string,
  name: string,
  opts: { distDir?: string; knownChecks?: ReadonlySet<string>; typeCheck?: boolean; cacheRepo?: string } = {},
): Promise<{ value?: EnvironmentDefinition; overlayDir: string; diagnostics: Diagnostic[] }> {
  const overlayDir = path.join(repoRoot, 'overlays', name);
  const rel = path.relative(process.cwd(), overlayDir) || '.';
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name) || !fs.existsSync(overlayDir) || !fs.statSync(overlayDir).isDirectory()) {
    const have = fs.existsSync(path.join(repoRoot, 'overlays')) ? fs.readdirSync(path.join(repoRoot, 'overlays')).filter((d) => fs.existsSync(path.join(repoRoot, 'overlays', d, 'kustomization.yaml'))).sort() : [];
    return {
      overlayDir,
      diagnostics: [diag('KF4002', `no environment "${name}": ${rel} does not exist`, { hint: have.length ? `environments: ${have.join(', ')}` : 'create overlays/<env>/kustomization.yaml' })],
    };
  }
  const src = path.join(overlayDir, 'environment.ts');
  const srcRel = path.relative(process.cwd(), src);
  if (!fs.existsSync(src)) {
    return {
      overlayDir,
      value: { environment: { name, kubernetesVersion: DEFAULT_KUBERNETES_VERSION }, patches: [], __kforgeEnvironment: true },
      diagnostics: [],
    };
  }
  let compiled: string;
  if (!opts.distDir) {
    // compiled by kforge itself, on demand, cached by content (type-checked first)
    const c = await (await import('./env-compile.js')).compileEnvironment(repoRoot, src, { ...(opts.typeCheck === false ? { typeCheck: false } : {}), ...(opts.cacheRepo ? { cacheRepo: opts.cacheRepo } : {}) });
    if (!c.url) return { overlayDir, diagnostics: c.diagnostics };
    compiled = fileURLToPath(c.url);
  } else compiled = path.join(opts.distDir, 'overlays', name, 'environment.js');
  if (!fs.existsSync(compiled) || (opts.distDir && fs.statSync(compiled).mtimeMs + 1 < fs.statSync(src).mtimeMs)) {
    return {
      overlayDir,
      diagnostics: [
        diag('KF4003', `${srcRel} is not compiled (or changed since it was)`, {
          location: { file: srcRel, line: 1, column: 1 },
          hint: 'run npm run prepare (tsc) to type-check and compile the environment definitions',
        }),
      ],
    };
  }
  process.setSourceMapsEnabled?.(true);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(compiled).href)) as { default?: unknown };
  } catch (e) {
    return {
      overlayDir,
      diagnostics: [diag('KF4003', `${srcRel} failed to load: ${(e as Error).message}`, { location: { file: srcRel, line: 1, column: 1 }, hint: 'fix the error above; the file must export default defineEnvironment({...})' })],
    };
  }
  const def = mod.default as EnvironmentDefinition | undefined;
  if (!def || (def as { __kforgeEnvironment?: boolean }).__kforgeEnvironment !== true) {
    return {
      overlayDir,
      diagnostics: [diag('KF4001', `${srcRel} must export default defineEnvironment({...})`, { location: { file: srcRel, line: 1, column: 1 }, hint: "import { defineEnvironment } from '../../compiler/api.js'" })],
    };
  }
  const ds = validateEnvironment(def, name, srcRel, opts.knownChecks);
  return ds.length ? { overlayDir, diagnostics: ds } : { overlayDir, value: def, diagnostics: [] };
}

export const DEFAULT_KUBERNETES_VERSION = '1.31';
