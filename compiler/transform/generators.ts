import * as path from 'node:path';
import type { FileSystem } from '../fs.js';
import type { Diagnostic, JsonObject, ResId, Resource, SourceLocation } from '../types.js';
import { formatResId, pairOf, plus } from '../types.js';
import { escapeSegment } from '../schema/models.js';
import { diag } from '../diagnostics.js';
import { foldNelDeep, unwritableString } from '../emit/yaml.js';
import { codePointName } from '../load/yaml/index.js';
import { plainKeyProblem } from '../load/yaml/index.js';
import type { ResourceMap } from '../resource-map.js';
import { newResourceRecord } from '../resource-map.js';
import type { GeneratorArgs, GeneratorOptions, Kustomization } from '../load/kustomization.js';
import { displayPath, suggestSibling } from '../load/files.js';
import { ORIGIN_ANNOTATION, originOf, setOriginIfMissing } from './build-metadata.js';
import { outsideRoot } from '../load/restrictor.js';

/**
 * configMapGenerator / secretGenerator, as Kustomize v5.5 runs them (behaviour verified
 * with `kubectl kustomize`):
 *
 *  - literals `k=v`: split at the first `=`; a value wrapped in matching single or double
 *    quotes loses them; `k` or `=v` alone is an error.
 *  - files `path` or `key=path`, relative to the kustomization; the key defaults to the
 *    basename; content that is not valid UTF-8 goes to a ConfigMap's `binaryData`.
 *  - env files: lines left-trimmed, a trailing CR and a leading BOM dropped, blank lines
 *    and `#` comments skipped; the key is everything before the first `=` (trailing
 *    spaces included), the value everything after it (quotes kept). A line without `=`
 *    gives the key an empty value and a line `=v` is skipped: Kustomize accepts both
 *    silently; kforge does the same but warns (KF2004).
 *  - Secret values are base64; base64 longer than 70 characters is wrapped at 70 columns,
 *    each line ending in a newline (binaryData of ConfigMaps too).
 *  - options: labels/annotations of generatorOptions and of the entry are merged (the
 *    entry wins); disableNameSuffixHash and immutable are ORed (a per-entry `false`
 *    cannot undo a kustomization-level `true`).
 *  - merge/replace: the result is the newly generated object, under the old object's
 *    name and namespace, with the old labels/annotations underneath the new ones; `merge`
 *    also keeps the old data keys the new one does not set. Everything else (immutable,
 *    a Secret's type, extra fields of a plain ConfigMap) comes from the new object.
 *    The result is hashed only if the old object was a hashed generated one and the
 *    new entry's options hash too.
 */
/** `origin`, when buildMetadata tracks origins: the origin annotation of what a generator kind makes. */
export function runGenerators(k: Kustomization, resources: ResourceMap, fs: FileSystem, origin?: (kind: Kind) => string): Diagnostic[] {
  const ds: Diagnostic[] = [];
  for (const g of k.configMapGenerator) runOne(k, 'ConfigMap', g, resources, fs, ds, origin, k.generatorOptions);
  for (const g of k.secretGenerator) runOne(k, 'Secret', g, resources, fs, ds, origin, k.generatorOptions);
  return ds;
}

/**
 * A `ConfigMapGenerator` / `SecretGenerator` plugin of `generators:`: as an entry of the
 * kustomization field, except that the kustomization's `generatorOptions` do not apply
 * (Kustomize merges them only into its own fields' entries). `origin`: the origin
 * annotation of what it makes, when buildMetadata tracks origins.
 */
export function runGeneratorPlugin(k: Kustomization, kind: Kind, g: GeneratorArgs, resources: ResourceMap, fs: FileSystem, origin?: string): Diagnostic[] {
  const ds: Diagnostic[] = [];
  runOne(k, kind, g, resources, fs, ds, origin === undefined ? undefined : () => origin, undefined);
  return ds;
}

type Kind = 'ConfigMap' | 'Secret';

export interface Entry {
  key: string;
  /** Raw bytes for files, text otherwise. */
  text?: string;
  bytes?: Uint8Array;
  /** Where the key came from, for collision messages. */
  from: string;
}

function runOne(
  k: Kustomization,
  kind: Kind,
  g: GeneratorArgs,
  rm: ResourceMap,
  fs: FileSystem,
  ds: Diagnostic[],
  origin: ((kind: Kind) => string) | undefined,
  globalOptions: GeneratorOptions | undefined,
): void {
  const field = kind === 'ConfigMap' ? 'configMapGenerator' : 'secretGenerator';
  const before = ds.length;
  const entries = collect(k, g, fs, ds, field);
  if (ds.slice(before).some((d) => d.severity === 'error')) return;

  const opts = mergeOptions(globalOptions, g.options);
  const made = makeObject(kind, g, opts, entries, ds, field);
  if (!made) return;
  // Kustomize writes the keys as plain YAML and reads them back: a key that reads as a
  // number, boolean, null, timestamp or merge key ("1", "true", "null", "0o17",
  // "2001-01-01", "<<") cannot be written.
  for (const field of ['data', 'binaryData']) {
    const m = made[field] as Record<string, string> | undefined;
    for (const key of Object.keys(m ?? {})) {
      const what = plainKeyProblem(key);
      if (!what) continue;
      ds.push(
        diag('KF2002', `${kind === 'ConfigMap' ? 'configMapGenerator' : 'secretGenerator'} "${g.name}": the key "${key}" reads as ${what} once Kustomize writes it`, {
          location: g.location,
          hint: 'Kustomize fails on such keys ("json: unsupported type"); use a key with a letter, e.g. "port-1"',
        }),
      );
      return;
    }
  }
  // Kustomize marshals the generated object through JSON and YAML before hashing it.
  const bad = unwritableString(made);
  if (bad) {
    ds.push(
      diag('KF2002', `${field} "${g.name}": the value at ${bad.pointer} holds the control character ${codePointName(bad.code)}, which Kustomize cannot marshal`, {
        location: g.location,
        hint: 'remove the character (U+007F..U+009F other than U+0085, U+FFFE and U+FFFF cannot be written)',
      }),
    );
    return;
  }
  const obj = foldNelDeep(made) as JsonObject;
  if (origin) setOriginIfMissing(obj, origin(kind));
  const hashed = opts.disableNameSuffixHash !== true;

  if (g.behavior === 'create') {
    const id: ResId = { group: '', version: 'v1', kind, ...(g.namespace ? { namespace: g.namespace } : {}), name: g.name };
    const r = newResourceRecord(obj, { location: g.location, kustomizations: [k.dir], fieldSources: [], generated: { kind, behavior: 'create', hashed } }, id);
    // Kustomize matches every id the resource has had, as (name, namespace) pairs: a base's
    // `cfg` that a prefix or namespace has since changed still takes the name
    const existing = findExisting(rm, kind, g.name, g.namespace)[0] ?? rm.add(r);
    if (existing) {
      const first = existing.origin.location;
      ds.push(
        diag('KF2001', `${field} "${g.name}" creates ${formatResId(id)}, which already exists${existing.id.name !== g.name || existing.id.namespace !== g.namespace ? ` (now ${formatResId(existing.id)})` : ''} (declared at ${first.file}:${first.line})`, {
          location: g.location,
          resource: id,
          notes: [`first declared at ${first.file}:${first.line}:${first.column}`],
          hint: 'to change the existing object use behavior: merge or behavior: replace; otherwise pick another name',
        }),
      );
    }
    return;
  }

  const matches = findExisting(rm, kind, g.name, g.namespace);
  if (matches.length === 0) {
    ds.push(
      diag('KF2003', `${field} "${g.name}" has behavior ${g.behavior}, but no ${kind} "${g.name}"${g.namespace ? ` in namespace ${g.namespace}` : ''} comes from the resources of this kustomization`, {
        location: g.location,
        hint: `list the base that generates it under resources, check the name and namespace, or use behavior: create${k.components.length ? " (a kustomization's generators run before its components: an object a component adds cannot be merged here)" : ''}`,
      }),
    );
    return;
  }
  if (matches.length > 1) {
    ds.push(
      diag('KF2011', `${field} "${g.name}" (behavior ${g.behavior}) matches ${matches.length} objects: ${matches.map((m) => formatResId(m.id)).join(', ')}`, {
        location: g.location,
        hint: 'add namespace: to the generator entry to pick one',
      }),
    );
    return;
  }
  const old = matches[0];
  const oldOrigin = originOf(old.object);
  const oldMeta = metaOf(old.object);
  const newMeta = metaOf(obj);
  newMeta.name = old.id.name;
  if (typeof oldMeta.namespace === 'string') newMeta.namespace = oldMeta.namespace;
  else delete newMeta.namespace;
  for (const f of ['labels', 'annotations'] as const) {
    const merged = { ...dataMapOf(oldMeta[f]), ...dataMapOf(newMeta[f]) };
    if (Object.keys(merged).length) newMeta[f] = merged;
    else delete newMeta[f];
  }
  // a merge keeps the merged object's origin annotation (Kustomize's appendReplaceOrMerge)
  if (g.behavior === 'merge' && oldOrigin !== undefined) (newMeta.annotations as JsonObject)[ORIGIN_ANNOTATION] = oldOrigin;
  if (g.behavior === 'merge') {
    for (const f of ['data', 'binaryData'] as const) {
      // an empty result drops the field (Kustomize's SetDataMap), for Secrets too
      const merged = { ...dataMapOf(old.object[f]), ...dataMapOf(obj[f]) };
      if (Object.keys(merged).length) obj[f] = merged;
      else delete obj[f];
    }
  }
  old.object = obj;
  const wasHashed = old.origin.generated?.hashed === true;
  old.origin.generated = { kind, behavior: g.behavior, hashed: wasHashed && hashed };
  for (const f of ['data', 'binaryData'] as const) {
    for (const key of Object.keys(stringMapOf(obj[f]))) {
      if (g.behavior === 'replace' || key in entriesKeys(entries)) {
        old.origin.fieldSources = plus(old.origin.fieldSources, { pointer: `/${f}/${escapeSegment(key)}`, location: g.location, by: field });
      }
    }
  }
  if (!old.origin.kustomizations.includes(k.dir)) old.origin.kustomizations = plus(old.origin.kustomizations, k.dir);
}

function entriesKeys(entries: Entry[]): Record<string, true> {
  const o: Record<string, true> = {};
  for (const e of entries) o[e.key] = true;
  return o;
}

function nsKey(ns: string | undefined): string {
  return ns === undefined || ns === '' || ns === 'default' ? '' : ns;
}

/**
 * The objects a generator entry names: same kind, and a current, original or previous id
 * whose (name, namespace) pair is the entry's ("" and "default" being one namespace).
 */
function findExisting(rm: ResourceMap, kind: Kind, name: string, namespace: string | undefined): Resource[] {
  const want = nsKey(namespace);
  return rm.byAnyName(name).filter((r) => {
    if (r.id.kind !== kind || r.id.group !== '') return false;
    return [pairOf(r.id), pairOf(r.originalId), ...r.previousIds].some((p) => p.name === name && nsKey(p.namespace) === want);
  });
}

export function mergeOptions(global: GeneratorOptions | undefined, local: GeneratorOptions | undefined): GeneratorOptions {
  const out: GeneratorOptions = {};
  const labels = { ...(global?.labels ?? {}), ...(local?.labels ?? {}) };
  const annotations = { ...(global?.annotations ?? {}), ...(local?.annotations ?? {}) };
  if (Object.keys(labels).length) out.labels = labels;
  if (Object.keys(annotations).length) out.annotations = annotations;
  // Observed: a kustomization-level true wins over a per-entry false.
  if (global?.disableNameSuffixHash || local?.disableNameSuffixHash) out.disableNameSuffixHash = true;
  if (global?.immutable || local?.immutable) out.immutable = true;
  return out;
}

function makeObject(kind: Kind, g: GeneratorArgs, opts: GeneratorOptions, entries: Entry[], ds: Diagnostic[], field: string): JsonObject | undefined {
  const data: Record<string, string> = {};
  const binaryData: Record<string, string> = {};
  const seen = new Map<string, string>();
  for (const e of entries) {
    const prev = seen.get(e.key);
    if (prev !== undefined) {
      ds.push(
        diag('KF2005', `${field} "${g.name}" sets the key "${e.key}" twice (${prev} and ${e.from})`, {
          // Point at the second definition when it is a line of an env file.
          location: /^(.+):(\d+)$/.test(e.from) ? { file: e.from.replace(/:\d+$/, ''), line: Number(/:(\d+)$/.exec(e.from)![1]), column: 1 } : g.location,
          notes: [`generator entry at ${g.location.file}:${g.location.line}:${g.location.column}`],
          hint: 'each key may come from only one literal, file or env line; rename one with key=path',
        }),
      );
      return undefined;
    }
    seen.set(e.key, e.from);
    if (kind === 'Secret') {
      data[e.key] = wrap70(base64(e.bytes ?? new TextEncoder().encode(e.text ?? '')));
    } else if (e.bytes) {
      const text = utf8(e.bytes);
      if (text === undefined) binaryData[e.key] = wrap70(base64(e.bytes));
      else data[e.key] = text;
    } else data[e.key] = e.text ?? '';
  }
  const metadata: JsonObject = { name: g.name };
  if (g.namespace) metadata.namespace = g.namespace;
  if (opts.labels) metadata.labels = { ...opts.labels };
  if (opts.annotations) metadata.annotations = { ...opts.annotations };
  const obj: JsonObject = { apiVersion: 'v1', kind, metadata };
  if (Object.keys(data).length || kind === 'Secret') obj.data = data;
  if (Object.keys(binaryData).length) obj.binaryData = binaryData;
  if (opts.immutable) obj.immutable = true;
  if (kind === 'Secret') obj.type = g.type || 'Opaque';
  return obj;
}

function collect(k: Kustomization, g: GeneratorArgs, fs: FileSystem, ds: Diagnostic[], field: string): Entry[] {
  const out: Entry[] = [];
  for (const lit of g.literals) {
    const eq = lit.indexOf('=');
    if (eq <= 0) {
      ds.push(
        // The literal itself is not repeated: it may be a credential.
        diag('KF2002', `${field} "${g.name}": literal ${g.literals.indexOf(lit) + 1} is not KEY=VALUE${eq === 0 ? ' (it has no key)' : ' (it has no "=")'}`, {
          location: g.location,
          hint: 'write literals as KEY=VALUE',
        }),
      );
      continue;
    }
    out.push({ key: lit.slice(0, eq), text: stripQuotes(lit.slice(eq + 1)), from: `literal "${lit.slice(0, eq)}"` });
  }
  for (const [fi, f] of g.files.entries()) {
    const at = g.fileLocations?.[fi] ?? g.location; // the entry, where the user writes the fix
    const eq = f.indexOf('=');
    if (eq >= 0 && f.indexOf('=', eq + 1) >= 0) {
      ds.push(diag('KF2002', `${field} "${g.name}": "${f}" has more than one "="; key names and file paths cannot contain "="`, { location: at, hint: 'rename the file, or write key=path with a key and a path without "="' }));
      continue;
    }
    let key: string;
    let rel: string;
    if (eq >= 0) {
      key = f.slice(0, eq);
      rel = f.slice(eq + 1);
      if (key === '') {
        ds.push(diag('KF2002', `${field} "${g.name}": missing key name for file "${rel}" in "${f}"`, { location: at, hint: 'write key=path or just path' }));
        continue;
      }
      if (rel === '') {
        ds.push(diag('KF2002', `${field} "${g.name}": missing file path in "${f}"`, { location: at, hint: 'write key=path or just path' }));
        continue;
      }
    } else {
      rel = f;
      key = path.posix.basename(f);
    }
    const bytes = readLocal(k, rel, fs, ds, at);
    if (!bytes) continue;
    out.push({ key, bytes, from: `file "${rel}"` });
  }
  for (const [ei, envFile] of g.envs.entries()) {
    const bytes = readLocal(k, envFile, fs, ds, g.envLocations?.[ei] ?? g.location);
    if (!bytes) continue;
    const text = utf8(bytes);
    const shown = displayPath(path.resolve(k.dir, envFile));
    if (text === undefined) {
      ds.push(diag('KF1011', `env file ${shown} is not valid UTF-8 text`, { location: { file: shown, line: firstBadUtf8Line(bytes), column: 1 }, notes: [`listed at ${g.location.file}:${g.location.line}:${g.location.column}`], hint: 'save the file as UTF-8' }));
      continue;
    }
    out.push(...parseEnvFile(text, shown, ds));
  }
  return out;
}

/** Parses an env file as Kustomize does; warnings (KF2004) for lines Kustomize accepts oddly. */
export function parseEnvFile(text: string, file: string, ds: Diagnostic[]): Entry[] {
  const out: Entry[] = [];
  const body = text.startsWith('\ufeff') ? text.slice(1) : text;
  const lines = body.split('\n');
  lines.forEach((raw, i) => {
    const noCr = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    // Go's unicode.IsSpace: NEL (U+0085) is a space, a BOM (U+FEFF) past the first line is not
    const line = noCr.replace(/^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/, '');
    if (line === '' || line.startsWith('#')) return;
    const col = noCr.length - line.length + 1;
    const location: SourceLocation = { file, line: i + 1, column: col };
    const eq = line.indexOf('=');
    if (eq < 0) {
      ds.push(
        // The line is not repeated: in a secretGenerator it may be the secret itself.
        diag('KF2004', `env file line ${i + 1} has no "=": Kustomize makes the whole line a key with an empty value`, {
          severity: 'warning',
          location,
          hint: 'write KEY= for an empty value, or KEY=VALUE',
        }),
      );
      out.push({ key: line, text: '', from: `${file}:${i + 1}` });
      return;
    }
    if (eq === 0) {
      ds.push(
        diag('KF2004', `env file line ${i + 1} has no key: Kustomize skips it`, {
          severity: 'warning',
          location,
          hint: 'write KEY=VALUE, or delete the line',
        }),
      );
      return;
    }
    out.push({ key: line.slice(0, eq), text: line.slice(eq + 1), from: `${file}:${i + 1}` });
  });
  return out;
}

function readLocal(k: Kustomization, rel: string, fs: FileSystem, ds: Diagnostic[], where: SourceLocation): Uint8Array | undefined {
  const abs = path.resolve(k.dir, rel);
  const kind = fs.stat(abs);
  if (kind === undefined) {
    ds.push(diag('KF1002', `file "${rel}" not found (looked for ${displayPath(abs)})`, { location: where, hint: suggestSibling(fs, abs) }));
    return undefined;
  }
  if (kind === 'dir') {
    ds.push(diag('KF1006', `"${rel}" is a directory; a generator source must be a file`, { location: where, hint: 'list each file of the directory' }));
    return undefined;
  }
  const real = fs.realPath(abs) ?? abs;
  const root = fs.realPath(k.dir) ?? k.dir;
  if (outsideRoot(fs, real, root)) {
    ds.push(
      diag('KF1008', `file "${rel}" is outside the kustomization root ${displayPath(root)}`, {
        location: where,
        hint: 'move the file under the kustomization directory',
      }),
    );
    return undefined;
  }
  const bytes = fs.readFile(abs);
  if (!bytes) {
    ds.push(diag('KF1002', `cannot read ${displayPath(abs)}`, { location: where }));
    return undefined;
  }
  return bytes;
}

function stripQuotes(v: string): string {
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) return v.slice(1, -1);
  return v;
}

function utf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/** Kustomize wraps base64 longer than 70 characters into 70-column lines, each ending in "\n". */
export function wrap70(b64: string): string {
  if (b64.length <= 70) return b64;
  let out = '';
  for (let i = 0; i < b64.length; i += 70) out += b64.slice(i, i + 70) + '\n';
  return out;
}

function metaOf(obj: JsonObject): JsonObject {
  const m = obj.metadata;
  if (m && typeof m === 'object' && !Array.isArray(m)) return m;
  const fresh: JsonObject = {};
  obj.metadata = fresh;
  return fresh;
}

/**
 * A data, labels or annotations map as Kustomize reads it for a merge: every value as its
 * scalar text (`8080` → "8080", `true` → "true", null → ""; a YAML float's text is not kept,
 * so `1.50` becomes "1.5"), a nested map or list as "".
 */
function dataMapOf(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      out[k] = typeof x === 'string' ? x : typeof x === 'number' || typeof x === 'boolean' ? String(x) : '';
    }
  }
  return out;
}

function stringMapOf(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (typeof x === 'string') out[k] = x;
  }
  return out;
}

/** The 1-based line of the first byte sequence that is not valid UTF-8. */
export function firstBadUtf8Line(bytes: Uint8Array): number {
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      if (utf8(bytes.subarray(start, i)) === undefined) return line;
      line++;
      start = i + 1;
    }
  }
  return 1;
}
