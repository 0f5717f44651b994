import * as path from 'node:path';
import type { FileSystem } from '../fs.js';
import { READ_AHEAD_MIN } from '../fs-read-ahead.js';
import type { Diagnostic, Json, JsonObject, SourceLocation } from '../types.js';
import { parseVars } from '../transform/vars.js';
import { diag, didYouMean } from '../diagnostics.js';
import type { FieldSpec } from '../transform/fieldspec.js';
import { pairOf, PositionedYaml, toJson, type PNode, type PPair } from './kfile.js';
import { displayPath, inlineLocation, isNull, isRemote, linesOf, patchFromFile, resolveIn, resolveLocalFile, typeName, type LoadCtx } from './files.js';
import { parseComplete, plainKeyProblem, yaml11Plain } from './yaml/index.js';
import { isNormalAbsolute } from '../fs.js';
import { readPluginEntries } from './plugins.js';
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
  imageTags: 'deprecated',
  openapi: 'ok',
  helmCharts: 'unsupported',
  helmGlobals: 'unsupported',
  helmChartInflationGenerator: 'unsupported',
  generators: 'ok',
  transformers: 'ok',
  validators: 'unsupported',
  buildMetadata: 'ok',
};
const FIELD_NAMES = Object.keys(FIELDS);

/** The exact warnings Kustomize v5.5 prints on stderr for deprecated fields. */
export const DEPRECATION_WARNINGS: Record<string, string> = {
  bases: "# Warning: 'bases' is deprecated. Please use 'resources' instead. Run 'kustomize edit fix' to update your Kustomization automatically.",
  commonLabels: "# Warning: 'commonLabels' is deprecated. Please use 'labels' instead. Run 'kustomize edit fix' to update your Kustomization automatically.",
  patchesStrategicMerge: "# Warning: 'patchesStrategicMerge' is deprecated. Please use 'patches' instead. Run 'kustomize edit fix' to update your Kustomization automatically.",
  patchesJson6902: "# Warning: 'patchesJson6902' is deprecated. Please use 'patches' instead. Run 'kustomize edit fix' to update your Kustomization automatically.",
  imageTags: "# Warning: 'imageTags' is deprecated. Please use 'images' instead. Run 'kustomize edit fix' to update your Kustomization automatically.",
  vars: "# Warning: 'vars' is deprecated. Please use 'replacements' instead. [EXPERIMENTAL] Run 'kustomize edit fix' to update your Kustomization automatically.",
};

const UNSUPPORTED_HINT: Record<string, string> = {
  helmCharts: 'render the chart once (helm template) and commit the output as a resource',
  helmGlobals: 'render the chart once (helm template) and commit the output as a resource',
  helmChartInflationGenerator: 'render the chart once (helm template) and commit the output as a resource',
  validators: 'kforge runs no plugins: use kforge policy checks',
};

export interface LoadedKustomization {
  k: Kustomization;
  warnings: Diagnostic[];
}

/** Finds the kustomization file of `dir`, or reports why there is none. */
export function findKustomizationFile(fs: FileSystem, dir: string, where?: SourceLocation): { file?: string; diagnostics: Diagnostic[] } {
  // (a normal absolute directory, nearly always, is joined to the names without path.join's normalising pass)
  const plain = path.sep === '/' && isNormalAbsolute(dir) && dir !== '/';
  const inDir = (n: string): string => (plain ? dir + '/' + n : path.join(dir, n));
  const found = KUSTOMIZATION_FILE_NAMES.filter((n) => fs.stat(inDir(n)) === 'file');
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
  return { file: inDir(found[0]), diagnostics: [] };
}

type Ctx = LoadCtx;

/** Loads and validates one kustomization file. Returns undefined (with diagnostics) when unusable. */
export function loadKustomizationFile(fs: FileSystem, file: string, text: string): { value?: Kustomization; diagnostics: Diagnostic[] } {
  const shown = displayPath(file);
  // Kustomize reads only the first YAML document; a repeated key is not an error (the last
  // one wins, see matchFields).
  text = firstDocument(text);
  const y = new PositionedYaml(shown, text, { uniqueKeys: false });
  const ds: Diagnostic[] = [];
  if (y.errors.length) {
    // The resource reader places YAML errors better (an unclosed quote where it opens, a
    // bad indentation at the line's content): use its diagnostic when it has one.
    const complete = parseComplete(text, shown);
    if (!complete.value && complete.diagnostics.length && complete.diagnostics.every((d) => d.code !== 'KF1015'))
      return { diagnostics: complete.diagnostics.map((d) => ({ ...d, message: `invalid YAML in kustomization: ${d.message}` })) };
  }
  for (const e of y.errors) {
    const loc = y.offsetAt(e.pos[0]);
    ds.push(diag('KF1003', `invalid YAML in kustomization: ${firstLine(e.message)}`, { location: loc, hint: yamlHint(e.code) }));
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
  if (fs.readAhead) readAhead(fs, dir, contents);
  const ctx: Ctx = { y, ds, dir, fs, root: dir };
  // Kustomize's CheckEmpty: a kustomization whose fields (apiVersion and kind aside) all
  // have their zero value is an error. An empty list or map is not a zero value, an empty
  // string is; `bases` and `imageTags` count only when they hold entries.
  let hasContent = false;
  let kindNode: PNode | undefined;
  let apiVersionNode: PNode | undefined;
  const { matched, unknown } = matchFields(contents, FIELD_NAMES);
  for (const pair of unknown) {
    const guess = didYouMean(pair.key, FIELD_NAMES);
    ds.push(
      diag('KF1005', `unknown kustomization field "${pair.key}"`, {
        location: y.keyAt(pair),
        hint: guess ? `did you mean "${guess}"?` : 'see the Kustomization reference for the list of fields',
      }),
    );
  }
  for (const [key, pair] of matched) {
    const status = FIELDS[key];
    const keyLoc = y.keyAt(pair);
    const v = pair.value;
    if (isNull(v)) continue;
    if (status === 'unsupported') {
      // An empty list or map asks for nothing kforge lacks.
      const empty = (v.kind === 'seq' && (v.items as PNode[]).length === 0) || (v.kind === 'map' && (v.pairs as PPair[]).length === 0);
      if (empty) hasContent = true;
      else ds.push(diag('KF1016', `kustomization field "${key}" is not supported by kforge`, { location: keyLoc, hint: UNSUPPORTED_HINT[key] }));
      continue;
    }
    if (status === 'deprecated') {
      ds.push(diag('KF1017', DEPRECATION_WARNINGS[key], { severity: 'warning', location: keyLoc }));
    }
    if (key === 'bases' || key === 'imageTags') hasContent ||= v.kind !== 'seq' || (v.items as PNode[]).length > 0;
    else if (key !== 'apiVersion' && key !== 'kind' && key !== 'namespace' && key !== 'namePrefix' && key !== 'nameSuffix') hasContent = true;
    switch (key) {
      case 'apiVersion':
        apiVersionNode = v;
        break;
      case 'kind':
        kindNode = v;
        break;
      case 'metadata':
        kustomizationMetadata(ctx, v);
        break;
      case 'resources':
      case 'bases':
        k.resources.push(...strList(ctx, v, key).map((e) => ({ entry: e.value, location: e.location })));
        break;
      case 'components':
        k.components.push(...strList(ctx, v, key).map((e) => ({ entry: e.value, location: e.location })));
        break;
      case 'namespace':
      case 'namePrefix':
      case 'nameSuffix': {
        const text = str(ctx, v, key);
        k[key] = text;
        hasContent ||= text !== undefined && text !== '';
        break;
      }
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
      case 'imageTags':
        // FixKustomization: the deprecated imageTags come after images
        k.images = key === 'images' ? [...imagesList(ctx, v), ...k.images] : [...k.images, ...imagesList(ctx, v)];
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
        for (const e of strList(ctx, v, key)) {
          k.configurationsLocation ??= e.location;
          readConfigurations(ctx, e.value, e.location, k.configurations);
        }
        break;
      case 'openapi': {
        // A Go map[string]string: exact keys, others ignored (schema/openapi-custom.ts).
        const m = mapOf(ctx, v, 'openapi');
        if (!m) break;
        const o: NonNullable<Kustomization['openapi']> = { location: keyLoc };
        for (const p of m.pairs as PPair[]) {
          if (isNull(p.value)) continue;
          if (p.key === 'version') o.version = str(ctx, p.value, 'openapi.version') ?? '';
          else if (p.key === 'path') {
            const e = str(ctx, p.value, 'openapi.path');
            if (e === undefined) continue;
            o.pathLocation = ctx.y.at(p.value);
            o.path = resolveLocalFile(ctx, e, o.pathLocation, 'openapi file') ?? '';
          }
        }
        k.openapi = o;
        break;
      }
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
      case 'transformers':
      case 'generators': {
        if (v.kind !== 'seq') {
          ds.push(diag('KF1006', `"${key}" must be a list, found ${typeName(v)}`, { location: y.at(v), hint: 'write each entry on its own line as "- entry"' }));
          break;
        }
        const entries: { value: string; node: PNode; location: SourceLocation }[] = [];
        for (const item of v.items as PNode[]) {
          if (item.kind === 'scalar' && typeof item.value === 'string') entries.push({ value: item.value, node: item, location: y.at(item) });
          else ds.push(diag('KF1006', `"${key}" entries must be strings, found ${typeName(item)}`, { location: y.at(item), hint: 'write a path, or an inline configuration as a block string (|-)' }));
        }
        k[key] = readPluginEntries(ctx, entries, key);
        break;
      }
      case 'buildMetadata':
        // unknown options are ignored, as Kustomize does
        k.buildMetadata = strList(ctx, v, key).map((e) => e.value);
        break;
      case 'vars': {
        // the value of the last key spelled exactly `vars` (as the kustomization's JSON object
        // would hold it), which for a `Vars:` alone is none
        let exact: PPair | undefined;
        for (const p of contents.pairs as PPair[]) if (p.key === 'vars') exact = p;
        const parsed = parseVars(exact ? toJson(exact.value) : null, y.at(v), v.kind === 'seq' ? (v.items as PNode[]).map((x) => y.at(x)) : undefined);
        ds.push(...parsed.diagnostics);
        k.vars = parsed.value;
        break;
      }
    }
  }
  if (ds.some((d) => d.severity === 'error')) return { diagnostics: ds };
  if (!hasContent) {
    ds.push(
      diag('KF1006', `kustomization ${shown} is empty`, {
        location: { file: shown, line: 1, column: 1 },
        hint: 'list resources, components or generators in it',
      }),
    );
    return { diagnostics: ds };
  }
  // Kustomize's EnforceFields: kind is Kustomization (the default) or Component, and the
  // apiVersion, when given, is the one of that kind.
  const kind = kindNode ? str(ctx, kindNode, 'kind') ?? '' : '';
  const apiVersion = apiVersionNode ? str(ctx, apiVersionNode, 'apiVersion') ?? '' : '';
  if (kind === 'Kustomization' || kind === 'Component') k.kind = kind;
  else if (kind !== '') ds.push(diag('KF1006', `unexpected kind "${kind}" for a kustomization`, { location: y.at(kindNode), hint: 'kind should be Kustomization or Component' }));
  const wanted = kind === 'Component' ? 'kustomize.config.k8s.io/v1alpha1' : 'kustomize.config.k8s.io/v1beta1';
  if (apiVersion !== '' && apiVersion !== wanted) {
    ds.push(diag('KF1006', `apiVersion for ${kind || 'Kustomization'} should be ${wanted}, not "${apiVersion}"`, { location: y.at(apiVersionNode), hint: `write apiVersion: ${wanted}` }));
  }
  if (ds.some((d) => d.severity === 'error')) return { diagnostics: ds };
  return { value: k, diagnostics: ds };
}

/**
 * Tells the file system which paths the build will read, in the order it will: the patch
 * files (read while the kustomization loads), then the resources and components. A hint
 * only, taken from the plain string entries: the fields are checked as they are read.
 */
function readAhead(fs: FileSystem, dir: string, contents: PNode): void {
  const listed = (contents.pairs as PPair[]).filter((pair) => Object.hasOwn(READ_AHEAD_FIELDS, pair.key) && pair.value.kind === 'seq');
  if (listed.reduce((n, pair) => n + (pair.value.items as PNode[]).length, 0) < READ_AHEAD_MIN) return;
  const paths: [string[], string[]] = [[], []];
  for (const pair of listed) {
    const { order, entry } = READ_AHEAD_FIELDS[pair.key];
    for (const item of pair.value.items as PNode[]) {
      const v = entry === 'path' ? (item.kind === 'map' ? pairOf(item, 'path')?.value : undefined) : item;
      if (v?.kind === 'scalar' && typeof v.value === 'string' && v.value !== '' && !v.value.includes('\n') && !isRemote(v.value)) paths[order].push(resolveIn(dir, v.value));
    }
  }
  fs.readAhead!([...paths[0], ...paths[1]], KUSTOMIZATION_FILE_NAMES);
}

/** The fields readAhead reads: patch files first (order 0), then bases (1); an entry is a path, or a mapping with `path`. */
const READ_AHEAD_FIELDS: Record<string, { order: 0 | 1; entry: 'item' | 'path' }> = {
  patches: { order: 0, entry: 'path' },
  patchesJson6902: { order: 0, entry: 'path' },
  patchesStrategicMerge: { order: 0, entry: 'item' },
  resources: { order: 1, entry: 'item' },
  bases: { order: 1, entry: 'item' },
  components: { order: 1, entry: 'item' },
};

/**
 * The text of the first YAML document (Kustomize's reader ignores the others), with the
 * same line numbers: cut at the `---` that starts a second document, or after a `...`.
 */
export function firstDocument(text: string): string {
  // no line starts with `---` or `...` (nearly every kustomization): the whole text
  if (!text.startsWith('---') && !text.startsWith('...') && !text.includes('\n---') && !text.includes('\n...')) return text;
  return firstDocumentByLines(text);
}

/** firstDocument's line-by-line scan (exported for the test that holds its shortcut to it). */
export function firstDocumentByLines(text: string): string {
  let started = false; // a `---` or content has begun the first document
  let content = false;
  let at = 0;
  while (at < text.length) {
    const nl = text.indexOf('\n', at);
    const end = nl < 0 ? text.length : nl + 1;
    const line = text.slice(at, end).replace(/\r?\n$/, '');
    if (/^---(\s|$)/.test(line)) {
      if (started) return text.slice(0, at);
      started = true;
    } else if (/^\.\.\.\s*$/.test(line)) {
      if (started || content) return text.slice(0, end);
    } else if (!content && line.trim() !== '' && !/^\s*#/.test(line) && !line.startsWith('%')) {
      content = true;
      started = true;
    }
    at = end;
  }
  return text;
}

/** `metadata` of a kustomization: Kustomize decodes it as an ObjectMeta (unused otherwise). */
function kustomizationMetadata(ctx: Ctx, v: PNode): void {
  const m = mapOf(ctx, v, '"metadata"');
  if (!m) return;
  fields(ctx, m, 'metadata', ['name', 'namespace', 'labels', 'annotations'], (key, val) => {
    if (key === 'labels' || key === 'annotations') stringMap(ctx, val, `metadata.${key}`);
    else str(ctx, val, `metadata.${key}`);
  });
}

export function firstLine(s: string): string {
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
    transformers: [],
    generators: [],
    buildMetadata: [],
    vars: [],
  };
}

export function emptyConfigurations(): ConfigurationsSpec {
  return { nameReference: [], commonLabels: [], labels: [], templateLabels: [], commonAnnotations: [], namePrefix: [], nameSuffix: [], namespace: [], images: [], replicas: [], varReference: [] };
}

// ---- small typed readers, each reporting its own diagnostic with a location ----

const hasOwn = Object.prototype.hasOwnProperty;

/*
 * Kustomize reads a kustomization with sigs.k8s.io/yaml's YAMLToJSON, which uses go-yaml v2
 * (YAML 1.1 scalars), then decodes the JSON into its typed struct with Go's encoding/json
 * (unknown fields refused, field names matched in any letter case, a value of the wrong
 * JSON type refused). The readers below do the same:
 *  - a plain `yes`, `no`, `on`, `off`, `y`, `n` (and their Title/UPPER forms) is a boolean,
 *    `1_000`, `0x1F`, `0b101`, `.5` numbers: a string field given one is an error, a bool
 *    field takes the YAML 1.1 booleans;
 *  - an integer field takes any number with an integral value (`3.0`, `1e1`);
 *  - a map key that YAML 1.1 reads as a number or boolean (`1:`, `y:`) makes Kustomize fail
 *    later, when it writes the labels or annotations: kforge refuses it here.
 */

/** A scalar's value as go-yaml v2 reads it. */
type GoScalar = { t: 'null' } | { t: 'bool'; v: boolean } | { t: 'number'; v: number } | { t: 'string'; v: string };

/** The scalar `v` as Kustomize's kustomization reader types it (undefined for a map or list). */
function goScalar(v: PNode): GoScalar | undefined {
  if (v.kind !== 'scalar') return undefined;
  const x = v.value;
  if (x === null || x === undefined) return { t: 'null' };
  if (typeof x === 'boolean') return { t: 'bool', v: x };
  if (typeof x === 'number') return { t: 'number', v: x };
  // A string: quoted, a block or tagged; or untagged plain text YAML 1.1 may type otherwise.
  if (!v.plain || v.source !== x) return { t: 'string', v: x };
  const r = yaml11Plain(x);
  return typeof r === 'string' ? { t: 'string', v: r } : typeof r === 'boolean' ? { t: 'bool', v: r } : { t: 'number', v: r };
}

/** What a scalar is, for messages: `the boolean yes (YAML 1.1)`, `the number 1.2`, `a string`. */
function goTypeName(ctx: Ctx, v: PNode): string {
  const g = goScalar(v);
  if (!g) return typeName(v);
  const text = v.source ?? String(v.value);
  if (g.t === 'bool') return typeof v.value === 'string' ? `the boolean ${text} (YAML 1.1, as Kustomize reads kustomization files)` : `the boolean ${text}`;
  if (g.t === 'number') return `the number ${text}`;
  if (g.t === 'null') return 'null';
  return 'a string';
}

/** Reports a value of the wrong type (`subject` names it: `"namePrefix"`), as Go's JSON decoding of the kustomization would. */
function wrongType(ctx: Ctx, v: PNode, subject: string, want: string, code: 'KF1006' | 'KF2008' = 'KF1006'): void {
  const g = goScalar(v);
  const hint =
    want === 'a string' && g && (g.t === 'bool' || g.t === 'number')
      ? `quote it: "${v.source ?? String(v.value)}"`
      : want === 'a list'
        ? 'write each entry on its own line as "- entry"'
        : want === 'a mapping'
          ? 'write it as key: value lines'
          : `write ${want}`;
  ctx.ds.push(diag(code, `${subject} must be ${want}, found ${goTypeName(ctx, v)}`, { location: ctx.y.at(v), hint }));
}

function str(ctx: Ctx, v: PNode, field: string): string | undefined {
  const g = goScalar(v);
  if (g?.t === 'string') return g.v;
  if (g?.t === 'null') return undefined;
  wrongType(ctx, v, `"${field}"`, 'a string');
  return undefined;
}

function strList(ctx: Ctx, v: PNode, field: string): { value: string; location: SourceLocation }[] {
  return strItems(ctx, v, field, (value, item) => ({ value, location: ctx.y.at(item) }));
}

/** The string entries of list `v`, each made into what `make` gives; anything else reported as the wrong type. */
function strItems<T>(ctx: Ctx, v: PNode, field: string, make: (value: string, item: PNode) => T): T[] {
  if (v.kind !== 'seq') {
    wrongType(ctx, v, `"${field}"`, 'a list');
    return [];
  }
  const out: T[] = [];
  (v.items as PNode[]).forEach((item, i) => {
    const g = goScalar(item);
    if (g?.t === 'string') out.push(make(g.v, item));
    else wrongType(ctx, item, `entry ${i + 1} of "${field}"`, 'a string');
  });
  return out;
}

function stringMap(ctx: Ctx, v: PNode, field: string): Record<string, string> | undefined {
  if (v.kind !== 'map') {
    wrongType(ctx, v, `"${field}"`, 'a mapping');
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const p of v.pairs as PPair[]) {
    const key = p.key;
    const val = p.value;
    // Kustomize fails on a key whose text reads as a number, boolean, null or timestamp
    // (`"1"`, `true`, `~`, `"2001-01-01"`), quoted or not (it passes these maps on as YAML
    // and reads them back), and on an unquoted key that YAML 1.1 reads so (`y`, `on`).
    const keyLineText = linesOf(ctx.y.text)[p.keyLine - 1] ?? '';
    const keyQuoted = /^["'!&*]/.test(keyLineText[p.keyColumn - 1] ?? '');
    const v11 = keyQuoted ? key : yaml11Plain(key);
    // (the reader gives `.inf`/`.nan` keys as "Infinity"/"NaN": judge an unquoted key by its text)
    const raw = keyQuoted ? key : (/^[^:#]*?(?=:(\s|$))/.exec(keyLineText.slice(p.keyColumn - 1))?.[0].trimEnd() ?? key);
    const what = plainKeyProblem(key) ?? plainKeyProblem(raw) ?? (typeof v11 === 'boolean' ? 'a boolean' : typeof v11 === 'number' ? 'a number' : undefined);
    if (what) {
      ctx.ds.push(
        diag('KF2008', `key "${raw}" in ${field} reads as ${what} in YAML: Kustomize fails on it`, {
          location: ctx.y.keyAt(p),
          hint: 'use a key that does not read as a number, boolean or null',
        }),
      );
      continue;
    }
    const g = goScalar(val);
    if (g?.t === 'null') out[key] = '';
    else if (g?.t === 'string') out[key] = g.v;
    else wrongType(ctx, val, `the value of "${key}" in ${field}`, 'a string', 'KF2008');
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

/**
 * The entries of a mapping by field name, as Go's JSON decoding matches them to struct
 * fields: the exact name, else a name differing only in letter case (`NamePrefix`); a field
 * given twice keeps its last value. Entries matching no field are returned apart.
 */
export function matchFields(m: PNode, known: readonly string[]): { matched: [string, PPair][]; unknown: PPair[] } {
  if (exactAndDistinct(m.pairs as PPair[], known)) return { matched: (m.pairs as PPair[]).map((p) => [p.key, p]), unknown: [] };
  return matchFieldsByRules(m, known);
}

/**
 * Whether every key of `pairs` is one of `known`, spelled exactly, and no key is repeated
 * (nearly every mapping a kustomization holds): then the fields match in the order written,
 * and none is unknown, with no lookup table built.
 */
function exactAndDistinct(pairs: readonly PPair[], known: readonly string[]): boolean {
  if (pairs.length > known.length) return false;
  for (let i = 0; i < pairs.length; i++) {
    const key = pairs[i].key;
    if (!known.includes(key)) return false;
    for (let j = 0; j < i; j++) if (pairs[j].key === key) return false;
  }
  return true;
}

/** matchFields without its shortcut (exported for the test that holds the shortcut to it). */
export function matchFieldsByRules(m: PNode, known: readonly string[]): { matched: [string, PPair][]; unknown: PPair[] } {
  const byName = new Map<string, PPair>();
  const unknown: PPair[] = [];
  for (const p of m.pairs as PPair[]) {
    const lower = p.key.toLowerCase();
    const name = known.includes(p.key) ? p.key : known.find((k) => k.toLowerCase() === lower);
    if (name === undefined) {
      unknown.push(p);
      continue;
    }
    // The JSON Kustomize decodes has its keys sorted: of two spellings (`Resources`,
    // `resources`) the one sorting last wins; of one key written twice, the last.
    const had = byName.get(name);
    if (had && had.key !== p.key && had.key > p.key) continue;
    byName.delete(name);
    byName.set(name, p);
  }
  return { matched: [...byName], unknown };
}

/** Iterates the fields of a mapping, reporting unknown ones (Kustomize rejects them too). */
function fields(ctx: Ctx, m: PNode, what: string, known: readonly string[], fn: (key: string, value: PNode, pair: PPair) => void): void {
  const pairs = m.pairs as PPair[];
  if (exactAndDistinct(pairs, known)) {
    // matchFields' answer, without building it: every entry, in order
    for (const p of pairs) if (!isNull(p.value)) fn(p.key, p.value, p);
    return;
  }
  const { matched, unknown } = matchFieldsByRules(m, known);
  for (const p of unknown) {
    const guess = didYouMean(p.key, known);
    ctx.ds.push(diag('KF1005', `unknown field "${p.key}" in ${what}`, { location: ctx.y.keyAt(p), hint: guess ? `did you mean "${guess}"?` : `known fields: ${known.join(', ')}` }));
  }
  for (const [key, p] of matched) {
    const v = p.value;
    if (isNull(v)) continue;
    fn(key, v, p);
  }
}

function bool(ctx: Ctx, v: PNode, field: string): boolean | undefined {
  const g = goScalar(v);
  if (g?.t === 'bool') return g.v;
  wrongType(ctx, v, `"${field}"`, 'true or false');
  return undefined;
}

function int(ctx: Ctx, v: PNode, field: string): number | undefined {
  const g = goScalar(v);
  if (g?.t === 'number' && Number.isSafeInteger(g.v)) return g.v;
  wrongType(ctx, v, `"${field}"`, 'an integer');
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
      // Kustomize reads these as Go strings: an unquoted number (newTag: 2) fails the build.
      const s = str(ctx, val, `images.${key}`);
      if (s !== undefined) (e as unknown as Record<string, string>)[key] = s;
    });
    // Kustomize accepts an entry without a name (it matches nothing): the images step warns
    // (KF2009) and builds on (conformance case 504).
    out.push(e);
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

const PATCH_FIELDS = ['path', 'patch', 'target', 'options'];
const LEGACY_PATCH_FIELDS = ['path', 'patch', 'target'];

function patchList(ctx: Ctx, v: PNode, field: string, modern: boolean): PatchEntry[] {
  const out: PatchEntry[] = [];
  const known = modern ? PATCH_FIELDS : LEGACY_PATCH_FIELDS;
  for (const item of seqOf(ctx, v, `"${field}"`)) {
    const m = mapOf(ctx, item, `a ${field} entry`);
    if (!m) continue;
    let text: string | undefined;
    let file: string | undefined;
    let textLocation: SourceLocation | undefined;
    let target: Selector | undefined;
    let options: PatchEntry['options'];
    const seen: Record<string, true> = {};
    fields(ctx, m, `${field} entry`, known, (key, val) => {
      if ((key === 'path' && 'patch' in seen) || (key === 'patch' && 'path' in seen)) {
        ctx.ds.push(diag('KF3005', `a ${field} entry has both path and patch`, { location: ctx.y.at(item), hint: 'Kustomize refuses it: keep one of them' }));
      }
      seen[key] = true;
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
          // a map of booleans in Kustomize: other keys (in any case but the exact one) are ignored
          options = {};
          for (const p of om.pairs as PPair[]) {
            if (isNull(p.value)) continue;
            const b = bool(ctx, p.value, `${field}.options.${p.key}`);
            if (p.key === 'allowNameChange' || p.key === 'allowKindChange') options[p.key] = b;
          }
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
          // Kustomize reads any other word (`update`, `Merge`) as create, silently.
          if (b === 'merge' || b === 'replace') g.behavior = b;
          else if (b !== undefined && b !== 'create' && b !== '')
            ctx.ds.push(diag('KF1006', `unknown behavior "${b}": Kustomize treats it as create`, { severity: 'warning', location: ctx.y.at(val), hint: 'use create, merge or replace' }));
          break;
        }
        case 'literals':
          g.literals = strListPlain(ctx, val, `${field}.literals`);
          break;
        case 'files': {
          const l = strList(ctx, val, `${field}.files`);
          g.files = l.map((e) => e.value);
          g.fileLocations = l.map((e) => e.location);
          break;
        }
        case 'envs': {
          const l = strList(ctx, val, `${field}.envs`);
          g.envs.push(...l.map((e) => e.value));
          (g.envLocations ??= []).push(...l.map((e) => e.location));
          break;
        }
        case 'env': {
          const s = str(ctx, val, `${field}.env`);
          if (s) g.envs.push(s);
          if (s) (g.envLocations ??= []).push(ctx.y.at(val));
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

/** strList's values, without their locations (not allocated for nothing: a generator's literals, field paths). */
function strListPlain(ctx: Ctx, v: PNode, what: string): string[] {
  return strItems(ctx, v, what, (value) => value);
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
  // `encoding` is accepted and, as in Kustomize v5.5, has no effect
  fields(ctx, m, what, ['delimiter', 'index', 'create', 'encoding'], (key, val) => {
    if (key === 'delimiter') o.delimiter = str(ctx, val, key);
    else if (key === 'index') o.index = int(ctx, val, key);
    else if (key === 'create') o.create = bool(ctx, val, key);
    else str(ctx, val, key);
  });
  return o;
}

function replacement(ctx: Ctx, item: PNode): Replacement | undefined {
  const m = mapOf(ctx, item, 'a replacement');
  if (!m) return undefined;
  const r: Replacement = { source: {}, targets: [], location: ctx.y.at(item) };
  let hasSource = false;
  let hasTargets = false;
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
      hasTargets = true;
      for (const t of seqOf(ctx, val, 'replacement.targets')) {
        const tm = mapOf(ctx, t, 'a replacement target');
        if (!tm) continue;
        const target: ReplacementTarget = { select: {}, fieldPaths: [] };
        if (isNull(pairOf(tm, 'select')?.value ?? null)) {
          ctx.ds.push(diag('KF1006', 'a replacement target must select resources', { location: ctx.y.at(t), hint: 'add select: {kind: ..., name: ...}' }));
        }
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
  if (!hasSource || !hasTargets) {
    ctx.ds.push(diag('KF1006', 'a replacement must specify a source and at least one target', { location: ctx.y.at(item), hint: hasSource ? 'add targets: [{select: {...}, fieldPaths: [...]}]' : 'add source: {kind, name, fieldPath}' }));
    return undefined;
  }
  return r;
}

function sortOptions(ctx: Ctx, v: PNode): SortOptions | undefined {
  const m = mapOf(ctx, v, 'sortOptions');
  if (!m) return undefined;
  const o: SortOptions = { order: 'legacy' };
  let order: string | undefined;
  let legacyAt: SourceLocation | undefined;
  fields(ctx, m, 'sortOptions', ['order', 'legacySortOptions'], (key, val, pair) => {
    if (key === 'order') {
      const s = str(ctx, val, 'sortOptions.order');
      order = s ?? '';
      if (s === 'legacy' || s === 'fifo') o.order = s;
      else o.invalid ??= diag('KF1006', `unknown sort order "${s ?? ''}"`, { location: ctx.y.at(val), hint: 'use legacy or fifo' });
    } else {
      const lm = mapOf(ctx, val, 'sortOptions.legacySortOptions');
      if (!lm) return;
      legacyAt = ctx.y.keyAt(pair);
      fields(ctx, lm, 'legacySortOptions', ['orderFirst', 'orderLast'], (lk, lv) => {
        o[lk as 'orderFirst'] = strListPlain(ctx, lv, lk);
      });
    }
  });
  // Kustomize's checks, in its order (reported by the root build only).
  if (order === undefined) o.invalid ??= diag('KF1006', 'sortOptions has no order', { location: ctx.y.at(v), hint: 'Kustomize needs sortOptions.order: legacy or fifo' });
  else if (o.order === 'fifo' && legacyAt !== undefined && !o.invalid) {
    o.invalid = diag('KF1006', 'sortOptions.legacySortOptions is set but the order is fifo', { location: legacyAt, hint: 'remove legacySortOptions, or use order: legacy' });
  }
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
  const lists = ['commonLabels', 'labels', 'templateLabels', 'commonAnnotations', 'namePrefix', 'nameSuffix', 'namespace', 'images', 'replicas'] as const;
  fields(subCtx, m, 'configurations', ['nameReference', ...lists, 'varReference'], (key, val) => {
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
    } else {
      into[key as (typeof lists)[number]].push(...fieldSpecList(subCtx, val, key));
    }
  });
}

export type { ResourceRef };
