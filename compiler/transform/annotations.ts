import type { Diagnostic, SourceLocation } from '../types.js';
import { diag } from '../diagnostics.js';
import type { ResourceMap } from '../resource-map.js';
import type { FieldSpec } from './fieldspec.js';
import type { SpecInput } from '../schema/field-specs.js';
import { COMMON_ANNOTATIONS, resolveSpecs } from '../schema/field-specs.js';
import { labelKeyProblem, setPairs } from './labels.js';

/**
 * commonAnnotations: metadata/annotations of every resource plus pod templates (not
 * volumeClaimTemplates), and the user's `configurations` commonAnnotations specs.
 * Values override existing ones (case 08). Invalid keys are KF2008 warnings.
 */
export function applyAnnotations(resources: ResourceMap, pairs: Record<string, string>, location: SourceLocation, extra: SpecInput): Diagnostic[] {
  return applyAnnotationsWith(resources, pairs, location, resolveSpecs(COMMON_ANNOTATIONS, extra));
}

/** The annotations transformer with its field specs as given (an `AnnotationsTransformer` plugin: no defaults). */
export function applyAnnotationsWith(resources: ResourceMap, pairs: Record<string, string>, location: SourceLocation, specs: readonly FieldSpec[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const k of Object.keys(pairs)) {
    const p = labelKeyProblem(k);
    if (p) out.push(diag('KF2008', `invalid annotation key ${JSON.stringify(k)}: ${p}`, { severity: 'warning', location, hint: 'the Kubernetes API server rejects objects with this annotation' }));
  }
  out.push(...setPairs(resources, pairs, specs, location));
  return out;
}
