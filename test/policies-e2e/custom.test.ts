/** Issue 17 point 3 end to end: the repository's own custom check runs in `kforge check` with the built-ins. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FIX, kforge, parseFindings, where } from './helpers.js';

test('seed 003: the custom check storage-class-annotation finds the alpha annotation at its line (error in prod, warning in dev)', async () => {
  const f = `${FIX}/storage-class-annotation/bases/emqx/statefulset.yaml`;
  const prod = await kforge(['check', `${FIX}/storage-class-annotation/overlays/prod`, '--format', 'json']);
  assert.is(prod.err, '');
  assert.is(prod.code, 1);
  const findings = parseFindings(prod.out);
  assert.equal(where(findings), [`storage-class-annotation error ${f}:55`]);
  assert.match(findings[0].message, /asks for storage class manual with volume\.alpha\.kubernetes\.io\/storage-class \(ignored by Kubernetes\)/);
  const dev = await kforge(['check', `${FIX}/storage-class-annotation/overlays/dev`, '--format', 'json']);
  assert.is(dev.code, 0);
  assert.equal(where(parseFindings(dev.out)), [`storage-class-annotation warning ${f}:55`]);
});

test('SARIF output lists the custom check as a rule', async () => {
  const r = await kforge(['check', `${FIX}/storage-class-annotation/overlays/prod`, '--format', 'sarif']);
  const sarif = JSON.parse(r.out) as { runs: { tool: { driver: { rules: { id: string }[] } }; results: { ruleId: string }[] }[] };
  assert.ok(sarif.runs[0].tool.driver.rules.some((x) => x.id === 'storage-class-annotation'));
  assert.equal(sarif.runs[0].results.map((x) => x.ruleId), ['storage-class-annotation']);
});

test.run();
