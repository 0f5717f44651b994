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
  /** Every name a resource has had (current, original, previous) → resources. Built lazily. */
  private byNameIdx: Map<string, Resource[]> | undefined;
  /** Ids changed since the indexes were built (reindex): they are rebuilt when next used. */
  private stale = false;

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
    if (this.stale) this.rebuild();
    const key = resIdKey(r.id);
    const existing = this.byKey.get(key);
    if (existing) return existing;
    this.items.push(r);
    this.byKey.set(key, r);
    const k = this.byKindIdx.get(r.id.kind);
    if (k) k.push(r);
    else this.byKindIdx.set(r.id.kind, [r]);
    if (this.byNameIdx) this.indexNames(r);
    return undefined;
  }

  private indexNames(r: Resource): void {
    const idx = this.byNameIdx!;
    const names = new Set([r.id.name, r.originalId.name, ...r.previousNames]);
    for (const n of names) {
      const l = idx.get(n);
      if (l) l.push(r);
      else idx.set(n, [r]);
    }
  }

  /**
   * Resources that have, or once had, this name (current, original or an intermediate
   * one), in insertion order. Patches, generators and selectors naming a resource use it
   * so that N patches over N resources cost N look-ups, not N² comparisons.
   */
  byAnyName(name: string): readonly Resource[] {
    if (this.stale) this.rebuild();
    if (!this.byNameIdx) {
      this.byNameIdx = new Map();
      for (const r of this.items) this.indexNames(r);
    }
    return this.byNameIdx.get(name) ?? [];
  }

  get(id: ResId): Resource | undefined {
    if (this.stale) this.rebuild();
    return this.byKey.get(resIdKey(id));
  }

  byKind(kind: string): readonly Resource[] {
    if (this.stale) this.rebuild();
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

  /**
   * The indexes are to be rebuilt after ids changed (namespace, prefix, hash): they are, at
   * their next use (transformers that run one after another rebuild them once).
   */
  reindex(): void {
    this.stale = true;
    this.byNameIdx = undefined;
  }

  private rebuild(): void {
    this.stale = false;
    this.byKey.clear();
    this.byKindIdx.clear();
    this.byNameIdx = undefined;
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

/** A resource as it enters a build (read from a file or generated): no renaming history yet. */
export function newResourceRecord(object: JsonObject, origin: Resource['origin'], id: ResId = idFromObject(object)): Resource {
  return { id, originalId: { ...id }, previousNames: [], previousNamespaces: [], previousIds: [], prefixes: [], suffixes: [], object, origin };
}
