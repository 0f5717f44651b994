import type { Diagnostic, Resource } from '../types.js';
import { plus } from '../types.js';
import { diag } from '../diagnostics.js';
import type { ResourceMap } from '../resource-map.js';
import type { ReplicaEntry } from '../load/kustomization.js';
import type { FieldSpec } from './fieldspec.js';
import { fieldSpecMatches } from './fieldspec.js';
import { forEachListAwareSpec } from './labels.js';
import type { SpecInput } from '../schema/field-specs.js';
import { REPLICAS, resolveSpecs } from '../schema/field-specs.js';

/**
 * `replicas:` (observed with kustomize v5.5): an entry names a resource by its current,
 * original or any intermediate name; only resources of a kind the replicas field specs know
 * (Deployment, ReplicationController, ReplicaSet, StatefulSet, plus `configurations`) count,
 * others with that name are ignored. An entry that reaches none is an error (KF2006).
 */
export function applyReplicas(resources: ResourceMap, replicas: ReplicaEntry[], extra: SpecInput): Diagnostic[] {
  return applyReplicasWith(resources, replicas, resolveSpecs(REPLICAS, extra));
}

/**
 * The replicas transformer with its field specs as given (a `ReplicaCountTransformer`
 * plugin: `plugin` names it in messages).
 */
export function applyReplicasWith(resources: ResourceMap, replicas: ReplicaEntry[], specs: readonly FieldSpec[], plugin?: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const entry of replicas) {
    const targets = resources.all().filter((r) => hasName(r, entry.name) && specs.some((s) => fieldSpecMatches(s, r.id)));
    if (targets.length === 0) {
      const kinds = [...new Set(specs.map((s) => s.kind || 'any kind'))].join(', ');
      out.push(
        plugin
          ? diag('KF2006', `${plugin}: no ${kinds} named ${JSON.stringify(entry.name)} (the kinds its fieldSpecs reach)`, {
              location: entry.location,
              hint: 'use the name as written in the resource (before or after namePrefix/nameSuffix), or add a fieldSpecs entry for its kind',
            })
          : diag('KF2006', `replicas: no Deployment, StatefulSet, ReplicaSet or ReplicationController named ${JSON.stringify(entry.name)}`, {
              location: entry.location,
              hint: 'use the name as written in the resource (before or after namePrefix/nameSuffix); other kinds need a `replicas` field spec in `configurations`',
            }),
      );
      continue;
    }
    for (const r of targets) {
      forEachListAwareSpec(r.object, r.id, specs, (parent, key, pointer, spec) => {
        if (parent[key] === undefined && !spec.create) return;
        parent[key] = entry.count;
        r.origin.fieldSources = plus(r.origin.fieldSources, { pointer, location: entry.location, by: 'replicas' });
      });
    }
  }
  return out;
}

function hasName(r: Resource, name: string): boolean {
  return r.id.name === name || r.originalId.name === name || r.previousNames.includes(name);
}
