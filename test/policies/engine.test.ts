import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromYaml, env, hits, run, TODAY, locateFieldFrom, lineOf } from './helpers.js';
import { runChecks, parseWaivers, readWaiversFile, serializeBaseline, parseBaseline, CHECKS, tierOf } from '../../policies/index.js';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { locate, locateInText } from '../../policies/locate.js';
import type { Resource } from '../../compiler/types.js';
import { syntheticResources } from '../../policies/bench.js';

const y = `apiVersion: v1
kind: Pod
metadata: {name: nsqd, namespace: nsq}
spec:
  containers:
  - name: nsqd
    image: nsqio/nsq
    resources: {requests: {cpu: 1, memory: 1Gi}, limits: {memory: 1Gi}}
    readinessProbe: {tcpSocket: {port: 4150}}
    livenessProbe: {tcpSocket: {port: 4150}}
    env:
    - {name: TOKEN, value: abc}
`;

test('registry: unique ids, complete metadata', () => {
  const ids = CHECKS.map((c) => c.id);
  assert.is(new Set(ids).size, ids.length);
  for (const c of CHECKS) assert.ok(c.title && c.doc && c.hint && c.defaultSeverity.dev && c.defaultSeverity.prod, c.id);
  assert.ok(ids.length >= 23);
});

test('tiers from environment names', () => {
  assert.equal(['prod', 'production', 'prod-eu', 'staging', 'qa', 'dev', 'local'].map((n) => tierOf(env(n))), ['prod', 'prod', 'prod', 'staging', 'staging', 'dev', 'dev']);
});

test('environment policies override severities; locked checks cannot be lowered in prod', () => {
  assert.equal(run('image-tag', y, 'dev').findings.map((f) => f.severity), ['warning']);
  assert.equal(run('image-tag', y, 'dev', { policies: { 'image-tag': 'error' } }).findings.map((f) => f.severity), ['error']);
  assert.equal(hits(run('image-tag', y, 'prod', { policies: { 'image-tag': 'off' } })), []);
  const locked = run('plaintext-secret', y, 'prod', { policies: { 'plaintext-secret': 'off' } });
  assert.equal(hits(locked), ['plaintext-secret@12']);
  assert.ok(locked.diagnostics.some((d) => d.code === 'KF4106'));
  const unknown = run('image-tag', y, 'dev', { policies: { 'image-tags': 'off' } });
  assert.ok(unknown.diagnostics.some((d) => d.code === 'KF4105' && /image-tag\?/.test(d.hint ?? '')));
});

const waiverText = `waivers:
  - check: image-tag
    resource: {kind: Pod, name: "nsq*", namespace: nsq}
    reason: upstream publishes no tags
    owner: team-mq
    expires: 2026-12-31
  - check: probes
    resource: {kind: Pod, name: /^other$/}
    reason: not needed
    owner: me
    expires: 2027-01-01
  - check: plaintext-secret
    resource: {name: nsqd}
    reason: test token
    owner: me
    expires: 2027-01-01
  - check: image-tag
    owner: me
    expires: 2026-13-01
`;

test('waivers: parse errors carry lines; reason required', () => {
  const { waivers, diagnostics } = parseWaivers(waiverText);
  assert.is(waivers.length, 3);
  assert.equal(diagnostics.filter((d) => d.severity === 'error').map((d) => d.location?.line).sort(), [17, 19]);
  assert.is(waivers[0].location?.line, 2);
});

test('waivers: matched, stale and locked', () => {
  const { waivers } = parseWaivers(waiverText);
  const rs = fromYaml(y);
  const dev = runChecks(rs, env('dev'), { today: TODAY, waivers, only: ['image-tag', 'probes', 'plaintext-secret'] });
  assert.equal(dev.findings.map((f) => [f.id, !!f.waived]), [['image-tag', true], ['plaintext-secret', true]]);
  assert.equal(dev.counts, { error: 0, warning: 0, waived: 2, baselined: 0 });
  assert.equal(dev.staleWaivers.map((w) => w.check), ['probes']);
  const prod = runChecks(rs, env('prod'), { today: TODAY, waivers, only: ['plaintext-secret'] });
  assert.equal(prod.counts.error, 1);
  assert.ok(prod.diagnostics.some((d) => d.code === 'KF4104' && d.location?.line === 12));
});

test('waivers: expired waivers stop applying and are reported', () => {
  const { waivers } = parseWaivers(waiverText);
  const r = runChecks(fromYaml(y), env('dev'), { today: '2027-01-15', waivers, only: ['image-tag'] });
  assert.equal(r.counts.waived, 0);
  assert.equal(r.counts.warning, 1);
  assert.ok(r.diagnostics.some((d) => d.code === 'KF4102' && d.location?.line === 2));
});

test('baseline: stable by id, resource and pointer; filters known findings', () => {
  const first = run(undefined, y, 'prod');
  const text = serializeBaseline(first.findings);
  assert.is(serializeBaseline([...first.findings].reverse()), text);
  const { entries, diagnostics } = parseBaseline(text);
  assert.equal(diagnostics, []);
  const moved = '# a comment moves every line\n' + y.replace('{name: TOKEN, value: abc}', '{name: TOKEN, value: abc}\n    - {name: API_KEY, value: xyz}');
  const r = runChecks(fromYaml(moved), env('prod'), { today: TODAY, baseline: entries, locateField: locateFieldFrom({ 'test.yaml': moved }) });
  assert.equal(hits(r), [`plaintext-secret@${lineOf(moved, 'API_KEY')}`]);
  assert.is(r.counts.baselined, first.findings.length);
  assert.ok(parseBaseline('{').diagnostics.length === 1);
});

test('locate: fieldSources (lazy patch line) win over the base file; then the field; then the document', () => {
  const base = fromYaml(y, 'bases/nsq/pod.yaml')[0];
  const patch = `apiVersion: v1
kind: Pod
metadata: {name: nsqd}
spec:
  containers:
  - name: nsqd
    image: nsqio/nsq
`;
  const r: Resource = {
    ...base,
    origin: {
      ...base.origin,
      fieldSources: [{ pointer: '/spec/containers/0', by: 'patches', location: { file: 'overlays/prod/patch.yaml', line: 5, column: 3 }, lazy: { text: patch, docIndex: 0, pointer: '/spec/containers/0' } }],
    },
  };
  assert.equal(locate(r, '/spec/containers/0/image'), { file: 'overlays/prod/patch.yaml', line: 7, column: 5 });
  const lf = locateFieldFrom({ 'bases/nsq/pod.yaml': y });
  assert.equal(locate(r, '/metadata/name', lf), { file: 'bases/nsq/pod.yaml', line: 3, column: 12 });
  assert.equal(locate(r, '/metadata/nothing/deeper', lf), { file: 'bases/nsq/pod.yaml', line: 3, column: 1 });
  assert.equal(locate(r, '/metadata/name'), { file: 'bases/nsq/pod.yaml', line: 1, column: 1 });
  assert.is(locateInText('a: 1\n---\nb:\n  - x\n  - y\n', 1, '/b/1')?.line, 5);
});

test('report: sorted by file, line, id; deterministic; counts', () => {
  const a = fromYaml(y, 'b.yaml');
  const b = fromYaml(y.replace('nsqd', 'other'), 'a.yaml');
  const r1 = runChecks([...a, ...b], env('prod'), { today: TODAY });
  const r2 = runChecks([...b, ...a], env('prod'), { today: TODAY });
  assert.equal(r1.findings, r2.findings);
  assert.is(r1.findings[0].source?.file, 'a.yaml');
  for (let i = 1; i < r1.findings.length; i++) {
    const p = r1.findings[i - 1].source!;
    const q = r1.findings[i].source!;
    assert.ok(p.file < q.file || (p.file === q.file && p.line <= q.line));
  }
  assert.is(r1.counts.error + r1.counts.warning, r1.findings.length);
});

test('a healthy synthetic estate gives no findings in prod (no false positives)', () => {
  const rs = syntheticResources(510); // 100 whole app units
  const r = runChecks(rs, env('prod'), { today: TODAY });
  assert.equal(r.findings.map((f) => `${f.id} ${f.message}`), []);
  assert.is(rs.length, 510);
});

test('waivers: environments limit where a waiver applies', () => {
  const { waivers } = parseWaivers(`- check: image-tag
  resource: {kind: Pod, name: nsqd}
  reason: r
  owner: o
  expires: 2030-01-01
  environments: [staging]
`);
  const rs = fromYaml(y);
  assert.is(runChecks(rs, env('dev'), { today: TODAY, waivers, only: ['image-tag'] }).counts.waived, 0);
  assert.is(runChecks(rs, env('staging'), { today: TODAY, waivers, only: ['image-tag'] }).counts.waived, 1);
});

test('waivers: a hostile file is refused within bounds (deep nesting, an alias bomb: KF4101 naming the limit; 100 MB: KF1012 before reading), not a stack overflow', () => {
  const deep = parseWaivers('waivers: ' + '['.repeat(20_000) + ']'.repeat(20_000) + '\n');
  assert.equal(deep.diagnostics.map((d) => d.code), ['KF4101']);
  assert.match(deep.diagnostics[0].message, /nesting is too deep/);
  const laughs = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 9; i++) laughs.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
  const bomb = parseWaivers(laughs.join('\n') + '\nwaivers: *a8\n');
  assert.equal(bomb.diagnostics.map((d) => d.code), ['KF4101']);
  assert.match(bomb.diagnostics[0].message, /more than 1000000 values/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-waivers-'));
  try {
    const big = path.join(dir, 'waivers.yaml');
    fs.writeFileSync(big, '');
    fs.truncateSync(big, 100 * 1024 * 1024);
    const r = readWaiversFile(big, 'policies/waivers.yaml');
    assert.equal(r.diagnostics.map((d) => d.code), ['KF1012']);
    assert.match(r.diagnostics[0].message, /100 MiB, larger than the 64 MiB/);
    assert.is(r.diagnostics[0].location?.file, 'policies/waivers.yaml');
    const ok = path.join(dir, 'ok.yaml');
    fs.writeFileSync(ok, waiverText);
    assert.equal(readWaiversFile(ok, 'ok.yaml'), parseWaivers(waiverText, 'ok.yaml'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
