/**
 * One environment, end to end and pure but for reading files: load the environment
 * definition, build its overlay (Kustomize), apply its typed patches, run the policy
 * checks, and group the resources into apps (one per stack of `bases/`), each emitted
 * as YAML. `check`, `render` and `diff` all start here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic, Json, JsonObject, Resource } from './types.js';
import { diag, hasErrors } from './diagnostics.js';
import { buildWithRemotes, type RemoteOptions } from './load/remote/build.js';
import { applyTypedPatches } from './patch/apply.js';
import { loadEnvironment, type EnvironmentDefinition } from './env.js';
import { emitYamlDocument } from './emit/yaml.js';
import { locatePointer } from './load/yaml/index.js';
import type { RenderedApp } from './emit/plan.js';
import { runChecks, CHECKS, loadCustomChecks, loadCrdFolder } from '../policies/index.js';
import type { Check } from '../policies/types.js';
import type { Report, Waiver } from '../policies/index.js';
import { readWaiversFile } from '../policies/waivers.js';
import { parseBaseline } from '../policies/baseline.js';

export interface RenderOptions {
  /** YYYY-MM-DD for waiver expiry (injected; the CLI passes today's UTC date). */
  today: string;
  /** Run the policy checks (default true). */
  checks?: boolean;
  /** Waivers file (default `policies/waivers.yaml` under the repository when it exists). */
  waiversFile?: string;
  baselineFile?: string;
  /** Where the compiled environment definitions are (default: kforge compiles environment.ts itself). */
  distDir?: string;
  /** With kforge's own compile: type-check environment.ts first (default true). */
  typeCheck?: boolean;
  /** With kforge's own compile: the repository whose cache folder to use (default repoRoot; diff --against's temporary tree: the checkout). */
  cacheRepo?: string;
  /** The repository's custom policy checks, already loaded (default: load policies/custom). */
  custom?: readonly Check[];
  /** Called as each phase starts (the CLI shows it as a progress line on a TTY). */
  onProgress?: (phase: 'build' | 'patch' | 'checks' | 'emit', message: string) => void;
  /** Remote bases: `offline` builds from kforge.lock and the cache only. */
  remote?: RemoteOptions;
}

export interface RenderedEnvironment {
  definition: EnvironmentDefinition;
  overlayDir: string;
  resources: Resource[];
  apps: RenderedApp[];
  report?: Report;
  diagnostics: Diagnostic[];
}

/** Field positions in the files findings point at (paths relative to the working directory), each file read once. */
export function fileLocator(): (file: string, docIndex: number, pointer: string) => { line: number; column: number } | undefined {
  const cache = new Map<string, string | undefined>();
  return (file, docIndex, pointer) => {
    const abs = path.isAbsolute(file) ? file : path.resolve(process.cwd(), file);
    if (!cache.has(abs)) {
      try {
        cache.set(abs, fs.readFileSync(abs, 'utf8'));
      } catch {
        cache.set(abs, undefined);
      }
    }
    const text = cache.get(abs);
    return text === undefined ? undefined : locatePointer(text, docIndex, pointer);
  };
}

export async function renderEnvironment(repoRoot: string, name: string, opts: RenderOptions): Promise<{ value?: RenderedEnvironment; diagnostics: Diagnostic[] }> {
  const loaded = await loadEnvironment(repoRoot, name, { knownChecks: new Set(CHECKS.map((c) => c.id)), ...(opts.distDir ? { distDir: opts.distDir } : {}), ...(opts.typeCheck === false ? { typeCheck: false } : {}), ...(opts.cacheRepo ? { cacheRepo: opts.cacheRepo } : {}) });
  if (!loaded.value) return { diagnostics: loaded.diagnostics };
  const definition = loaded.value;
  const progress = opts.onProgress ?? (() => undefined);
  progress('build', `building ${path.relative(repoRoot, loaded.overlayDir) || loaded.overlayDir}`);
  const built = await buildWithRemotes(loaded.overlayDir, opts.remote);
  const diagnostics = [...loaded.diagnostics, ...built.diagnostics];
  if (!built.value || hasErrors(diagnostics)) return { diagnostics };
  const resources = built.value.resources;
  if (definition.patches.length) progress('patch', `applying ${definition.patches.length} typed patch(es)`);
  diagnostics.push(...applyTypedPatches(resources, definition.patches));
  if (hasErrors(diagnostics)) return { diagnostics };

  let report: Report | undefined;
  if (opts.checks !== false) {
    let waivers: Waiver[] = [];
    const waiversFile = opts.waiversFile ?? path.join(repoRoot, 'policies', 'waivers.yaml');
    if (fs.existsSync(waiversFile)) {
      const shown = path.relative(process.cwd(), waiversFile) || waiversFile;
      const parsed = readWaiversFile(waiversFile, shown);
      diagnostics.push(...parsed.diagnostics);
      waivers = parsed.waivers;
    } else if (opts.waiversFile) {
      diagnostics.push(diag('KF1002', `waivers file ${opts.waiversFile} not found`, { hint: 'check the path given to --waivers' }));
    }
    let baseline;
    if (opts.baselineFile) {
      if (!fs.existsSync(opts.baselineFile)) {
        diagnostics.push(diag('KF1002', `baseline file ${opts.baselineFile} not found`, { hint: 'write one with --write-baseline FILE first' }));
      } else {
        const parsed = parseBaseline(fs.readFileSync(opts.baselineFile, 'utf8'), opts.baselineFile);
        diagnostics.push(...parsed.diagnostics);
        baseline = parsed.entries;
      }
    }
    let custom = opts.custom;
    if (!custom) {
      const loadedChecks = await loadCustomChecks(repoRoot, CHECKS, opts.distDir ? { distDir: opts.distDir } : {});
      diagnostics.push(...loadedChecks.diagnostics);
      custom = loadedChecks.checks;
    }
    const crds = definition.environment.crds ? loadCrdFolder(repoRoot, definition.environment.crds) : undefined;
    if (crds) diagnostics.push(...crds.diagnostics);
    if (hasErrors(diagnostics)) return { diagnostics };
    progress('checks', `checking ${resources.length} resources`);
    report = runChecks(resources, definition.environment, { waivers, today: opts.today, locateField: fileLocator(), custom, ...(crds ? { crds: crds.crds } : {}), ...(baseline ? { baseline } : {}) });
    diagnostics.push(...report.diagnostics);
  }
  progress('emit', `writing the manifests of ${resources.length} resources`);
  return { value: { definition, overlayDir: loaded.overlayDir, resources, apps: groupApps(resources), ...(report ? { report } : {}), diagnostics }, diagnostics };
}

function labelsOf(o: JsonObject, ...p: string[]): Record<string, Json> {
  let cur: Json | undefined = o;
  for (const k of p) cur = cur && typeof cur === 'object' && !Array.isArray(cur) ? cur[k] : undefined;
  return cur && typeof cur === 'object' && !Array.isArray(cur) ? cur : {};
}

const REF_KEYS: Record<string, ['ConfigMap' | 'Secret', string]> = {
  configMapRef: ['ConfigMap', 'name'],
  configMapKeyRef: ['ConfigMap', 'name'],
  configMap: ['ConfigMap', 'name'],
  secretRef: ['Secret', 'name'],
  secretKeyRef: ['Secret', 'name'],
  secret: ['Secret', 'secretName'],
};

/** Calls `fn` for every ConfigMap/Secret name a pod spec (anywhere in the object) refers to. */
function collectRefs(node: Json, fn: (kind: 'ConfigMap' | 'Secret', name: string) => void): void {
  if (Array.isArray(node)) {
    for (const x of node) collectRefs(x, fn);
    return;
  }
  if (!node || typeof node !== 'object') return;
  for (const [k, v] of Object.entries(node)) {
    const ref = REF_KEYS[k];
    if (ref && v && typeof v === 'object' && !Array.isArray(v) && typeof v[ref[1]] === 'string') fn(ref[0], v[ref[1]] as string);
    if (k === 'imagePullSecrets' && Array.isArray(v)) for (const x of v) if (x && typeof x === 'object' && !Array.isArray(x) && typeof x.name === 'string') fn('Secret', x.name);
    collectRefs(v, fn);
  }
}

/** The app folder of resources that come from no base (components, the overlay itself). */
export const SHARED_APP = 'shared';

/**
 * Groups resources into apps: the stack of `bases/` each comes from (its origin). A
 * resource from a component or the overlay joins the app whose workloads carry the
 * same `app.kubernetes.io/name` (a PDB, a ServiceMonitor…) or `part-of`; the rest go
 * to `shared`. Resources keep their build order inside an app.
 */
export function groupApps(resources: readonly Resource[]): RenderedApp[] {
  const byName = new Map<string, string>();
  const byPartOf = new Map<string, string>();
  for (const r of resources) {
    const app = r.origin.configuredIn;
    if (!app) continue;
    const l = labelsOf(r.object, 'metadata', 'labels');
    const n = l['app.kubernetes.io/name'];
    const p = l['app.kubernetes.io/part-of'];
    if (typeof n === 'string' && !byName.has(n)) byName.set(n, app);
    if (typeof p === 'string' && !byPartOf.has(p)) byPartOf.set(p, app);
    if (!byName.has(r.id.name)) byName.set(r.id.name, app);
  }
  // ConfigMaps and Secrets an app's workloads refer to (a generator in the overlay makes
  // them, so they have no base of their own): they belong to that app.
  const byRef = new Map<string, Set<string>>();
  for (const r of resources) {
    const app = r.origin.configuredIn;
    if (!app) continue;
    collectRefs(r.object, (kind, name) => {
      const k = `${kind}/${name}`;
      const s = byRef.get(k);
      if (s) s.add(app);
      else byRef.set(k, new Set([app]));
    });
  }
  // Several apps may use one Secret (redis-credentials: redis-cluster and im-service):
  // the app whose name shares the longest prefix with it owns it; ties go to the first by name.
  const ownerOf = (kind: string, name: string): string | undefined => {
    const apps = [...(byRef.get(`${kind}/${name}`) ?? [])].sort();
    let best: string | undefined;
    let bestLen = -1;
    for (const a of apps) {
      let n = 0;
      while (n < a.length && n < name.length && a[n] === name[n]) n++;
      if (n > bestLen) {
        best = a;
        bestLen = n;
      }
    }
    return best;
  };
  const apps = new Map<string, RenderedApp>();
  for (const r of resources) {
    let app = r.origin.configuredIn;
    if (!app && (r.id.kind === 'ConfigMap' || r.id.kind === 'Secret') && r.id.group === '') app = ownerOf(r.id.kind, r.id.name);
    if (!app) {
      const l = labelsOf(r.object, 'metadata', 'labels');
      const sel = labelsOf(r.object, 'spec', 'selector', 'matchLabels');
      const n = l['app.kubernetes.io/name'] ?? sel['app.kubernetes.io/name'];
      const p = l['app.kubernetes.io/part-of'];
      app = (typeof n === 'string' && byName.get(n)) || (typeof p === 'string' && byPartOf.get(p)) || byName.get(r.id.name) || SHARED_APP;
    }
    let a = apps.get(app);
    if (!a) apps.set(app, (a = { app, resources: [] }));
    a.resources.push({ id: r.id, yaml: emitYamlDocument(r.object) });
  }
  return [...apps.values()].sort((x, y) => (x.app < y.app ? -1 : x.app > y.app ? 1 : 0));
}
