import * as path from 'node:path';
import type { FileSystem } from '../fs.js';
import type { Diagnostic, Json, JsonObject, SourceLocation } from '../types.js';
import { parseVars } from '../build/vars.js';
import { diag, didYouMean } from '../diagnostics.js';
import type { FieldSpec } from '../build/fieldspec.js';
import { pairOf, PositionedYaml, toJson, type PNode, type PPair } from './kfile.js';
import { NOT_JSON, parseComplete, resolvePlain } from './yaml.js';
import type {
  ConfigurationsSpec,
  GeneratorArgs,
  GeneratorOptions,
  ImageEntry,
  Kustomization,
  LabelsEntry,
  NameBackReference,
  PatchEntry,
  Replacement,
  ReplacementTarget,
  ReplicaEntry,
  ResourceRef,
  Selector,
  SortOptions,
} from './kustomization.js';

/** Kustomization file names Kustomize accepts, in the order it looks for them. */
export const KUSTOMIZATION_FILE_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/** Every top-level field of a Kustomization (v1beta1) and what kforge does with it. */
const FIELDS: Record<string, 'ok' | 'deprecated' | 'unsupported' | 'ignored'> = {
  apiVersion: 'ok',
  kind: 'ok',
  metadata: 'ignored',
  resources: 'ok',
  components: 'ok',
  bases: 'deprecated',
  namespace: 'ok',
  namePrefix: 'ok',
  nameSuffix: 'ok',
  labels: 'ok',
  commonLabels: 'deprecated',
  commonAnnotations: 'ok',
  images: 'ok',
  replicas: 'ok',
  patches: 'ok',
  patchesStrategicMerge: 'deprecated',
  patchesJson6902: 'deprecated',
  configMapGenerator: 'ok',
  secretGenerator: 'ok',
  generatorOptions: 'ok',
  configurations: 'ok',
  crds: 'ok',
  replacements: 'ok',
  sortOptions: 'ok',
  vars: 'deprecated',
  openapi: 'unsupported',
  helmCharts: 'unsupported',
  helmGlobals: 'unsupported',
  helmChartInflationGenerator: 'unsupported',
  generators: 'unsupported',
  transformers: 'unsupported',
  validators: 'unsupported',
  buildMetadata: 'unsupported',
};

/** The exact warnings Kustomize v5.5 prints on stderr for deprecated fields. */
export const DEPRECATION_WARNINGS: Record<string, string> = {
  bases: "# Warning: 'bases' is deprecated. Please use 'resources' instead. Run 'kustomize edit fix' to update your Kustomization automatically.",
  commonLabels: "# Warning: 'commonLabels' is deprecated. Please use 'labels' instead. Run 'kustomize edit fix' to update your Kustomization automatically.",
  patchesStrategicMerge: "# Warning: 'patchesStrategicMerge' is deprecated. Please use 'patches' instead. Run 'kustomize edit fix' to update your Kustomization automatically.",
  patchesJson6902: "# Warning: 'patchesJson6902' is deprecated. Please use 'patches' instead. Run 'kustomize edit fix' to update your Kustomization automatically.",
  vars: "# Warning: 'vars' is deprecated. Please use 'replacements' instead. [EXPERIMENTAL] Run 'kustomize edit fix' to update your Kustomization automatically.",
};

const UNSUPPORTED_HINT: Record<string, string> = {
  openapi: 'remove the openapi field; kforge uses the built-in Kubernetes models',
  helmCharts: 'render the chart once (helm template) and commit the output as a resource',
  helmGlobals: 'render the chart once (helm template) and commit the output as a resource',
  helmChartInflationGenerator: 'render the chart once (helm template) and commit the output as a resource',
  generators: 'kforge runs no plugins: express the generator as configMapGenerator/secretGenerator or committed resources',
  transformers: 'kforge runs no plugins: use patches or typed patches in the environment definition',
  validators: 'kforge runs no plugins: use kforge policy checks',
  buildMetadata: 'remove buildMetadata; kforge records origins itself',
};

const REMOTE = /^(https?:\/\/|git::|git@|ssh:\/\/|github\.com\/|gitlab\.com\/|bitbucket\.org\/|oci:\/\/)/;

export function isRemote(entry: string): boolean {
  return REMOTE.test(entry) || /\?ref=/.test(entry) || /^[a-z0-9.-]+\.[a-z]{2,}\/[^/]+\/[^/]+/i.test(entry) && !entry.startsWith('.');
}

export interface LoadedKustomization {
  k: Kustomization;
  warnings: Diagnostic[];
}

/** Relative path for messages: relative to the process's cwd when inside it. */
export function displayPath(abs: string): string {
  const rel = path.relative(process.cwd(), abs);
  return rel === '' ? '.' : rel.startsWith('..') ? abs : rel;
}

/** Finds the kustomization file of `dir`, or reports why there is none. */
export function findKustomizationFile(fs: FileSystem, dir: string, where?: SourceLocation): { file?: string; diagnostics: Diagnostic[] } {
  const found = KUSTOMIZATION_FILE_NAMES.filter((n) => fs.stat(path.join(dir, n)) === 'file');
  if (found.length > 1) {
    return {
      diagnostics: [
        diag('KF1013', `found multiple kustomization files in ${displayPath(dir)}: ${found.join(', ')}`, {
          location: where ?? { file: displayPath(path.join(dir, found[0])), line: 1, column: 1 },
          hint: 'keep exactly one of kustomization.yaml, kustomization.yml, Kustomization',
        }),
      ],
    };
  }
  if (found.length === 0) {
    return {
      diagnostics: [
        diag('KF1001', `no kustomization file in ${displayPath(dir)}`, {
          ...(where ? { location: where } : {}),
          hint: `add a kustomization.yaml to ${displayPath(dir)} or point at a directory that has one`,
        }),
      ],
    };
  }
  return { file: path.join(dir, found[0]), diagnostics: [] };
}

type Ctx = { y: PositionedYaml; ds: Diagnostic[]; dir: string; fs: FileSystem; root: string };

/** Loads and validates one kustomization file. Returns undefined (with diagnostics) when unusable. */
export function loadKustomizationFile(fs: FileSystem, file: string, text: string): { value?: Kustomization; diagnostics: Diagnostic[] } {
  const shown = displayPath(file);
  const y = new PositionedYaml(shown, text);
  const ds: Diagnostic[] = [];
  if (y.errors.length) {
    // The resource reader places YAML errors better (an unclosed quote where it opens, a
    // bad indentation at the line's content): use its diagnostic when it has one.
    const complete = parseComplete(text, shown);
    if (!complete.value && complete.diagnostics.length) return { diagnostics: complete.diagnostics.map((d) => ({ ...d, message: `invalid YAML in kustomization: ${d.message}` })) };
  }
  for (const e of y.errors) {
    const loc = y.offsetAt(e.pos[0]);
    const code = e.code === 'DUPLICATE_KEY' ? 'KF1015' : 'KF1003';
    ds.push(diag(code, `invalid YAML in kustomization: ${firstLine(e.message)}`, { location: loc, hint: yamlHint(e.code) }));
  }
  if (ds.length) return { diagnostics: ds };
  if (y.diagnostic) return { diagnostics: [y.diagnostic] };
  const contents = y.root;
  const dir = path.dirname(file);
  const k = emptyKustomization(dir, file);
  if (contents === null || contents === undefined) {
    ds.push(
      diag('KF1006', `kustomization ${shown} is empty`, {
        location: { file: shown, line: 1, column: 1 },
        hint: 'list resources, components or generators in it',
      }),
    );
    return { diagnostics: ds };
  }
  if (contents.kind !== 'map') {
    ds.push(diag('KF1004', `kustomization ${shown} is not a mapping`, { location: y.at(contents), hint: 'a kustomization is a YAML mapping of fields such as resources:, patches:' }));
    return { diagnostics: ds };
  }
  const ctx: Ctx = { y, ds, dir, fs, root: dir };
  k.raw = (toJson(contents) ?? {}) as JsonObject;
  let hasContent = false;
  for (const pair of contents.pairs as PPair[]) {
    const key = pair.key;
    const status = hasOwn.call(FIELDS, key) ? FIELDS[key] : undefined;
    const keyLoc = y.keyAt(pair);
    if (status === undefined) {
      const guess = didYouMean(key, Object.keys(FIELDS));
      ds.push(
        diag('KF1005', `unknown kustomization field "${key}"`, {
          location: keyLoc,
          hint: guess ? `did you mean "${guess}"?` : 'see the Kustomization reference for the list of fields',
        }),
      );
      continue;
    }
    if (status === 'unsupported') {
      ds.push(diag('KF1016', `kustomization field "${key}" is not supported by kforge`, { location: keyLoc, hint: UNSUPPORTED_HINT[key] }));
      continue;
    }
    if (status === 'deprecated') {
      ds.push(diag('KF1017', DEPRECATION_WARNINGS[key], { severity: 'warning', location: keyLoc }));
    }
    const v = pair.value;
    if (isNull(v)) continue;
    hasContent = true;
    switch (key) {
      case 'apiVersion': {
        const s = str(ctx, v, key);
        if (s !== undefined && s !== 'kustomize.config.k8s.io/v1beta1' && s !== 'kustomize.config.k8s.io/v1alpha1') {
          ds.push(diag('KF1006', `unexpected apiVersion "${s}" for a kustomization`, { location: y.at(v), hint: 'use kustomize.config.k8s.io/v1beta1 (Kustomization) or v1alpha1 (Component)' }));
        }
        hasContent = false;
        break;
      }
      case 'kind': {
        const s = str(ctx, v, key);
        if (s === 'Kustomization' || s === 'Component') k.kind = s;
        else if (s !== undefined) ds.push(diag('KF1006', `unexpected kind "${s}" for a kustomization`, { location: y.at(v), hint: 'use Kustomization or Component' }));
        hasContent = false;
        break;
      }
      case 'metadata':
        hasContent = false;
        break;
      case 'resources':
      case 'bases':
        k.resources.push(...strList(ctx, v, key).map((e) => ({ entry: e.value, location: e.location })));
        break;
      case 'components':
        k.components.push(...strList(ctx, v, key).map((e) => ({ entry: e.value, location: e.location })));
        break;
      case 'namespace':
        k.namespace = str(ctx, v, key);
        break;
      case 'namePrefix':
        k.namePrefix = str(ctx, v, key);
        break;
      case 'nameSuffix':
        k.nameSuffix = str(ctx, v, key);
        break;
      case 'commonLabels': {
        const pairs = stringMap(ctx, v, key);
        if (pairs) k.labels.push({ pairs, includeSelectors: true, includeTemplates: true, legacyCommon: true, location: y.at(v) });
        break;
      }
      case 'labels':
        k.labels.push(...labelsList(ctx, v));
        break;
      case 'commonAnnotations': {
        const pairs = stringMap(ctx, v, key);
        if (pairs) k.commonAnnotations = { pairs, location: y.at(v) };
        break;
      }
      case 'images':
        k.images = imagesList(ctx, v);
        break;
      case 'replicas':
        k.replicas = replicasList(ctx, v);
        break;
      case 'patches':
        k.patches = patchList(ctx, v, key, true);
        break;
      case 'patchesStrategicMerge':
        k.strategicMergePatches = smPatchList(ctx, v);
        break;
      case 'patchesJson6902':
        k.legacyJson6902 = patchList(ctx, v, key, false);
        break;
      case 'configMapGenerator':
        k.configMapGenerator = generatorList(ctx, v, key);
        break;
      case 'secretGenerator':
        k.secretGenerator = generatorList(ctx, v, key);
        break;
      case 'generatorOptions':
        k.generatorOptions = generatorOptions(ctx, v, key);
        break;
      case 'configurations':
        for (const e of strList(ctx, v, key)) readConfigurations(ctx, e.value, e.location, k.configurations);
        break;
      case 'crds':
        for (const e of strList(ctx, v, key)) {
          const p = resolveLocalFile(ctx, e.value, e.location);
          if (p) k.crds.push(p);
        }
        break;
      case 'replacements':
        k.replacements = replacementsList(ctx, v);
        break;
      case 'sortOptions':
        k.sortOptions = sortOptions(ctx, v);
        break;
      case 'vars': {
        const parsed = parseVars((k.raw.vars ?? null) as Json, y.at(v), v.kind === 'seq' ? (v.items as PNode[]).map((x) => y.at(x)) : undefined);
        ds.push(...parsed.diagnostics);
        k.vars = parsed.value;
        break;
      }
    }
  }
  if (!hasContent && ds.every((d) => d.severity !== 'error')) {
    ds.push(
      diag('KF1006', `kustomization ${shown} declares nothing to build`, {
        location: { file: shown, line: 1, column: 1 },
        hint: 'list resources, components or generators in it',
      }),
    );
  }
  if (ds.some((d) => d.severity === 'error')) return { diagnostics: ds };
  return { value: k, diagnostics: ds };
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}

export function yamlHint(code: string): string {
  switch (code) {
    case 'TAB_AS_INDENT':
      return 'YAML does not allow tabs for indentation: use spaces';
    case 'DUPLICATE_KEY':
      return 'remove or rename one of the duplicate keys';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return 'check the indentation of this line against its parent';
    case 'MISSING_CHAR ':
      return 'close the quote or bracket opened here';
    default:
      return 'fix the YAML syntax at this position';
  }
}

/** A Kustomization with every list empty: what the loader fills in, field by field. */
export function emptyKustomization(dir: string, file: string): Kustomization {
  return {
    dir,
    file,
    kind: 'Kustomization',
    resources: [],
    components: [],
    labels: [],
    images: [],
    replicas: [],
    strategicMergePatches: [],
    patches: [],
    legacyJson6902: [],
    configMapGenerator: [],
    secretGenerator: [],
    configurations: emptyConfigurations(),
    crds: [],
    replacements: [],
    vars: [],
    raw: {},
  };
}

export function emptyConfigurations(): ConfigurationsSpec {
  return { nameReference: [], commonLabels: [], commonAnnotations: [], namePrefix: [], nameSuffix: [], namespace: [], images: [], replicas: [], varReference: [] };
}

// ---- small typed readers, each reporting its own diagnostic with a location ----

const hasOwn = Object.prototype.hasOwnProperty;

function isNull(v: PNode | null): boolean {
  return v === null || (v.kind === 'scalar' && v.value === null);
}

function typeName(v: PNode): string {
  if (v.kind === 'map') return 'a mapping';
  if (v.kind === 'seq') return 'a list';
  return typeof v.value === 'string' ? 'a string' : `${typeof v.value} ${String(v.value)}`;
}

/**
 * Kustomize reads a kustomization with sigs.k8s.io/yaml (go-yaml v2, YAML 1.1) into
 * JSON, then into typed Go fields: there the plain scalars y, yes, on, n, no, off (any
 * case form) are booleans, and a number or a boolean in a string field is an error
 * ("json: cannot unmarshal number into Go struct field …").
 */
const YAML11_BOOLS = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);

function yaml11Bool(v: PNode): boolean {
  return v.kind === 'scalar' && v.plain === true && typeof v.value === 'string' && YAML11_BOOLS.has(v.value);
}

/** A scalar that is not a string for Kustomize's kustomization reader, as "number 1.20"/"boolean yes"; undefined for a string. */
function notString(v: PNode): string | undefined {
  if (v.kind !== 'scalar') return undefined;
  if (typeof v.value === 'number') return `number ${v.source ?? v.value}`;
  if (typeof v.value === 'boolean' || yaml11Bool(v)) return `boolean ${v.source ?? v.value}`;
  return undefined;
}

/** Whether a mapping key was written plain (not quoted) in the kustomization file. */
function isPlainKey(ctx: Ctx, p: PPair): boolean {
  const t = ctx.y.text;
  let at = 0;
  for (let line = 1; line < p.keyLine && at >= 0; line++) at = t.indexOf('\n', at) + 1;
  const c = t.charCodeAt(at + p.keyColumn - 1);
  return c !== 34 && c !== 39;
}

/** What go-yaml makes of `key` written as a plain scalar, when that is not a string. */
function nonStringKey(key: string): string | undefined {
  if (key === '') return undefined;
  const r = resolvePlain(key);
  if (r === NOT_JSON || typeof r === 'number') return 'number';
  if (typeof r === 'boolean') return 'boolean';
  if (r === null) return 'null';
  return undefined;
}

function str(ctx: Ctx, v: PNode, field: string): string | undefined {
  const other = notString(v);
  if (v.kind === 'scalar' && typeof v.value === 'string' && !other) return v.value;
  const shown = other ?? typeName(v);
  ctx.ds.push(
    diag('KF1006', `"${field}" must be a string, found ${shown}`, {
      location: ctx.y.at(v),
      hint: other ? `quote it: ${field}: "${v.source ?? String(v.value)}" (Kustomize reads kustomization files as YAML 1.1 and refuses a ${other.split(' ')[0]} here)` : `write ${field}: <text>`,
    }),
  );
  return undefined;
}

function strList(ctx: Ctx, v: PNode, field: string): { value: string; location: SourceLocation }[] {
  if (v.kind !== 'seq') {
    ctx.ds.push(diag('KF1006', `"${field}" must be a list, found ${typeName(v)}`, { location: ctx.y.at(v), hint: `write each entry on its own line as "- entry"` }));
    return [];
  }
  const out: { value: string; location: SourceLocation }[] = [];
  for (const item of v.items as PNode[]) {
    if (item.kind === 'scalar' && typeof item.value === 'string' && !yaml11Bool(item)) out.push({ value: item.value, location: ctx.y.at(item) });
    else ctx.ds.push(diag('KF1006', `"${field}" entries must be strings, found ${typeName(item)}`, { location: ctx.y.at(item), hint: 'write a path as a plain string' }));
  }
  return out;
}

function stringMap(ctx: Ctx, v: PNode, field: string): Record<string, string> | undefined {
  if (v.kind !== 'map') {
    ctx.ds.push(diag('KF1006', `"${field}" must be a mapping, found ${typeName(v)}`, { location: ctx.y.at(v), hint: `write ${field}: {key: value}` }));
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const p of v.pairs as PPair[]) {
    const key = p.key;
    const val = p.value;
    // Kustomize writes these keys into resources as new plain nodes, read back with
    // go-yaml: a key that reads as a number, boolean or null fails there, and a YAML 1.1
    // boolean key (y, on…) is already the key "true" or "false" in the kustomization.
    const keyType = YAML11_BOOLS.has(key) && isPlainKey(ctx, p) ? 'boolean' : nonStringKey(key);
    if (keyType) {
      ctx.ds.push(
        diag('KF2008', `key "${key}" in ${field} reads as a ${keyType} in Kustomize's output`, {
          location: ctx.y.keyAt(p),
          hint: 'Kustomize cannot write such a label or annotation key; use a name such as "enabled" or a prefixed key',
        }),
      );
      continue;
    }
    if (isNull(val)) {
      out[key] = '';
      continue;
    }
    if (val.kind === 'scalar' && typeof val.value === 'string' && !yaml11Bool(val)) out[key] = val.value;
    else
      ctx.ds.push(
        diag('KF2008', `value of "${key}" in ${field} must be a string, found ${notString(val) ?? typeName(val)}`, {
          location: ctx.y.at(val),
          hint: val.kind === 'scalar' ? `quote it: ${key}: "${String(val.source ?? val.value)}"` : 'label and annotation values are strings',
        }),
      );
  }
  return out;
}

function mapOf(ctx: Ctx, v: PNode, what: string): PNode | undefined {
  if (v.kind === 'map') return v;
  ctx.ds.push(diag('KF1006', `${what} must be a mapping, found ${typeName(v)}`, { location: ctx.y.at(v) }));
  return undefined;
}

function seqOf(ctx: Ctx, v: PNode, what: string): PNode[] {
  if (v.kind === 'seq') return v.items as PNode[];
  ctx.ds.push(diag('KF1006', `${what} must be a list, found ${typeName(v)}`, { location: ctx.y.at(v), hint: 'write each entry as "- ..."' }));
  return [];
}

/** Iterates the fields of a mapping, reporting unknown ones (Kustomize rejects them too). */
function fields(ctx: Ctx, m: PNode, what: string, known: string[], fn: (key: string, value: PNode, pair: PPair) => void): void {
  for (const p of m.pairs as PPair[]) {
    const key = p.key;
    if (!known.includes(key)) {
      const guess = didYouMean(key, known);
      ctx.ds.push(diag('KF1005', `unknown field "${key}" in ${what}`, { location: ctx.y.keyAt(p), hint: guess ? `did you mean "${guess}"?` : `known fields: ${known.join(', ')}` }));
      continue;
    }
    const v = p.value;
    if (isNull(v)) continue;
    fn(key, v, p);
  }
}

function bool(ctx: Ctx, v: PNode, field: string): boolean | undefined {
  if (v.kind === 'scalar' && typeof v.value === 'boolean') return v.value;
  ctx.ds.push(diag('KF1006', `"${field}" must be true or false, found ${typeName(v)}`, { location: ctx.y.at(v) }));
  return undefined;
}

function int(ctx: Ctx, v: PNode, field: string): number | undefined {
  if (v.kind === 'scalar' && typeof v.value === 'number' && Number.isInteger(v.value)) return v.value;
  ctx.ds.push(diag('KF1006', `"${field}" must be an integer, found ${typeName(v)}`, { location: ctx.y.at(v) }));
  return undefined;
}

function labelsList(ctx: Ctx, v: PNode): LabelsEntry[] {
  const out: LabelsEntry[] = [];
  for (const item of seqOf(ctx, v, '"labels"')) {
    const m = mapOf(ctx, item, 'a labels entry');
    if (!m) continue;
    const e: LabelsEntry = { pairs: {}, includeSelectors: false, includeTemplates: false, location: ctx.y.at(item) };
    fields(ctx, m, 'labels entry', ['pairs', 'includeSelectors', 'includeTemplates', 'fields'], (key, val) => {
      if (key === 'pairs') e.pairs = stringMap(ctx, val, 'labels.pairs') ?? {};
      else if (key === 'includeSelectors') e.includeSelectors = bool(ctx, val, key) ?? false;
      else if (key === 'includeTemplates') e.includeTemplates = bool(ctx, val, key) ?? false;
      else if (key === 'fields') e.fields = fieldSpecList(ctx, val, 'labels.fields');
    });
    out.push(e);
  }
  return out;
}

function fieldSpecList(ctx: Ctx, v: PNode, what: string): FieldSpec[] {
  const out: FieldSpec[] = [];
  for (const item of seqOf(ctx, v, what)) {
    const m = mapOf(ctx, item, `a ${what} entry`);
    if (!m) continue;
    const fs: FieldSpec = { path: '' };
    fields(ctx, m, `${what} entry`, ['group', 'version', 'kind', 'path', 'create'], (key, val) => {
      if (key === 'create') fs.create = bool(ctx, val, key);
      else (fs as unknown as Record<string, string | undefined>)[key] = str(ctx, val, key);
    });
    if (!fs.path) ctx.ds.push(diag('KF2013', `a field spec in ${what} has no path`, { location: ctx.y.at(item), hint: 'add path: spec/some/field' }));
    else out.push(fs);
  }
  return out;
}

function imagesList(ctx: Ctx, v: PNode): ImageEntry[] {
  const out: ImageEntry[] = [];
  for (const item of seqOf(ctx, v, '"images"')) {
    const m = mapOf(ctx, item, 'an images entry');
    if (!m) continue;
    const e: ImageEntry = { name: '', location: ctx.y.at(item) };
    fields(ctx, m, 'images entry', ['name', 'newName', 'newTag', 'digest', 'tagSuffix'], (key, val) => {
      if (key === 'tagSuffix') {
        ctx.ds.push(diag('KF1016', 'images.tagSuffix is not supported by kforge', { location: ctx.y.at(val), hint: 'write the full tag in newTag' }));
        return;
      }
      const s = str(ctx, val, `images.${key}`);
      if (s !== undefined) (e as unknown as Record<string, string>)[key] = s;
    });
    if (!e.name) ctx.ds.push(diag('KF2009', 'an images entry has no name', { location: ctx.y.at(item), hint: 'add name: <image to replace>' }));
    else out.push(e);
  }
  return out;
}

function replicasList(ctx: Ctx, v: PNode): ReplicaEntry[] {
  const out: ReplicaEntry[] = [];
  for (const item of seqOf(ctx, v, '"replicas"')) {
    const m = mapOf(ctx, item, 'a replicas entry');
    if (!m) continue;
    const e: ReplicaEntry = { name: '', count: 0, location: ctx.y.at(item) };
    fields(ctx, m, 'replicas entry', ['name', 'count'], (key, val) => {
      if (key === 'name') e.name = str(ctx, val, 'replicas.name') ?? '';
      else e.count = int(ctx, val, 'replicas.count') ?? 0;
    });
    out.push(e);
  }
  return out;
}

function selector(ctx: Ctx, v: PNode, what: string): Selector | undefined {
  const m = mapOf(ctx, v, what);
  if (!m) return undefined;
  const s: Selector = {};
  const locations: NonNullable<Selector['locations']> = {};
  fields(ctx, m, what, ['group', 'version', 'kind', 'name', 'namespace', 'labelSelector', 'annotationSelector'], (key, val) => {
    const x = str(ctx, val, `${what}.${key}`);
    if (x !== undefined) {
      (s as Record<string, string>)[key] = x;
      locations[key as keyof typeof locations] = ctx.y.at(val);
    }
  });
  if (Object.keys(locations).length) s.locations = locations;
  return s;
}

/** Resolves a local file path of a kustomization, enforcing the load restrictor. */
export function resolveLocalFile(ctx: { dir: string; fs: FileSystem; ds: Diagnostic[]; root: string }, entry: string, where: SourceLocation): string | undefined {
  if (isRemote(entry)) {
    ctx.ds.push(diag('KF1009', `remote file "${entry}" refused: kforge never reaches the network at build time`, { location: where, hint: 'vendor the file into the repository and refer to it by a relative path' }));
    return undefined;
  }
  const abs = path.resolve(ctx.dir, entry);
  const kind = ctx.fs.stat(abs);
  if (kind === undefined) {
    ctx.ds.push(diag('KF1002', `file "${entry}" not found (looked for ${displayPath(abs)})`, { location: where, hint: suggestSibling(ctx.fs, abs) }));
    return undefined;
  }
  if (kind === 'dir') {
    ctx.ds.push(diag('KF1006', `"${entry}" is a directory, a file was expected here`, { location: where }));
    return undefined;
  }
  const real = ctx.fs.realPath(abs) ?? abs;
  const rootReal = ctx.fs.realPath(ctx.root) ?? ctx.root;
  if (!isWithin(real, rootReal)) {
    ctx.ds.push(
      diag('KF1008', `file "${entry}" is outside the kustomization root ${displayPath(rootReal)} (resolves to ${real})`, {
        location: where,
        hint: 'move the file under the kustomization directory, or make its directory a kustomization and list that directory instead',
      }),
    );
    return undefined;
  }
  return abs;
}

export function isWithin(p: string, dir: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export function suggestSibling(fs: FileSystem, abs: string): string {
  const dir = path.dirname(abs);
  const names = fs.readDir(dir);
  const guess = didYouMean(path.basename(abs), names);
  return guess ? `did you mean "${guess}"?` : `check the path; ${displayPath(dir)} holds: ${names.slice(0, 8).join(', ') || 'nothing'}`;
}

function readFileText(ctx: Ctx, abs: string, where: SourceLocation): string | undefined {
  const bytes = ctx.fs.readFile(abs);
  if (!bytes) {
    ctx.ds.push(diag('KF1002', `cannot read ${displayPath(abs)}`, { location: where }));
    return undefined;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    ctx.ds.push(diag('KF1011', `${displayPath(abs)} is not valid UTF-8 text`, { location: where, hint: 'save the file as UTF-8' }));
    return undefined;
  }
}

function patchFromFile(ctx: Ctx, entry: string, where: SourceLocation): { text: string; path: string; textLocation: SourceLocation } | undefined {
  const abs = resolveLocalFile(ctx, entry, where);
  if (!abs) return undefined;
  const text = readFileText(ctx, abs, where);
  if (text === undefined) return undefined;
  return { text, path: abs, textLocation: { file: displayPath(abs), line: 1, column: 1 } };
}

/** Where the text of an inline block scalar starts (the line after `|`). */
const linesCache = new Map<string, string[]>();
/** The file's lines, split once per text (a kustomization may hold thousands of inline patches). */
function linesOf(text: string): string[] {
  let l = linesCache.get(text);
  if (!l) {
    if (linesCache.size > 64) linesCache.clear();
    linesCache.set(text, (l = text.split('\n')));
  }
  return l;
}

function inlineLocation(ctx: Ctx, v: PNode): SourceLocation {
  const loc = ctx.y.at(v);
  if (v.kind === 'scalar' && v.block) {
    // The text starts on the next non-blank line, at its indentation: positions inside the
    // patch text are shifted by both (block scalars strip that indentation).
    const lines = linesOf(ctx.y.text);
    let n = loc.line; // 0-based index of the line after the indicator
    while (n < lines.length && lines[n].trim() === '') n++;
    const indent = n < lines.length ? lines[n].length - lines[n].trimStart().length : 0;
    return { file: loc.file, line: loc.line + 1, column: indent + 1 };
  }
  return loc;
}

function patchList(ctx: Ctx, v: PNode, field: string, modern: boolean): PatchEntry[] {
  const out: PatchEntry[] = [];
  for (const item of seqOf(ctx, v, `"${field}"`)) {
    const m = mapOf(ctx, item, `a ${field} entry`);
    if (!m) continue;
    let text: string | undefined;
    let file: string | undefined;
    let textLocation: SourceLocation | undefined;
    let target: Selector | undefined;
    let options: PatchEntry['options'];
    const known = modern ? ['path', 'patch', 'target', 'options'] : ['path', 'patch', 'target'];
    fields(ctx, m, `${field} entry`, known, (key, val) => {
      if (key === 'path') {
        const s = str(ctx, val, `${field}.path`);
        const got = s !== undefined ? patchFromFile(ctx, s, ctx.y.at(val)) : undefined;
        if (got) ({ text, path: file, textLocation } = got);
      } else if (key === 'patch') {
        text = str(ctx, val, `${field}.patch`);
        textLocation = inlineLocation(ctx, val);
      } else if (key === 'target') {
        target = selector(ctx, val, `${field}.target`);
      } else if (key === 'options') {
        const om = mapOf(ctx, val, `${field}.options`);
        if (om) {
          options = {};
          fields(ctx, om, `${field}.options`, ['allowNameChange', 'allowKindChange'], (ok, ov) => {
            (options as Record<string, boolean | undefined>)[ok] = bool(ctx, ov, ok);
          });
        }
      }
    });
    const loc = ctx.y.at(item);
    if (text === undefined) {
      if (!ctx.ds.some((d) => d.location && d.location.line >= loc.line && d.location.file === loc.file && d.severity === 'error'))
        ctx.ds.push(diag('KF3005', `a ${field} entry has neither path nor patch`, { location: loc, hint: 'add path: <file> or patch: |- <inline patch>' }));
      continue;
    }
    if (!modern && !target) {
      ctx.ds.push(diag('KF3005', 'a patchesJson6902 entry needs a target', { location: loc, hint: 'add target: {group, version, kind, name}' }));
      continue;
    }
    out.push({ text, textLocation: textLocation ?? loc, location: loc, ...(file ? { path: file } : {}), ...(target ? { target } : {}), ...(options ? { options } : {}) });
  }
  return out;
}

function smPatchList(ctx: Ctx, v: PNode): PatchEntry[] {
  const out: PatchEntry[] = [];
  for (const item of seqOf(ctx, v, '"patchesStrategicMerge"')) {
    const s = item.kind === 'scalar' && typeof item.value === 'string' ? item.value : undefined;
    if (s === undefined) {
      ctx.ds.push(diag('KF1006', 'patchesStrategicMerge entries must be file paths or inline patches', { location: ctx.y.at(item) }));
      continue;
    }
    const loc = ctx.y.at(item);
    // Kustomize: an entry that parses as a YAML mapping with content is an inline patch, otherwise a path.
    if (s.includes('\n') || /^\s*(apiVersion|kind)\s*:/m.test(s)) {
      out.push({ text: s, textLocation: inlineLocation(ctx, item), location: loc });
    } else {
      const got = patchFromFile(ctx, s, loc);
      if (got) out.push({ text: got.text, path: got.path, textLocation: got.textLocation, location: loc });
    }
  }
  return out;
}

function generatorOptions(ctx: Ctx, v: PNode, what: string): GeneratorOptions | undefined {
  const m = mapOf(ctx, v, what);
  if (!m) return undefined;
  const o: GeneratorOptions = {};
  fields(ctx, m, what, ['labels', 'annotations', 'disableNameSuffixHash', 'immutable'], (key, val) => {
    if (key === 'labels' || key === 'annotations') o[key] = stringMap(ctx, val, `${what}.${key}`);
    else o[key as 'immutable'] = bool(ctx, val, key);
  });
  return o;
}

function generatorList(ctx: Ctx, v: PNode, field: string): GeneratorArgs[] {
  const out: GeneratorArgs[] = [];
  const known = ['name', 'namespace', 'behavior', 'literals', 'files', 'envs', 'env', 'options', ...(field === 'secretGenerator' ? ['type'] : [])];
  for (const item of seqOf(ctx, v, `"${field}"`)) {
    const m = mapOf(ctx, item, `a ${field} entry`);
    if (!m) continue;
    const g: GeneratorArgs = { name: '', behavior: 'create', literals: [], files: [], envs: [], location: ctx.y.at(item) };
    fields(ctx, m, `${field} entry`, known, (key, val) => {
      switch (key) {
        case 'name':
          g.name = str(ctx, val, `${field}.name`) ?? '';
          break;
        case 'namespace':
          g.namespace = str(ctx, val, `${field}.namespace`);
          break;
        case 'type':
          g.type = str(ctx, val, `${field}.type`);
          break;
        case 'behavior': {
          const b = str(ctx, val, `${field}.behavior`);
          if (b === 'create' || b === 'merge' || b === 'replace') g.behavior = b;
          else if (b !== undefined) ctx.ds.push(diag('KF1006', `unknown behavior "${b}"`, { location: ctx.y.at(val), hint: 'use create, merge or replace' }));
          break;
        }
        case 'literals':
          g.literals = strListPlain(ctx, val, `${field}.literals`);
          break;
        case 'files':
          g.files = strListPlain(ctx, val, `${field}.files`);
          break;
        case 'envs':
          g.envs.push(...strListPlain(ctx, val, `${field}.envs`));
          break;
        case 'env': {
          const s = str(ctx, val, `${field}.env`);
          if (s) g.envs.push(s);
          break;
        }
        case 'options':
          g.options = generatorOptions(ctx, val, `${field}.options`);
          break;
      }
    });
    if (!g.name) ctx.ds.push(diag('KF2002', `a ${field} entry has no name`, { location: ctx.y.at(item), hint: 'add name: <ConfigMap or Secret name>' }));
    else out.push(g);
  }
  return out;
}

function strListPlain(ctx: Ctx, v: PNode, what: string): string[] {
  const out: string[] = [];
  for (const item of seqOf(ctx, v, what)) {
    if (item.kind === 'scalar' && item.value !== null) out.push(typeof item.value === 'string' ? item.value : String(item.source ?? item.value));
    else ctx.ds.push(diag('KF1006', `${what} entries must be strings`, { location: ctx.y.at(item) }));
  }
  return out;
}

function replacementsList(ctx: Ctx, v: PNode): Replacement[] {
  const out: Replacement[] = [];
  for (const item of seqOf(ctx, v, '"replacements"')) {
    const m = mapOf(ctx, item, 'a replacements entry');
    if (!m) continue;
    const loc = ctx.y.at(item);
    const pathNode = pairOf(m, 'path')?.value;
    if (pathNode && (m.pairs as PPair[]).length === 1) {
      const p = str(ctx, pathNode, 'replacements.path');
      const got = p !== undefined ? patchFromFile(ctx, p, ctx.y.at(pathNode)) : undefined;
      if (!got) continue;
      const sub = new PositionedYaml(displayPath(got.path), got.text);
      if (sub.errors.length) {
        const e = sub.errors[0];
        ctx.ds.push(diag('KF1003', `invalid YAML: ${firstLine(e.message)}`, { location: sub.offsetAt(e.pos[0]), hint: yamlHint(e.code) }));
        continue;
      }
      if (sub.diagnostic) {
        ctx.ds.push(sub.diagnostic);
        continue;
      }
      const subCtx: Ctx = { ...ctx, y: sub };
      const c = sub.root;
      if (!c) continue;
      const items = c.kind === 'seq' ? (c.items as PNode[]) : [c];
      for (const it of items) {
        const r = replacement(subCtx, it);
        if (r) out.push(r);
      }
      continue;
    }
    const r = replacement(ctx, item);
    if (r) out.push({ ...r, location: loc });
  }
  return out;
}

function replOptions(ctx: Ctx, v: PNode, what: string): { delimiter?: string; index?: number; create?: boolean } | undefined {
  const m = mapOf(ctx, v, what);
  if (!m) return undefined;
  const o: { delimiter?: string; index?: number; create?: boolean } = {};
  fields(ctx, m, what, ['delimiter', 'index', 'create'], (key, val) => {
    if (key === 'delimiter') o.delimiter = str(ctx, val, key);
    else if (key === 'index') o.index = int(ctx, val, key);
    else o.create = bool(ctx, val, key);
  });
  return o;
}

function replacement(ctx: Ctx, item: PNode): Replacement | undefined {
  const m = mapOf(ctx, item, 'a replacement');
  if (!m) return undefined;
  const r: Replacement = { source: {}, targets: [], location: ctx.y.at(item) };
  let hasSource = false;
  fields(ctx, m, 'replacement', ['source', 'sourceValue', 'targets'], (key, val) => {
    if (key === 'sourceValue') {
      ctx.ds.push(diag('KF1016', 'replacement sourceValue is not supported by kforge', { location: ctx.y.at(val), hint: 'read the value from a resource field with source' }));
    } else if (key === 'source') {
      const sm = mapOf(ctx, val, 'replacement.source');
      if (!sm) return;
      hasSource = true;
      r.sourceLocation = ctx.y.at(val);
      fields(ctx, sm, 'replacement.source', ['group', 'version', 'kind', 'name', 'namespace', 'fieldPath', 'options'], (sk, sv) => {
        if (sk === 'options') r.source.options = replOptions(ctx, sv, 'replacement.source.options');
        else (r.source as Record<string, unknown>)[sk] = str(ctx, sv, `source.${sk}`);
      });
    } else {
      for (const t of seqOf(ctx, val, 'replacement.targets')) {
        const tm = mapOf(ctx, t, 'a replacement target');
        if (!tm) continue;
        const target: ReplacementTarget = { select: {}, fieldPaths: [] };
        fields(ctx, tm, 'replacement target', ['select', 'reject', 'fieldPaths', 'options'], (tk, tv) => {
          if (tk === 'select') target.select = selector(ctx, tv, 'replacement.targets.select') ?? {};
          else if (tk === 'reject') target.reject = seqOf(ctx, tv, 'reject').map((x) => selector(ctx, x, 'replacement.targets.reject') ?? {});
          else if (tk === 'fieldPaths') {
            target.fieldPaths = strListPlain(ctx, tv, 'fieldPaths');
            target.fieldPathLocations = tv.kind === 'seq' ? (tv.items as PNode[]).map((x) => ctx.y.at(x)) : [];
          }
          else target.options = replOptions(ctx, tv, 'replacement.targets.options');
        });
        r.targets.push(target);
      }
    }
  });
  if (!hasSource) {
    ctx.ds.push(diag('KF1006', 'a replacement needs a source', { location: ctx.y.at(item), hint: 'add source: {kind, name, fieldPath}' }));
    return undefined;
  }
  return r;
}

function sortOptions(ctx: Ctx, v: PNode): SortOptions | undefined {
  const m = mapOf(ctx, v, 'sortOptions');
  if (!m) return undefined;
  const o: SortOptions = { order: 'legacy' };
  fields(ctx, m, 'sortOptions', ['order', 'legacySortOptions'], (key, val) => {
    if (key === 'order') {
      const s = str(ctx, val, 'sortOptions.order');
      if (s === 'legacy' || s === 'fifo') o.order = s;
      else ctx.ds.push(diag('KF1006', `unknown sort order "${s}"`, { location: ctx.y.at(val), hint: 'use legacy or fifo' }));
    } else {
      const lm = mapOf(ctx, val, 'sortOptions.legacySortOptions');
      if (!lm) return;
      fields(ctx, lm, 'legacySortOptions', ['orderFirst', 'orderLast'], (lk, lv) => {
        o[lk as 'orderFirst'] = strListPlain(ctx, lv, lk);
      });
    }
  });
  return o;
}

/** Reads a `configurations` file: Kustomize's transformer configuration format. */
function readConfigurations(ctx: Ctx, entry: string, where: SourceLocation, into: ConfigurationsSpec): void {
  const got = patchFromFile(ctx, entry, where);
  if (!got) return;
  const sub = new PositionedYaml(displayPath(got.path), got.text);
  if (sub.errors.length) {
    const e = sub.errors[0];
    ctx.ds.push(diag('KF1003', `invalid YAML: ${firstLine(e.message)}`, { location: sub.offsetAt(e.pos[0]), hint: yamlHint(e.code) }));
    return;
  }
  if (sub.diagnostic) {
    ctx.ds.push(sub.diagnostic);
    return;
  }
  const c = sub.root;
  if (!c) return;
  const subCtx: Ctx = { ...ctx, y: sub };
  const m = mapOf(subCtx, c, 'a configurations file');
  if (!m) return;
  const lists = ['commonLabels', 'commonAnnotations', 'namePrefix', 'nameSuffix', 'namespace', 'images', 'replicas'] as const;
  fields(subCtx, m, 'configurations', ['nameReference', ...lists, 'varReference', 'templateLabels'], (key, val) => {
    if (key === 'nameReference') {
      for (const item of seqOf(subCtx, val, 'nameReference')) {
        const nm = mapOf(subCtx, item, 'a nameReference entry');
        if (!nm) continue;
        const ref: NameBackReference = { kind: '', fieldSpecs: [] };
        fields(subCtx, nm, 'nameReference entry', ['group', 'version', 'kind', 'fieldSpecs'], (nk, nv) => {
          if (nk === 'fieldSpecs') ref.fieldSpecs = fieldSpecList(subCtx, nv, 'fieldSpecs');
          else (ref as unknown as Record<string, string | undefined>)[nk] = str(subCtx, nv, nk);
        });
        into.nameReference.push(ref);
      }
    } else if (key === 'varReference') {
      into.varReference.push(...fieldSpecList(subCtx, val, key));
    } else if (key === 'templateLabels') {
      into.commonLabels.push(...fieldSpecList(subCtx, val, key));
    } else {
      into[key as (typeof lists)[number]].push(...fieldSpecList(subCtx, val, key));
    }
  });
}

export type { ResourceRef };
