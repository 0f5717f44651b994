import { pairOf } from '../types.js';
import type { Diagnostic, JsonObject } from '../types.js';
import type { ResourceMap } from '../resource-map.js';
import type { FieldSpec } from './fieldspec.js';
import { forEachListAwareSpec } from './labels.js';
import { mergeSpecs, NAME_PREFIX_SUFFIX, PREFIX_SUFFIX_SKIP } from '../schema/field-specs.js';

/**
 * namePrefix / nameSuffix. Kustomize v5.5 never renames CustomResourceDefinitions,
 * APIServices (apiregistration.k8s.io) nor Namespaces; every other kind, cluster-scoped
 * or custom, is renamed. Generated objects get the prefix/suffix now; their hash is
 * appended later, at the root. `configurations` add fields: its `namePrefix` specs get the
 * prefix only and its `nameSuffix` specs the suffix only (Kustomize runs a prefix and a
 * suffix transformer, each with its own field specs).
 */
export function addPrefixSuffix(
  resources: ResourceMap,
  prefix: string | undefined,
  suffix: string | undefined,
  extra: { prefix: FieldSpec[]; suffix: FieldSpec[] },
): Diagnostic[] {
  const p = prefix ?? '';
  const s = suffix ?? '';
  if (p === '' && s === '') return [];
  const prefixSpecs = p === '' ? [] : mergeSpecs(NAME_PREFIX_SUFFIX, extra.prefix);
  const suffixSpecs = s === '' ? [] : mergeSpecs(NAME_PREFIX_SUFFIX, extra.suffix);
  for (const r of resources.all()) {
    if (PREFIX_SUFFIX_SKIP.some((k) => k.kind === r.id.kind && (k.group === undefined || k.group === r.id.group))) continue;
    for (const [specs, add] of [
      [prefixSpecs, (v: string) => `${p}${v}`],
      [suffixSpecs, (v: string) => `${v}${s}`],
    ] as const) {
      forEachListAwareSpec(r.object, r.id, specs, (spec, parent, key) => {
        const cur = parent[key];
        if (typeof cur === 'string') parent[key] = add(cur);
        else if ((cur === undefined || cur === null) && spec.create) parent[key] = add('');
      });
    }
    const meta = r.object.metadata as JsonObject | undefined;
    const newName = meta && typeof meta.name === 'string' ? meta.name : r.id.name;
    if (newName !== r.id.name) {
      r.previousNames.push(r.id.name);
      r.previousIds.push(pairOf(r.id));
      r.id.name = newName;
    }
    if (p !== '') r.prefixes.push(p);
    if (s !== '') r.suffixes.push(s);
  }
  resources.reindex();
  return [];
}
