import type { Diagnostic, Json, JsonObject, Resource } from '../types.js';
import { diag } from '../diagnostics.js';
import type { ResourceMap } from '../resource-map.js';
import type { ImageEntry } from '../load/kustomization.js';
import type { FieldSpec } from './fieldspec.js';
import { forEachListAwareSpec } from './labels.js';
import { IMAGE_CONTAINER_LIST_KEYS, IMAGES, mergeSpecs } from '../schema/field-specs.js';

/**
 * `images:` (observed with kustomize v5.5, case 09 and fixtures):
 * - an entry's `name` matches an image that is exactly that name, optionally followed by
 *   `:tag` and/or `@digest` (`redis` does not match `redis/redisinsight` nor
 *   `docker.io/redis`; `nginx:1.0` matches only `nginx:1.0`);
 * - newName replaces the name and keeps the tag and digest; newTag drops a digest; digest
 *   drops the tag; newTag and digest together give `name:tag@digest`;
 * - images are found in `containers` / `initContainers` lists at any depth of any object
 *   (not `ephemeralContainers`), plus the field specs (built-in and `configurations`);
 * - entries run one after another; an entry that matches nothing is skipped silently.
 */
export function applyImages(resources: ResourceMap, images: ImageEntry[], extra: FieldSpec[]): Diagnostic[] {
  return applyImagesWith(resources, images, mergeSpecs(IMAGES, extra));
}

/**
 * The images transformer with its field specs as given (an `ImageTagTransformer` plugin
 * uses its own `fieldSpecs`, no defaults): `containers`/`initContainers` lists at any depth
 * are searched whatever the specs.
 */
export function applyImagesWith(resources: ResourceMap, images: ImageEntry[], specs: readonly FieldSpec[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  // Entries indexed by the image name they match (without tag/digest), in order, so each
  // image field is compared only with the entries that can match it: linear in the
  // number of fields, not fields × entries.
  const byName = new Map<string, { index: number; entry: ImageEntry; re: RegExp }[]>();
  images.forEach((entry, index) => {
    if (!entry.name) {
      out.push(diag('KF2009', 'images entry without a name', { location: entry.location, hint: 'give the image name as written in the containers, e.g. `name: nginx`' }));
      return;
    }
    const base = splitImage(entry.name).name;
    const list = byName.get(base);
    const item = { index, entry, re: imageMatcher(entry.name) };
    if (list) list.push(item);
    else byName.set(base, [item]);
  });
  if (byName.size === 0) return out;
  for (const r of resources.all()) {
    for (const t of imageFields(r, specs)) {
      let cur = t.parent[t.key];
      if (typeof cur !== 'string') continue;
      // Entries run one after another: a later entry sees what an earlier one wrote.
      let pos = 0;
      for (;;) {
        const cands = byName.get(splitImage(cur).name);
        const hit: { index: number; entry: ImageEntry; re: RegExp } | undefined = cands?.find((c) => c.index >= pos && c.re.test(cur as string));
        if (!hit) break;
        cur = updateImage(cur, hit.entry);
        t.parent[t.key] = cur;
        r.origin.fieldSources.push({ pointer: t.pointer, location: hit.entry.location, by: 'images' });
        pos = hit.index + 1;
      }
    }
  }
  return out;
}

interface Field {
  parent: JsonObject;
  key: string;
  pointer: string;
}

function isObj(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every `image` field of a resource, each once. */
function imageFields(r: Resource, specs: readonly FieldSpec[]): Field[] {
  const seen = new Map<JsonObject, Set<string>>();
  const fields: Field[] = [];
  const add = (parent: JsonObject, key: string, pointer: string) => {
    let s = seen.get(parent);
    if (!s) seen.set(parent, (s = new Set()));
    if (s.has(key)) return;
    s.add(key);
    fields.push({ parent, key, pointer });
  };
  const walk = (node: Json, ptr: string) => {
    if (Array.isArray(node)) {
      node.forEach((v, i) => walk(v, `${ptr}/${i}`));
      return;
    }
    if (!isObj(node)) return;
    for (const [k, v] of Object.entries(node)) {
      const p = `${ptr}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (IMAGE_CONTAINER_LIST_KEYS.includes(k) && Array.isArray(v)) {
        v.forEach((item, i) => {
          if (isObj(item) && item.image !== undefined) add(item, 'image', `${p}/${i}/image`);
        });
      }
      walk(v, p);
    }
  };
  walk(r.object, '');
  forEachListAwareSpec(r.object, r.id, specs, (_spec, parent, key, pointer) => {
    if (parent[key] !== undefined) add(parent, key, pointer);
  });
  return fields;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const matcherCache = new Map<string, RegExp>();
export function imageMatcher(name: string): RegExp {
  let re = matcherCache.get(name);
  if (!re) {
    re = new RegExp(`^${escapeRe(name)}(:[A-Za-z0-9_.{}-]*)?(@[A-Za-z0-9+._-]+:[A-Za-z0-9=_-]+)?$`);
    matcherCache.set(name, re);
  }
  return re;
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

export function updateImage(image: string, entry: Pick<ImageEntry, 'newName' | 'newTag' | 'digest'>): string {
  const cur = splitImage(image);
  const name = entry.newName || cur.name;
  let tag = cur.tag;
  let digest = cur.digest;
  if (entry.newTag || entry.digest) {
    tag = entry.newTag || undefined;
    digest = entry.digest || undefined;
  }
  return `${name}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
}
