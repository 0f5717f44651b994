/**
 * The repository's own environments pass their own checks: `kforge check prod` and
 * `kforge check staging` exit 0 with no error and no warning, dev has no error, and the
 * repository's policies/waivers.yaml is valid, carries only waivers with a reason, an owner
 * and a date, and none of them is stale or expired.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT, TODAY, kforge, parseFindings } from './helpers.js';
import { renderEnvironment } from '../../compiler/render.js';
import { parseWaivers } from '../../policies/waivers.js';

async function checkEnv(env: string): Promise<{ code: number; findings: ReturnType<typeof parseFindings>; err: string }> {
  const r = await kforge(['check', env, '--format', 'json']);
  return { code: r.code, findings: r.code === 2 ? [] : parseFindings(r.out), err: r.err };
}

for (const env of ['prod', 'staging']) {
  test(`kforge check ${env}: exit 0, 0 errors, 0 warnings`, async () => {
    const r = await checkEnv(env);
    assert.is(r.err, '', `stderr of check ${env}`);
    assert.is(r.code, 0);
    assert.equal(r.findings.map((f) => `${f.id} ${f.severity} ${f.source?.file}:${f.source?.line} ${f.message}`), []);
  });
}

test('kforge check dev: exit 0, 0 errors (warnings are listed in the report of the e2e task)', async () => {
  const r = await checkEnv('dev');
  assert.is(r.code, 0, r.err);
  assert.equal(r.findings.filter((f) => f.severity === 'error').map((f) => `${f.id} ${f.source?.file}:${f.source?.line}`), []);
});

test('policies/waivers.yaml: valid, every waiver has a reason, an owner and an expiry date', () => {
  const file = path.join(ROOT, 'policies', 'waivers.yaml');
  assert.ok(fs.existsSync(file), 'policies/waivers.yaml exists (an empty list when nothing is waived)');
  const { waivers, diagnostics } = parseWaivers(fs.readFileSync(file, 'utf8'), 'policies/waivers.yaml');
  assert.equal(diagnostics, []);
  for (const w of waivers) {
    assert.ok(w.reason.trim().length >= 20, `waiver for ${w.check} at line ${w.location?.line}: a real reason`);
    assert.ok(w.owner, `waiver for ${w.check} at line ${w.location?.line}: an owner`);
    assert.match(w.expires, /^\d{4}-\d{2}-\d{2}$/, `waiver for ${w.check} at line ${w.location?.line}: an expiry date`);
  }
});

test('policies/waivers.yaml: no waiver is stale or expired in dev, staging or prod', async () => {
  for (const env of ['dev', 'staging', 'prod']) {
    const r = await renderEnvironment(ROOT, env, { today: TODAY });
    assert.ok(r.value?.report, `${env} renders`);
    assert.equal(r.value!.report!.staleWaivers.map((w) => `${w.check} line ${w.location?.line}`), [], `stale waivers in ${env}`);
    assert.equal(r.diagnostics.filter((d) => d.code === 'KF4102' || d.code === 'KF4103' || d.code === 'KF4104').map((d) => d.message), [], `waiver diagnostics in ${env}`);
  }
});

test.run();
