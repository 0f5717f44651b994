import type { FileSystem } from '../fs.js';
import type { Diagnostic, Json, JsonObject, SourceLocation } from '../types.js';
import { formatResId } from '../types.js';
import { newResourceRecord } from '../resource-map.js';
import { diag } from '../diagnostics.js';
import type { ResourceMap } from '../resource-map.js';
import type { Kustomization, PluginConfig, PluginSource, ValueAddTarget } from '../load/kustomization.js';
import type { PluginField } from '../load/plugins.js';
import { runGeneratorPlugin } from './generators.js';
import { applyHashSuffixes } from './hash.js';
import { applyLabelsWith } from './labels.js';
import { applyAnnotationsWith } from './annotations.js';
import { setNamespaceWith } from './namespace.js';
import { addPrefixSuffixWith } from './prefix-suffix.js';
import { applyImagesWith } from './images.js';
import { applyReplicasWith } from './replicas.js';
import { applyPatches } from './patches.js';
import { applyReplacements } from './replacements.js';
import { parseSelector, selectResources } from './select.js';
import { goJoin, pluginOrigin, setOriginIfMissing } from './build-metadata.js';

/**
 * Runs the builtin plugin configurations of `transformers:` and `generators:` (read by
 * load/plugins.ts) with the transformer modules the kustomization fields use, each with
 * the plugin's own field specs. Kustomize v5.5 runs a kustomization's plugin generators
 * after its configMapGenerator/secretGenerator, and its plugin transformers after all its
 * builtin transformers (api/internal/target/kusttarget.go).
 */

/** Builds a directory entry's kustomization; its objects are the configs. */
export type DirBuilder = (dir: string, entry: string, location: SourceLocation) => { value: JsonObject; location: SourceLocation; origin: string }[] | undefined;

/**
 * The configs of one field in the order Kustomize configures them: directories built now.
 * Two configs with the same kind, name and namespace are an error, as in Kustomize.
 */
export function pluginConfigs(sources: readonly PluginSource[], buildDir: DirBuilder, decode: (objects: { value: JsonObject; location: SourceLocation; origin: string }[]) => PluginConfig[], ds: Diagnostic[], field: PluginField): PluginConfig[] {
  const out: PluginConfig[] = [];
  const seen = new Map<string, PluginConfig>();
  for (const s of sources) {
    let configs: PluginConfig[];
    if ('configs' in s) configs = s.configs;
    else {
      const objects = buildDir(s.dir, s.entry, s.location);
      if (!objects) continue;
      configs = decode(objects);
    }
    for (const c of configs) {
      const key = `${c.plugin.type}|${c.namespace ?? ''}|${c.name}`;
      const first = seen.get(key);
      if (first) {
        ds.push(
          diag('KF2001', `${field}: two ${c.plugin.type} configurations named "${c.name}"${c.namespace ? ` in namespace ${c.namespace}` : ''} (the first at ${first.location.file}:${first.location.line})`, {
            location: c.location,
            notes: [`first declared at ${first.location.file}:${first.location.line}:${first.location.column}`],
            hint: 'give each plugin configuration of a field its own metadata.name',
          }),
        );
        continue;
      }
      seen.set(key, c);
      out.push(c);
    }
  }
  return out;
}

/** The origin annotation of a plugin config (its file from the build root), for buildMetadata. */
export function configOrigin(c: PluginConfig, originPath: string): string {
  return pluginOrigin(goJoin(originPath, c.origin), c.plugin.type, c.name, c.namespace);
}

/** Runs one generator config over `rm`. */
export function runPluginGenerator(c: PluginConfig, k: Kustomization, rm: ResourceMap, fs: FileSystem, origin: string | undefined): Diagnostic[] {
  const p = c.plugin;
  if (p.type === 'ConfigMapGenerator' || p.type === 'SecretGenerator') return runGeneratorPlugin(k, p.type === 'ConfigMapGenerator' ? 'ConfigMap' : 'Secret', p.args, rm, fs, origin);
  if (p.type !== 'IAMPolicyGenerator') return [];
  // api/filters/iampolicygenerator: the Kubernetes ServiceAccount bound to a GCP one (GKE
  // Workload Identity); an ordinary resource, not hashed
  const metadata: JsonObject = {
    annotations: { 'iam.gke.io/gcp-service-account': `${p.gcpServiceAccount}@${p.projectId}.iam.gserviceaccount.com` },
    name: p.serviceAccountName,
    ...(p.namespace ? { namespace: p.namespace } : {}),
  };
  const object: JsonObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata };
  if (origin !== undefined) setOriginIfMissing(object, origin);
  const r = newResourceRecord(object, { location: c.location, kustomizations: [k.dir], fieldSources: [] });
  const existing = rm.add(r);
  if (!existing) return [];
  const first = existing.origin.location;
  return [
    diag('KF2001', `IAMPolicyGenerator "${c.name}" makes ${formatResId(r.id)}, which already exists (declared at ${first.file}:${first.line})`, {
      location: c.location,
      resource: r.id,
      notes: [`first declared at ${first.file}:${first.line}:${first.column}`],
      hint: 'remove the ServiceAccount from the resources, or generate another one',
    }),
  ];
}

/** Runs one transformer config over `rm`. */
export function runPluginTransformer(c: PluginConfig, rm: ResourceMap): Diagnostic[] {
  const p = c.plugin;
  switch (p.type) {
    case 'LabelTransformer':
      return Object.keys(p.pairs).length ? applyLabelsWith(rm, p.pairs, c.location, p.fieldSpecs) : [];
    case 'AnnotationsTransformer':
      return Object.keys(p.pairs).length ? applyAnnotationsWith(rm, p.pairs, c.location, p.fieldSpecs) : [];
    case 'NamespaceTransformer':
      return p.namespace === '' ? [] : setNamespaceWith(rm, p.namespace, p.fieldSpecs, { unsetOnly: p.unsetOnly, subjects: p.subjects, location: c.location });
    case 'PrefixSuffixTransformer':
    case 'PrefixTransformer':
    case 'SuffixTransformer': {
      // Kustomize's PrefixSuffixTransformer is its prefix transformer, then its suffix
      // transformer, with the same specs: each stores the id first, so the prefixed-only
      // name is a known previous name (the decoder leaves the other affix '' for the others)
      const out = addPrefixSuffixWith(rm, { prefix: p.prefix, suffix: '', specs: p.fieldSpecs, location: c.location });
      if (p.suffix !== '') out.push(...addPrefixSuffixWith(rm, { prefix: '', suffix: p.suffix, specs: p.fieldSpecs, location: c.location }));
      return out;
    }
    case 'ImageTagTransformer':
      // Kustomize matches no image with an empty name, silently
      if (!p.image.name) return [diag('KF2009', `ImageTagTransformer "${c.name}" has no imageTag.name: it changes nothing`, { severity: 'warning', location: p.image.location, hint: 'give the image name as written in the containers, e.g. `name: redis`' })];
      return applyImagesWith(rm, [p.image], p.fieldSpecs);
    case 'ReplicaCountTransformer':
      if (p.fieldSpecs.length === 0) {
        return [
          diag('KF2006', `ReplicaCountTransformer "${c.name}" has no fieldSpecs: it reaches no resource named ${JSON.stringify(p.replica.name)}`, {
            location: c.location,
            hint: 'a plugin uses only its own field specs: add fieldSpecs: [{path: spec/replicas, kind: Deployment}]',
          }),
        ];
      }
      return applyReplicasWith(rm, [p.replica], p.fieldSpecs, `ReplicaCountTransformer "${c.name}"`);
    case 'PatchTransformer':
      return applyPatches(rm, p.patches, 'patches');
    case 'PatchStrategicMergeTransformer':
      return applyPatches(rm, p.patches, 'patchesStrategicMerge');
    case 'PatchJson6902Transformer':
      return applyPatches(rm, p.patches, 'patchesJson6902');
    case 'ReplacementTransformer':
      return applyReplacements(rm, p.replacements);
    case 'HashTransformer':
      // Generated objects get their hash now; the root adds another one (Kustomize does).
      applyHashSuffixes(rm);
      return [];
    case 'ValueAddTransformer':
      return valueAdd(rm, p.value, p.targets, c.location);
    default:
      return [];
  }
}

/**
 * ValueAddTransformer (api/filters/valueadd): puts `value` at each target's field path
 * (`/`-separated, `\/` escapes a slash; missing maps on the way are created). With
 * `filePathPosition` i > 0 the field holds a file path and the value is inserted as its
 * i-th element (a leading `/` kept; past the end: appended). A `metadata/namespace` path
 * runs the namespace transformer with the value instead.
 */
function valueAdd(rm: ResourceMap, value: string, targets: readonly ValueAddTarget[], location: SourceLocation): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const t of targets) {
    if (t.selector) {
      const bad = parseSelector(t.selector, location);
      out.push(...bad);
      if (bad.some((d) => d.severity === 'error')) continue;
    }
    const selected = t.selector ? selectResources(rm, t.selector) : [...rm.all()];
    if (t.fieldPath === 'metadata/namespace') {
      out.push(...setNamespaceWith(rm, value, [], { only: new Set(selected), history: false }));
      continue;
    }
    const fields: string[] = [];
    for (const f of t.fieldPath.split('/')) {
      if (fields.length && fields[fields.length - 1].endsWith('\\')) fields[fields.length - 1] = `${fields[fields.length - 1].slice(0, -1)}/${f}`;
      else fields.push(f);
    }
    for (const r of selected) {
      let node: JsonObject = r.object;
      let ok = true;
      for (const f of fields.slice(0, -1)) {
        const next: Json | undefined = node[f];
        if (next === undefined || next === null) node = node[f] = {};
        else if (typeof next === 'object' && !Array.isArray(next)) node = next;
        else {
          ok = false;
          break;
        }
      }
      const last = fields[fields.length - 1];
      const cur = node[last];
      if (!ok || (cur !== undefined && cur !== null && typeof cur === 'object')) {
        out.push(diag('KF1018', `ValueAddTransformer: ${t.fieldPath} of ${r.id.kind} ${r.id.name} is not a scalar field`, { location, hint: 'point fieldPath at a string field' }));
        continue;
      }
      const old = cur === undefined || cur === null ? '' : String(cur);
      node[last] = t.filePathPosition > 0 ? insertPathPart(old, t.filePathPosition - 1, value) : value;
    }
  }
  return out;
}

/** kyaml's filesys.InsertPathPart: `part` inserted as the `pos`-th element of a slash path. */
function insertPathPart(p: string, pos: number, part: string): string {
  if (p === '') return part;
  if (p === '/') return `/${part}`;
  const abs = p.startsWith('/');
  const parts = (abs ? p.slice(1) : p).split('/');
  const at = Math.min(Math.max(pos, 0), parts.length);
  parts.splice(at, 0, part);
  return `${abs ? '/' : ''}${parts.join('/')}`;
}
