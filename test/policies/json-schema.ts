/**
 * JSON Schema validation for the tests, with ajv (a run-time dependency already): the OASIS SARIF
 * 2.1.0 schema is draft-04, which ajv 8 reads as draft-07 once `$schema` and draft-04's `id` are
 * left out (the schema uses no keyword whose meaning changed between them). Its three formats
 * are given here: ajv leaves format checking to the ajv-formats package, which kforge does not
 * need otherwise.
 * strictSchema stays on: a keyword ajv does not know fails the compile, so a schema it cannot
 * check is never passed; the schema names required properties inside anyOf branches, which
 * strictRequired would refuse.
 */
import { Ajv, type ValidateFunction } from 'ajv';

type Schema = Record<string, unknown>;

const compiled = new WeakMap<Schema, ValidateFunction>();

function compile(root: Schema): ValidateFunction {
  let v = compiled.get(root);
  if (!v) {
    const { $schema: _draft, id: _id, ...schema } = root;
    const ajv = new Ajv({ allErrors: true, strictSchema: true, strictNumbers: true, strictRequired: false, strictTypes: false, strictTuples: false });
    ajv.addFormat('uri', /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$/);
    ajv.addFormat('uri-reference', /^[^\s<>"{}|\\^`]*$/);
    ajv.addFormat('date-time', (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(s) && !Number.isNaN(Date.parse(s)));
    v = ajv.compile(schema);
    compiled.set(root, v);
  }
  return v;
}

/** Every violation as "pointer: message"; empty when VALUE conforms to ROOT. */
export function validate(root: Schema, value: unknown): string[] {
  const v = compile(root);
  if (v(value)) return [];
  return (v.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? e.keyword}${e.params && Object.keys(e.params).length ? ' ' + JSON.stringify(e.params) : ''}`);
}
