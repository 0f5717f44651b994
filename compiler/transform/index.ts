import * as path from 'node:path';
import { parseAllDocuments } from '../load/yaml/package.js';
import type { FileSystem } from '../fs.js';
import { nodeFs } from '../fs.js';
import type { Diagnostic, Json, JsonObject, Resource, SourceLocation } from '../types.js';
import { formatResId, plus } from '../types.js';
import { diag, DiagnosticError, hasErrors } from '../diagnostics.js';
import { resetBuildBudget } from '../load/yaml/index.js';
import { ResourceMap, idFromObject, newResourceRecord } from '../resource-map.js';
import type { Kustomization, PatchEntry, PluginConfig } from '../load/kustomization.js';
import type { FieldSpec } from './fieldspec.js';
import type { TransformerConfig } from './transformer-config.js';
import { absorbConfig, emptyTransformerConfig, ownConfig } from './transformer-config.js';
import { findKustomizationFile, loadKustomizationFile } from '../load/loader.js';
import { displayPath, isRemote, isWithin, resolveIn, suggestSibling } from '../load/files.js';
import { codePointName, isOnePiece, parseYamlDocuments, UTF8 } from '../load/yaml/index.js';
import { fromPreParsed } from '../load/yaml/pre-parse.js';
import { hasOwn, type YamlDoc } from '../load/yaml/common.js';
import { unwritableString } from '../emit/yaml.js';
import { runGenerators, firstBadUtf8Line } from './generators.js';
import { applyHashSuffixes } from './hash.js';
import { fixNameReferences, nameReferencesFromCrds } from './name-reference.js';
import { setNamespace } from './namespace.js';
import { addPrefixSuffix } from './prefix-suffix.js';
import { applyLabels, labelEntriesInRunOrder } from './labels.js';
import { applyAnnotations } from './annotations.js';
import { applyImages } from './images.js';
import { applyReplicas } from './replicas.js';
import { applyReplacements } from './replacements.js';
import { sortResources } from './sort.js';
import { applyPatches } from './patches.js';
import type { BoundVar } from './vars.js';
import { bindVars, mergeVars, resolveVars } from './vars.js';
import { builtinOrigin, fileOrigin, finishBuildMetadata, goJoin, isLocalConfig, originOf, recordTransformer, remoteOriginPath, setOriginIfMissing } from './build-metadata.js';
import { configOrigin, pluginConfigs, runPluginGenerator, runPluginTransformer, type DirBuilder } from './plugins.js';
import { decodePluginObjects, type PluginField } from '../load/plugins.js';
import { outsideRoot, withLoadRestrictor, type LoadRestrictor } from '../load/restrictor.js';
import { offerSchema, resetBuildSchema } from '../schema/openapi-custom.js';
import { fieldSpecsFromCrds } from './crd-field-specs.js';
import type { RemoteSession } from '../load/remote/index.js';
import { remoteRootOf } from '../load/remote/roots.js';

/**
 * The transform stage (`build`, run by `kforge build`): a kustomization directory → the
 * rendered ResourceMap.
 *
 * Bottom-up, as Kustomize: each `resources` directory is built fully first, then merged
 * up; `components` run on what the parent accumulated so far; then the parent's
 * generators and transformers run in the one ORDER below; at the root only: hash
 * suffixes, name references, sort.
 */

export interface BuildContext {
  fs: FileSystem;
  diagnostics: Diagnostic[];
  /** Real paths of the kustomization directories being built, outermost first (cycle detection). */
  stack: string[];
  /** The root's `buildMetadata` lists something: origins are tracked as annotations (build-metadata.ts). */
  trackOrigins: boolean;
  /** Resolves remote `resources`/`components` entries (load/remote); without it they are refused (KF1009). */
  remotes?: RemoteSession;
  /**
   * Record which patch line set each field (Resource.origin.fieldSources, for the policy
   * checks' locations). `kforge build` prints YAML only and turns it off: at N = 5,000
   * that walk was 48 MB of the 1,090 MB a build allocates.
   */
  fieldSources: boolean;
}

export interface Step {
  name: string;
  run(k: Kustomization, rm: ResourceMap, ctx: BuildContext, cfg: BuildConfig): Diagnostic[];
  /** The Kustomize builtin transformer instances this step stands for, in order (for buildMetadata's transformations). */
  plugins(k: Kustomization): string[];
}

const each = (xs: readonly unknown[], kind: string): string[] => xs.map(() => kind);
const one = (cond: unknown, kind: string): string[] => (cond ? [kind] : []);

/** Kustomize v5.5's order of transformers inside one kustomization (kustomize-notes.md). */
export const ORDER: readonly Step[] = [
  { name: 'patchesStrategicMerge', run: (k, rm, ctx) => applyPatches(rm, k.strategicMergePatches, 'patchesStrategicMerge', ctx.fieldSources), plugins: (k) => one(k.strategicMergePatches.length, 'PatchStrategicMergeTransformer') },
  { name: 'patches', run: (k, rm, ctx) => applyPatches(rm, k.patches, 'patches', ctx.fieldSources), plugins: (k) => each(k.patches, 'PatchTransformer') },
  {
    name: 'namespace',
    run: (k, rm, _c, cfg) => (k.namespace !== undefined && k.namespace !== '' ? setNamespace(rm, k.namespace, { all: cfg.tc.namespace }) : []),
    plugins: (k) => one(k.namespace, 'NamespaceTransformer'),
  },
  {
    name: 'namePrefix/nameSuffix',
    run: (k, rm, _c, cfg) => (k.namePrefix || k.nameSuffix ? addPrefixSuffix(rm, k.namePrefix, k.nameSuffix, { prefix: { all: cfg.tc.namePrefix }, suffix: { all: cfg.tc.nameSuffix } }) : []),
    plugins: (k) => [...one(k.namePrefix, 'PrefixTransformer'), ...one(k.nameSuffix, 'SuffixTransformer')],
  },
  {
    name: 'labels',
    run: (k, rm, _c, cfg) => labelEntriesInRunOrder(k.labels).flatMap((e) => applyLabels(rm, e, cfg.tc)),
    // one per `labels` entry, then one for commonLabels (even when empty), when either has any
    plugins: (k) => {
      const entries = k.labels.filter((e) => !e.legacyCommon);
      const common = k.labels.some((e) => e.legacyCommon && Object.keys(e.pairs).length > 0);
      return entries.length || common ? each([...entries, null], 'LabelTransformer') : [];
    },
  },
  {
    name: 'commonAnnotations',
    run: (k, rm, _c, cfg) => (k.commonAnnotations ? applyAnnotations(rm, k.commonAnnotations.pairs, k.commonAnnotations.location, { all: cfg.tc.commonAnnotations }) : []),
    plugins: (k) => one(k.commonAnnotations && Object.keys(k.commonAnnotations.pairs).length, 'AnnotationsTransformer'),
  },
  { name: 'patchesJson6902', run: (k, rm, ctx) => applyPatches(rm, k.legacyJson6902, 'patchesJson6902', ctx.fieldSources), plugins: (k) => each(k.legacyJson6902, 'PatchJson6902Transformer') },
  { name: 'replicas', run: (k, rm, _c, cfg) => (k.replicas.length ? applyReplicas(rm, k.replicas, { all: cfg.tc.replicas }) : []), plugins: (k) => each(k.replicas, 'ReplicaCountTransformer') },
  { name: 'images', run: (k, rm, _c, cfg) => (k.images.length ? applyImages(rm, k.images, { all: cfg.tc.images }) : []), plugins: (k) => each(k.images, 'ImageTagTransformer') },
  { name: 'replacements', run: (k, rm) => (k.replacements.length ? applyReplacements(rm, k.replacements) : []), plugins: (k) => one(k.replacements.length, 'ReplacementTransformer') },
];

/** What runs once, at the root of a build. */
export const ROOT_ORDER = ['hash suffixes', 'name references', 'vars', 'local-config', 'sort', 'buildMetadata and annotation clean-up'] as const;

export interface BuildResult {
  resources: Resource[];
  /** The root kustomization (for sortOptions and the environment). */
  root?: Kustomization;
}

export function build(dir: string, opts: { fs?: FileSystem; loadRestrictor?: LoadRestrictor; remotes?: RemoteSession; fieldSources?: boolean } = {}): { value?: BuildResult; diagnostics: Diagnostic[] } {
  const ctx: BuildContext = {
    fs: withLoadRestrictor(opts.fs ?? nodeFs(), opts.loadRestrictor ?? 'LoadRestrictionsRootOnly'),
    diagnostics: [],
    stack: [],
    trackOrigins: false,
    fieldSources: opts.fieldSources ?? true,
    ...(opts.remotes ? { remotes: opts.remotes } : {}),
  };
  resetBuildBudget(); // the YAML reader's alias budget holds per build
  const absDir = path.resolve(dir);
  resetBuildSchema();
  try {
    if (ctx.fs.stat(absDir) !== 'dir') {
      const d = ctx.fs.stat(absDir) === 'file' ? `${displayPath(absDir)} is a file; kforge builds a directory holding a kustomization.yaml` : `directory ${displayPath(absDir)} not found`;
      return { diagnostics: [diag(ctx.fs.stat(absDir) === 'file' ? 'KF1001' : 'KF1002', d, { hint: 'pass the directory that holds kustomization.yaml' })] };
    }
    // Kustomize builds a Component given as the root like a Kustomization.
    const out = buildTarget(absDir, ctx, 'any', undefined, '');
    if (!out || hasErrors(ctx.diagnostics)) return { diagnostics: ctx.diagnostics };
    const { rm, k, cfg, vars } = out;
    // Root only: hash suffixes, name references, vars, local-config dropped, sort, buildMetadata.
    applyHashSuffixes(rm);
    ctx.diagnostics.push(...fixNameReferences(rm, { all: cfg.tc.nameReference }));
    if (hasErrors(ctx.diagnostics)) return { diagnostics: ctx.diagnostics };
    ctx.diagnostics.push(...resolveVars(rm, vars, cfg.varReference));
    if (hasErrors(ctx.diagnostics)) return { diagnostics: ctx.diagnostics };
    stringifyAnnotations(rm);
    const printed = rm.all().filter((r) => !isLocalConfig(r));
    ctx.diagnostics.push(...checkWritable(printed));
    if (hasErrors(ctx.diagnostics)) return { diagnostics: ctx.diagnostics };
    // Kustomize validates sortOptions at the root only (a base's are ignored).
    if (k.sortOptions?.invalid) return { diagnostics: [...ctx.diagnostics, k.sortOptions.invalid] };
    const resources = sortResources(printed, k.sortOptions);
    finishBuildMetadata(resources, k.buildMetadata);
    return { value: { resources, root: k }, diagnostics: ctx.diagnostics };
  } catch (e) {
    if (e instanceof DiagnosticError) return { diagnostics: [...ctx.diagnostics, ...e.diagnostics] };
    throw e;
  } finally {
    resetBuildSchema();
  }
}

/** `crds` files are OpenAPI definition maps (not CRD objects): each parsed as one YAML/JSON object. */
function readCrds(k: Kustomization, ctx: BuildContext): JsonObject[] {
  const out: JsonObject[] = [];
  for (const file of k.crds) {
    const shown = displayPath(file);
    const bytes = ctx.fs.readFile(file);
    let text = '';
    try {
      text = UTF8.decode(bytes ?? new Uint8Array());
    } catch {
      ctx.diagnostics.push(diag('KF1011', `${shown} is not valid UTF-8`, { location: { file: shown, line: firstBadUtf8Line(bytes ?? new Uint8Array()), column: 1 }, hint: 'save the file as UTF-8' }));
      continue;
    }
    const parsed = parseYamlDocuments(text, shown);
    ctx.diagnostics.push(...parsed.diagnostics);
    for (const d of parsed.value ?? []) if (d.value && typeof d.value === 'object' && !Array.isArray(d.value)) out.push(d.value);
  }
  return out;
}

/**
 * What a kustomization's transformers use: the field specs merged as Kustomize merges
 * them (transformer-config.ts), and the `varReference` specs of `configurations`.
 */
export interface BuildConfig {
  tc: TransformerConfig;
  varReference: FieldSpec[];
}

/**
 * Builds one kustomization directory. `expect` is the kind the caller needs:
 * `resources` entries must be Kustomizations, `components` entries Components; the root
 * may be either.
 */
function buildTarget(
  dir: string,
  ctx: BuildContext,
  expect: 'Kustomization' | 'any',
  where: SourceLocation | undefined,
  originPath: string,
): { rm: ResourceMap; k: Kustomization; cfg: BuildConfig; vars: BoundVar[] } | undefined {
  const loaded = loadDir(dir, ctx, expect, where);
  if (!loaded) return undefined;
  // Kustomize hands the root's buildMetadata down to every base and component
  if (ctx.stack.length === 0) ctx.trackOrigins = loaded.buildMetadata.length > 0;
  const real = ctx.fs.realPath(dir) ?? dir;
  ctx.stack.push(real);
  try {
    const rm = new ResourceMap();
    const cfg: BuildConfig = { tc: emptyTransformerConfig(), varReference: [] };
    const vars: BoundVar[] = [];
    runKustomization(loaded, rm, ctx, cfg, vars, originPath);
    return { rm, k: loaded, cfg, vars };
  } finally {
    ctx.stack.pop();
  }
}

function loadDir(linked: string, ctx: BuildContext, expect: 'Kustomization' | 'Component' | 'any', where: SourceLocation | undefined): Kustomization | undefined {
  // A symlinked kustomization directory is loaded from where it really is, as Kustomize
  // does: its own relative paths resolve from there.
  const real = ctx.fs.realPath(linked) ?? linked;
  const dir = real;
  const cycleAt = ctx.stack.indexOf(real);
  if (cycleAt >= 0) {
    const chain = [...ctx.stack.slice(cycleAt), real].map((p) => displayPath(p));
    ctx.diagnostics.push(
      diag('KF1007', `cycle between kustomizations: ${chain.join(' → ')}`, {
        ...(where ? { location: where } : {}),
        hint: 'a base must not list its own overlay (directly or through other kustomizations); remove this entry',
      }),
    );
    return undefined;
  }
  const found = findKustomizationFile(ctx.fs, dir, where);
  ctx.diagnostics.push(...found.diagnostics);
  if (!found.file) return undefined;
  // Kustomize reads the kustomization file through its load restrictor: one that is a
  // symlink to a file outside its directory is "not found" (LoadRestrictionsNone reads it).
  const fileReal = ctx.fs.realPath(found.file) ?? found.file;
  if (outsideRoot(ctx.fs, fileReal, dir)) {
    ctx.diagnostics.push(
      diag('KF1001', `${displayPath(found.file)} is a symlink to ${displayPath(fileReal)}, outside ${displayPath(dir)}: Kustomize does not read it`, {
        location: where ?? { file: displayPath(found.file), line: 1, column: 1 },
        hint: 'copy the file into the directory (or make the directory itself the symlink), or build with --load-restrictor LoadRestrictionsNone',
      }),
    );
    return undefined;
  }
  const bytes = ctx.fs.readFile(found.file);
  let text: string;
  try {
    text = UTF8.decode(bytes ?? new Uint8Array());
  } catch {
    ctx.diagnostics.push(diag('KF1011', `${displayPath(found.file)} is not valid UTF-8`, { location: { file: displayPath(found.file), line: firstBadUtf8Line(bytes ?? new Uint8Array()), column: 1 }, hint: 'save the file as UTF-8' }));
    return undefined;
  }
  const res = loadKustomizationFile(ctx.fs, found.file, text);
  ctx.diagnostics.push(...res.diagnostics);
  const k = res.value;
  if (!k) return undefined;
  // Kustomize sets its (global) schema when the root, or else the first base with
  // `openapi`, is loaded (schema/openapi-custom.ts).
  ctx.diagnostics.push(...offerSchema(k, ctx.fs, ctx.stack.length === 0));
  if (expect !== 'any' && k.kind !== expect) {
    ctx.diagnostics.push(
      diag('KF1014', `${displayPath(found.file)} is a ${k.kind}, but a ${expect} is expected here`, {
        ...(where ? { location: where } : { location: { file: displayPath(found.file), line: 1, column: 1 } }),
        hint: expect === 'Component' ? 'list it under resources:, or make it kind: Component' : 'list it under components:, not resources:',
      }),
    );
    return undefined;
  }
  return k;
}

/**
 * Runs one kustomization (or component) over `rm`: resources, components, generators,
 * transformers. `originPath` is its directory as the entries leading to it spell it from
 * the build root (for buildMetadata's origins).
 */
function runKustomization(k: Kustomization, rm: ResourceMap, ctx: BuildContext, cfg: BuildConfig, vars: BoundVar[], originPath: string): void {
  const kdir = displayPath(k.dir);
  // origins (configuredIn, and the origin paths handed down) are only read when tracked
  const tracking = ctx.trackOrigins;
  const configuredIn = tracking ? goJoin(originPath, path.basename(k.file)) : '';
  const listed = new Map<string, (typeof k.resources)[number]>();
  /** The kustomization directory's real path, asked for once its first resource file is. */
  let rootReal: string | undefined;
  for (const ref of k.resources) {
    // an entry listed twice: its duplicates are reported at the second entry
    const local = resolveIn(k.dir, ref.entry);
    const twice = listed.get(local);
    if (!twice) listed.set(local, ref);
    const dup = twice ? { location: ref.location, entry: ref.entry, first: twice.location } : undefined;
    let remoteFile = false;
    let remoteOrigin: string | undefined;
    let abs: string;
    const remote = isRemote(ref.entry);
    if (remote && ctx.remotes) {
      const got = ctx.remotes.resolve(ref.entry, ref.location, 'resource', ctx.diagnostics);
      if (!got) continue;
      remoteFile = 'file' in got;
      abs = 'file' in got ? got.file : got.dir;
      if ('origin' in got) remoteOrigin = remoteOriginPath(got.origin.repo, got.origin.ref, got.origin.path);
    } else if (remote) {
      ctx.diagnostics.push(
        diag('KF1009', `remote resource "${ref.entry}" refused: kforge never reaches the network at build time`, {
          location: ref.location,
          hint: 'vendor the remote base into the repository (e.g. under bases/) and list its local path',
        }),
      );
      continue;
    } else {
      abs = local;
      if (!insideRemote(k.dir, abs, ref.entry, ref.location, ctx)) continue;
    }
    const kind = ctx.fs.stat(abs);
    if (kind === undefined) {
      ctx.diagnostics.push(diag('KF1002', `resource "${ref.entry}" not found (looked for ${displayPath(abs)})`, { location: ref.location, hint: suggestSibling(ctx.fs, abs) }));
      continue;
    }
    if (kind === 'dir') {
      const sub = buildTarget(abs, ctx, 'Kustomization', ref.location, remoteOrigin ?? (tracking ? goJoin(originPath, ref.entry) : ''));
      if (!sub) continue;
      // A build that has failed goes on only to find the other mistakes: a base built after
      // the first error skipped its transformers (prefixes, namespaces…), so its resources
      // would collide here by names they do not have.
      if (hasErrors(ctx.diagnostics)) continue;
      ctx.diagnostics.push(...absorbConfig(cfg.tc, sub.cfg.tc, ref.location));
      cfg.varReference.push(...sub.cfg.varReference);
      ctx.diagnostics.push(...mergeVars(vars, sub.vars));
      for (const r of sub.rm) {
        r.origin.kustomizations = plus(r.origin.kustomizations, kdir);
        addResource(rm, r, ctx, dup);
      }
      continue;
    }
    const real = ctx.fs.realPath(abs) ?? abs;
    rootReal ??= ctx.fs.realPath(k.dir) ?? k.dir;
    if (!remoteFile && outsideRoot(ctx.fs, real, rootReal)) {
      ctx.diagnostics.push(
        diag('KF1008', `resource file "${ref.entry}" is outside the kustomization root ${displayPath(rootReal)} (resolves to ${real})`, {
          location: ref.location,
          hint: 'Kustomize loads files only from under the kustomization directory: move the file, or give its directory a kustomization.yaml and list the directory',
        }),
      );
      continue;
    }
    const shown = displayPath(abs);
    const stack = stackOf(abs);
    for (const o of readResourceFile(abs, ctx, ref.location, shown)) {
      if (ctx.trackOrigins) setOriginIfMissing(o.value, fileOrigin(goJoin(originPath, ref.entry)));
      addResource(rm, newResource(o, shown, kdir, stack), ctx, dup);
    }
  }
  // Kustomize v5 (kusttarget.accumulateTarget): resources, then this kustomization's
  // configurations and generators, then its components, then its transformers.
  if (hasErrors(ctx.diagnostics)) return;
  const own = ownConfig(k.configurations, k.configurationsLocation !== undefined, k.configurationsLocation);
  ctx.diagnostics.push(...own.diagnostics, ...absorbConfig(cfg.tc, own.cfg, k.configurationsLocation));
  cfg.varReference.push(...k.configurations.varReference);
  // then the name references its `crds` declare: like `configurations`, they travel up
  // with this kustomization's config to the root, where references are fixed.
  if (k.crds.length) {
    const crdObjects = readCrds(k, ctx);
    const crds = nameReferencesFromCrds(crdObjects);
    const specs = fieldSpecsFromCrds(crdObjects);
    if (crds.length || specs.commonAnnotations.length || specs.commonLabels.length || specs.namePrefix.length) {
      ctx.diagnostics.push(...absorbConfig(cfg.tc, { ...emptyTransformerConfig(), nameReference: crds, ...specs }, undefined));
    }
  }
  if (hasErrors(ctx.diagnostics)) return;
  ctx.diagnostics.push(...runGenerators(k, rm, ctx.fs, ctx.trackOrigins ? (kind) => builtinOrigin(configuredIn, `${kind}Generator`) : undefined));
  if (hasErrors(ctx.diagnostics)) return;
  // then its `generators:` plugins
  for (const c of configsOf(k, 'generators', ctx)) {
    if (hasErrors(ctx.diagnostics)) return;
    ctx.diagnostics.push(...runPluginGenerator(c, k, rm, ctx.fs, ctx.trackOrigins ? configOrigin(c, originPath) : undefined));
  }
  if (hasErrors(ctx.diagnostics)) return;
  for (const ref of k.components) {
    let abs: string;
    let remoteOrigin: string | undefined;
    const remote = isRemote(ref.entry);
    if (remote && ctx.remotes) {
      const got = ctx.remotes.resolve(ref.entry, ref.location, 'component', ctx.diagnostics);
      if (!got || 'file' in got) continue;
      abs = got.dir;
      remoteOrigin = remoteOriginPath(got.origin.repo, got.origin.ref, got.origin.path);
    } else if (remote) {
      ctx.diagnostics.push(diag('KF1009', `remote component "${ref.entry}" refused: kforge never reaches the network at build time`, { location: ref.location, hint: 'vendor the component into the repository' }));
      continue;
    } else {
      abs = resolveIn(k.dir, ref.entry);
      if (!insideRemote(k.dir, abs, ref.entry, ref.location, ctx)) continue;
    }
    if (ctx.fs.stat(abs) !== 'dir') {
      ctx.diagnostics.push(
        diag('KF1002', `component "${ref.entry}" is not a directory (looked for ${displayPath(abs)})`, { location: ref.location, hint: suggestSibling(ctx.fs, abs) }),
      );
      continue;
    }
    const comp = loadDir(abs, ctx, 'Component', ref.location);
    if (!comp) continue;
    const real = ctx.fs.realPath(abs) ?? abs;
    ctx.stack.push(real);
    try {
      runKustomization(comp, rm, ctx, cfg, vars, remoteOrigin ?? (tracking ? goJoin(originPath, ref.entry) : ''));
    } finally {
      ctx.stack.pop();
    }
  }
  if (hasErrors(ctx.diagnostics)) return;
  for (const step of ORDER) {
    if (hasErrors(ctx.diagnostics)) return;
    ctx.diagnostics.push(...step.run(k, rm, ctx, cfg));
    if (ctx.trackOrigins) for (const kind of step.plugins(k)) recordTransformer(rm, builtinOrigin(configuredIn, kind));
  }
  // then its `transformers:` plugins
  for (const c of configsOf(k, 'transformers', ctx)) {
    if (hasErrors(ctx.diagnostics)) return;
    ctx.diagnostics.push(...runPluginTransformer(c, rm));
    if (ctx.trackOrigins) recordTransformer(rm, configOrigin(c, originPath));
  }
  // Kustomize binds a kustomization's vars to its resources after its transformers.
  if (hasErrors(ctx.diagnostics)) return;
  ctx.diagnostics.push(...bindVars(rm, k.vars ?? [], vars));
}

/**
 * The builtin plugin configs of a kustomization's `transformers:` or `generators:`; a
 * directory entry's kustomization is built here, its objects being the configs (their
 * origins, as Kustomize records them, relative to the listing kustomization).
 */
function configsOf(k: Kustomization, field: PluginField, ctx: BuildContext): PluginConfig[] {
  const sources = k[field];
  if (sources.length === 0) return [];
  const buildDir: DirBuilder = (dir, entry, location) => {
    const sub = buildTarget(dir, { ...ctx, trackOrigins: true }, 'Kustomization', location, entry);
    if (!sub) return undefined;
    return sub.rm.all().map((r) => ({ value: r.object, location: r.origin.location, origin: originPathOf(r.object) ?? entry }));
  };
  const decode = (objects: Parameters<typeof decodePluginObjects>[1]) => decodePluginObjects({ fs: ctx.fs, dir: k.dir, root: k.dir, ds: ctx.diagnostics }, objects, field);
  return pluginConfigs(sources, buildDir, decode, ctx.diagnostics, field);
}

/**
 * A kustomization inside a remote checkout reaches nothing outside that checkout (Kustomize:
 * "bases in kustomizations found in cloned git repos must be within the repo").
 */
function insideRemote(kdir: string, abs: string, entry: string, where: SourceLocation, ctx: BuildContext): boolean {
  const root = ctx.remotes ? remoteRootOf(kdir) : undefined;
  if (root === undefined) return true;
  const real = ctx.fs.realPath(abs) ?? path.resolve(abs);
  if (isWithin(real, root)) return true;
  ctx.diagnostics.push(
    diag('KF1035', `"${entry}" is outside the remote ${displayPath(root)}: a remote base reaches only files of its own repository`, {
      location: where,
      hint: 'the remote repository must be self-contained; list the other base in your own kustomization instead',
    }),
  );
  return false;
}

/** The `path` of an object's origin annotation. */
function originPathOf(o: JsonObject): string | undefined {
  const origin = originOf(o);
  const m = origin ? /^path: (.*)$/m.exec(origin) : null;
  if (!m) return undefined;
  const v = parseYamlDocuments(m[1], '<origin>').value?.[0]?.value;
  return typeof v === 'string' ? v : m[1];
}

function addResource(rm: ResourceMap, r: Resource, ctx: BuildContext, dup?: { location: SourceLocation; entry: string; first: SourceLocation }): void {
  const existing = rm.add(r);
  if (existing && dup) {
    if (ctx.diagnostics.some((d) => d.code === 'KF2001' && d.location === dup.location)) return; // one per entry
    ctx.diagnostics.push(
      diag('KF2001', `resources: "${dup.entry}" is listed twice (first at line ${dup.first.line})`, {
        location: dup.location,
        resource: r.id,
        notes: [`first listed at ${dup.first.file}:${dup.first.line}:${dup.first.column}`],
        hint: 'remove this entry',
      }),
    );
    return;
  }
  if (existing) {
    const first = existing.origin.location;
    ctx.diagnostics.push(
      diag('KF2001', `duplicate resource ${formatResId(r.id)}: it is already declared at ${first.file}:${first.line}`, {
        location: r.origin.location,
        resource: r.id,
        notes: [`first declared at ${first.file}:${first.line}:${first.column}`],
        hint: 'remove one of the two, or give them different names or namespaces (a patch changes an existing resource)',
      }),
    );
  }
}

/** A resource read from the file shown as `shown`, of the stack `stack` (stackOf). */
function newResource(o: { value: JsonObject; line: number; column: number; index: number; item?: number }, shown: string, kdir: string, stack: string | undefined): Resource {
  // (the origin's fields in the order they always had, written out rather than spread)
  const location = { file: shown, line: o.line, column: o.column };
  const origin: Resource['origin'] =
    o.item === undefined
      ? stack === undefined
        ? { location, documentIndex: o.index, kustomizations: [kdir], fieldSources: [] }
        : { location, documentIndex: o.index, kustomizations: [kdir], configuredIn: stack, fieldSources: [] }
      : stack === undefined
        ? { location, documentIndex: o.index, listItemIndex: o.item, kustomizations: [kdir], fieldSources: [] }
        : { location, documentIndex: o.index, listItemIndex: o.item, kustomizations: [kdir], configuredIn: stack, fieldSources: [] };
  return newResourceRecord(o.value, origin);
}

/**
 * The stack of `bases/` a file belongs to: bases/<stack>/… → <stack>. That is, of the names
 * of `abs` (split at the separator), the one after the last `bases`, when another follows it;
 * found by scanning back from the end rather than splitting the path (asked for every
 * resource file).
 */
export function stackOf(abs: string): string | undefined {
  const sep = path.sep;
  // the names end at `end` (exclusive), scanning from the last one back
  for (let end = abs.length; ; ) {
    const cut = end === 0 ? -1 : abs.lastIndexOf(sep, end - 1);
    const start = cut + 1;
    if (end - start === 5 && abs.startsWith('bases', start)) {
      if (end === abs.length) return undefined; // `bases` is the last name
      const next = abs.indexOf(sep, end + 1);
      return next < 0 ? undefined : abs.slice(end + 1, next);
    }
    if (cut < 0) return undefined;
    end = cut;
  }
}

/** Reads a resource file into objects (List documents split), reporting problems at their lines. */
export function readResourceFile(abs: string, ctx: BuildContext, where: SourceLocation, shown = displayPath(abs)): { value: JsonObject; line: number; column: number; index: number; item?: number }[] {
  const bytes = ctx.fs.readFile(abs);
  if (!bytes) {
    ctx.diagnostics.push(diag('KF1002', `cannot read ${shown}`, { location: where }));
    return [];
  }
  // documents the read-ahead worker read from these bytes (without a diagnostic: its checks are these)
  const ahead = ctx.fs.parsedAhead?.(abs);
  let text: string | undefined;
  let docs: YamlDoc[];
  if (ahead !== undefined) docs = fromPreParsed(ahead);
  else {
    if (bytes.includes(0)) {
      ctx.diagnostics.push(diag('KF1011', `${shown} is a binary file, not YAML`, { location: { file: shown, line: 1, column: 1 }, hint: 'list only YAML manifests under resources' }));
      return [];
    }
    try {
      text = UTF8.decode(bytes);
    } catch {
      ctx.diagnostics.push(diag('KF1011', `${shown} is not valid UTF-8`, { location: { file: shown, line: firstBadUtf8Line(bytes), column: 1 }, hint: 'save the file as UTF-8' }));
      return [];
    }
    const parsed = parseYamlDocuments(text, shown);
    ctx.diagnostics.push(...parsed.diagnostics);
    if (!parsed.value) return [];
    docs = parsed.value;
  }
  const source = (): string => (text ??= UTF8.decode(bytes));
  type Read = { value: JsonObject; line: number; column: number; index: number; item?: number };
  const objects: Read[] = [];
  // Kustomize's reading of a resource file (kyaml's byte reader, then its resource factory):
  // 1. a file of one document (no `---` line splits it) that is a `List` or `ResourceList`
  //    with `items` or a `functionConfig` (a KRM function's input) is unwrapped: its items are
  //    the file's objects (none for a function input);
  // 2. each object needs a kind, and a name unless its kind ends in `List`;
  // 3. each object whose kind ends in `List` and which has `items` is replaced by those items
  //    (read again as in 1, one at a time), which join the end of the file's objects; one
  //    without `items` is an object like any other (a `*List` without items is no collection),
  //    `items: null` holds none.
  // Empty documents and items (null, `{}`, `[]`) are dropped throughout.
  const queue: Read[] = [];
  const mappingsOf = (items: Json | undefined, what: string, loc: SourceLocation, at: Omit<Read, 'value' | 'item'>, item: (i: number) => number): Read[] | undefined => {
    if (items === undefined || items === null || typeof items !== 'object') return [];
    if (!Array.isArray(items)) {
      if (Object.keys(items).length === 0) return [];
      ctx.diagnostics.push(diag('KF1004', `items of ${what} in ${shown} is a mapping, not a list of objects`, { location: loc, hint: 'write items as a list: `items:` then `- apiVersion: …` entries' }));
      return undefined;
    }
    const out: Read[] = [];
    for (let i = 0; i < items.length; i++) {
      const v = items[i];
      if (isEmpty(v)) continue;
      if (typeof v !== 'object' || Array.isArray(v)) {
        ctx.diagnostics.push(diag('KF1004', `item ${i} of ${what} in ${shown} is not a mapping (it is ${Array.isArray(v) ? 'a list' : `a ${typeof v}`})`, { location: loc, hint: 'each item of a List must be a Kubernetes object' }));
        continue;
      }
      out.push({ ...at, value: v as JsonObject, item: item(i) });
    }
    return out;
  };
  const check = (r: Read, what: string): boolean => checkObject(r.value, { file: shown, line: r.line, column: r.column }, ctx, what);
  for (const doc of docs) {
    const loc = { file: shown, line: doc.line, column: doc.column };
    const v = doc.value;
    if (v === null || isEmpty(v)) continue;
    if (typeof v !== 'object' || Array.isArray(v)) {
      ctx.diagnostics.push(diag('KF1004', `document ${doc.index + 1} of ${shown} is not a mapping (it is ${Array.isArray(v) ? 'a list' : `a ${typeof v}`})`, { location: loc, hint: 'each YAML document in a resource file must be a Kubernetes object' }));
      continue;
    }
    const at = { line: doc.line, column: doc.column, index: doc.index };
    if (docs.length === 1 && unwraps(v) && isOnePiece(source())) {
      const items = mappingsOf(v.items, `the ${v.kind}`, loc, at, (i) => i);
      for (const r of items ?? []) if (check(r, `item ${r.item} of the ${v.kind}`)) queue.push(r);
      continue;
    }
    if (check({ ...at, value: v }, 'the resource')) queue.push({ ...at, value: v });
  }
  for (let q = 0; q < queue.length; q++) {
    const r = queue[q];
    const v = r.value;
    if (!isListKind(v) || !hasOwn.call(v, 'items')) {
      if (v.metadata === undefined || v.metadata === null) v.metadata = {}; // (a nameless *List: Kustomize writes `metadata: {}`)
      if (r.item === undefined) annotationsAsSourceText(v, source, r.index);
      objects.push(r);
      continue;
    }
    const loc = { file: shown, line: r.line, column: r.column };
    if (v.items !== null && !Array.isArray(v.items)) {
      ctx.diagnostics.push(diag('KF1004', `items of the ${v.kind as string} in ${shown} is ${typeof v.items === 'object' ? 'a mapping' : `a ${typeof v.items}`}, not a list of objects`, { location: loc, hint: 'write items as a list: `items:` then `- apiVersion: …` entries, or leave items out' }));
      continue;
    }
    const items = mappingsOf(v.items, `the ${v.kind as string}`, loc, r, (i) => r.item ?? i) ?? [];
    for (const it of items) {
      // each item is read again on its own: a List or ResourceList with items or a functionConfig unwraps
      const inner = unwraps(it.value) ? (mappingsOf(it.value.items, `the ${it.value.kind as string}`, loc, r, () => it.item!) ?? []) : [it];
      for (const x of inner) if (check(x, `an item of the ${v.kind as string}`)) queue.push(x);
    }
  }
  return objects;
}

/**
 * Kustomize holds `metadata.annotations` as a map of strings. A value a file wrote as
 * something else keeps its source text (`0123` → "0123", `true` → "true", `~` → "~",
 * empty → ""; a nested list or map → ""). Only the top-level metadata: annotations in pod
 * templates stay as they are. Rare, so the source is re-read only then.
 */
function annotationsAsSourceText(v: JsonObject, text: () => string, docIndex: number): void {
  const ann = topAnnotations(v);
  if (!ann) return;
  // non-strings, and strings the reader may have made from a plain timestamp (2001-01-01)
  const odd = Object.keys(ann).filter((k) => typeof ann[k] !== 'string' || /^\d{4}-\d\d?-\d\d?/.test(ann[k] as string));
  if (odd.length === 0) return;
  const docs = parseAllDocuments(text());
  const doc = Array.isArray(docs) ? docs[docIndex] : undefined;
  for (const k of odd) {
    const node = doc?.getIn(['metadata', 'annotations', k], true) as { source?: string; type?: string } | null | undefined;
    if (typeof ann[k] === 'string' && node?.type !== 'PLAIN') continue; // a quoted string is what it says
    ann[k] = node && typeof node.source === 'string' ? node.source : '';
  }
}

function isListKind(v: JsonObject): boolean {
  return typeof v.kind === 'string' && v.kind.endsWith('List');
}

/** An empty document or List item (null, `{}`, `[]`): Kustomize drops it. */
function isEmpty(v: Json): boolean {
  return v === null || (typeof v === 'object' && Object.keys(v).length === 0);
}

/** A `List` or `ResourceList` with `items` or a `functionConfig`: kio's reader unwraps it when it is a file's only piece. */
function unwraps(v: JsonObject): boolean {
  return (v.kind === 'List' || v.kind === 'ResourceList') && (hasOwn.call(v, 'items') || hasOwn.call(v, 'functionConfig'));
}

function topAnnotations(v: JsonObject): JsonObject | undefined {
  const meta = v.metadata;
  if (!meta || typeof meta !== 'object' || Array.isArray(meta)) return undefined;
  const ann = meta.annotations;
  return ann && typeof ann === 'object' && !Array.isArray(ann) ? ann : undefined;
}

/**
 * At the end of a build: annotation values a patch set as numbers, booleans or null become
 * strings as Kustomize writes them after its JSON round trip (`7` → "7", `true` → "true",
 * null → "null", a map or list → ""). An empty or null `metadata.annotations` is removed
 * later, with Kustomize's build annotations (finishBuildMetadata).
 */
export function stringifyAnnotations(rm: ResourceMap): void {
  for (const r of rm.all()) {
    const ann = topAnnotations(r.object);
    if (!ann) continue;
    for (const [k, x] of Object.entries(ann)) {
      if (typeof x === 'string') continue;
      // (a map or a list set by a patch: Kustomize's string map holds "")
      ann[k] = x === null ? 'null' : typeof x === 'object' ? '' : String(x);
    }
  }
}

function checkObject(v: JsonObject, loc: SourceLocation, ctx: BuildContext, what: string): boolean {
  const missing: string[] = [];
  // No apiVersion check: Kustomize accepts a resource without one (or with any value). Its
  // id has an empty group and version, so it is no built-in kind (a Namespace gets a
  // namespace, a ConfigMap is no name-reference target) but the transformers reach it.
  if (typeof v.kind !== 'string' || v.kind === '') missing.push('kind');
  const meta = v.metadata as Json;
  const name = meta && typeof meta === 'object' && !Array.isArray(meta) ? meta.name : undefined;
  // (a kind ending in `List` needs no name: Kustomize keeps a `*List` without items as it is)
  if ((typeof name !== 'string' || name === '') && !isListKind(v)) missing.push('metadata.name');
  if (missing.length) {
    ctx.diagnostics.push(
      diag('KF1010', `${what} at ${loc.file}:${loc.line} has no ${missing.join(', ')}`, {
        location: loc,
        hint: `every Kubernetes object needs kind and metadata.name`,
      }),
    );
    return false;
  }
  return true;
}

export type { PatchEntry };

/**
 * Strings Kustomize cannot print: its output goes through JSON and back through a YAML
 * reader that refuses U+007F..U+009F (but U+0085) and U+FFFE/U+FFFF (emit/yaml.ts).
 */
function checkWritable(resources: readonly Resource[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const r of resources) {
    const bad = unwritableString(r.object);
    if (!bad) continue;
    const code = codePointName(bad.code);
    out.push(
      diag('KF1003', `${formatResId(r.id)} holds the control character ${code} at ${bad.pointer || '/'}: Kustomize cannot write it ("control characters are not allowed")`, {
        location: r.origin.location,
        hint: 'remove the character; YAML output can carry U+0000..U+001F escaped, but not U+007F..U+009F',
      }),
    );
  }
  return out;
}
