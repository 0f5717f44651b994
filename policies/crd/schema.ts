/**
 * Custom resources against their CRD's openAPIV3Schema, validated with ajv. A Kubernetes
 * structural schema is OpenAPI v3 with extensions; before compiling it is translated to the
 * JSON Schema ajv reads:
 * - `nullable: true` → the type also admits null;
 * - `x-kubernetes-int-or-string: true` → an integer or a string;
 * - `x-kubernetes-preserve-unknown-fields: true` → unknown fields kept; elsewhere an object
 *   with `properties` and no `additionalProperties` rejects unknown fields, as the API server
 *   does with strict field validation (kubectl's default);
 * - `x-kubernetes-embedded-resource: true` and the root → apiVersion, kind and metadata allowed;
 * - `format` is not asserted (Kubernetes' own formats differ from JSON Schema's);
 * - `x-kubernetes-validations` (CEL) are evaluated separately, by crd/rules.ts with policies/cel.
 */
import AjvModule from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Json, JsonObject } from '../../compiler/types.js';
import { didYouMean } from '../../compiler/diagnostics.js';

type AjvCtor = new (opts: Record<string, unknown>) => { compile(schema: object): ValidateFunction };
const Ajv = ((AjvModule as unknown as { default?: AjvCtor }).default ?? AjvModule) as unknown as AjvCtor;

let ajv: InstanceType<AjvCtor> | undefined;
function instance(): InstanceType<AjvCtor> {
  ajv ??= new Ajv({ allErrors: true, strict: false, validateFormats: false, validateSchema: false, unicodeRegExp: false });
  return ajv;
}

const KEEP = new Set([
  'type', 'properties', 'additionalProperties', 'items', 'required', 'enum', 'const', 'minimum', 'maximum', 'exclusiveMinimum',
  'exclusiveMaximum', 'multipleOf', 'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'uniqueItems', 'minProperties',
  'maxProperties', 'allOf', 'anyOf', 'oneOf', 'not', 'description',
]);

/** Counts x-kubernetes-validations rules while translating. */
export interface Translation {
  schema: JsonObject;
  celRules: number;
}

function tr(s: Json | undefined, t: { celRules: number }, root: boolean): JsonObject {
  if (!s || typeof s !== 'object' || Array.isArray(s)) return {};
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(s)) {
    if (!KEEP.has(k)) continue;
    if (k === 'properties' && v && typeof v === 'object' && !Array.isArray(v)) {
      const props: JsonObject = {};
      for (const [pk, pv] of Object.entries(v)) props[pk] = tr(pv, t, false);
      out.properties = props;
    } else if (k === 'items') out.items = Array.isArray(v) ? v.map((x) => tr(x, t, false)) : tr(v, t, false);
    else if (k === 'additionalProperties') out.additionalProperties = typeof v === 'boolean' ? v : tr(v, t, false);
    else if (k === 'allOf' || k === 'anyOf' || k === 'oneOf') out[k] = Array.isArray(v) ? v.map((x) => tr(x, t, false)) : [];
    else if (k === 'not') out.not = tr(v, t, false);
    else if (k === 'description') continue;
    else out[k] = v;
  }
  const rules = s['x-kubernetes-validations'];
  if (Array.isArray(rules)) t.celRules += rules.length;
  if (s['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    out.anyOf = [...(Array.isArray(out.anyOf) ? out.anyOf : []), { type: 'integer' }, { type: 'string' }];
    if ((out.anyOf as Json[]).length > 2) {
      // an explicit anyOf beside int-or-string: keep it, and the int-or-string as an allOf
      out.allOf = [{ anyOf: [{ type: 'integer' }, { type: 'string' }] }];
    }
  }
  const embedded = root || s['x-kubernetes-embedded-resource'] === true;
  if (embedded) {
    const props = (out.properties as JsonObject | undefined) ?? {};
    for (const f of ['apiVersion', 'kind']) props[f] ??= { type: 'string' };
    props.metadata ??= { type: 'object' };
    if (out.properties !== undefined || s.type === 'object') out.properties = props;
  }
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  if (!preserve && out.properties !== undefined && s.additionalProperties === undefined && (s.type === 'object' || s.type === undefined)) out.additionalProperties = false;
  if (s.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  return out;
}

/** The JSON Schema ajv validates with, for a CRD version's openAPIV3Schema. */
export function translateSchema(schema: JsonObject): Translation {
  const t = { celRules: 0 };
  const out = tr(schema, t, true);
  return { schema: out, celRules: t.celRules };
}

const COMPILED = new WeakMap<JsonObject, { validate: ValidateFunction; celRules: number; source: JsonObject } | { error: string; celRules: number }>();

/** Compiles (once per schema object) the validator of a CRD version. */
export function validatorFor(schema: JsonObject): { validate: ValidateFunction; celRules: number; source: JsonObject } | { error: string; celRules: number } {
  const hit = COMPILED.get(schema);
  if (hit) return hit;
  const t = translateSchema(schema);
  let res: { validate: ValidateFunction; celRules: number; source: JsonObject } | { error: string; celRules: number };
  try {
    res = { validate: instance().compile(t.schema), celRules: t.celRules, source: t.schema };
  } catch (e) {
    res = { error: (e as Error).message, celRules: t.celRules };
  }
  COMPILED.set(schema, res);
  return res;
}

function subschema(root: JsonObject, schemaPath: string): JsonObject | undefined {
  let cur: Json | undefined = root;
  for (const seg of schemaPath.replace(/^#\//, '').split('/').slice(0, -1)) {
    if (seg === '') continue;
    const key = seg.replace(/~1/g, '/').replace(/~0/g, '~');
    cur = cur && typeof cur === 'object' ? (Array.isArray(cur) ? cur[Number(key)] : cur[key]) : undefined;
  }
  return cur && typeof cur === 'object' && !Array.isArray(cur) ? cur : undefined;
}

function show(path: string): string {
  return path === '' ? 'the object' : path.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');
}

/** ajv's errors as findings: one per field and problem, with the pointer of the field. */
export function describeErrors(errors: readonly ErrorObject[], source: JsonObject): { pointer: string; message: string }[] {
  const out: { pointer: string; message: string }[] = [];
  const seen = new Set<string>();
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  for (const e of errors) {
    const p = e.instancePath;
    let pointer = p;
    let message: string;
    switch (e.keyword) {
      case 'required': {
        const f = (e.params as { missingProperty: string }).missingProperty;
        message = `missing required field ${show(p === '' ? `/${f}` : `${p}/${f}`)}`;
        break;
      }
      case 'additionalProperties': {
        const f = (e.params as { additionalProperty: string }).additionalProperty;
        pointer = `${p}/${f.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        const parent = subschema(source, e.schemaPath);
        const known = parent && parent.properties && typeof parent.properties === 'object' ? Object.keys(parent.properties as JsonObject) : [];
        const dym = didYouMean(f, known);
        message = `unknown field ${show(pointer)}${dym ? ` (did you mean ${dym}?)` : ''}`;
        break;
      }
      case 'type':
        if (anyOfPaths.has(p)) continue; // said once by the anyOf below
        message = `${show(p)}: expected ${String((e.params as { type: string | string[] }).type).replace(',', ' or ')}`;
        break;
      case 'anyOf': {
        const alts = errors.filter((x) => x.instancePath === p && x.keyword === 'type' && x.schemaPath.startsWith(e.schemaPath + '/')).map((x) => String((x.params as { type: string }).type));
        message = alts.length ? `${show(p)}: expected ${[...new Set(alts)].join(' or ')}` : `${show(p)}: ${e.message ?? 'matches none of the allowed schemas'}`;
        break;
      }
      case 'enum':
        message = `${show(p)}: must be one of ${((e.params as { allowedValues: Json[] }).allowedValues ?? []).map((x) => JSON.stringify(x)).join(', ')}`;
        break;
      default:
        message = `${show(p)}: ${e.message ?? e.keyword}`;
    }
    const key = `${pointer}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ pointer, message });
  }
  return out;
}
