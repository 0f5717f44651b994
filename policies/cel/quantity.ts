/**
 * Kubernetes resource quantities (`resource.Quantity`) for CEL's `quantity()` library: the
 * serialization rules of k8s.io/apimachinery (a signed decimal number followed by a binary SI
 * suffix Ki…Ei, a decimal SI suffix n u m k M G T P E, or a decimal exponent e/E±N), held
 * exactly as a reduced fraction of bigints.
 */

export interface Quantity {
  /** value = num / den, den > 0, reduced. */
  num: bigint;
  den: bigint;
}

const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const RE = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$/;

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  while (b) [a, b] = [b, a % b];
  return a;
}

export function makeQuantity(num: bigint, den: bigint): Quantity {
  if (den < 0n) [num, den] = [-num, -den];
  const g = gcd(num, den) || 1n;
  return { num: num / g, den: den / g };
}

/** Parses a quantity string; undefined when it is not one. */
export function parseQuantity(s: string): Quantity | undefined {
  const m = RE.exec(s);
  if (!m) return undefined;
  let digits = m[1];
  let sign = 1n;
  if (digits[0] === '+' || digits[0] === '-') {
    if (digits[0] === '-') sign = -1n;
    digits = digits.slice(1);
  }
  const dot = digits.indexOf('.');
  const frac = dot < 0 ? '' : digits.slice(dot + 1);
  const whole = dot < 0 ? digits : digits.slice(0, dot);
  let num = sign * BigInt((whole || '0') + frac);
  let den = 10n ** BigInt(frac.length);
  const suffix = m[2] ?? '';
  if (suffix in BINARY) num *= 2n ** BigInt(BINARY[suffix]);
  else {
    const exp = suffix in DECIMAL ? DECIMAL[suffix] : Number(suffix.slice(1));
    if (Math.abs(exp) > 1000) return undefined;
    if (exp >= 0) num *= 10n ** BigInt(exp);
    else den *= 10n ** BigInt(-exp);
  }
  return makeQuantity(num, den);
}

export function compareQuantity(a: Quantity, b: Quantity): number {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

export function addQuantity(a: Quantity, b: Quantity, sign: 1n | -1n = 1n): Quantity {
  return makeQuantity(a.num * b.den + sign * b.num * a.den, a.den * b.den);
}

/** A canonical text (`num/den`), so that equal quantities compare equal in CEL. */
export function quantityKey(q: Quantity): string {
  return `${q.num}/${q.den}`;
}

export function quantityFromKey(k: string): Quantity {
  const [n, d] = k.split('/');
  return { num: BigInt(n), den: BigInt(d) };
}
