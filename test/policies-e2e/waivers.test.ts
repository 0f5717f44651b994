/**
 * Waivers end to end through `kforge check DIR --waivers FILE`: a valid waiver silences its
 * finding and is counted, a waiver without a reason makes the input unusable (exit 2, with its
 * line), an expired waiver turns back into its finding (KFORGE_TODAY injects the date), a stale
 * waiver is reported, and locked checks cannot be waived in prod.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FIX, kforge, parseFindings, where } from './helpers.js';

const W = `${FIX}/waivers`;
const HEAP = `${FIX}/jvm-heap/overlays/prod`;
const HEAP_LINE = `jvm-heap error ${FIX}/jvm-heap/overlays/prod/heap.yaml:13`;

test('valid waiver: the finding is waived and counted, exit 0', async () => {
  const r = await kforge(['check', HEAP, '--waivers', `${W}/valid.yaml`]);
  assert.is(r.code, 0);
  assert.is(r.err, '');
  assert.match(r.out, /0 error\(s\), 0 warning\(s\), 1 waived, 0 baselined/);
  const j = await kforge(['check', HEAP, '--waivers', `${W}/valid.yaml`, '--format', 'json']);
  assert.is(j.code, 0);
  assert.equal(parseFindings(j.out), []);
});

test('valid waiver: valid through its expiry day', async () => {
  const r = await kforge(['check', HEAP, '--waivers', `${W}/valid.yaml`], { KFORGE_TODAY: '2029-12-31' });
  assert.is(r.code, 0);
  assert.match(r.out, /1 waived/);
});

test('waiver without reason: exit 2, a diagnostic with file:line:column, nothing on stdout', async () => {
  const r = await kforge(['check', HEAP, '--waivers', `${W}/no-reason.yaml`, '--format', 'json']);
  assert.is(r.code, 2);
  assert.is(r.out, '');
  assert.match(r.err, `${W}/no-reason.yaml:10:3: error KF4101: waiver without \`reason\``);
  assert.match(r.err, /hint: say why the finding is acceptable/);
});

test('missing waivers file: exit 2', async () => {
  const r = await kforge(['check', HEAP, '--waivers', `${W}/no-such-file.yaml`]);
  assert.is(r.code, 2);
  assert.is(r.out, '');
  assert.match(r.err, /KF1002: waivers file .*no-such-file\.yaml not found/);
});

test('expired waiver (KFORGE_TODAY=2030-01-01): the finding comes back, exit 1', async () => {
  const r = await kforge(['check', HEAP, '--waivers', `${W}/valid.yaml`, '--format', 'json'], { KFORGE_TODAY: '2030-01-01' });
  assert.is(r.code, 1);
  assert.equal(where(parseFindings(r.out)), [HEAP_LINE]);
  const t = await kforge(['check', HEAP, '--waivers', `${W}/valid.yaml`], { KFORGE_TODAY: '2030-01-01' });
  assert.match(t.out, /1 error\(s\), 0 warning\(s\), 0 waived/);
});

test('expired waiver: kforge says why the finding came back (KF4102 with the waiver line on stderr)', async () => {
  const r = await kforge(['check', HEAP, '--waivers', `${W}/valid.yaml`, '--format', 'json'], { KFORGE_TODAY: '2030-01-01' });
  assert.match(r.err, `${W}/valid.yaml:3:3: warning KF4102: waiver for jvm-heap expired on 2029-12-31`);
});

test('stale waiver: reported in the text report with its line; the matching one still applies', async () => {
  const r = await kforge(['check', HEAP, '--waivers', `${W}/stale.yaml`]);
  assert.is(r.code, 0);
  assert.match(r.out, /1 waived/);
  assert.match(r.out, `stale waiver for jvm-heap at ${W}/stale.yaml:10: it matches no finding`);
});

test('stale waiver: reported in every format (KF4103 with its line on stderr, also for --format json)', async () => {
  const r = await kforge(['check', HEAP, '--waivers', `${W}/stale.yaml`, '--format', 'json']);
  assert.is(r.code, 0);
  assert.match(r.err, `${W}/stale.yaml:10:3: warning KF4103: waiver for jvm-heap matches no finding`);
});

test('locked check (plaintext-secret) cannot be waived with --env prod: KF4104 at the waiver line, exit 2', async () => {
  const tree = `${FIX}/erlang-cookie/overlays/prod`;
  const r = await kforge(['check', tree, '--env', 'prod', '--waivers', `${W}/locked.yaml`, '--format', 'json']);
  assert.is(r.code, 2);
  assert.is(r.out, '');
  assert.match(r.err, `${W}/locked.yaml:3:3: error KF4104: plaintext-secret cannot be waived in prod (1 finding(s) stay)`);
  // the directory's own name (prod) is prod too
  const byName = await kforge(['check', tree, '--waivers', `${W}/locked.yaml`]);
  assert.is(byName.code, 2);
  // in dev the same waiver applies
  const dev = await kforge(['check', tree, '--env', 'dev', '--waivers', `${W}/locked.yaml`]);
  assert.is(dev.code, 0);
  assert.match(dev.out, /0 error\(s\), 0 warning\(s\), 1 waived/);
});

test('locked check (removed-api) cannot be waived in prod; staging may waive it', async () => {
  const tree = `${FIX}/nsq-daemonset/overlays/prod`;
  const r = await kforge(['check', tree, '--env', 'prod', '--waivers', `${W}/locked.yaml`]);
  assert.is(r.code, 2);
  assert.match(r.err, `${W}/locked.yaml:10:3: error KF4104: removed-api cannot be waived in prod`);
  const staging = await kforge(['check', tree, '--env', 'staging', '--waivers', `${W}/locked.yaml`]);
  assert.is(staging.code, 0);
  assert.match(staging.out, /1 waived/);
});

test('a waiver limited to environments: [dev] does not apply in prod', async () => {
  const tree = `${FIX}/untagged-image/overlays/prod`;
  const prod = await kforge(['check', tree, '--waivers', `${W}/environments.yaml`, '--format', 'json']);
  assert.is(prod.code, 1);
  assert.equal(parseFindings(prod.out).map((f) => f.id), ['image-tag']);
  const dev = await kforge(['check', tree, '--env', 'dev', '--waivers', `${W}/environments.yaml`]);
  assert.is(dev.code, 0);
  assert.match(dev.out, /0 error\(s\), 0 warning\(s\), 1 waived/);
});

test.run();
