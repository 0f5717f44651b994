/** Issue 17 point 2 end to end: custom resources against their CRD's schema (in the tree, or vendored with --crds). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FIX, kforge, parseFindings, where } from './helpers.js';

const CR = `${FIX}/crd-schema/bases/mq/cluster.yaml`;

test('a CRD in the tree: missing, misspelt and out-of-enum fields at their lines; a version it does not serve; its CEL rule with its message', async () => {
  const r = await kforge(['check', `${FIX}/crd-schema/overlays/prod`, '--format', 'json']);
  assert.is(r.code, 1);
  assert.is(r.err, '');
  const findings = parseFindings(r.out);
  assert.equal(where(findings), [`crd-schema error ${CR}:6`, `crd-schema error ${CR}:7`, `crd-schema error ${CR}:10`, `unknown-api warning ${CR}:28`, `crd-schema error ${CR}:40`]);
  assert.equal(findings.map((f) => f.pointer), ['/spec', '/spec/replica', '/spec/service/type', '/apiVersion', '/spec/replicas']);
  assert.is(findings[4].message, 'replicas must be odd (x-kubernetes-validations of CRD queueclusters.mq.kforge.dev v1)');
  assert.match(findings[0].message, /^missing required field spec\.replicas \(CRD queueclusters\.mq\.kforge\.dev v1\)$/);
  assert.match(findings[1].message, /^unknown field spec\.replica \(did you mean replicas\?\)/);
  assert.match(findings[2].message, /spec\.service\.type: must be one of "ClusterIP", "NodePort", "LoadBalancer"/);
  assert.match(findings[3].message, /does not serve v2 \(it serves v1\); did you mean mq\.kforge\.dev\/v1\?/);
  assert.ok(findings.every((f) => f.resource.name !== 'valid'), 'nullable, int-or-string (number or string) and preserve-unknown-fields pass');
});

test('vendored CRDs (--crds): the custom resource of an operator the tree does not carry is checked too', async () => {
  const r = await kforge(['check', `${FIX}/crd-schema/overlays/prod`, '--format', 'json', '--crds', `${FIX}/crd-schema/crds`]);
  assert.is(r.code, 1);
  const s = `${FIX}/crd-schema/bases/mq/secret.yaml`;
  const findings = parseFindings(r.out).filter((f) => f.source?.file === s);
  assert.equal(where(findings), [`crd-schema error ${s}:8`, `crd-schema error ${s}:12`]);
  assert.match(findings[0].message, /spec\.store: expected object \(CRD storesecrets\.secrets\.kforge\.dev v1\)/);
  assert.match(findings[1].message, /missing required field spec\.keys\.1\.remoteKey/);
});

test('a --crds folder that does not exist is an error (exit 2)', async () => {
  const r = await kforge(['check', `${FIX}/crd-schema/overlays/prod`, '--crds', `${FIX}/crd-schema/nope`]);
  assert.is(r.code, 2);
  assert.match(r.err, /KF4112: CRD folder .*nope does not exist/);
});

test.run();
