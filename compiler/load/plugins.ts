import * as path from 'node:path';
import type { FileSystem } from '../fs.js';
import type { Diagnostic, JsonObject, SourceLocation } from '../types.js';
import { diag, didYouMean } from '../diagnostics.js';
import type { FieldSpec } from '../transform/fieldspec.js';
import { jsonToPNode, NodeView, positionedDocuments, shiftPNode, type PNode, type PPair } from './kfile.js';
import { isTimestamp, parseTimestamp, parseYamlDocuments } from './yaml/index.js';
import type {
  BuiltinPlugin,
  GeneratorArgs,
  GeneratorOptions,
  ImageEntry,
  PatchEntry,
  PluginConfig,
  PluginSource,
  Replacement,
  ReplacementTarget,
  Selector,
  SubjectsMode,
  ValueAddTarget,
} from './kustomization.js';
import { displayPath, inlineLocation, isNull, isRemote, patchFromFile, typeName, type LoadCtx, type YamlView } from './files.js';
import { configObjects } from './plugin-documents.js';

/**
 * `transformers:` and `generators:` holding builtin plugin configurations
 * (`apiVersion: builtin`), which Kustomize v5.5 runs without any flag
 * (api/internal/target/kusttarget.go, api/internal/builtins):
 *
 *  - an entry that reads as YAML objects is an inline config; any other entry is a path:
 *    a file of configs, or a directory whose kustomization is built and whose output
 *    objects are the configs (built at build time: transform/plugins.ts). Kustomize configures
 *    every inline config first, then the ones from paths, each group in the order written;
 *  - each config is an object with apiVersion, kind and metadata.name; two configs of one
 *    field with the same kind and name are an error; another apiVersion is an exec,
 *    container or Go plugin, which needs Kustomize's alpha plugins: refused (KF1016);
 *  - a config is decoded as Go's encoding/json decodes it (sigs.k8s.io/yaml): unknown
 *    fields are ignored, field names match case-insensitively, numbers and booleans become
 *    strings where a string is expected ("1.50" → "1.5"), a wrong type is an error (KF1018);
 *  - files named inside a config (patch paths, env files…) are relative to the kustomization
 *    that lists the config, wherever the config was read from.
 */

export const TRANSFORMER_KINDS = [
  'AnnotationsTransformer',
  'HashTransformer',
  'ImageTagTransformer',
  'LabelTransformer',
  'NamespaceTransformer',
  'PatchJson6902Transformer',
  'PatchStrategicMergeTransformer',
  'PatchTransformer',
  'PrefixSuffixTransformer',
  'PrefixTransformer',
  'SuffixTransformer',
  'ReplacementTransformer',
  'ReplicaCountTransformer',
  'ValueAddTransformer',
] as const;
export const GENERATOR_KINDS = ['ConfigMapGenerator', 'SecretGenerator', 'IAMPolicyGenerator', 'HelmChartInflationGenerator'] as const;

export type PluginField = 'transformers' | 'generators';

/**
 * Does Kustomize read this entry as inline YAML objects (rather than a path)? A multi-line
 * entry that is not valid YAML is taken as inline too: its YAML errors say more than
 * "file not found".
 */
function isInline(entry: string): boolean {
  if (entry.trim().includes('\n')) return true;
  if (!/[:{]/.test(entry)) return false;
  const parsed = parseYamlDocuments(entry, '<inline>');
  return !!parsed.value && parsed.value.some((d) => d.value !== null && typeof d.value === 'object' && !Array.isArray(d.value));
}

/**
 * Reads the entries of a `transformers:` or `generators:` field: inline configs first, then
 * the paths, as Kustomize configures them.
 */
export function readPluginEntries(ctx: LoadCtx, entries: { value: string; node: PNode; location: SourceLocation }[], field: PluginField): PluginSource[] {
  const inline: PluginSource[] = [];
  const paths: PluginSource[] = [];
  const kfile = path.basename(ctx.y.file);
  for (const e of entries) {
    if (isInline(e.value)) {
      const at = inlineLocation(ctx, e.node);
      const read = positionedDocuments(ctx.y.file, e.value);
      for (const d of read.diagnostics) ctx.ds.push(d.location ? { ...d, location: { ...d.location, line: d.location.line + at.line - 1, column: d.location.column + at.column - 1 } } : d);
      const view = new NodeView(ctx.y.file, ctx.y.text);
      const configs: PluginConfig[] = [];
      for (const doc of read.docs ?? []) {
        shiftPNode(doc.root, at.line - 1, at.column - 1);
        for (const obj of configObjects(doc.root)) {
          const c = decodeConfig({ ...ctx, y: view }, obj, field, kfile);
          if (c) configs.push(c);
        }
      }
      inline.push({ configs });
      continue;
    }
    // a directory is built at build time; anything else is a file under the kustomization
    // root (resolveLocalFile reports remote, missing and outside-root entries)
    const abs = path.resolve(ctx.dir, e.value);
    if (ctx.fs.stat(abs) === 'dir') {
      paths.push({ dir: abs, entry: e.value, location: e.location });
      continue;
    }
    const got = patchFromFile(ctx, e.value, e.location, `${field} entry`);
    if (!got) continue;
    const shown = displayPath(got.path);
    const read = positionedDocuments(shown, got.text);
    ctx.ds.push(...read.diagnostics);
    const view = new NodeView(shown, got.text);
    const configs: PluginConfig[] = [];
    for (const doc of read.docs ?? []) {
      for (const obj of configObjects(doc.root)) {
        const c = decodeConfig({ ...ctx, y: view }, obj, field, e.value);
        if (c) configs.push(c);
      }
    }
    paths.push({ configs });
  }
  return [...inline, ...paths];
}

/**
 * Decodes the objects a directory entry's kustomization produced (transform/plugins.ts). They
 * have no text of their own: every diagnostic points at the object's first line.
 */
export function decodePluginObjects(
  ctx: { fs: FileSystem; dir: string; root: string; ds: Diagnostic[] },
  objects: { value: JsonObject; location: SourceLocation; origin: string }[],
  field: PluginField,
): PluginConfig[] {
  const out: PluginConfig[] = [];
  for (const o of objects) {
    const view = new NodeView(o.location.file, '');
    const c = decodeConfig({ ...ctx, y: view }, jsonToPNode(o.value, o.location), field, o.origin);
    if (c) out.push(c);
  }
  return out;
}

// ---- Go encoding/json, as sigs.k8s.io/yaml decodes into Kustomize's plugin structs ----

/**
 * The prefix and suffix transformers decode their config with kyaml (go-yaml v3) instead:
 * field names match exactly, and a string field takes any scalar's text.
 */
const KYAML_DECODED = new Set(['PrefixSuffixTransformer', 'PrefixTransformer', 'SuffixTransformer']);

/**
 * A mapping's value for a struct field: the last key equal to the name ignoring case (the
 * exact name for kyaml-decoded kinds); null counts as absent.
 */
function get(m: PNode, name: string, kind: string): PNode | undefined {
  const exact = KYAML_DECODED.has(kind);
  const want = exact ? name : name.toLowerCase();
  let found: PNode | undefined;
  for (const p of m.pairs ?? []) if ((exact ? p.key : p.key.toLowerCase()) === want) found = p.value;
  return found && !isNull(found) ? found : undefined;
}

function bad(ctx: LoadCtx, node: PNode, what: string, want: string, kind: string): undefined {
  ctx.ds.push(
    diag('KF1018', `${kind}: "${what}" must be ${want}, found ${typeName(node)}`, {
      location: ctx.y.at(node),
      hint: `Kustomize cannot decode this ${kind} configuration; write ${what} as ${want}`,
    }),
  );
  return undefined;
}

/** Go's strconv.FormatFloat(f, 'g', -1, 32): the shortest float32 digits, exponent form from 1e6 or below 1e-4. */
export function goFloat32(f: number): string {
  const t = Math.fround(f);
  if (!Number.isFinite(t)) return t > 0 ? '+Inf' : t < 0 ? '-Inf' : 'NaN';
  if (t === 0) return Object.is(t, -0) ? '-0' : '0';
  let digits = '';
  let exp = 0;
  for (let p = 1; p <= 9; p++) {
    const s = t.toExponential(p - 1);
    if (Math.fround(Number(s)) === t) {
      const [mant, e] = s.split('e');
      digits = mant.replace('-', '').replace('.', '');
      exp = Number(e);
      break;
    }
  }
  digits = digits.replace(/0+$/, '') || '0';
  const sign = t < 0 ? '-' : '';
  if (exp < -4 || exp >= 6) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/** A string field: numbers and booleans become their text (sigs.k8s.io/yaml), maps and lists are errors. */
function str(ctx: LoadCtx, n: PNode | undefined, what: string, kind: string): string | undefined {
  if (!n) return undefined;
  if (n.kind !== 'scalar') return bad(ctx, n, what, 'a string', kind);
  const v = n.value;
  // a plain timestamp is a time for go-yaml: it comes back in RFC 3339
  if (typeof v === 'string') return (n.plain && isTimestamp(v) && parseTimestamp(v)) || v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  // kyaml takes the text the resource's JSON round trip left (Go float64, as JavaScript
  // prints it); sigs.k8s.io/yaml formats a float as a float32
  if (typeof v === 'number') return KYAML_DECODED.has(kind) || (Number.isInteger(v) && Math.abs(v) < 1e21) ? String(v) : goFloat32(v);
  return undefined;
}

function bool(ctx: LoadCtx, n: PNode | undefined, what: string, kind: string): boolean | undefined {
  if (!n) return undefined;
  if (n.kind === 'scalar' && typeof n.value === 'boolean') return n.value;
  return bad(ctx, n, what, 'true or false', kind);
}

function int(ctx: LoadCtx, n: PNode | undefined, what: string, kind: string): number | undefined {
  if (!n) return undefined;
  if (n.kind === 'scalar' && typeof n.value === 'number' && Number.isInteger(n.value)) return n.value;
  return bad(ctx, n, what, 'an integer', kind);
}

function map(ctx: LoadCtx, n: PNode | undefined, what: string, kind: string): PNode | undefined {
  if (!n) return undefined;
  if (n.kind === 'map') return n;
  return bad(ctx, n, what, 'a mapping', kind);
}

function list(ctx: LoadCtx, n: PNode | undefined, what: string, kind: string): PNode[] | undefined {
  if (!n) return undefined;
  if (n.kind === 'seq') return n.items ?? [];
  return bad(ctx, n, what, 'a list', kind);
}

function strList(ctx: LoadCtx, n: PNode | undefined, what: string, kind: string): string[] {
  const out: string[] = [];
  for (const item of list(ctx, n, what, kind) ?? []) {
    if (isNull(item)) continue;
    const s = str(ctx, item, `${what} entry`, kind);
    if (s !== undefined) out.push(s);
  }
  return out;
}

function strMap(ctx: LoadCtx, n: PNode | undefined, what: string, kind: string): Record<string, string> | undefined {
  const m = map(ctx, n, what, kind);
  if (!m) return undefined;
  const out: Record<string, string> = {};
  for (const p of m.pairs ?? []) out[p.key] = isNull(p.value) ? '' : (str(ctx, p.value, `${what}.${p.key}`, kind) ?? '');
  return out;
}

function fieldSpecs(ctx: LoadCtx, m: PNode, kind: string): FieldSpec[] | undefined {
  const items = list(ctx, get(m, 'fieldSpecs', kind), 'fieldSpecs', kind);
  if (!items) return undefined;
  const out: FieldSpec[] = [];
  for (const item of items) {
    const fm = map(ctx, isNull(item) ? undefined : item, 'fieldSpecs entry', kind);
    if (!fm) continue;
    const fs: FieldSpec = { path: str(ctx, get(fm, 'path', kind), 'fieldSpecs.path', kind) ?? '' };
    for (const k of ['group', 'version', 'kind'] as const) {
      const v = str(ctx, get(fm, k, kind), `fieldSpecs.${k}`, kind);
      if (v) fs[k] = v;
    }
    if (bool(ctx, get(fm, 'create', kind), 'fieldSpecs.create', kind)) fs.create = true;
    out.push(fs);
  }
  return out;
}

function selector(ctx: LoadCtx, n: PNode | undefined, what: string, kind: string): Selector | undefined {
  const m = map(ctx, n, what, kind);
  if (!m) return undefined;
  const s: Selector = {};
  const locations: NonNullable<Selector['locations']> = {};
  for (const k of ['group', 'version', 'kind', 'name', 'namespace', 'labelSelector', 'annotationSelector'] as const) {
    const node = get(m, k, kind);
    const v = str(ctx, node, `${what}.${k}`, kind);
    if (v !== undefined && v !== '') {
      s[k] = v;
      locations[k] = ctx.y.at(node);
    }
  }
  if (Object.keys(locations).length) s.locations = locations;
  return s;
}

// ---- one config ----

function decodeConfig(ctx: LoadCtx, root: PNode, field: PluginField, origin: string): PluginConfig | undefined {
  // empty documents ({} included) are skipped, as in resource files
  if (isNull(root) || (root.kind === 'map' && (root.pairs ?? []).length === 0)) return undefined;
  const where = ctx.y.at(root);
  if (root.kind !== 'map') {
    ctx.ds.push(diag('KF1004', `a ${field} configuration must be a mapping, found ${typeName(root)}`, { location: where, hint: 'write the plugin configuration as an object with apiVersion, kind and metadata.name' }));
    return undefined;
  }
  const scalar = (n: PNode | undefined) => (n && n.kind === 'scalar' && n.value !== null && n.value !== undefined ? (typeof n.value === 'string' ? n.value : (n.source ?? String(n.value))) : undefined);
  const pairValue = (m: PNode | undefined, key: string) => (m && m.kind === 'map' ? m.pairs?.find((p) => p.key === key)?.value : undefined);
  const apiNode = pairValue(root, 'apiVersion');
  const kindNode = pairValue(root, 'kind');
  const meta = pairValue(root, 'metadata');
  const apiVersion = scalar(apiNode);
  const kind = scalar(kindNode);
  const name = scalar(pairValue(meta, 'name'));
  const missing = [!apiVersion && 'apiVersion', !kind && 'kind', !name && 'metadata.name'].filter(Boolean);
  if (missing.length || !kind || !name) {
    ctx.ds.push(
      diag('KF1010', `a ${field} configuration at ${where.file}:${where.line} has no ${missing.join(', ')}`, {
        location: where,
        hint: 'a plugin configuration is an object with apiVersion: builtin, kind (e.g. LabelTransformer) and metadata.name',
      }),
    );
    return undefined;
  }
  const namespace = scalar(pairValue(meta, 'namespace')) || undefined;
  if (apiVersion !== 'builtin') {
    ctx.ds.push(
      diag('KF1016', `${field} plugin ${apiVersion}/${kind} "${name}" is not a builtin plugin: Kustomize runs it only with --enable-alpha-plugins (exec, container or Go plugins), which kforge does not run`, {
        location: ctx.y.at(apiNode),
        hint: `use a builtin plugin (apiVersion: builtin) such as ${field === 'generators' ? 'ConfigMapGenerator or SecretGenerator' : 'PatchTransformer, LabelTransformer or ReplacementTransformer'}, or commit the plugin's output as resources`,
      }),
    );
    return undefined;
  }
  const mine: readonly string[] = field === 'transformers' ? TRANSFORMER_KINDS : GENERATOR_KINDS;
  const theirs: readonly string[] = field === 'transformers' ? GENERATOR_KINDS : TRANSFORMER_KINDS;
  if (kind === 'HelmChartInflationGenerator') {
    ctx.ds.push(diag('KF1016', `builtin ${kind} is not supported by kforge`, { location: ctx.y.at(kindNode), hint: 'render the chart once (helm template) and commit the output as a resource' }));
    return undefined;
  }
  if (!mine.includes(kind)) {
    const guess = didYouMean(kind, mine);
    ctx.ds.push(
      diag('KF1018', theirs.includes(kind) ? `builtin ${kind} is not a ${field === 'transformers' ? 'transformer' : 'generator'}` : `unknown builtin plugin kind "${kind}"`, {
        location: ctx.y.at(kindNode),
        hint: theirs.includes(kind) ? `list it under ${field === 'transformers' ? 'generators' : 'transformers'}:` : guess ? `did you mean "${guess}"?` : `builtin ${field}: ${mine.filter((k) => k !== 'HelmChartInflationGenerator').join(', ')}`,
      }),
    );
    return undefined;
  }
  const before = ctx.ds.length;
  const plugin = decodePlugin(ctx, root, kind, name, namespace);
  if (!plugin || ctx.ds.slice(before).some((d) => d.severity === 'error')) return undefined;
  return { plugin, name, ...(namespace ? { namespace } : {}), location: where, origin };
}

function decodePlugin(ctx: LoadCtx, m: PNode, kind: string, name: string, namespace: string | undefined): BuiltinPlugin | undefined {
  const where = ctx.y.at(m);
  switch (kind) {
    case 'LabelTransformer':
    case 'AnnotationsTransformer': {
      const key = kind === 'LabelTransformer' ? 'labels' : 'annotations';
      return { type: kind, pairs: strMap(ctx, get(m, key, kind), key, kind) ?? {}, fieldSpecs: fieldSpecs(ctx, m, kind) ?? [] };
    }
    case 'NamespaceTransformer': {
      const modeNode = get(m, 'setRoleBindingSubjects', kind);
      const mode = str(ctx, modeNode, 'setRoleBindingSubjects', kind) || 'defaultOnly';
      if (mode !== 'defaultOnly' && mode !== 'allServiceAccounts' && mode !== 'none') {
        ctx.ds.push(diag('KF1018', `${kind}: invalid value "${mode}" for setRoleBindingSubjects`, { location: ctx.y.at(modeNode), hint: 'use defaultOnly, none or allServiceAccounts' }));
        return undefined;
      }
      const meta = map(ctx, get(m, 'metadata', kind), 'metadata', kind);
      return {
        type: kind,
        namespace: (meta && str(ctx, get(meta, 'namespace', kind), 'metadata.namespace', kind)) ?? '',
        fieldSpecs: fieldSpecs(ctx, m, kind) ?? [],
        unsetOnly: bool(ctx, get(m, 'unsetOnly', kind), 'unsetOnly', kind) ?? false,
        subjects: mode as SubjectsMode,
      };
    }
    case 'PrefixSuffixTransformer':
    case 'PrefixTransformer':
    case 'SuffixTransformer': {
      const specs = fieldSpecs(ctx, m, kind);
      if (!specs) {
        const near = (m.pairs ?? []).find((p) => p.key !== 'fieldSpecs' && p.key.toLowerCase() === 'fieldspecs');
        ctx.ds.push(
          diag('KF1018', `${kind} "${name}" has no fieldSpecs`, {
            location: near ? ctx.y.keyAt(near) : where,
            hint: near ? `this plugin's field names are case-sensitive: write fieldSpecs, not ${near.key}` : 'a plugin uses only its own field specs: add fieldSpecs: [{path: metadata/name}]',
          }),
        );
        return undefined;
      }
      return {
        type: kind,
        prefix: kind === 'SuffixTransformer' ? '' : (str(ctx, get(m, 'prefix', kind), 'prefix', kind) ?? ''),
        suffix: kind === 'PrefixTransformer' ? '' : (str(ctx, get(m, 'suffix', kind), 'suffix', kind) ?? ''),
        fieldSpecs: specs,
      };
    }
    case 'ImageTagTransformer': {
      const im = map(ctx, get(m, 'imageTag', kind), 'imageTag', kind);
      const image: ImageEntry = { name: '', location: im ? ctx.y.at(im) : where };
      if (im) {
        for (const k of ['name', 'newName', 'newTag', 'digest', 'tagSuffix'] as const) {
          const v = str(ctx, get(im, k, kind), `imageTag.${k}`, kind);
          if (v) image[k] = v;
        }
      }
      return { type: kind, image, fieldSpecs: fieldSpecs(ctx, m, kind) ?? [] };
    }
    case 'ReplicaCountTransformer': {
      const rm = map(ctx, get(m, 'replica', kind), 'replica', kind);
      return {
        type: kind,
        replica: {
          name: (rm && str(ctx, get(rm, 'name', kind), 'replica.name', kind)) ?? '',
          count: (rm && int(ctx, get(rm, 'count', kind), 'replica.count', kind)) ?? 0,
          location: rm ? ctx.y.at(rm) : where,
        },
        fieldSpecs: fieldSpecs(ctx, m, kind) ?? [],
      };
    }
    case 'PatchTransformer': {
      const pathNode = get(m, 'path', kind);
      const patchNode = get(m, 'patch', kind);
      const file = str(ctx, pathNode, 'path', kind) ?? '';
      const text = str(ctx, patchNode, 'patch', kind) ?? '';
      const target = selector(ctx, get(m, 'target', kind), 'target', kind);
      const om = map(ctx, get(m, 'options', kind), 'options', kind);
      const options: PatchEntry['options'] = {};
      for (const p of om?.pairs ?? []) {
        const b = isNull(p.value) ? false : bool(ctx, p.value, `options.${p.key}`, kind);
        if (b && (p.key === 'allowNameChange' || p.key === 'allowKindChange')) options[p.key] = true;
      }
      const patch = patchOf(ctx, { file, fileNode: pathNode, text, textNode: patchNode }, kind, where);
      return patch ? { type: kind, patches: [{ ...patch, ...(target ? { target } : {}), ...(Object.keys(options).length ? { options } : {}) }] } : undefined;
    }
    case 'PatchJson6902Transformer': {
      const targetNode = get(m, 'target', kind);
      const target = selector(ctx, targetNode, 'target', kind);
      if (!target?.name) {
        ctx.ds.push(diag('KF3005', `${kind} "${name}" must specify the target name`, { location: ctx.y.at(targetNode, where), hint: 'add target: {group, version, kind, name}' }));
        return undefined;
      }
      const pathNode = get(m, 'path', kind);
      const opNode = get(m, 'jsonOp', kind);
      const patch = patchOf(ctx, { file: str(ctx, pathNode, 'path', kind) ?? '', fileNode: pathNode, text: str(ctx, opNode, 'jsonOp', kind) ?? '', textNode: opNode }, kind, where);
      return patch ? { type: kind, patches: [{ ...patch, target }] } : undefined;
    }
    case 'PatchStrategicMergeTransformer': {
      const patches: PatchEntry[] = [];
      for (const item of list(ctx, get(m, 'paths', kind), 'paths', kind) ?? []) {
        const s = str(ctx, isNull(item) ? undefined : item, 'paths entry', kind);
        if (!s) continue;
        const loc = ctx.y.at(item);
        // as for patchesStrategicMerge entries: an entry that reads as a patch is one
        if (s.includes('\n') || /^\s*(apiVersion|kind)\s*:/m.test(s)) patches.push({ text: s, textLocation: inlineLocation(ctx, item), location: loc });
        else {
          const got = patchFromFile(ctx, s, loc);
          if (got) patches.push({ text: got.text, path: got.path, textLocation: got.textLocation, location: loc });
        }
      }
      const textNode = get(m, 'patches', kind);
      const text = str(ctx, textNode, 'patches', kind);
      if (text) patches.push({ text, textLocation: inlineLocation(ctx, textNode!), location: ctx.y.at(textNode) });
      if (patches.length === 0) {
        ctx.ds.push(diag('KF3005', `${kind} "${name}" has neither paths nor patches`, { location: where, hint: 'add paths: [<file>] or patches: |- <inline patch>' }));
        return undefined;
      }
      return { type: kind, patches };
    }
    case 'ReplacementTransformer': {
      const replacements: Replacement[] = [];
      for (const item of list(ctx, get(m, 'replacements', kind), 'replacements', kind) ?? []) {
        const rm = map(ctx, isNull(item) ? undefined : item, 'replacements entry', kind);
        if (!rm) continue;
        const pathNode = get(rm, 'path', kind);
        const file = str(ctx, pathNode, 'replacements.path', kind);
        if (file) {
          if (get(rm, 'source', kind) || get(rm, 'targets', kind)) {
            ctx.ds.push(diag('KF1018', `${kind}: a replacements entry cannot have both path and an inline replacement`, { location: ctx.y.at(rm), hint: 'keep either path: or source:/targets:' }));
            continue;
          }
          replacements.push(...replacementsFromFile(ctx, file, ctx.y.at(pathNode), kind));
          continue;
        }
        const r = replacement(ctx, rm, kind);
        if (r) replacements.push(r);
      }
      return { type: kind, replacements };
    }
    case 'HashTransformer':
      return { type: kind };
    case 'ValueAddTransformer':
      return valueAdd(ctx, m, kind);
    case 'ConfigMapGenerator':
    case 'SecretGenerator':
      return generator(ctx, m, kind, name, namespace);
    case 'IAMPolicyGenerator': {
      const cloudNode = get(m, 'cloud', kind);
      const cloud = str(ctx, cloudNode, 'cloud', kind) ?? '';
      if (cloud !== 'gke') {
        ctx.ds.push(diag('KF1018', `${kind}: cloud provider ${JSON.stringify(cloud)} is not supported (Kustomize knows gke only)`, { location: ctx.y.at(cloudNode, where), hint: 'write cloud: gke' }));
        return undefined;
      }
      const ksa = map(ctx, get(m, 'kubernetesService', kind), 'kubernetesService', kind);
      const gsa = map(ctx, get(m, 'serviceAccount', kind), 'serviceAccount', kind);
      const ns = ksa && str(ctx, get(ksa, 'namespace', kind), 'kubernetesService.namespace', kind);
      return {
        type: kind,
        cloud,
        serviceAccountName: (ksa && str(ctx, get(ksa, 'name', kind), 'kubernetesService.name', kind)) ?? '',
        ...(ns ? { namespace: ns } : {}),
        gcpServiceAccount: (gsa && str(ctx, get(gsa, 'name', kind), 'serviceAccount.name', kind)) ?? '',
        projectId: (gsa && str(ctx, get(gsa, 'projectId', kind), 'serviceAccount.projectId', kind)) ?? '',
      };
    }
  }
  return undefined;
}

/** A patch given by a file path or by its text (exactly one of them). */
function patchOf(
  ctx: LoadCtx,
  o: { file: string; fileNode: PNode | undefined; text: string; textNode: PNode | undefined },
  kind: string,
  where: SourceLocation,
): Omit<PatchEntry, 'target' | 'options'> | undefined {
  const what = kind === 'PatchJson6902Transformer' ? 'jsonOp' : 'patch';
  if (o.file && o.text.trim()) {
    ctx.ds.push(diag('KF3005', `${kind}: path and ${what} cannot both be set`, { location: where, hint: `keep either path: or ${what}:` }));
    return undefined;
  }
  if (o.file) {
    const got = patchFromFile(ctx, o.file, ctx.y.at(o.fileNode));
    return got ? { text: got.text, path: got.path, textLocation: got.textLocation, location: where } : undefined;
  }
  if (!o.text.trim()) {
    ctx.ds.push(diag('KF3005', `${kind} has neither path nor ${what}`, { location: where, hint: `add path: <file> or ${what}: |- <inline patch>` }));
    return undefined;
  }
  return { text: o.text, textLocation: inlineLocation(ctx, o.textNode!), location: where };
}

function replacementOptions(ctx: LoadCtx, n: PNode | undefined, what: string, kind: string): Replacement['source']['options'] | undefined {
  const om = map(ctx, n, what, kind);
  if (!om) return undefined;
  const o: NonNullable<Replacement['source']['options']> = {};
  const delimiter = str(ctx, get(om, 'delimiter', kind), `${what}.delimiter`, kind);
  const index = int(ctx, get(om, 'index', kind), `${what}.index`, kind);
  const create = bool(ctx, get(om, 'create', kind), `${what}.create`, kind);
  if (delimiter) o.delimiter = delimiter;
  if (index) o.index = index;
  if (create) o.create = true;
  return o;
}

function replacement(ctx: LoadCtx, m: PNode, kind: string): Replacement | undefined {
  const sourceNode = get(m, 'source', kind);
  const sm = map(ctx, sourceNode, 'source', kind);
  const targetsNode = get(m, 'targets', kind);
  // absent (or null) targets fail; an empty list does nothing
  if (!sm || !targetsNode) {
    ctx.ds.push(diag('KF1018', `${kind}: a replacement needs a source and targets`, { location: ctx.y.at(m), hint: sm ? 'add targets: [{select: {kind, name}, fieldPaths: [...]}]' : 'add source: {kind, name, fieldPath}' }));
    return undefined;
  }
  const r: Replacement = { source: {}, sourceLocation: ctx.y.at(sm), targets: [], location: ctx.y.at(m) };
  for (const k of ['group', 'version', 'kind', 'name', 'namespace', 'fieldPath'] as const) {
    const v = str(ctx, get(sm, k, kind), `source.${k}`, kind);
    if (v) r.source[k] = v;
  }
  const so = replacementOptions(ctx, get(sm, 'options', kind), 'source.options', kind);
  if (so) r.source.options = so;
  for (const t of list(ctx, targetsNode, 'targets', kind) ?? []) {
    const tm = map(ctx, isNull(t) ? undefined : t, 'targets entry', kind);
    if (!tm) continue;
    const target: ReplacementTarget = { select: selector(ctx, get(tm, 'select', kind), 'targets.select', kind) ?? {}, fieldPaths: [] };
    const reject = list(ctx, get(tm, 'reject', kind), 'targets.reject', kind);
    if (reject) target.reject = reject.map((x) => selector(ctx, isNull(x) ? undefined : x, 'targets.reject', kind) ?? {});
    const fp = get(tm, 'fieldPaths', kind);
    target.fieldPaths = strList(ctx, fp, 'targets.fieldPaths', kind);
    target.fieldPathLocations = fp?.kind === 'seq' ? (fp.items ?? []).map((x) => ctx.y.at(x)) : [];
    const to = replacementOptions(ctx, get(tm, 'options', kind), 'targets.options', kind);
    if (to) target.options = to;
    r.targets.push(target);
  }
  return r;
}

/** A replacements `path`: a file holding one replacement or a list of them. */
function replacementsFromFile(ctx: LoadCtx, file: string, where: SourceLocation, kind: string): Replacement[] {
  const got = patchFromFile(ctx, file, where);
  if (!got) return [];
  const shown = displayPath(got.path);
  const read = positionedDocuments(shown, got.text);
  ctx.ds.push(...read.diagnostics);
  const root = read.docs?.[0]?.root;
  if (!root) return [];
  const sub: LoadCtx = { ...ctx, y: new NodeView(shown, got.text) };
  if (root.kind === 'scalar') {
    ctx.ds.push(diag('KF1018', `${kind}: ${shown} holds neither a replacement nor a list of them`, { location: sub.y.at(root), hint: 'write a replacement (source:, targets:) or a list of them' }));
    return [];
  }
  const out: Replacement[] = [];
  for (const item of root.kind === 'seq' ? (root.items ?? []) : [root]) {
    const m = map(sub, isNull(item) ? undefined : item, 'replacement', kind);
    const r = m && replacement(sub, m, kind);
    if (r) out.push(r);
  }
  return out;
}

function valueAdd(ctx: LoadCtx, m: PNode, kind: 'ValueAddTransformer'): BuiltinPlugin | undefined {
  const value = (str(ctx, get(m, 'value', kind), 'value', kind) ?? '').trim() || path.basename(ctx.dir);
  const targets: ValueAddTarget[] = [];
  const readTargets = (c: LoadCtx, n: PNode | undefined) => {
    for (const t of list(c, n, 'targets', kind) ?? []) {
      const tm = map(c, isNull(t) ? undefined : t, 'targets entry', kind);
      if (!tm) continue;
      const fpNode = get(tm, 'fieldPath', kind);
      const fieldPath = str(c, fpNode, 'targets.fieldPath', kind) ?? '';
      const position = int(c, get(tm, 'filePathPosition', kind), 'targets.filePathPosition', kind) ?? 0;
      if (fieldPath === '') {
        c.ds.push(diag('KF1018', `${kind}: a target's fieldPath cannot be empty`, { location: c.y.at(tm), hint: 'add fieldPath: metadata/namespace (or another field)' }));
        continue;
      }
      if (position < 0) {
        c.ds.push(diag('KF1018', `${kind}: filePathPosition (${position}) cannot be negative`, { location: c.y.at(tm), hint: 'use 1 to put the value first in the path, a large number to put it last' }));
        continue;
      }
      const selNode = get(tm, 'selector', kind);
      const sel = selector(c, selNode, 'targets.selector', kind);
      targets.push({ ...(sel ? { selector: sel } : {}), fieldPath, filePathPosition: position });
    }
  };
  readTargets(ctx, get(m, 'targets', kind));
  const fileNode = get(m, 'targetFilePath', kind);
  const file = str(ctx, fileNode, 'targetFilePath', kind);
  if (file) {
    const got = patchFromFile(ctx, file, ctx.y.at(fileNode));
    if (got) {
      const shown = displayPath(got.path);
      const read = positionedDocuments(shown, got.text);
      ctx.ds.push(...read.diagnostics);
      const root = read.docs?.[0]?.root;
      const sub: LoadCtx = { ...ctx, y: new NodeView(shown, got.text) };
      const tm = root && map(sub, root, 'targetFilePath contents', kind);
      if (tm) readTargets(sub, get(tm, 'targets', kind));
    }
  }
  if (targets.length === 0) {
    ctx.ds.push(diag('KF1018', `${kind} must specify at least one target`, { location: ctx.y.at(m), hint: 'add targets: [{fieldPath: metadata/namespace}]' }));
    return undefined;
  }
  return { type: kind, value, targets };
}

function generatorOptions(ctx: LoadCtx, n: PNode | undefined, kind: string): GeneratorOptions | undefined {
  const om = map(ctx, n, 'options', kind);
  if (!om) return undefined;
  const o: GeneratorOptions = {};
  const labels = strMap(ctx, get(om, 'labels', kind), 'options.labels', kind);
  const annotations = strMap(ctx, get(om, 'annotations', kind), 'options.annotations', kind);
  if (labels) o.labels = labels;
  if (annotations) o.annotations = annotations;
  if (bool(ctx, get(om, 'disableNameSuffixHash', kind), 'options.disableNameSuffixHash', kind)) o.disableNameSuffixHash = true;
  if (bool(ctx, get(om, 'immutable', kind), 'options.immutable', kind)) o.immutable = true;
  return o;
}

function generator(ctx: LoadCtx, m: PNode, kind: 'ConfigMapGenerator' | 'SecretGenerator', name: string, namespace: string | undefined): BuiltinPlugin | undefined {
  const behaviorNode = get(m, 'behavior', kind);
  const behavior = str(ctx, behaviorNode, 'behavior', kind) || 'create';
  if (behavior !== 'create' && behavior !== 'merge' && behavior !== 'replace') {
    ctx.ds.push(diag('KF1018', `${kind}: unknown behavior "${behavior}"`, { location: ctx.y.at(behaviorNode), hint: 'use create, merge or replace' }));
    return undefined;
  }
  const args: GeneratorArgs = {
    // `name`/`namespace` of the arguments win over the config's own metadata
    name: str(ctx, get(m, 'name', kind), 'name', kind) || name,
    behavior,
    literals: strList(ctx, get(m, 'literals', kind), 'literals', kind),
    files: strList(ctx, get(m, 'files', kind), 'files', kind),
    // `env` (singular) is ignored: Kustomize moves it to `envs` only in kustomization files
    envs: strList(ctx, get(m, 'envs', kind), 'envs', kind),
    location: ctx.y.at(m),
  };
  const ns = str(ctx, get(m, 'namespace', kind), 'namespace', kind) || namespace;
  if (ns) args.namespace = ns;
  const options = generatorOptions(ctx, get(m, 'options', kind), kind);
  if (options) args.options = options;
  if (kind === 'SecretGenerator') {
    const type = str(ctx, get(m, 'type', kind), 'type', kind);
    if (type) args.type = type;
  }
  return { type: kind, args };
}
