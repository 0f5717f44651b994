import type { JsonObject, ResId, Resource } from './types.js';
import { resIdKey, splitApiVersion } from './types.js';

/**
 * Insertion-ordered collection of resources, indexed by id key and by kind.
 * No O(n²) scans: index once, look up many times.
 */
export class ResourceMap {
  private items: Resource[] = [];
  private byKey = new Map<string, Resource>();
  private byKindIdx = new Map<string, Resource[]>();

  static of(resources: Iterable<Resource>): ResourceMap {
    const m = new ResourceMap();
    for (const r of resources) m.add(r);
    return m;
  }

  get size(): number {
    return this.items.length;
  }

  all(): readonly Resource[] {
    return this.items;
  }

  [Symbol.iterator](): Iterator<Resource> {
    return this.items[Symbol.iterator]();
  }

  /** Adds a resource; returns the one already present under the same id, if any (and does not add). */
  add(r: Resource): Resource | undefined {
    const key = resIdKey(r.id);
    const existing = this.byKey.get(key);
    if (existing) return existing;
    this.items.push(r);
    this.byKey.set(key, r);
    const k = this.byKindIdx.get(r.id.kind);
    if (k) k.push(r);
    else this.byKindIdx.set(r.id.kind, [r]);
    return undefined;
  }

  get(id: ResId): Resource | undefined {
    return this.byKey.get(resIdKey(id));
  }

  byKind(kind: string): readonly Resource[] {
    return this.byKindIdx.get(kind) ?? [];
  }

  remove(r: Resource): void {
    const i = this.items.indexOf(r);
    if (i >= 0) this.items.splice(i, 1);
    this.reindex();
  }

  replaceAll(resources: Resource[]): void {
    this.items = resources;
    this.reindex();
  }

  /** Rebuilds the indexes after ids changed (namespace, prefix, hash). */
  reindex(): void {
    this.byKey.clear();
    this.byKindIdx.clear();
    for (const r of this.items) {
      this.byKey.set(resIdKey(r.id), r);
      const k = this.byKindIdx.get(r.id.kind);
      if (k) k.push(r);
      else this.byKindIdx.set(r.id.kind, [r]);
    }
  }
}

/** Reads the id from an object's apiVersion, kind, metadata.namespace and metadata.name. */
export function idFromObject(obj: JsonObject): ResId {
  const { group, version } = splitApiVersion(typeof obj.apiVersion === 'string' ? obj.apiVersion : '');
  const meta = (obj.metadata && typeof obj.metadata === 'object' && !Array.isArray(obj.metadata) ? obj.metadata : {}) as JsonObject;
  const ns = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : undefined;
  return {
    group,
    version,
    kind: typeof obj.kind === 'string' ? obj.kind : '',
    ...(ns !== undefined ? { namespace: ns } : {}),
    name: typeof meta.name === 'string' ? meta.name : '',
  };
}
