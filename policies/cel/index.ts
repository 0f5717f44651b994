/**
 * CEL for kforge: the `@bufbuild/cel` evaluator with the Kubernetes CEL libraries that
 * admission policies and CRD `x-kubernetes-validations` use, compiled once and evaluated
 * over plain JSON objects. Reusable by any caller: `compileCel(expression, variables)`
 * parses and checks an expression (syntax, undeclared variables, unknown functions) and
 * returns a program; `program.eval(bindings)` never throws.
 *
 * Supported Kubernetes extensions (on top of the CEL standard library):
 * - strings: charAt, indexOf, lastIndexOf, lowerAscii, upperAscii, replace, split, substring,
 *   trim, join, format (from @bufbuild/cel/ext), reverse, strings.quote
 * - lists: isSorted, sum, min, max, indexOf, lastIndexOf, slice, flatten, distinct, sort
 * - regex: find, findAll (RE2 patterns run as JavaScript regular expressions)
 * - quantity: quantity, isQuantity, compareTo, isGreaterThan, isLessThan, add, sub, asInteger,
 *   asApproximateFloat, isInteger, sign
 * - url: url, isURL, getScheme, getHost, getHostname, getPort, getEscapedPath, getQuery
 * - ip / cidr: ip, isIP, family, isLoopback, isUnspecified, isLinkLocalUnicast, isGlobalUnicast,
 *   cidr, isCIDR, containsIP, containsCIDR, prefixLength, masked, string
 * Not supported: the optional syntax (`a.?b`, `optional.of`), `authorizer`, the sets and
 * format libraries, two-variable comprehensions.
 */
import * as net from 'node:net';
import { celEnv, celFunc, celList, celMap, celMethod, CelScalar as S, isCelError, isCelList, isCelMap, listType, mapType, parse, plan, type CelEnv, type CelFunc, type CelList, type CelMap } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import type { Json } from '../../compiler/types.js';
import { addQuantity, compareQuantity, makeQuantity, parseQuantity, quantityFromKey, quantityKey, type Quantity } from './quantity.js';

export const SUPPORTED_EXTENSIONS = ['strings', 'lists', 'regex', 'quantity', 'url', 'ip', 'cidr'] as const;

// Opaque Kubernetes types are maps with one marker key, so that equality works and methods dispatch on maps.
const QK = '@k8s.quantity';
const UK = '@k8s.url';
const IK = '@k8s.ip';
const CK = '@k8s.cidr';
const M = mapType(S.STRING, S.DYN);
const L = listType(S.DYN);

function marked(v: unknown, key: string): string | undefined {
  if (!isCelMap(v) || v.size !== 1) return undefined;
  const x = v.get(key);
  return typeof x === 'string' ? x : undefined;
}
function qOf(v: unknown): Quantity {
  const k = marked(v, QK);
  if (k === undefined) throw new Error('expected a quantity');
  return quantityFromKey(k);
}
const qVal = (q: Quantity): Map<string, string> => new Map([[QK, quantityKey(q)]]);
function toQuantity(x: unknown): Quantity {
  if (typeof x === 'bigint') return makeQuantity(x, 1n);
  return qOf(x);
}

function cmpVals(a: unknown, b: unknown): number {
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) {
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  throw new Error(`no ordering between ${typeof a} and ${typeof b}`);
}
const arrOf = (l: CelList): unknown[] => [...l];
function sameVal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) return Number(a) === Number(b);
  if (isCelList(a) && isCelList(b)) return a.size === b.size && arrOf(a).every((x, i) => sameVal(x, b.get(i)));
  if (isCelMap(a) && isCelMap(b)) return a.size === b.size && [...a.keys()].every((k) => b.has(k) && sameVal(a.get(k), b.get(k)));
  return false;
}

function toRegExp(re: string): RegExp {
  // RE2 inline flags at the start ((?i), (?s), (?m)) become JavaScript flags.
  let flags = '';
  const m = /^\(\?([ims]+)\)/.exec(re);
  if (m) {
    flags = m[1];
    re = re.slice(m[0].length);
  }
  return new RegExp(re, flags + 'g');
}

function parseUrl(s: string): URL | undefined {
  // Kubernetes' url() takes absolute URIs or absolute paths.
  try {
    if (s.startsWith('/')) return new URL(s, 'http://kforge.invalid');
    return new URL(s);
  } catch {
    return undefined;
  }
}
function urlOf(v: unknown): { u: URL; raw: string } {
  const raw = marked(v, UK);
  const u = raw === undefined ? undefined : parseUrl(raw);
  if (!u || raw === undefined) throw new Error('expected a URL');
  return { u, raw };
}

function ipOf(v: unknown): string {
  const s = marked(v, IK);
  if (s === undefined) throw new Error('expected an IP address');
  return s;
}
function parseIp(s: string): string | undefined {
  // Kubernetes refuses zones and IPv4-mapped IPv6 addresses.
  if (net.isIP(s) === 0 || s.includes('%') || /^::ffff:[0-9.]+$/i.test(s)) return undefined;
  return s;
}
function parseCidr(s: string): { ip: string; prefix: number; family: 4 | 6 } | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIp(s.slice(0, slash));
  const p = s.slice(slash + 1);
  if (!ip || !/^[0-9]{1,3}$/.test(p)) return undefined;
  const family = net.isIP(ip) as 4 | 6;
  const prefix = Number(p);
  if (prefix > (family === 4 ? 32 : 128)) return undefined;
  return { ip, prefix, family };
}
function cidrOf(v: unknown): { ip: string; prefix: number; family: 4 | 6 } {
  const s = marked(v, CK);
  const c = s === undefined ? undefined : parseCidr(s);
  if (!c) throw new Error('expected a CIDR');
  return c;
}
function ipBits(ip: string): bigint {
  if (net.isIP(ip) === 4) return ip.split('.').reduce((a, o) => (a << 8n) | BigInt(o), 0n);
  const [h, t] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const head = h ? h.split(':') : [];
  let tail = t !== undefined && t !== '' ? t.split(':') : [];
  const last = (tail.length ? tail : head)[(tail.length ? tail : head).length - 1];
  const v4 = last && last.includes('.') ? last : undefined;
  const v4parts = v4 ? ipBits(v4) : undefined;
  if (v4) {
    if (tail.length) tail = tail.slice(0, -1);
    else head.pop();
  }
  const groups = 8 - (v4 ? 2 : 0);
  const fill = t !== undefined ? groups - head.length - tail.length : 0;
  const all = [...head, ...Array(fill).fill('0'), ...tail];
  let n = all.reduce((a, g) => (a << 16n) | BigInt(parseInt(g || '0', 16)), 0n);
  if (v4parts !== undefined) n = (n << 32n) | v4parts;
  return n;
}
function inCidr(ip: string, c: { ip: string; prefix: number; family: 4 | 6 }): boolean {
  if (net.isIP(ip) !== c.family) return false;
  const width = c.family === 4 ? 32 : 128;
  const shift = BigInt(width - c.prefix);
  return ipBits(ip) >> shift === ipBits(c.ip) >> shift;
}
function maskedCidr(c: { ip: string; prefix: number; family: 4 | 6 }): string {
  const width = c.family === 4 ? 32 : 128;
  const shift = BigInt(width - c.prefix);
  const n = (ipBits(c.ip) >> shift) << shift;
  if (c.family === 4) return `${[24n, 16n, 8n, 0n].map((s) => (n >> s) & 255n).join('.')}/${c.prefix}`;
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((n >> BigInt(i * 16)) & 0xffffn).toString(16));
  const b = new net.SocketAddress({ address: groups.join(':'), family: 'ipv6' });
  return `${b.address}/${c.prefix}`;
}

function listSlice(this: CelList, a: bigint, b: bigint): unknown[] {
  const s = Number(a);
  const e = Number(b);
  if (s < 0 || e < s || e > this.size) throw new Error(`slice(${s}, ${e}) out of range for a list of ${this.size}`);
  return arrOf(this).slice(s, e);
}
function flatten(l: CelList, depth: number): unknown[] {
  const out: unknown[] = [];
  for (const x of l) {
    if (isCelList(x) && depth > 0) out.push(...flatten(x, depth - 1));
    else out.push(x);
  }
  return out;
}

/** The Kubernetes CEL library functions added to the standard environment. */
export const KUBERNETES_FUNCS: CelFunc[] = [
  // strings (beyond @bufbuild/cel/ext)
  celMethod('reverse', S.STRING, [], S.STRING, function () {
    return [...this].reverse().join('');
  }),
  celFunc('strings.quote', [S.STRING], S.STRING, (s) => JSON.stringify(s)),
  // lists
  celMethod('isSorted', L, [], S.BOOL, function () {
    const a = arrOf(this);
    for (let i = 1; i < a.length; i++) if (cmpVals(a[i - 1], a[i]) > 0) return false;
    return true;
  }),
  celMethod('sum', L, [], S.DYN, function () {
    const a = arrOf(this);
    if (a.length === 0) return 0n;
    if (a.every((x) => typeof x === 'bigint')) return (a as bigint[]).reduce((s, x) => s + x, 0n);
    if (a.every((x) => typeof x === 'number')) return (a as number[]).reduce((s, x) => s + x, 0);
    throw new Error('sum() needs a list of ints or of doubles');
  }) as CelFunc,
  celMethod('min', L, [], S.DYN, function () {
    const a = arrOf(this);
    if (!a.length) throw new Error('min() of an empty list');
    return a.reduce((m, x) => (cmpVals(x, m) < 0 ? x : m)) as never;
  }),
  celMethod('max', L, [], S.DYN, function () {
    const a = arrOf(this);
    if (!a.length) throw new Error('max() of an empty list');
    return a.reduce((m, x) => (cmpVals(x, m) > 0 ? x : m)) as never;
  }),
  celMethod('indexOf', L, [S.DYN], S.INT, function (v) {
    return BigInt(arrOf(this).findIndex((x) => sameVal(x, v)));
  }),
  celMethod('lastIndexOf', L, [S.DYN], S.INT, function (v) {
    const a = arrOf(this);
    for (let i = a.length - 1; i >= 0; i--) if (sameVal(a[i], v)) return BigInt(i);
    return -1n;
  }),
  celMethod('slice', L, [S.INT, S.INT], L, listSlice as never),
  celMethod('flatten', L, [], L, function () {
    return flatten(this, 1) as never;
  }),
  celMethod('flatten', L, [S.INT], L, function (d) {
    if (d < 0n) throw new Error('flatten depth must not be negative');
    return flatten(this, Number(d)) as never;
  }),
  celMethod('distinct', L, [], L, function () {
    const out: unknown[] = [];
    for (const x of this) if (!out.some((y) => sameVal(x, y))) out.push(x);
    return out as never;
  }),
  celMethod('sort', L, [], L, function () {
    return arrOf(this).sort(cmpVals) as never;
  }),
  // regex
  celMethod('find', S.STRING, [S.STRING], S.STRING, function (re) {
    const m = toRegExp(re).exec(this);
    return m ? m[0] : '';
  }),
  celMethod('findAll', S.STRING, [S.STRING], listType(S.STRING), function (re) {
    return [...this.matchAll(toRegExp(re))].map((m) => m[0]);
  }),
  celMethod('findAll', S.STRING, [S.STRING, S.INT], listType(S.STRING), function (re, n) {
    const all = [...this.matchAll(toRegExp(re))].map((m) => m[0]);
    return n < 0n ? all : all.slice(0, Number(n));
  }),
  // quantity
  celFunc('isQuantity', [S.STRING], S.BOOL, (s) => parseQuantity(s) !== undefined),
  celFunc('quantity', [S.STRING], M, (s) => {
    const q = parseQuantity(s);
    if (!q) throw new Error(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': ${JSON.stringify(s)}`);
    return qVal(q);
  }),
  celMethod('compareTo', M, [M], S.INT, function (o) {
    return BigInt(compareQuantity(qOf(this), qOf(o)));
  }),
  celMethod('isGreaterThan', M, [M], S.BOOL, function (o) {
    return compareQuantity(qOf(this), qOf(o)) > 0;
  }),
  celMethod('isLessThan', M, [M], S.BOOL, function (o) {
    return compareQuantity(qOf(this), qOf(o)) < 0;
  }),
  celMethod('add', M, [S.DYN], M, function (o) {
    return qVal(addQuantity(qOf(this), toQuantity(o)));
  }),
  celMethod('sub', M, [S.DYN], M, function (o) {
    return qVal(addQuantity(qOf(this), toQuantity(o), -1n));
  }),
  celMethod('isInteger', M, [], S.BOOL, function () {
    return qOf(this).den === 1n;
  }),
  celMethod('asInteger', M, [], S.INT, function () {
    const q = qOf(this);
    if (q.den !== 1n || q.num > 2n ** 63n - 1n || q.num < -(2n ** 63n)) throw new Error('cannot convert value to integer');
    return q.num;
  }),
  celMethod('asApproximateFloat', M, [], S.DOUBLE, function () {
    const q = qOf(this);
    return Number(q.num) / Number(q.den);
  }),
  celMethod('sign', M, [], S.INT, function () {
    const n = qOf(this).num;
    return n > 0n ? 1n : n < 0n ? -1n : 0n;
  }),
  // url
  celFunc('isURL', [S.STRING], S.BOOL, (s) => parseUrl(s) !== undefined),
  celFunc('url', [S.STRING], M, (s) => {
    if (!parseUrl(s)) throw new Error(`URL parse error during conversion from string: ${JSON.stringify(s)}`);
    return new Map([[UK, s]]);
  }),
  celMethod('getScheme', M, [], S.STRING, function () {
    const { u, raw } = urlOf(this);
    return raw.startsWith('/') ? '' : u.protocol.replace(/:$/, '');
  }),
  celMethod('getHost', M, [], S.STRING, function () {
    const { u, raw } = urlOf(this);
    return raw.startsWith('/') ? '' : u.host;
  }),
  celMethod('getHostname', M, [], S.STRING, function () {
    const { u, raw } = urlOf(this);
    return raw.startsWith('/') ? '' : u.hostname.replace(/^\[(.*)\]$/, '$1');
  }),
  celMethod('getPort', M, [], S.STRING, function () {
    const { u, raw } = urlOf(this);
    if (raw.startsWith('/')) return '';
    // WHATWG URL drops default ports; the Go parser keeps what was written.
    const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*?:([0-9]*)(?:[/?#]|$)/i.exec(raw);
    return m ? m[1] : u.port;
  }),
  celMethod('getEscapedPath', M, [], S.STRING, function () {
    return urlOf(this).u.pathname;
  }),
  celMethod('getQuery', M, [], mapType(S.STRING, listType(S.STRING)), function () {
    const out = new Map<string, string[]>();
    for (const [k, v] of urlOf(this).u.searchParams) out.set(k, [...(out.get(k) ?? []), v]);
    return out;
  }),
  // ip
  celFunc('isIP', [S.STRING], S.BOOL, (s) => parseIp(s) !== undefined),
  celFunc('ip', [S.STRING], M, (s) => {
    const ip = parseIp(s);
    if (!ip) throw new Error(`IP Address ${JSON.stringify(s)} parse error during conversion from string`);
    return new Map([[IK, ip]]);
  }),
  celFunc('ip.isCanonical', [S.STRING], S.BOOL, (s) => {
    const ip = parseIp(s);
    if (!ip) throw new Error(`IP Address ${JSON.stringify(s)} parse error`);
    return net.isIP(ip) === 4 ? ip === ipBits(ip).toString() || /^(\d{1,3}\.){3}\d{1,3}$/.test(ip) && !/(^|\.)0\d/.test(ip) : new net.SocketAddress({ address: ip, family: 'ipv6' }).address === ip;
  }),
  celMethod('family', M, [], S.INT, function () {
    const s = marked(this, IK) ?? cidrOf(this).ip;
    return BigInt(net.isIP(s));
  }),
  celMethod('isLoopback', M, [], S.BOOL, function () {
    const ip = ipOf(this);
    return net.isIP(ip) === 4 ? ip.startsWith('127.') : ipBits(ip) === 1n;
  }),
  celMethod('isUnspecified', M, [], S.BOOL, function () {
    return ipBits(ipOf(this)) === 0n;
  }),
  celMethod('isLinkLocalUnicast', M, [], S.BOOL, function () {
    const ip = ipOf(this);
    return net.isIP(ip) === 4 ? ip.startsWith('169.254.') : ipBits(ip) >> 118n === 0x3fan;
  }),
  celMethod('isGlobalUnicast', M, [], S.BOOL, function () {
    const ip = ipOf(this);
    const n = ipBits(ip);
    if (net.isIP(ip) === 4) return !(ip.startsWith('127.') || ip.startsWith('169.254.') || n === 0n || n === 0xffffffffn || n >> 28n === 0xen);
    return !(n === 0n || n === 1n || n >> 118n === 0x3fan || n >> 120n === 0xffn);
  }),
  // cidr
  celFunc('isCIDR', [S.STRING], S.BOOL, (s) => parseCidr(s) !== undefined),
  celFunc('cidr', [S.STRING], M, (s) => {
    if (!parseCidr(s)) throw new Error(`network address parse error during conversion from string: ${JSON.stringify(s)}`);
    return new Map([[CK, s]]);
  }),
  celMethod('containsIP', M, [S.DYN], S.BOOL, function (x) {
    const ip = typeof x === 'string' ? parseIp(x) : ipOf(x);
    if (!ip) throw new Error(`IP Address ${JSON.stringify(x)} parse error`);
    return inCidr(ip, cidrOf(this));
  }),
  celMethod('containsCIDR', M, [S.DYN], S.BOOL, function (x) {
    const o = typeof x === 'string' ? parseCidr(x) : cidrOf(x);
    if (!o) throw new Error(`network address ${JSON.stringify(x)} parse error`);
    const c = cidrOf(this);
    return o.family === c.family && o.prefix >= c.prefix && inCidr(o.ip, c);
  }),
  celMethod('prefixLength', M, [], S.INT, function () {
    return BigInt(cidrOf(this).prefix);
  }),
  celMethod('ip', M, [], M, function () {
    return new Map([[IK, cidrOf(this).ip]]);
  }),
  celMethod('masked', M, [], M, function () {
    return new Map([[CK, maskedCidr(cidrOf(this))]]);
  }),
  celFunc('string', [M], S.STRING, (v) => {
    const s = marked(v, IK) ?? marked(v, CK) ?? marked(v, UK);
    if (s !== undefined) return s;
    const q = marked(v, QK);
    if (q !== undefined) {
      const { num, den } = quantityFromKey(q);
      return den === 1n ? String(num) : String(Number(num) / Number(den));
    }
    throw new Error('no string conversion for a map');
  }),
];

const regexps = new Map<string, { test(text: string): boolean }>();
/** `matches()`: each pattern compiled once (RE2 syntax run as a JavaScript regular expression). */
function cachedRegExp(pattern: string): { test(text: string): boolean } {
  let m = regexps.get(pattern);
  if (!m) {
    const re = toRegExp(pattern);
    const once = new RegExp(re.source, re.flags.replace('g', ''));
    m = { test: (t: string) => once.test(t) };
    if (regexps.size > 1000) regexps.clear();
    regexps.set(pattern, m);
  }
  return m;
}

let ENV: CelEnv | undefined;
/** The shared environment: standard library, strings extension, Kubernetes libraries. */
export function kubernetesCelEnv(): CelEnv {
  return (ENV ??= celEnv({ funcs: [...strings, ...KUBERNETES_FUNCS], re2: { compile: cachedRegExp } }));
}

/**
 * Converts JSON into a CEL value: integral numbers become ints (bigint), as the API server
 * decodes them; objects and arrays are wrapped lazily (a field is converted when an
 * expression first reads it), so evaluating a policy over a large object costs only what
 * the expression reads.
 */
export function toCel(v: Json | undefined): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (typeof v !== 'object') return v;
  if (Array.isArray(v)) return celList(v.map(toCel) as never[]);
  return celMap(new JsonMap(v) as unknown as ReadonlyMap<string, never>);
}

/** A read-only map view of a JSON object whose values are converted on first read. */
class JsonMap implements ReadonlyMap<string, unknown> {
  private memo: Map<string, unknown> | undefined;
  constructor(private readonly o: { readonly [k: string]: Json }) {}
  get size(): number {
    return Object.keys(this.o).length;
  }
  has(k: string): boolean {
    return typeof k === 'string' && Object.prototype.hasOwnProperty.call(this.o, k);
  }
  get(k: string): unknown {
    if (!this.has(k)) return undefined;
    const memo = (this.memo ??= new Map());
    let v = memo.get(k);
    if (v === undefined) memo.set(k, (v = toCel(this.o[k])));
    return v;
  }
  forEach(cb: (v: unknown, k: string, m: ReadonlyMap<string, unknown>) => void): void {
    for (const k of Object.keys(this.o)) cb(this.get(k), k, this);
  }
  *entries(): MapIterator<[string, unknown]> {
    for (const k of Object.keys(this.o)) yield [k, this.get(k)];
  }
  *keys(): MapIterator<string> {
    yield* Object.keys(this.o);
  }
  *values(): MapIterator<unknown> {
    for (const k of Object.keys(this.o)) yield this.get(k);
  }
  [Symbol.iterator](): MapIterator<[string, unknown]> {
    return this.entries();
  }
}

/** A CEL value back to JSON-ish JavaScript (for messages and tests). */
export function fromCel(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (isCelList(v)) return [...v].map(fromCel);
  if (isCelMap(v)) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) o[String(k)] = fromCel(x);
    return o;
  }
  if (v && typeof v === 'object' && 'kind' in v && 'name' in v && !Array.isArray(v)) return String((v as { name: string }).name);
  return v;
}

export interface CelPosition {
  /** 1-based line and column inside the expression text. */
  line: number;
  column: number;
}

export interface CelCompileError extends CelPosition {
  message: string;
}

export type CelEvalResult = { ok: true; value: unknown } | { ok: false; error: string };

export interface CelProgram {
  readonly expression: string;
  /** Evaluates with the given variables (JSON already passed through toCel, or lazy maps); never throws. */
  eval(bindings: Record<string, unknown>): CelEvalResult;
}

const TYPE_NAMES = new Set(['int', 'uint', 'double', 'bool', 'string', 'bytes', 'list', 'map', 'null_type', 'type', 'dyn']);

type Node = { id: bigint; exprKind: { case: string | undefined; value: any } };

/** Checks identifiers (against `variables` and comprehension variables) and function names. */
function checkAst(root: Node, variables: ReadonlySet<string>, env: CelEnv): string | undefined {
  const walk = (n: Node | undefined, scope: ReadonlySet<string>): string | undefined => {
    if (!n) return undefined;
    const { case: c, value: v } = n.exprKind;
    switch (c) {
      case 'identExpr':
        return variables.has(v.name) || scope.has(v.name) || TYPE_NAMES.has(v.name) ? undefined : `undeclared reference to '${v.name}'`;
      case 'selectExpr':
        return walk(v.operand, scope);
      case 'callExpr': {
        // A qualified function (strings.quote, ip.isCanonical) parses as a method on an identifier.
        const t = v.target as Node | undefined;
        if (t?.exprKind.case === 'identExpr' && !variables.has(t.exprKind.value.name) && !scope.has(t.exprKind.value.name) && env.funcs.find(`${t.exprKind.value.name}.${v.function}`)) {
          for (const x of v.args) {
            const e = walk(x, scope);
            if (e) return e;
          }
          return undefined;
        }
        for (const x of [v.target, ...v.args]) {
          const e = walk(x, scope);
          if (e) return e;
        }
        if (/^[A-Za-z_][A-Za-z0-9_.]*$/.test(v.function) && !env.funcs.find(v.function)) {
          return `undeclared reference to '${v.function}': no such function`;
        }
        return undefined;
      }
      case 'listExpr':
        for (const x of v.elements) {
          const e = walk(x, scope);
          if (e) return e;
        }
        return undefined;
      case 'structExpr':
        for (const en of v.entries) {
          const e = (en.keyKind?.case === 'mapKey' ? walk(en.keyKind.value, scope) : undefined) ?? walk(en.value, scope);
          if (e) return e;
        }
        return undefined;
      case 'comprehensionExpr': {
        const e = walk(v.iterRange, scope) ?? walk(v.accuInit, scope);
        if (e) return e;
        const inner = new Set(scope);
        inner.add(v.iterVar);
        if (v.iterVar2) inner.add(v.iterVar2);
        inner.add(v.accuVar);
        return walk(v.loopCondition, inner) ?? walk(v.loopStep, inner) ?? walk(v.result, new Set([...scope, v.accuVar]));
      }
      default:
        return undefined;
    }
  };
  return walk(root, new Set());
}

const cache = new Map<string, { program?: CelProgram; error?: CelCompileError }>();

/**
 * Compiles an expression once (cached by text and variable names). Errors carry the position
 * inside the expression.
 */
export function compileCel(expression: string, variables: readonly string[]): { program?: CelProgram; error?: CelCompileError } {
  const key = `${variables.join(',')}\u0000${expression}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const env = kubernetesCelEnv();
  let res: { program?: CelProgram; error?: CelCompileError };
  try {
    const parsed = parse(expression);
    const problem = checkAst(parsed.expr as unknown as Node, new Set(variables), env);
    if (problem) {
      res = { error: { message: problem, ...positionOf(expression, parsed, problem) } };
    } else {
      const fn = plan(env, parsed) as (b: Record<string, unknown>) => unknown;
      res = {
        program: {
          expression,
          eval(bindings) {
            try {
              const v = fn(bindings);
              if (isCelError(v)) return { ok: false, error: v.message };
              return { ok: true, value: v };
            } catch (e) {
              return { ok: false, error: e instanceof Error ? e.message : String(e) };
            }
          },
        },
      };
    }
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const m = /^<input>:(\d+):(\d+): (.*)$/s.exec(msg);
    res = { error: m ? { message: m[3], line: Number(m[1]), column: Number(m[2]) } : { message: msg, line: 1, column: 1 } };
  }
  if (cache.size > 10000) cache.clear();
  cache.set(key, res);
  return res;
}

function positionOf(expression: string, _parsed: unknown, problem: string): CelPosition {
  // The position of the offending name in the text (the parser's offsets are not exported).
  const m = /'([^']+)'/.exec(problem);
  const i = m ? expression.search(new RegExp(`(?<![A-Za-z0-9_])${m[1].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9_])`)) : -1;
  return offsetToPosition(expression, i < 0 ? 0 : i);
}

export function offsetToPosition(text: string, offset: number): CelPosition {
  let line = 1;
  let col = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      col = 1;
    } else col++;
  }
  return { line, column: col };
}

/** A map whose values are computed on first read (admission `variables`). */
export class LazyMap implements ReadonlyMap<string, unknown> {
  private readonly done = new Map<string, unknown>();
  private readonly busy = new Set<string>();
  constructor(
    private readonly names: readonly string[],
    private readonly compute: (name: string) => unknown,
  ) {}
  get size(): number {
    return this.names.length;
  }
  has(k: string): boolean {
    return this.names.includes(k);
  }
  get(k: string): unknown {
    if (!this.has(k)) return undefined;
    if (this.done.has(k)) return this.done.get(k);
    if (this.busy.has(k)) throw new Error(`variable ${k} refers to itself`);
    this.busy.add(k);
    try {
      const v = this.compute(k);
      this.done.set(k, v);
      return v;
    } finally {
      this.busy.delete(k);
    }
  }
  forEach(cb: (v: unknown, k: string, m: ReadonlyMap<string, unknown>) => void): void {
    for (const k of this.names) cb(this.get(k), k, this);
  }
  *entries(): MapIterator<[string, unknown]> {
    for (const k of this.names) yield [k, this.get(k)];
  }
  *keys(): MapIterator<string> {
    yield* this.names;
  }
  *values(): MapIterator<unknown> {
    for (const k of this.names) yield this.get(k);
  }
  [Symbol.iterator](): MapIterator<[string, unknown]> {
    return this.entries();
  }
}

/** `variables` for a program: each value computed on first read, then kept. */
export function lazyVariables(names: readonly string[], compute: (name: string) => unknown): CelMap {
  return celMap(new LazyMap(names, compute) as unknown as ReadonlyMap<string, never>);
}

export type { CelList, CelMap };

/**
 * One CRD `x-kubernetes-validations` rule on create, for the CRD-schema check: `self` is the
 * value the rule sits on (JSON), `oldSelf` does not exist on create, so a transition rule
 * (one that reads `oldSelf`) is not evaluated. `passed` is undefined when the rule did not
 * run (transition rule, compile or evaluation error: see `error`).
 */
export function evalCrdRule(rule: string, self: Json): { passed?: boolean; transition?: boolean; error?: string; compileError?: CelCompileError } {
  const c = compileCel(rule, ['self', 'oldSelf']);
  if (c.error) return { compileError: c.error };
  if (/(?<![A-Za-z0-9_.])oldSelf(?![A-Za-z0-9_])/.test(rule)) return { transition: true };
  const r = c.program!.eval({ self: toCel(self), oldSelf: null });
  if (!r.ok) return { error: r.error };
  if (typeof r.value !== 'boolean') return { error: 'the rule does not evaluate to a bool' };
  return { passed: r.value };
}
