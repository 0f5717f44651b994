/**
 * A small JSON Schema (draft-04) validator for the keywords the SARIF 2.1.0 schema uses:
 * $ref (local), type, properties, additionalProperties, required, items, minItems,
 * uniqueItems, enum, minimum, maximum, pattern, anyOf, oneOf, format (uri, uri-reference,
 * date-time). Unknown keywords fail loudly, so a schema it cannot check is not passed.
 */
type Schema = Record<string, unknown>;

const KNOWN = new Set(['$schema', 'id', 'title', 'description', 'default', '$ref', 'type', 'properties', 'additionalProperties', 'required', 'items', 'minItems', 'uniqueItems', 'enum', 'minimum', 'maximum', 'pattern', 'anyOf', 'oneOf', 'format', 'definitions']);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function formatOk(format: string, v: string): boolean {
  if (format === 'uri') return /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$/.test(v);
  if (format === 'uri-reference') return !/[\s<>"{}|\\^`]/.test(v);
  if (format === 'date-time') return !Number.isNaN(Date.parse(v)) && /^\d{4}-\d{2}-\d{2}T/.test(v);
  throw new Error(`unsupported format ${format}`);
}

/** Every violation as "pointer: message"; empty when VALUE conforms to ROOT. */
export function validate(root: Schema, value: unknown): string[] {
  const errors: string[] = [];
  const resolve = (ref: string): Schema => {
    if (!ref.startsWith('#/')) throw new Error(`unsupported $ref ${ref}`);
    let cur: unknown = root;
    for (const k of ref.slice(2).split('/')) cur = (cur as Schema)[k];
    if (!cur) throw new Error(`unresolved $ref ${ref}`);
    return cur as Schema;
  };
  const check = (s: Schema, v: unknown, at: string, out: string[]): void => {
    for (const k of Object.keys(s)) if (!KNOWN.has(k)) throw new Error(`unsupported keyword ${k} at ${at}`);
    if (typeof s.$ref === 'string') check(resolve(s.$ref), v, at, out);
    const t = typeOf(v);
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
      if (!types.some((x) => x === t || (x === 'number' && t === 'integer'))) {
        out.push(`${at}: ${t} is not ${types.join('|')}`);
        return;
      }
    }
    if (Array.isArray(s.enum) && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) out.push(`${at}: ${JSON.stringify(v)} not in enum`);
    if (t === 'string') {
      if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(v as string)) out.push(`${at}: does not match ${s.pattern}`);
      if (typeof s.format === 'string' && !formatOk(s.format, v as string)) out.push(`${at}: not a ${s.format}: ${v as string}`);
    }
    if (t === 'integer' || t === 'number') {
      if (typeof s.minimum === 'number' && (v as number) < s.minimum) out.push(`${at}: below ${s.minimum}`);
      if (typeof s.maximum === 'number' && (v as number) > s.maximum) out.push(`${at}: above ${s.maximum}`);
    }
    if (t === 'array') {
      const a = v as unknown[];
      if (typeof s.minItems === 'number' && a.length < s.minItems) out.push(`${at}: fewer than ${s.minItems} items`);
      if (s.uniqueItems === true && new Set(a.map((x) => JSON.stringify(x))).size !== a.length) out.push(`${at}: items not unique`);
      if (s.items && typeof s.items === 'object') a.forEach((x, i) => check(s.items as Schema, x, `${at}/${i}`, out));
    }
    if (t === 'object') {
      const o = v as Record<string, unknown>;
      const props = (s.properties ?? {}) as Record<string, Schema>;
      for (const r of (s.required ?? []) as string[]) if (!(r in o)) out.push(`${at}: missing required ${r}`);
      for (const [k, x] of Object.entries(o)) {
        if (props[k]) check(props[k], x, `${at}/${k}`, out);
        else if (s.additionalProperties === false) out.push(`${at}: unexpected property ${k}`);
        else if (s.additionalProperties && typeof s.additionalProperties === 'object') check(s.additionalProperties as Schema, x, `${at}/${k}`, out);
      }
    }
    for (const [kw, want] of [['anyOf', 'some'], ['oneOf', 'one']] as const) {
      const alts = s[kw] as Schema[] | undefined;
      if (!alts) continue;
      const ok = alts.filter((alt) => {
        const sub: string[] = [];
        check(alt, v, at, sub);
        return sub.length === 0;
      }).length;
      if (want === 'some' ? ok === 0 : ok !== 1) out.push(`${at}: ${kw} matched ${ok} alternatives`);
    }
  };
  check(root, value, '', errors);
  return errors;
}
