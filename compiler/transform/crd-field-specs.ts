/**
 * The other field specs Kustomize's `crds` field reads from OpenAPI definition maps
 * (besides the name references of name-reference.ts): a property carrying the string
 * extension `x-kubernetes-annotation` gets commonAnnotations, `x-kubernetes-label-selector`
 * commonLabels, `x-kubernetes-identity` the name prefix (namePrefix only), at the
 * property's path in that kind (create: false), following `$ref`s as for references.
 */
import type { Json, JsonObject } from '../types.js';
import type { FieldSpec } from './fieldspec.js';

export interface CrdFieldSpecs {
  commonAnnotations: FieldSpec[];
  commonLabels: FieldSpec[];
  namePrefix: FieldSpec[];
}

function isObj(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function propertiesOf(defs: JsonObject, typeName: string): JsonObject | undefined {
  const def = defs[typeName];
  if (!isObj(def)) return undefined;
  const schemaKey = Object.keys(def).find((k) => k.toLowerCase() === 'schema');
  const schema = schemaKey ? def[schemaKey] : undefined;
  return isObj(schema) && isObj(schema.properties) ? schema.properties : undefined;
}

export function fieldSpecsFromCrds(crdObjects: JsonObject[]): CrdFieldSpecs {
  const out: CrdFieldSpecs = { commonAnnotations: [], commonLabels: [], namePrefix: [] };
  const walk = (defs: JsonObject, typeName: string, path: string[], kind: string, depth: number) => {
    if (depth > 32) return;
    const props = propertiesOf(defs, typeName);
    if (!props) return;
    for (const name of Object.keys(props).sort()) {
      const p = props[name];
      if (!isObj(p)) continue;
      const spec: FieldSpec = { kind, path: [...path, name].join('/') };
      if (typeof p['x-kubernetes-annotation'] === 'string') out.commonAnnotations.push(spec);
      if (typeof p['x-kubernetes-label-selector'] === 'string') out.commonLabels.push(spec);
      if (typeof p['x-kubernetes-identity'] === 'string') out.namePrefix.push(spec);
      if (typeof p.$ref === 'string' && p.$ref !== '') walk(defs, p.$ref, [...path, name], kind, depth + 1);
    }
  };
  for (const defs of crdObjects) {
    for (const typeName of Object.keys(defs).sort()) {
      const props = propertiesOf(defs, typeName);
      if (!props || !('kind' in props) || !('apiVersion' in props) || !('metadata' in props)) continue;
      const parts = typeName.split('.');
      walk(defs, typeName, [], parts[parts.length - 1], 0);
    }
  }
  return out;
}
