import { formatResId, pairOf, plus, storePreviousId } from '../types.js';
import type { Diagnostic, JsonObject, Resource, SourceLocation } from '../types.js';
import { diag } from '../diagnostics.js';
import type { ResourceMap } from '../resource-map.js';
import type { FieldSpec } from './fieldspec.js';
import { fieldSpecMatches } from './fieldspec.js';
import { forEachListAwareSpec } from './labels.js';
import type { SpecInput } from '../schema/field-specs.js';
import { NAME_PREFIX_SUFFIX, PREFIX_SUFFIX_SKIP, resolveSpecs } from '../schema/field-specs.js';

/**
 * namePrefix / nameSuffix, as Kustomize v5.5's PrefixTransformer then SuffixTransformer:
 * - CustomResourceDefinitions, APIServices (apiregistration.k8s.io) and Namespaces are
 *   never renamed; every other kind, cluster-scoped or custom, is;
 * - the field specs are chosen by the resource's original kind;
 * - the prefix step records the prefix and stores the id (then renames), the suffix step
 *   likewise, so the prefixed-only name is an intermediate name name references accept;
 * - `configurations` add fields: its `namePrefix` specs get the prefix only and its
 *   `nameSuffix` specs the suffix only.
 * Generated objects get the prefix/suffix now; their hash is appended later, at the root.
 */
export function addPrefixSuffix(
  resources: ResourceMap,
  prefix: string | undefined,
  suffix: string | undefined,
  extra: { prefix: SpecInput; suffix: SpecInput },
): Diagnostic[] {
  const p = prefix ?? '';
  const s = suffix ?? '';
  const out: Diagnostic[] = [];
  if (p !== '') out.push(...addPrefixSuffixWith(resources, { prefix: p, suffix: '', specs: resolveSpecs(NAME_PREFIX_SUFFIX, extra.prefix) }));
  if (s !== '') out.push(...addPrefixSuffixWith(resources, { prefix: '', suffix: s, specs: resolveSpecs(NAME_PREFIX_SUFFIX, extra.suffix) }));
  return out;
}

/** The resource's kind as first declared (Kustomize selects the field specs by its original id). */
export function originalKind(r: Resource): string {
  return r.storedIds?.[0]?.kind ?? r.id.kind;
}

/**
 * One prefix/suffix transformer with its field specs as given: a `PrefixTransformer`
 * (suffix ''), a `SuffixTransformer` (prefix '') or a `PrefixSuffixTransformer` plugin, and
 * each of the two steps of namePrefix/nameSuffix. For every resource not skipped, each
 * spec its original kind selects gets the prefix and suffix added to its field (created as
 * just prefix + suffix where the spec says so); a `metadata/name` spec first records the
 * prefix/suffix and stores the id (a name-reference candidate from now on).
 */
export function addPrefixSuffixWith(
  resources: ResourceMap,
  o: { prefix: string; suffix: string; specs: readonly FieldSpec[]; location?: SourceLocation },
): Diagnostic[] {
  const { prefix: p, suffix: s } = o;
  const add = (v: string) => `${p}${v}${s}`;
  const what = p !== '' && s !== '' ? 'prefix/suffix' : p !== '' ? 'prefix' : 'suffix';
  const errors: Diagnostic[] = [];
  for (const r of resources.all()) {
    const org = { group: r.id.group, version: r.id.version, kind: originalKind(r) };
    if (PREFIX_SUFFIX_SKIP.some((k) => k.kind === org.kind && (k.group === undefined || k.group === org.group))) continue;
    for (const fs of o.specs) {
      if (!fieldSpecMatches(fs, org)) continue;
      if (fs.path === 'metadata/name') {
        if (p !== '') r.prefixes = plus(r.prefixes, p);
        if (s !== '') r.suffixes = plus(r.suffixes, s);
        if (p !== '' || s !== '') storePreviousId(r);
      }
      forEachListAwareSpec(r.object, org, [fs], (parent, key, pointer, spec) => {
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
      const meta = r.object.metadata as JsonObject | undefined;
      const newName = meta && typeof meta.name === 'string' ? meta.name : r.id.name;
      if (newName !== r.id.name) {
        r.previousNames = plus(r.previousNames, r.id.name);
        r.previousIds = plus(r.previousIds, pairOf(r.id));
        r.id.name = newName;
      }
    }
  }
  resources.reindex();
  return errors;
}
