/**
 * The repository's own admission policies (policies/admission): the overlays pass them, and
 * they catch what they are for (seed 000's hostPath, a prod container without limits).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as path from 'node:path';
import { renderEnvironment, fileLocator } from '../../../compiler/render.js';
import { runChecksWith } from '../../../policies/engine.js';
import { loadAdmissionDir, makeAdmissionCheck } from '../../../policies/admission/index.js';
import { repoRoot } from '../../helpers.js';
import { env, fromYaml, lineOf, locateFieldFrom, TODAY } from '../helpers.js';
import type { Resource } from '../../../compiler/types.js';

const ROOT = repoRoot();
const DIR = path.join(ROOT, 'policies', 'admission');

test('policies/admission loads without diagnostics: two policies, two bindings, one params ConfigMap', () => {
  const l = loadAdmissionDir(DIR);
  assert.equal(l.diagnostics, []);
  assert.equal(l.resources.map((r) => r.id.kind).sort(), ['ConfigMap', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'ValidatingAdmissionPolicyBinding']);
});

for (const e of ['dev', 'staging', 'prod']) {
  test(`overlays/${e} passes the repository's admission policies (they compile and run)`, async () => {
    const cwd = process.cwd();
    process.chdir(ROOT);
    try {
      const r = await renderEnvironment(ROOT, e, { today: TODAY });
      assert.ok(r.value?.report, `${e} renders`);
      assert.equal(r.value!.report!.findings.filter((f) => f.id === 'admission-policy').map((f) => f.message), []);
      assert.equal(r.diagnostics.filter((d) => /^KF412/.test(d.code)).map((d) => d.message), []);
      // The same tree with a stricter param: the prod policy runs (prod only), and points at the containers.
      const l = loadAdmissionDir(DIR);
      const strict = l.resources.map((x): Resource => (x.id.kind === 'ConfigMap' ? { ...x, object: { ...x.object, data: { minMemoryLimit: '64Gi' } } } : x));
      const rep = runChecksWith([makeAdmissionCheck({ extra: strict })], r.value!.resources, r.value!.definition.environment, { today: TODAY, locateField: fileLocator() });
      const hits = rep.findings.filter((f) => /memory limits below 64Gi/.test(f.message));
      if (e === 'prod') {
        assert.ok(hits.length > 5, `prod workloads fail a 64Gi floor (${hits.length})`);
        assert.ok(hits.every((f) => f.pointer === '/spec/template/spec/containers' && f.source && /kforge-prod-resource-limits/.test(f.message)));
      } else assert.is(hits.length, 0, `${e} namespaces are not labelled prod`);
    } finally {
      process.chdir(cwd);
    }
  });
}

test('kforge-no-host-path denies seed 000\'s hostPath (at the volumes line) and a hostPath PersistentVolume; kforge-prod-resource-limits a prod container without limits', () => {
  const tree = `apiVersion: v1
kind: Namespace
metadata:
  name: kforge-prod
  labels: {kforge.io/environment: prod}
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: nsqd
  namespace: kforge-prod
spec:
  template:
    spec:
      containers:
      - name: nsqd
        image: nsqio/nsq:v1.3.0
        resources:
          requests: {cpu: 100m}
          limits: {memory: 256Mi}
      volumes:
      - name: data
        hostPath: {path: /data/nsq}
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: rabbitmq-data-0
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  hostPath:
    path: /mnt/rabbitmq
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nolimits
  namespace: kforge-prod
spec:
  template:
    spec:
      containers:
      - name: app
        image: app:1.0
`;
  const l = loadAdmissionDir(DIR);
  const rs = fromYaml(tree, 'test.yaml');
  const rep = runChecksWith([makeAdmissionCheck({ extra: l.resources })], rs, env('prod'), { today: TODAY, locateField: locateFieldFrom({ 'test.yaml': tree }) });
  assert.equal(
    rep.findings.map((f) => `${f.resource.kind}/${f.resource.name}@${f.source?.line}: ${f.message.split(' (')[0]}`),
    [
      `DaemonSet/nsqd@${lineOf(tree, 'volumes:')}: hostPath volumes are not allowed: data`,
      `PersistentVolume/rabbitmq-data-0@${lineOf(tree, 'hostPath:\n    path: /mnt')}: a PersistentVolume may not be a hostPath volume; use a StorageClass`,
      `Deployment/nolimits@${lineOf(tree, 'containers:', tree.indexOf('nolimits'))}: containers without a memory limit: app with params ConfigMap kube-system/kforge-resource-limits`,
      `Deployment/nolimits@${lineOf(tree, 'containers:', tree.indexOf('nolimits'))}: every container needs a CPU request in production with params ConfigMap kube-system/kforge-resource-limits`,
    ],
  );
  assert.equal(rep.diagnostics, []);
});

test.run();
