import { formatResId, pairOf } from '../types.js';
import type { Diagnostic, JsonObject, SourceLocation } from '../types.js';
import { diag } from '../diagnostics.js';
import type { ResourceMap } from '../resource-map.js';
import type { FieldSpec } from './fieldspec.js';
import { fieldSpecMatches } from './fieldspec.js';
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
  return addPrefixSuffixWith(resources, {
    prefix: p,
    suffix: s,
    prefixSpecs: p === '' ? [] : mergeSpecs(NAME_PREFIX_SUFFIX, extra.prefix),
    suffixSpecs: s === '' ? [] : mergeSpecs(NAME_PREFIX_SUFFIX, extra.suffix),
  });
}

/**
 * The prefix and suffix transformers with their field specs as given (the
 * `PrefixTransformer`, `SuffixTransformer` and `PrefixSuffixTransformer` plugins): each
 * spec gets the prefix (or suffix) added to its field, created as just the prefix where the
 * spec says so. The resource counts as renamed (for name references) only when a spec of
 * path `metadata/name` matches it. Kinds are matched on the resource's original id.
 */
export function addPrefixSuffixWith(
  resources: ResourceMap,
  o: { prefix: string; suffix: string; prefixSpecs: readonly FieldSpec[]; suffixSpecs: readonly FieldSpec[]; location?: SourceLocation },
): Diagnostic[] {
  const { prefix: p, suffix: s } = o;
  const errors: Diagnostic[] = [];
  for (const r of resources.all()) {
    if (PREFIX_SUFFIX_SKIP.some((k) => k.kind === r.originalId.kind && (k.group === undefined || k.group === r.originalId.group))) continue;
    for (const [what, specs, affix, add, marks] of [
      ['prefix', o.prefixSpecs, p, (v: string) => `${p}${v}`, r.prefixes],
      ['suffix', o.suffixSpecs, s, (v: string) => `${v}${s}`, r.suffixes],
    ] as const) {
      const own = specs.filter((spec) => fieldSpecMatches(spec, r.originalId));
      if (own.length === 0) continue;
      forEachListAwareSpec(r.object, r.originalId, own, (spec, parent, key, pointer) => {
        const cur = parent[key];
        if (typeof cur === 'string') parent[key] = add(cur);
        else if ((cur === undefined || cur === null) && spec.create) parent[key] = add('');
        else if (cur !== null && typeof cur === 'object' && errors.length === 0) {
          // Kustomize: "wrong node kind: expected ScalarNode"
          errors.push(
            diag('KF2013', `a name ${what} field spec reaches ${Array.isArray(cur) ? 'a list' : 'a map'} at ${pointer} of ${formatResId(r.id)}`, {
              ...(o.location ? { location: o.location } : {}),
              resource: r.id,
              hint: 'prefix and suffix field specs must point at a string field',
            }),
          );
        }
      });
      if (affix !== '' && own.some((spec) => spec.path === 'metadata/name')) marks.push(affix);
      // after each step, as Kustomize stores the id: the prefixed-only name stays a known one
      const meta = r.object.metadata as JsonObject | undefined;
      const newName = meta && typeof meta.name === 'string' ? meta.name : r.id.name;
      if (newName !== r.id.name) {
        r.previousNames.push(r.id.name);
        r.previousIds.push(pairOf(r.id));
        r.id.name = newName;
      }
    }
  }
  resources.reindex();
  return errors;
}
