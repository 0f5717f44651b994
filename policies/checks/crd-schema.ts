import type { Check, RawFinding } from '../types.js';
import { BUILTIN_GROUPS } from '../schema/models.js';
import { crdIndex } from '../crd/index.js';
import { describeErrors, validatorFor } from '../crd/schema.js';
import { checkRules } from '../crd/rules.js';

export const crdSchema: Check = {
  id: 'crd-schema',
  title: 'Custom resource invalid for its CRD',
  doc: 'Custom resources are validated against the openAPIV3Schema of their CRD (in the rendered tree, or in the environment\'s crds folder of vendored CRDs) with ajv: types, required fields, enum, minimum/maximum, lengths, pattern, unknown fields (unless x-kubernetes-preserve-unknown-fields), x-kubernetes-int-or-string, nullable, and x-kubernetes-validations CEL rules (self; transition rules with oldSelf do not apply to a create) with their messages.',
  hint: 'Fix the field as the CRD\'s schema describes it (kubectl explain <kind>.<field>).',
  defaultSeverity: { dev: 'warning', staging: 'error', prod: 'error' },
  run(ctx) {
    const out: RawFinding[] = [];
    let crds: ReturnType<typeof crdIndex> | undefined;
    for (const r of ctx.resources) {
      if (BUILTIN_GROUPS.has(r.id.group) || r.id.group === 'extensions') continue;
      crds ??= crdIndex(ctx);
      if (crds.byGroupKind.size === 0) return out;
      const crd = crds.byGroupKind.get(`${r.id.group}|${r.id.kind}`);
      const v = crd?.versions.find((x) => x.name === r.id.version);
      if (!crd || !v?.schema) continue;
      const val = validatorFor(v.schema);
      const crdName = `${crd.plural}.${crd.group}`;
      if ('error' in val) {
        ctx.note('KF4113', `CRD ${crdName} ${v.name}: its schema does not compile (${val.error}); its custom resources are not checked`, crd.crd.origin?.location, 'warning');
        continue;
      }
      if (!val.validate(r.object)) {
        for (const e of describeErrors(val.validate.errors ?? [], val.source)) {
          out.push({ resource: r, pointer: e.pointer, message: `${e.message} (CRD ${crdName} ${v.name})` });
        }
        continue; // the rules assume a schema-valid object
      }
      if (val.celRules > 0) {
        const rr = checkRules(v.schema, r.object);
        for (const f of rr.failures) out.push({ resource: r, pointer: f.pointer, message: `${f.message} (x-kubernetes-validations of CRD ${crdName} ${v.name})` });
        for (const p of rr.problems) {
          if (p.pointer !== undefined) out.push({ resource: r, pointer: p.pointer, message: `x-kubernetes-validations rule ${JSON.stringify(p.rule)} of CRD ${crdName} ${v.name} fails to evaluate: ${p.why}` });
          else ctx.note('KF4113', `CRD ${crdName} ${v.name}: rule ${JSON.stringify(p.rule)} not evaluated: ${p.why}`, crd.crd.origin?.location);
        }
      }
    }
    return out;
  },
};
