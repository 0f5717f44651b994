import * as fs from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { JsonObject, Resource, SourceLocation } from '../../compiler/types.js';
import { ResourceMap, idFromObject } from '../../compiler/resource-map.js';
import { fixture } from '../helpers.js';

/** Builds a Resource by hand, as the transform stage would after loading `obj`. */
export function res(obj: JsonObject, extra: Partial<Pick<Resource, 'previousNames' | 'previousNamespaces' | 'prefixes' | 'suffixes'>> & { generated?: boolean } = {}): Resource {
  const id = idFromObject(obj);
  return {
    id,
    originalId: { ...id },
    previousNames: extra.previousNames ?? [],
    previousNamespaces: extra.previousNamespaces ?? [],
    previousIds: [],
    prefixes: extra.prefixes ?? [],
    suffixes: extra.suffixes ?? [],
    object: obj,
    origin: {
      location: loc(1),
      kustomizations: [],
      fieldSources: [],
      ...(extra.generated ? { generated: { kind: 'ConfigMap' as const, behavior: 'create' as const, hashed: true } } : {}),
    },
  };
}

export function loc(line: number, column = 3, file = 'kustomization.yaml'): SourceLocation {
  return { file, line, column };
}

/** The YAML documents of a file, as plain JSON. */
export function loadDocs(file: string): JsonObject[] {
  const text = fs.readFileSync(file, 'utf8');
  return parseAllDocuments(text)
    .map((d) => d.toJSON() as JsonObject | null)
    .filter((d): d is JsonObject => d !== null && typeof d === 'object');
}

export function loadResources(file: string): ResourceMap {
  return ResourceMap.of(loadDocs(file).map((o) => res(o)));
}

export function transformerFixture(name: string, file: string): string {
  return fixture('transformers', name, file);
}

function key(o: JsonObject): string {
  const id = idFromObject(o);
  return `${id.group}/${id.kind}/${id.namespace ?? ''}/${id.name}`;
}

/** Objects sorted by id, for order-insensitive comparison with a golden file. */
export function byId(objs: readonly JsonObject[]): JsonObject[] {
  return [...objs].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
