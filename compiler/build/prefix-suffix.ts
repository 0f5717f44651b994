import type { Diagnostic, JsonObject } from '../types.js';
import type { ResourceMap } from '../resource-map.js';
import type { FieldSpec } from './fieldspec.js';
import { forEachListAwareSpec } from './labels.js';
import { mergeSpecs, NAME_PREFIX_SUFFIX, PREFIX_SUFFIX_SKIP } from '../schema/field-specs.js';

/**
 * namePrefix / nameSuffix. Kustomize v5.5 never renames CustomResourceDefinitions,
 * APIServices (apiregistration.k8s.io) nor Namespaces; every other kind, cluster-scoped
 * or custom, is renamed. Generated objects get the prefix/suffix now; their hash is
 * appended later, at the root. `extra` (user `configurations`) names more fields that get
 * the same prefix and suffix.
 */
export function addPrefixSuffix(resources: ResourceMap, prefix: string | undefined, suffix: string | undefined, extra: FieldSpec[]): Diagnostic[] {
  const p = prefix ?? '';
  const s = suffix ?? '';
  if (p === '' && s === '') return [];
  const specs = mergeSpecs(NAME_PREFIX_SUFFIX, extra);
  for (const r of resources.all()) {
    if (PREFIX_SUFFIX_SKIP.some((k) => k.kind === r.id.kind && (k.group === undefined || k.group === r.id.group))) continue;
    forEachListAwareSpec(r.object, r.id, specs, (spec, parent, key) => {
      const cur = parent[key];
      if (typeof cur === 'string') parent[key] = `${p}${cur}${s}`;
      else if ((cur === undefined || cur === null) && spec.create) parent[key] = `${p}${s}`;
    });
    const meta = r.object.metadata as JsonObject | undefined;
    const newName = meta && typeof meta.name === 'string' ? meta.name : r.id.name;
    if (newName !== r.id.name) {
      r.previousNames.push(r.id.name);
      r.id.name = newName;
    }
    if (p !== '') r.prefixes.push(p);
    if (s !== '') r.suffixes.push(s);
  }
  resources.reindex();
  return [];
}
