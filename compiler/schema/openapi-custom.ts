/**
 * The kustomization field `openapi`, as Kustomize v5.5 (kyaml/openapi) uses it: the schema
 * behind strategic-merge patches, which says which lists merge by which key.
 *
 * - `openapi: {path: schema.json}` (OpenAPI v2 JSON or YAML with `definitions`; resource
 *   types found by `x-kubernetes-group-version-kind`) *replaces* the built-in Kubernetes
 *   schema for every strategic-merge patch of the build: custom resources get merge keys
 *   (`x-kubernetes-patch-strategy: merge`, `x-kubernetes-patch-merge-key`,
 *   `x-kubernetes-list-map-keys`), and built-in kinds the file does not define lose theirs
 *   (their lists are replaced, as Kustomize does). Namespace scoping is not affected.
 * - `openapi: {version: v1.21.2}` names Kustomize 5.5's one built-in schema (the default);
 *   another version is an error; `version` together with `path` is an error.
 * - The setting is global to a build: the root's wins; without one, the first base or
 *   component loaded that has one sets it (Kustomize's first-wins SetSchema). kforge applies
 *   it to the whole build (Kustomize only to the patches applied after that base is loaded).
 *
 * Types are strings like the built-in model names: `OA` + an index into `nodes`.
 */
import type { Diagnostic, Json, JsonObject } from '../types.js';
import type { FileSystem } from '../fs.js';
import type { Kustomization } from '../load/kustomization.js';
import type { MergeInfo } from './merge-keys.js';
import { diag } from '../diagnostics.js';
import { parseYamlDocuments } from '../load/yaml/index.js';
import { displayPath } from '../load/files.js';

/** Kubernetes version of Kustomize 5.5's one built-in schema. */
export const BUILTIN_OPENAPI_VERSION = 'v1.21.2';

const OA = '\u0000oa:';

export interface OpenApiSchema {
  defs: JsonObject;
  /** `apiVersion|kind` → schema node of the resource type. */
  byType: Map<string, JsonObject>;
  nodes: JsonObject[];
  ids: Map<JsonObject, number>;
}

function isObj(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads an OpenAPI v2 document's definitions (none: an empty schema, as Kustomize reads it). */
export function parseOpenApi(doc: Json): OpenApiSchema {
  const defs = isObj(doc) && isObj(doc.definitions) ? doc.definitions : {};
  const s: OpenApiSchema = { defs, byType: new Map(), nodes: [], ids: new Map() };
  for (const name of Object.keys(s.defs).sort()) {
    const d = s.defs[name];
    if (!isObj(d) || !Array.isArray(d['x-kubernetes-group-version-kind'])) continue;
    for (const g of d['x-kubernetes-group-version-kind']) {
      if (!isObj(g) || typeof g.kind !== 'string' || typeof g.version !== 'string') continue;
      const group = typeof g.group === 'string' ? g.group : '';
      s.byType.set(`${group ? `${group}/` : ''}${g.version}|${g.kind}`, d);
    }
  }
  return s;
}

function typeOf(s: OpenApiSchema, node: JsonObject | undefined): string | undefined {
  if (!node) return undefined;
  let id = s.ids.get(node);
  if (id === undefined) {
    id = s.nodes.length;
    s.nodes.push(node);
    s.ids.set(node, id);
  }
  return OA + id;
}

function nodeOf(s: OpenApiSchema, type: string | undefined): JsonObject | undefined {
  if (type === undefined || !type.startsWith(OA)) return undefined;
  return s.nodes[Number(type.slice(OA.length))];
}

/** Follows `$ref: #/definitions/X` (kyaml resolves until there is none). */
function resolve(s: OpenApiSchema, node: Json | undefined): JsonObject | undefined {
  for (let guard = 0; isObj(node) && typeof node.$ref === 'string' && node.$ref !== '' && guard < 64; guard++) {
    const m = /^#\/definitions\/(.+)$/.exec(node.$ref);
    node = m ? s.defs[m[1].replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  }
  return isObj(node) ? node : undefined;
}

/** The schema of a resource type (`apiVersion`, `kind`), as a type string. */
export function oaTypeForResource(s: OpenApiSchema, apiVersion: string, kind: string): string | undefined {
  return typeOf(s, s.byType.get(`${apiVersion}|${kind}`));
}

/** kyaml ResourceSchema.Field: a property, else the additionalProperties schema; $ref resolved. */
function field(s: OpenApiSchema, type: string | undefined, key: string): JsonObject | undefined {
  const n = nodeOf(s, type);
  if (!n) return undefined;
  const props = isObj(n.properties) ? n.properties : undefined;
  if (props && Object.prototype.hasOwnProperty.call(props, key)) return resolve(s, props[key]);
  if (isObj(n.additionalProperties)) return resolve(s, n.additionalProperties);
  return undefined;
}

export function oaFieldType(s: OpenApiSchema, type: string | undefined, key: string): string | undefined {
  return typeOf(s, field(s, type, key));
}

/** kyaml ResourceSchema.Elements: only for `type: array`. */
export function oaElementType(s: OpenApiSchema, type: string | undefined): string | undefined {
  const n = nodeOf(s, type);
  if (!n) return undefined;
  const t = Array.isArray(n.type) ? (n.type.length === 1 ? n.type[0] : undefined) : n.type;
  if (t !== 'array') return undefined;
  return typeOf(s, resolve(s, n.items));
}

/** A list field's merge strategy and keys (kyaml PatchStrategyAndKeyList). */
export function oaListInfo(s: OpenApiSchema, type: string | undefined, key: string): MergeInfo | undefined {
  const f = field(s, type, key);
  const strategy = f?.['x-kubernetes-patch-strategy'];
  if (typeof strategy !== 'string') return undefined;
  const keys = Array.isArray(f!['x-kubernetes-list-map-keys']) ? (f!['x-kubernetes-list-map-keys'] as Json[]).filter((k): k is string => typeof k === 'string') : undefined;
  const mk = f!['x-kubernetes-patch-merge-key'];
  const info: MergeInfo = { strategy: strategy as MergeInfo['strategy'] };
  if (keys && keys.length) {
    info.mergeKey = keys[0];
    if (keys.length > 1) info.listMapKeys = keys;
  } else if (typeof mk === 'string' && mk !== '') info.mergeKey = mk;
  return info;
}

// --- The build's schema (Kustomize's global SetSchema) ----------------------------------

let state: { set: boolean; custom?: OpenApiSchema } = { set: false };

/** Forgets the schema of the previous build (call at the start and the end of a build). */
export function resetBuildSchema(): void {
  state = { set: false };
}

/** The custom schema of the running build, if a kustomization set one. */
export function buildSchema(): OpenApiSchema | undefined {
  return state.custom;
}

/** A kustomization just loaded offers its `openapi`: the root's always counts, a base's only if none is set yet. */
export function offerSchema(k: Kustomization, fs: FileSystem, root: boolean): Diagnostic[] {
  const o = k.openapi;
  if (!o || (state.set && !root)) return [];
  if (o.path !== undefined && o.version !== undefined) {
    return [diag('KF1006', 'openapi has both path and version', { location: o.location, hint: 'Kustomize uses either a schema file (path) or a built-in version, not both' })];
  }
  if (o.path !== undefined) {
    if (o.path === '') return []; // not found or refused: already reported
    const shown = displayPath(o.path);
    const bytes = fs.readFile(o.path);
    const parsed = parseYamlDocuments(bytes ?? new Uint8Array(), shown);
    if (!parsed.value) return parsed.diagnostics;
    state = { set: true, custom: parseOpenApi(parsed.value[0]?.value ?? null) };
    return [];
  }
  if (o.version !== undefined && o.version !== '') {
    if (o.version !== BUILTIN_OPENAPI_VERSION) {
      return [diag('KF1006', `openapi version ${JSON.stringify(o.version)} is not built in`, { location: o.location, hint: `Kustomize 5.5 has one built-in schema: ${BUILTIN_OPENAPI_VERSION}; for other kinds give a schema file with path` })];
    }
    state = { set: true };
  }
  return [];
}
