/** Issue 17 point 3: custom checks in TypeScript (policies/custom/*.ts, defineCheck). */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromYaml, env, TODAY, locateFieldFrom, lineOf } from './helpers.js';
import { runChecks, CHECKS, formatSarif } from '../../policies/index.js';
import { defineCheck, loadCustomChecks, pointerOf } from '../../policies/custom.js';
import { byKey } from '../../compiler/patch/typed.js';
import storageClassAnnotation from '../../policies/custom/storage-class-annotation.js';
import { repoRoot } from '../helpers.js';
import type { V1StatefulSet } from '@kubernetes/client-node';

const STS = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: emqx, namespace: mq}
spec:
  serviceName: emqx-headless
  selector: {matchLabels: {app: emqx}}
  template:
    metadata: {labels: {app: emqx}}
    spec:
      containers:
      - name: emqx
        image: emqx/emqx:5.8.1
  volumeClaimTemplates:
  - metadata:
      name: data
      annotations:
        volume.beta.kubernetes.io/storage-class: fast
    spec: {storageClassName: fast}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: logs
  namespace: mq
  annotations:
    volume.alpha.kubernetes.io/storage-class: manual
spec: {accessModes: [ReadWriteOnce]}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: fine, namespace: mq}
spec: {storageClassName: manual}
`;

function runCustom(yaml: string, checks: ReturnType<typeof defineCheck>[], envName = 'prod', extra = {}) {
  return runChecks(fromYaml(yaml), env(envName, extra), { today: TODAY, locateField: locateFieldFrom({ 'test.yaml': yaml }), custom: checks, only: checks.map((c) => c.id) });
}

test('the worked example storage-class-annotation: typed paths point at the annotation line', () => {
  const r = runCustom(STS, [storageClassAnnotation]);
  assert.equal(r.findings.map((f) => `${f.id} ${f.severity} ${f.source?.line}`), [
    `storage-class-annotation error ${lineOf(STS, 'volume.beta')}`,
    `storage-class-annotation error ${lineOf(STS, 'volume.alpha')}`,
  ]);
  assert.is(r.findings[0].pointer, '/spec/volumeClaimTemplates/0/metadata/annotations/volume.beta.kubernetes.io~1storage-class');
  assert.match(r.findings[0].message, /volumeClaimTemplate data asks for storage class fast with volume\.beta\.kubernetes\.io\/storage-class \(deprecated\); spec\.storageClassName fast is set too/);
  assert.match(r.findings[1].message, /PersistentVolumeClaim logs .* \(ignored by Kubernetes\)/);
  assert.equal(runCustom(STS, [storageClassAnnotation], 'dev').findings.map((f) => f.severity), ['warning', 'warning']);
});

test('a custom check that throws is a KF4111 diagnostic naming it, never a crash; the other checks still run', () => {
  const boom = defineCheck({ id: 'boom', title: 'Boom', hint: 'h', severity: { dev: 'error', staging: 'error', prod: 'error' }, run() { throw new Error('kaput'); } });
  const rs = fromYaml(STS);
  const r = runChecks(rs, env('prod'), { today: TODAY, custom: [boom, storageClassAnnotation], only: ['boom', 'storage-class-annotation'] });
  assert.equal(r.diagnostics.map((d) => `${d.code} ${d.severity} ${d.message}`), ['KF4111 error custom check boom threw: kaput']);
  assert.match(r.diagnostics[0].location?.file ?? '', /custom\.test\.(ts|js)$/, 'the diagnostic points at where defineCheck was called');
  assert.is(r.findings.length, 2);
});

test('custom checks share waivers, severity overrides and SARIF rules with the built-ins', () => {
  const rs = fromYaml(STS);
  const waivers = [{ check: 'storage-class-annotation', kind: 'PersistentVolumeClaim', name: 'logs', reason: 'the logs volume is recreated by hand on a legacy cluster', owner: 'platform', expires: '2099-01-01' }];
  const r = runChecks(rs, env('prod'), { today: TODAY, custom: [storageClassAnnotation], waivers, only: ['storage-class-annotation'] });
  assert.equal(r.counts, { error: 1, warning: 0, waived: 1, baselined: 0 });
  const off = runChecks(rs, env('prod', { policies: { 'storage-class-annotation': 'off' } }), { today: TODAY, custom: [storageClassAnnotation] });
  assert.ok(off.findings.every((f) => f.id !== 'storage-class-annotation'));
  assert.ok(!off.diagnostics.some((d) => d.code === 'KF4105'), 'a custom id is a known id for overrides');
  const sarif = JSON.parse(formatSarif(r, [...CHECKS, storageClassAnnotation])) as { runs: { tool: { driver: { rules: { id: string }[] } }; results: { ruleId: string; ruleIndex: number }[] }[] };
  const rules = sarif.runs[0].tool.driver.rules.map((x) => x.id);
  assert.ok(rules.includes('storage-class-annotation'));
  const res = sarif.runs[0].results.find((x) => x.ruleId === 'storage-class-annotation');
  assert.is(rules[res!.ruleIndex], 'storage-class-annotation');
});

test('pointerOf: typed paths with byKey resolve against the object', () => {
  const sts = fromYaml(STS)[0].object as unknown as V1StatefulSet;
  assert.is(pointerOf(sts, (s) => byKey(s.spec.template.spec.containers, 'name', 'emqx').image), '/spec/template/spec/containers/0/image');
  assert.is(pointerOf(sts, (s) => byKey(s.spec.template.spec.containers, 'name', 'nope').image), '/spec/template/spec/containers', 'a missing item points at its list');
});

function tempRepo(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-custom-'));
  const old = new Date(Date.now() - 60_000);
  for (const [f, text] of Object.entries(files)) {
    const p = path.join(dir, f);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
    if (f.endsWith('.ts')) fs.utimesSync(p, old, old);
  }
  return dir;
}

const API = pathToFileURL(path.join(repoRoot(), 'dist', 'policies', 'custom.js')).href;
const js = (id: string) => `import { defineCheck } from ${JSON.stringify(API)};\nexport default defineCheck({ id: ${JSON.stringify(id)}, title: 't', hint: 'h', severity: { dev: 'off', staging: 'warning', prod: 'error' }, run() {} });\n`;

test('loadCustomChecks: loads compiled checks; ids taken by a built-in or another file, bad ids, stale or foreign files are errors at the file', async () => {
  const dir = tempRepo({
    'policies/custom/a-ok.ts': '// source\n',
    'dist/policies/custom/a-ok.js': js('my-rule'),
    'policies/custom/b-builtin.ts': '',
    'dist/policies/custom/b-builtin.js': js('schema'),
    'policies/custom/c-dup.ts': '',
    'dist/policies/custom/c-dup.js': js('my-rule'),
    'policies/custom/d-bad-id.ts': '',
    'dist/policies/custom/d-bad-id.js': js('My_Rule'),
    'policies/custom/e-not-compiled.ts': '',
    'policies/custom/f-foreign.ts': '',
    'dist/policies/custom/f-foreign.js': 'export default { id: "x" };\n',
    'policies/custom/g-throws.ts': '',
    'dist/policies/custom/g-throws.js': 'throw new Error("top-level failure");\n',
    'policies/custom/types.d.ts': '',
  });
  try {
    const { checks, diagnostics } = await loadCustomChecks(dir, CHECKS);
    assert.equal(checks.map((c) => c.id), ['my-rule']);
    const ds = diagnostics.map((d) => `${d.code} ${d.severity} ${path.basename(d.location?.file ?? '')} ${d.message.replace(/.*?(policies\/custom\/)/, '$1')}`);
    assert.is(ds.length, 6, ds.join("\\n"));
    assert.match(ds[0], /^KF4110 error .*b-builtin\.ts is already taken by a built-in check$/);
    assert.match(ds[1], /^KF4110 error .*c-dup\.ts is already taken by custom check .*a-ok\.ts$/);
    assert.match(ds[2], /^KF4110 error d-bad-id\.js .*d-bad-id\.ts is not lowercase words/, ds[2]);
    assert.match(diagnostics[2].message, /"My_Rule"/);
    assert.match(ds[3], /^KF4109 error e-not-compiled\.ts .*is not compiled/);
    assert.match(ds[4], /^KF4109 error f-foreign\.ts .*must export default defineCheck/);
    assert.match(ds[5], /^KF4109 error g-throws\.ts .*failed to load: top-level failure/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('loadCustomChecks: a repository without policies/custom has none', async () => {
  const dir = tempRepo({ 'README.md': '' });
  try {
    assert.equal(await loadCustomChecks(dir, CHECKS), { checks: [], diagnostics: [] });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
