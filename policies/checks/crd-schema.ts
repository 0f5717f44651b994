import type { Check, RawFinding } from '../types.js';
import { BUILTIN_GROUPS } from '../schema/models.js';
import { crdIndex } from '../crd/index.js';
import { describeErrors, validatorFor } from '../crd/schema.js';

export const crdSchema: Check = {
  id: 'crd-schema',
  title: 'Custom resource invalid for its CRD',
  doc: 'Custom resources are validated against the openAPIV3Schema of their CRD (in the rendered tree, or in the environment\'s crds folder of vendored CRDs) with ajv: types, required fields, enum, minimum/maximum, lengths, pattern, unknown fields (unless x-kubernetes-preserve-unknown-fields), x-kubernetes-int-or-string, nullable. x-kubernetes-validations (CEL) rules are not evaluated yet: a note says so once per CRD.',
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
      if (val.celRules > 0) ctx.note('KF4113', `CRD ${crdName} ${v.name}: ${val.celRules} x-kubernetes-validations rule(s) not evaluated (CEL is not supported yet); the rest of the schema is checked`, crd.crd.origin?.location);
      if ('error' in val) {
        ctx.note('KF4113', `CRD ${crdName} ${v.name}: its schema does not compile (${val.error}); its custom resources are not checked`, crd.crd.origin?.location, 'warning');
        continue;
      }
      if (val.validate(r.object)) continue;
      for (const e of describeErrors(val.validate.errors ?? [], val.source)) {
        out.push({ resource: r, pointer: e.pointer, message: `${e.message} (CRD ${crdName} ${v.name})` });
      }
    }
    return out;
  },
};
