import type { Diagnostic, Json, JsonObject, Resource } from '../types.js';
import { plus } from '../types.js';
import { escapeSegment } from '../schema/models.js';
import { diag } from '../diagnostics.js';
import type { ResourceMap } from '../resource-map.js';
import type { ImageEntry } from '../load/kustomization.js';
import type { FieldSpec } from './fieldspec.js';
import { forEachListAwareSpec } from './labels.js';
import { cachedRegex } from './select.js';
import type { SpecInput } from '../schema/field-specs.js';
import { IMAGE_CONTAINER_LIST_KEYS, IMAGES, resolveSpecs } from '../schema/field-specs.js';

/**
 * `images:` (observed with kustomize v5.5, case 09 and fixtures):
 * - an entry's `name` matches an image that is exactly that name, optionally followed by
 *   `:tag` and/or `@sha256:digest` (`redis` does not match `redis/redisinsight` nor
 *   `docker.io/redis`; `nginx:1.0` matches only `nginx:1.0`);
 * - newName replaces the name and keeps the tag and digest; newTag drops a digest; digest
 *   drops the tag; newTag and digest together give `name:tag@digest`; otherwise tagSuffix
 *   is appended to the tag (and drops a digest);
 * - each entry runs twice, as Kustomize's two filters: once on `containers` /
 *   `initContainers` lists at any depth of any object (not `ephemeralContainers`), then on
 *   the field specs (built-in and `configurations`). Only tagSuffix shows it: an image a
 *   field spec reaches too (pod specs of workloads) gets the suffix twice, as in Kustomize;
 * - CustomResourceDefinitions are never touched;
 * - entries run one after another; an entry that matches nothing is skipped silently.
 */
export function applyImages(resources: ResourceMap, images: ImageEntry[], extra: SpecInput): Diagnostic[] {
  return applyImagesWith(resources, images, resolveSpecs(IMAGES, extra));
}

/**
 * The images transformer with its field specs as given (an `ImageTagTransformer` plugin
 * uses its own `fieldSpecs`, no defaults): `containers`/`initContainers` lists at any depth
 * are searched whatever the specs.
 */
export function applyImagesWith(resources: ResourceMap, images: ImageEntry[], specs: readonly FieldSpec[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  // Entries are indexed so each image field is compared only with the entries that can
  // match it: linear in the number of fields, not fields × entries.
  // Kustomize puts the name into its pattern unescaped, so a `.` matches any character:
  // a name whose only pattern characters are dots (a registry host) is indexed by its
  // other characters at their positions; a name with other pattern characters is tried
  // on every image.
  type Item = { index: number; entry: ImageEntry; re: { test(image: string): boolean } };
  const push = <K>(m: Map<K, Item[]>, k: K, item: Item) => {
    const list = m.get(k);
    if (list) list.push(item);
    else m.set(k, [item]);
  };
  const byName = new Map<string, Item[]>();
  const dotted = new Map<string, { len: number; dots: number[]; byKey: Map<string, Item[]> }>();
  const patterns: Item[] = [];
  images.forEach((entry, index) => {
    if (!entry.name) {
      // Kustomize matches no image with an empty name and builds on, silently
      out.push(diag('KF2009', 'images entry without a name: it changes nothing', { severity: 'warning', location: entry.location, hint: 'give the image name as written in the containers, e.g. `name: nginx`' }));
      return;
    }
    const literal = LITERAL_NAME.test(entry.name);
    const re = literal ? literalMatcher(entry.name) : imageMatcher(entry.name);
    if (!re) return;
    const item = { index, entry, re };
    if (/^[A-Za-z0-9_/:@-]*$/.test(entry.name)) push(byName, splitImage(entry.name).name, item);
    else if (literal) {
      const dots: number[] = [];
      for (let i = entry.name.indexOf('.'); i >= 0; i = entry.name.indexOf('.', i + 1)) dots.push(i);
      const shape = `${entry.name.length}:${dots.join(',')}`;
      let g = dotted.get(shape);
      if (!g) dotted.set(shape, (g = { len: entry.name.length, dots, byKey: new Map() }));
      push(g.byKey, undotted(entry.name, dots), item);
    } else patterns.push(item);
  });
  if (byName.size === 0 && dotted.size === 0 && patterns.length === 0) return out;
  /** The first entry at or after `pos` that matches `image`. */
  const next = (image: string, pos: number): Item | undefined => {
    let best: Item | undefined;
    const consider = (list: readonly Item[] | undefined) => {
      const hit = list?.find((c) => c.index >= pos && (best === undefined || c.index < best.index) && c.re.test(image));
      if (hit) best = hit;
    };
    consider(byName.get(splitImage(image).name));
    for (const g of dotted.values()) if (image.length >= g.len) consider(g.byKey.get(undotted(image.slice(0, g.len), g.dots)));
    consider(patterns);
    return best;
  };
  for (const r of resources.all()) {
    if (r.id.kind === 'CustomResourceDefinition') continue;
    for (const t of imageFields(r, specs)) {
      let cur = t.parent[t.key];
      if (typeof cur !== 'string') continue;
      // Entries run one after another: a later entry sees what an earlier one wrote.
      let pos = 0;
      for (;;) {
        const hit = next(cur, pos);
        if (!hit) break;
        cur = updateImage(cur, hit.entry);
        // The field-spec passes of the same entry see the result of the walk.
        for (let i = 1; i < t.passes && hit.re.test(cur); i++) cur = updateImage(cur, hit.entry);
        t.parent[t.key] = cur;
        r.origin.fieldSources = plus(r.origin.fieldSources, { pointer: t.pointer, location: hit.entry.location, by: 'images' });
        pos = hit.index + 1;
      }
    }
  }
  return out;
}

/** A name with no pattern character but `.`: matched without a regular expression (literalMatcher). */
const LITERAL_NAME = /^[A-Za-z0-9_/:@.-]*$/;
/** What may follow the name in imageMatcher's pattern. */
const TAG_DIGEST = /^(?::[A-Za-z0-9_.{}-]*)?(?:@sha256:[A-Za-z0-9_.{}-]*)?$/;

/**
 * imageMatcher's pattern for a name of LITERAL_NAME characters, without compiling one
 * regular expression per entry: the name holds no quantifier or group, so it matches exactly
 * its length of the image, character for character, a `.` any character but a line
 * terminator (as `.` in a regular expression without the `s` flag), and the rest is the
 * optional tag and digest.
 */
export function literalMatcher(name: string): { test(image: string): boolean } {
  const n = name.length;
  return {
    test(image: string): boolean {
      if (image.length < n) return false;
      for (let i = 0; i < n; i++) {
        const c = name.charCodeAt(i);
        const d = image.charCodeAt(i);
        if (c === 46 /* . */) {
          if (d === 10 || d === 13 || d === 0x2028 || d === 0x2029) return false;
        } else if (c !== d) return false;
      }
      return image.length === n || TAG_DIGEST.test(image.slice(n));
    },
  };
}

/** `s` without the characters at `dots` (the positions a dotted image name leaves open). */
function undotted(s: string, dots: readonly number[]): string {
  let out = '';
  let from = 0;
  for (const d of dots) {
    out += s.slice(from, d);
    from = d + 1;
  }
  return out + s.slice(from);
}

interface Field {
  parent: JsonObject;
  key: string;
  pointer: string;
  /** How many times the entry runs on it: the container-list walk, and each field spec reaching it. */
  passes: number;
}

function isObj(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Every `image` field of a resource, each once, with how many of the two passes reach it.
 * (This runs over every node of every resource: it allocates nothing for a node without an
 * image, and a resource has few image fields, so a field reached again is found by a scan.)
 */
function imageFields(r: Resource, specs: readonly FieldSpec[]): Field[] {
  const fields: Field[] = [];
  containerImages(r.object, [], fields);
  forEachListAwareSpec(r.object, r.id, specs, (parent, key, pointer) => {
    if (parent[key] === undefined) return;
    const had = fields.find((f) => f.parent === parent && f.key === key);
    if (had) had.passes++;
    else fields.push({ parent, key, pointer, passes: 1 });
  });
  return fields;
}

/**
 * The first pass: the `image` of each element of a `containers`/`initContainers` list at any
 * depth. `path` holds the keys down to `node`, made a JSON pointer only for an image found.
 */
function containerImages(node: JsonObject | Json[], path: string[], fields: Field[]): void {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const v = node[i];
      if (v === null || typeof v !== 'object') continue;
      path.push(String(i));
      containerImages(v, path, fields);
      path.pop();
    }
    return;
  }
  for (const k in node) {
    const v = node[k];
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v) && IMAGE_CONTAINER_LIST_KEYS.includes(k)) {
      for (let i = 0; i < v.length; i++) {
        const item = v[i];
        // (an object reached twice, were it ever shared within a resource, counts once)
        if (isObj(item) && item.image !== undefined && !fields.some((f) => f.parent === item)) fields.push({ parent: item, key: 'image', pointer: pointerOf(path, k, String(i), 'image'), passes: 1 });
      }
    }
    path.push(k);
    containerImages(v, path, fields);
    path.pop();
  }
}

function pointerOf(path: readonly string[], ...more: string[]): string {
  let out = '';
  for (const k of path) out += `/${escapeSegment(k)}`;
  for (const k of more) out += `/${escapeSegment(k)}`;
  return out;
}

/**
 * Kustomize's pattern `^<name>(:tag)?(@sha256:digest)?$`, with the name as written (a `.`
 * matches any character); null when the name is not a valid pattern (it matches nothing).
 */
export function imageMatcher(name: string): RegExp | null {
  return cachedRegex(`^${name}(:[A-Za-z0-9_.{}-]*)?(@sha256:[A-Za-z0-9_.{}-]*)?$`);
}

/** Splits an image into name, tag and digest; a `:` before the first `/` is a registry port. */
export function splitImage(image: string): { name: string; tag?: string; digest?: string } {
  const slash = image.indexOf('/');
  const start = slash > 0 ? slash : 0;
  const rest = image.slice(start);
  const at = rest.indexOf('@');
  const colon = rest.indexOf(':');
  if (at < 0 && colon < 0) return { name: image };
  if (at >= 0 && (colon < 0 || at < colon)) return { name: image.slice(0, start + at), digest: image.slice(start + at + 1) };
  if (at >= 0) return { name: image.slice(0, start + colon), tag: image.slice(start + colon + 1, start + at), digest: image.slice(start + at + 1) };
  return { name: image.slice(0, start + colon), tag: image.slice(start + colon + 1) };
}

export function updateImage(image: string, entry: Pick<ImageEntry, 'newName' | 'newTag' | 'digest' | 'tagSuffix'>): string {
  const cur = splitImage(image);
  const name = entry.newName || cur.name;
  let tag = cur.tag;
  let digest = cur.digest;
  if (entry.newTag || entry.digest) {
    tag = entry.newTag || undefined;
    digest = entry.digest || undefined;
  } else if (entry.tagSuffix) {
    tag = `${tag ?? ''}${entry.tagSuffix}`;
    digest = undefined;
  }
  return `${name}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
}
