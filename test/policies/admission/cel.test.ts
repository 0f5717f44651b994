import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileCel, evalCrdRule, fromCel, lazyVariables, toCel } from '../../../policies/cel/index.js';
import { parseQuantity, compareQuantity } from '../../../policies/cel/quantity.js';

function ev(expr: string, vars: Record<string, unknown> = {}): unknown {
  const c = compileCel(expr, Object.keys(vars));
  if (c.error) throw new Error(`compile: ${c.error.message}`);
  const r = c.program!.eval(vars);
  if (!r.ok) return `error: ${r.error}`;
  return fromCel(r.value);
}

const CASES: [string, unknown][] = [
  // strings
  ["'Hello'.lowerAscii() + 'x'.upperAscii()", 'helloX'],
  ["'a,b,c'.split(',')", ['a', 'b', 'c']],
  ["['a', 'b'].join('-')", 'a-b'],
  ["'aXbX'.replace('X', '_')", 'a_b_'],
  ["'  t '.trim()", 't'],
  ["'hello'.indexOf('l')", 2],
  ["'hello'.lastIndexOf('l')", 3],
  ["'hello'.substring(1, 3)", 'el'],
  ["'hello'.charAt(1)", 'e'],
  ["'abc'.reverse()", 'cba'],
  ['strings.quote(\'a"b\')', '"a\\"b"'],
  // lists
  ['[1, 2, 2].isSorted() && ![2, 1].isSorted()', true],
  ['[1, 2, 3].sum()', 6],
  ['[1.5, 2.5].sum()', 4],
  ['[3, 1, 2].min()', 1],
  ["['b', 'c', 'a'].max()", 'c'],
  ['[1, 2, 3, 2].indexOf(2)', 1],
  ['[1, 2, 3, 2].lastIndexOf(2)', 3],
  ['[1, 2, 3].indexOf(9)', -1],
  ['[1, 2, 3, 4].slice(1, 3)', [2, 3]],
  ['[[1], [2, [3]]].flatten()', [1, 2, [3]]],
  ['[[1], [2, [3]]].flatten(2)', [1, 2, 3]],
  ['[1, 2, 1].distinct()', [1, 2]],
  ['[3, 1, 2].sort()', [1, 2, 3]],
  ['[].min()', 'error: min() of an empty list'],
  // regex
  ["'abc 123 45'.find('[0-9]+')", '123'],
  ["'abc'.find('[0-9]+')", ''],
  ["'abc 123 45'.findAll('[0-9]+')", ['123', '45']],
  ["'a1b2c3'.findAll('[0-9]', 2)", ['1', '2']],
  ["'ABC'.matches('(?i)^abc$')", true],
  // quantity
  ["quantity('1Gi').isGreaterThan(quantity('1000Mi'))", true],
  ["quantity('500m').isLessThan(quantity('1'))", true],
  ["quantity('1k').compareTo(quantity('1000'))", 0],
  ["quantity('1Gi') == quantity('1024Mi')", true],
  ["quantity('1.5').add(quantity('500m')).asInteger()", 2],
  ["quantity('2').sub(1).asInteger()", 1],
  ["quantity('1.5').isInteger()", false],
  ["quantity('1.5').asApproximateFloat()", 1.5],
  ["quantity('-3').sign()", -1],
  ["quantity('1e3').asInteger()", 1000],
  ["isQuantity('10Gi') && !isQuantity('10GB') && !isQuantity('')", true],
  ["quantity('10GB')", 'error'],
  ["quantity('1.5').asInteger()", 'error: cannot convert value to integer'],
  // url
  ["url('https://example.com:8443/a/b?x=1&x=2').getScheme()", 'https'],
  ["url('https://example.com:8443/a/b').getHost()", 'example.com:8443'],
  ["url('https://[::1]:80/').getHostname()", '::1'],
  ["url('https://example.com:8443/a').getPort()", '8443'],
  ["url('https://example.com/a%20b').getEscapedPath()", '/a%20b'],
  ["url('https://example.com/?x=1&x=2&y=3').getQuery()", { x: ['1', '2'], y: ['3'] }],
  ["isURL('/absolute/path') && !isURL('relative')", true],
  // ip / cidr
  ["isIP('10.0.0.1') && isIP('::1') && !isIP('10.0.0.256') && !isIP('fe80::1%eth0')", true],
  ["ip('10.0.0.1').family()", 4],
  ["ip('::1').isLoopback() && ip('127.0.0.2').isLoopback()", true],
  ["ip('0.0.0.0').isUnspecified()", true],
  ["ip('169.254.1.1').isLinkLocalUnicast()", true],
  ["ip('8.8.8.8').isGlobalUnicast() && !ip('127.0.0.1').isGlobalUnicast()", true],
  ["cidr('10.0.0.0/8').containsIP('10.1.2.3') && !cidr('10.0.0.0/8').containsIP(ip('11.0.0.1'))", true],
  ["cidr('2001:db8::/32').containsIP('2001:db8:1::1')", true],
  ["cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16') && !cidr('10.1.0.0/16').containsCIDR('10.0.0.0/8')", true],
  ["cidr('10.1.2.3/8').prefixLength()", 8],
  ["string(cidr('10.1.2.3/8').masked())", '10.0.0.0/8'],
  ["string(cidr('10.1.2.3/8').ip())", '10.1.2.3'],
  ["isCIDR('10.0.0.0/33')", false],
];

test('Kubernetes CEL libraries', () => {
  for (const [e, want] of CASES) {
    const got = ev(e);
    if (want === 'error') assert.type(got, 'string', e), assert.ok(String(got).startsWith('error'), `${e} => ${JSON.stringify(got)}`);
    else assert.equal(got, want, e);
  }
});

test('JSON integers are CEL ints, others doubles; has() and macros work on objects', () => {
  const object = toCel({ spec: { replicas: 3, ratio: 0.5, containers: [{ name: 'a', resources: { limits: { memory: '1Gi' } } }, { name: 'b' }] } });
  assert.is(ev('object.spec.replicas * 2', { object }), 6);
  assert.is(ev("type(object.spec.replicas) == int && type(object.spec.ratio) == double", { object }), true);
  assert.is(ev('has(object.spec.replicas) && !has(object.spec.nope)', { object }), true);
  assert.equal(ev('object.spec.containers.filter(c, !has(c.resources)).map(c, c.name)', { object }), ['b']);
  assert.is(ev("object.spec.containers.exists_one(c, has(c.resources) && quantity(c.resources.limits.memory).isGreaterThan(quantity('512Mi')))", { object }), true);
  assert.match(String(ev('object.spec.nope', { object })), /^error: /);
});

test('compile errors: syntax, undeclared names, unknown functions, with their position in the expression', () => {
  const err = (e: string, vars = ['object']) => compileCel(e, vars).error;
  assert.equal(err('object.spec.x >'), { message: err('object.spec.x >')!.message, line: 1, column: 15 });
  assert.match(err('objekt.spec')!.message, /undeclared reference to 'objekt'/);
  assert.equal({ line: err('object.x &&\n  object.y.lowerAsci() == ""')!.line, column: err('object.x &&\n  object.y.lowerAsci() == ""')!.column }, { line: 2, column: 12 });
  assert.match(err('frobnicate(object)')!.message, /no such function/);
  assert.is(err('object.spec.all(x, x > 0) && [1].exists(y, y == 1)'), undefined, 'comprehension variables are declared');
  assert.match(err('x.a.?b')!.message, /./, 'optional syntax is not supported');
});

test('lazy variables: computed on first read, once, and errors surface where read', () => {
  let n = 0;
  const variables = lazyVariables(['a', 'bad'], (k) => {
    n++;
    if (k === 'bad') throw new Error('boom');
    return 2n;
  });
  assert.is(ev('variables.a * variables.a', { variables }), 4);
  assert.is(n, 1);
  assert.match(String(ev('variables.bad', { variables })), /boom/);
});

test('quantity parsing follows the Kubernetes rules', () => {
  for (const ok of ['1', '+1', '-1.5', '.5', '5.', '1Ki', '1Ei', '100m', '2u', '3n', '1e3', '1E-3', '1k', '1M', '1G', '1T', '1P', '1E']) assert.ok(parseQuantity(ok), ok);
  for (const bad of ['', '1KB', '1 Gi', 'Gi', '1.2.3', '--1', '1e', '1ki', '1mi']) assert.is(parseQuantity(bad), undefined, bad);
  assert.is(compareQuantity(parseQuantity('1Mi')!, parseQuantity('1048576')!), 0);
  assert.is(compareQuantity(parseQuantity('1M')!, parseQuantity('1Mi')!), -1);
});

test('evalCrdRule: x-kubernetes-validations on create (self; oldSelf rules are transition rules and do not run)', () => {
  assert.equal(evalCrdRule('self.minReplicas <= self.maxReplicas', { minReplicas: 3, maxReplicas: 2 }), { passed: false });
  assert.equal(evalCrdRule("self.all(k, k.startsWith('x-'))", { 'x-a': 1 }), { passed: true });
  assert.equal(evalCrdRule('self == oldSelf', 'a'), { transition: true });
  assert.is(evalCrdRule('self.size() >', 'a').compileError?.column, 13);
  assert.match(evalCrdRule('self.nope > 1', {}).error ?? '', /nope/);
});

test.run();
