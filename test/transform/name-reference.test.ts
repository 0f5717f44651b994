import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as nodefs from 'node:fs';
import { fixNameReferences, nameReferencesFromCrds } from '../../compiler/transform/name-reference.js';
import { BUILTIN_NAME_REFERENCES } from '../../compiler/schema/name-references.js';
import { ResourceMap, idFromObject } from '../../compiler/resource-map.js';
import type { JsonObject, Resource } from '../../compiler/types.js';
import { fixture } from '../helpers.js';

/**
 * Builds a Resource by hand: `obj` is the object as first declared; `renames` the later
 * names (last = current), `ns` a later namespace, `pre`/`suf` the prefix/suffix history.
 */
function res(obj: JsonObject, o: { renames?: string[]; ns?: string; pre?: string[]; suf?: string[]; line?: number } = {}): Resource {
  const originalId = idFromObject(obj);
  const names = [originalId.name, ...(o.renames ?? [])];
  const current = names[names.length - 1];
  const object = structuredClone(obj);
  const meta = object.metadata as JsonObject;
  meta.name = current;
  if (o.ns !== undefined) meta.namespace = o.ns;
  // Kustomize's stored ids: one per earlier name, and the original id when only the namespace moved.
  const stored = names.slice(0, -1).map((name) => ({ kind: originalId.kind, name, ...(originalId.namespace ? { namespace: originalId.namespace } : {}) }));
  if (stored.length === 0 && o.ns !== undefined) stored.push({ kind: originalId.kind, name: originalId.name, ...(originalId.namespace ? { namespace: originalId.namespace } : {}) });
  return {
    id: idFromObject(object),
    originalId,
    ...(stored.length ? { storedIds: stored } : {}),
    previousNames: names.slice(0, -1),
    previousNamespaces: o.ns !== undefined ? [originalId.namespace] : [],
    previousIds: [],
    prefixes: o.pre ?? [],
    suffixes: o.suf ?? [],
    object,
    origin: { location: { file: 'r.yaml', line: o.line ?? 1, column: 1 }, kustomizations: [], fieldSources: [] },
  };
}

const cm = (name: string, namespace?: string): JsonObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(namespace ? { namespace } : {}) } });
const sa = (name: string, namespace?: string): JsonObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, ...(namespace ? { namespace } : {}) } });
const deploy = (name: string, podSpec: JsonObject, namespace?: string): JsonObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, ...(namespace ? { namespace } : {}) },
  spec: { template: { spec: podSpec } },
});

function get(o: JsonObject, path: (string | number)[]): unknown {
  let cur: unknown = o;
  for (const p of path) cur = (cur as Record<string | number, unknown>)[p];
  return cur;
}

test('case 04: every pod-spec reference form follows prefix/suffix and hash renames', () => {
  const d = res(
    deploy('order-service', {
      serviceAccountName: 'order-service',
      imagePullSecrets: [{ name: 'registry-credentials' }],
      containers: [
        {
          name: 'c',
          envFrom: [{ configMapRef: { name: 'order-service-env' } }, { secretRef: { name: 'order-service-db' } }],
          env: [
            { name: 'A', valueFrom: { configMapKeyRef: { name: 'order-service-env', key: 'k' } } },
            { name: 'B', valueFrom: { secretKeyRef: { name: 'vault-agent-token', key: 'token' } } },
          ],
        },
      ],
      volumes: [
        { name: 'v', configMap: { name: 'order-service-config' } },
        { name: 't', secret: { secretName: 'order-service-tls' } },
        { name: 'p', projected: { sources: [{ configMap: { name: 'order-service-config' } }, { secret: { name: 'order-service-tls' } }] } },
      ],
    }),
    { renames: ['shop-order-service-v2'], pre: ['shop-'], suf: ['-v2'] },
  );
  const h = { pre: ['shop-'], suf: ['-v2'] };
  const rm = ResourceMap.of([
    d,
    res(sa('order-service'), { renames: ['shop-order-service-v2'], ...h }),
    res(cm('order-service-env'), { renames: ['shop-order-service-env-v2', 'shop-order-service-env-v2-2g77t4gghk'], ...h }),
    res(cm('order-service-config'), { renames: ['shop-order-service-config-v2'], ...h }),
    res({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'order-service-db' } }, { renames: ['shop-order-service-db-v2'], ...h }),
    res({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'order-service-tls' } }, { renames: ['shop-order-service-tls-v2'], ...h }),
    res({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'registry-credentials' } }, { renames: ['shop-registry-credentials-v2'], ...h }),
  ]);
  assert.equal(fixNameReferences(rm, []), []);
  const pod = ['spec', 'template', 'spec'];
  const o = d.object;
  assert.is(get(o, [...pod, 'serviceAccountName']), 'shop-order-service-v2');
  assert.is(get(o, [...pod, 'imagePullSecrets', 0, 'name']), 'shop-registry-credentials-v2');
  assert.is(get(o, [...pod, 'containers', 0, 'envFrom', 0, 'configMapRef', 'name']), 'shop-order-service-env-v2-2g77t4gghk');
  assert.is(get(o, [...pod, 'containers', 0, 'envFrom', 1, 'secretRef', 'name']), 'shop-order-service-db-v2');
  assert.is(get(o, [...pod, 'containers', 0, 'env', 0, 'valueFrom', 'configMapKeyRef', 'name']), 'shop-order-service-env-v2-2g77t4gghk');
  assert.is(get(o, [...pod, 'containers', 0, 'env', 1, 'valueFrom', 'secretKeyRef', 'name']), 'vault-agent-token');
  assert.is(get(o, [...pod, 'volumes', 0, 'configMap', 'name']), 'shop-order-service-config-v2');
  assert.is(get(o, [...pod, 'volumes', 1, 'secret', 'secretName']), 'shop-order-service-tls-v2');
  assert.is(get(o, [...pod, 'volumes', 2, 'projected', 'sources', 0, 'configMap', 'name']), 'shop-order-service-config-v2');
  assert.is(get(o, [...pod, 'volumes', 2, 'projected', 'sources', 1, 'secret', 'name']), 'shop-order-service-tls-v2');
});

test('an intermediate name resolves too', () => {
  const d = res(deploy('app', { volumes: [{ name: 'v', configMap: { name: 'mid' } }] }));
  const rm = ResourceMap.of([d, res(cm('orig'), { renames: ['mid', 'final'] })]);
  fixNameReferences(rm, []);
  assert.is(get(d.object, ['spec', 'template', 'spec', 'volumes', 0, 'configMap', 'name']), 'final');
});

test('case 03: subjects get the ServiceAccount namespace; never-moved accounts are left alone', () => {
  const rb = res(
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'rb', namespace: 'default' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' },
      subjects: [
        { kind: 'ServiceAccount', name: 'rabbitmq' },
        { kind: 'ServiceAccount', name: 'rabbitmq-backup', namespace: 'default' },
        { kind: 'ServiceAccount', name: 'rabbitmq-operator', namespace: 'default' },
        { kind: 'ServiceAccount', name: 'prometheus-k8s', namespace: 'monitoring' },
        { kind: 'ServiceAccount', name: 'still', namespace: 'x' },
      ],
    },
    { ns: 'mq-prod' },
  );
  const crb = res({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'crb' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'c' },
    subjects: [{ kind: 'ServiceAccount', name: 'rabbitmq' }],
  });
  const rm = ResourceMap.of([rb, crb, res(sa('rabbitmq'), { ns: 'mq-prod' }), res(sa('rabbitmq-backup', 'default'), { ns: 'mq-prod' }), res(sa('still', 'x'))]);
  assert.equal(fixNameReferences(rm, []), []);
  assert.equal(rb.object.subjects, [
    { kind: 'ServiceAccount', name: 'rabbitmq', namespace: 'mq-prod' },
    { kind: 'ServiceAccount', name: 'rabbitmq-backup', namespace: 'mq-prod' },
    { kind: 'ServiceAccount', name: 'rabbitmq-operator', namespace: 'default' },
    { kind: 'ServiceAccount', name: 'prometheus-k8s', namespace: 'monitoring' },
    { kind: 'ServiceAccount', name: 'still', namespace: 'x' },
  ]);
  assert.equal(crb.object.subjects, [{ kind: 'ServiceAccount', name: 'rabbitmq', namespace: 'mq-prod' }]);
});

test('Kustomize quirk: a User subject named like a renamed ServiceAccount is renamed too', () => {
  const rb = res({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'rb' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' },
    subjects: [{ kind: 'User', name: 'sa' }],
  });
  fixNameReferences(ResourceMap.of([rb, res(sa('sa'), { renames: ['sa-x'] })]), []);
  assert.equal(rb.object.subjects, [{ kind: 'User', name: 'sa-x' }]);
});

test('roleRef picks Role or ClusterRole by the roleRef kind', () => {
  const mk = (kind: string) => res({ apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: { name: 'r' } }, { renames: [kind === 'Role' ? 'role-r' : 'cluster-r'] });
  const rb = (kind: string) =>
    res({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: `rb-${kind}` }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: 'r' } });
  const a = rb('Role');
  const b = rb('ClusterRole');
  fixNameReferences(ResourceMap.of([mk('Role'), mk('ClusterRole'), a, b]), []);
  assert.is(get(a.object, ['roleRef', 'name']), 'role-r');
  assert.is(get(b.object, ['roleRef', 'name']), 'cluster-r');
});

test('same base under two prefixes: each referrer resolves inside its own branch', () => {
  const branch = (p: string) => {
    const h = { pre: [p], suf: [] };
    const d = res(deploy('app', { containers: [{ name: 'c', envFrom: [{ configMapRef: { name: 'cm' } }] }] }), { renames: [`${p}app`], ...h });
    return { d, c: res(cm('cm'), { renames: [`${p}cm`, `${p}cm-hash`], ...h }) };
  };
  const a = branch('a-');
  const b = branch('b-');
  const ds = fixNameReferences(ResourceMap.of([a.d, a.c, b.d, b.c]), []);
  assert.equal(ds, []);
  const p = ['spec', 'template', 'spec', 'containers', 0, 'envFrom', 0, 'configMapRef', 'name'];
  assert.is(get(a.d.object, p), 'a-cm-hash');
  assert.is(get(b.d.object, p), 'b-cm-hash');
});

test('several candidates, none with a prefix history ending like the referrer\'s → value unchanged (KF2010 warning)', () => {
  const top = res(deploy('top', { volumes: [{ name: 'v', configMap: { name: 'cm' } }] }), { line: 7 });
  const rm = ResourceMap.of([top, res(cm('cm'), { renames: ['a-cm'], pre: ['a-'] }), res(cm('cm'), { renames: ['b-cm'], pre: ['b-'] })]);
  const ds = fixNameReferences(rm, []);
  assert.equal(
    ds.map((d) => [d.code, d.severity, d.location?.line, d.pointer]),
    [['KF2010', 'warning', 7, '/spec/template/spec/volumes/0/configMap/name']],
  );
  assert.is(get(top.object, ['spec', 'template', 'spec', 'volumes', 0, 'configMap', 'name']), 'cm');
});

test('KF2011 error: two candidates whose histories both end like the referrer\'s (Kustomize: found multiple possible referrals)', () => {
  const top = res(deploy('top', { volumes: [{ name: 'v', configMap: { name: 'cm' } }] }), { renames: ['p-top'], pre: ['p-'], line: 7 });
  const rm = ResourceMap.of([top, res(cm('cm'), { renames: ['a-cm', 'p-a-cm'], pre: ['a-', 'p-'] }), res(cm('cm'), { renames: ['b-cm', 'p-b-cm'], pre: ['b-', 'p-'] })]);
  const ds = fixNameReferences(rm, []);
  assert.equal(
    ds.map((d) => [d.code, d.severity, d.location?.line, d.pointer]),
    [['KF2011', 'error', 7, '/spec/template/spec/volumes/0/configMap/name']],
  );
});

test('an empty prefix history counts as matching: the referrer in branch a- picks the overlay ConfigMap over branch b-', () => {
  const d = res(deploy('web', { volumes: [{ name: 'v', configMap: { name: 'cfg' } }] }), { renames: ['a-web', 'a-web-o'], pre: ['a-'], suf: ['-o'] });
  const own = res(cm('cfg'), { renames: ['cfg-o'], suf: ['-o'] });
  const other = res(cm('cfg'), { renames: ['b-cfg', 'b-cfg-o'], pre: ['b-'], suf: ['-o'] });
  assert.equal(fixNameReferences(ResourceMap.of([d, other, own]), []), []);
  assert.is(get(d.object, ['spec', 'template', 'spec', 'volumes', 0, 'configMap', 'name']), 'cfg-o');
});

test('namespaces: a reference does not cross namespaces; KF2010 warns about the stale name', () => {
  const d = res(deploy('app', { volumes: [{ name: 'v', configMap: { name: 'cm' } }] }, 'a'), { line: 3 });
  const ds = fixNameReferences(ResourceMap.of([d, res(cm('cm', 'b'), { renames: ['cm-x'] })]), []);
  assert.equal(ds.map((x) => [x.code, x.severity, x.pointer]), [['KF2010', 'warning', '/spec/template/spec/volumes/0/configMap/name']]);
  assert.is(get(d.object, ['spec', 'template', 'spec', 'volumes', 0, 'configMap', 'name']), 'cm');
});

test('no KF2010 when a resource of that kind still carries the name', () => {
  const d = res(deploy('app', { volumes: [{ name: 'v', configMap: { name: 'cm' } }] }, 'a'));
  const ds = fixNameReferences(ResourceMap.of([d, res(cm('cm', 'a')), res(cm('cm', 'b'), { renames: ['cm-x'] })]), []);
  assert.equal(ds, []);
});

test('webhook clientConfig/service (cluster-scoped referrer) gets name and namespace', () => {
  const svc = res({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', namespace: 'web' } }, { renames: ['svc-x'] });
  const wh = res({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: 'vwh' },
    webhooks: [{ name: 'a', clientConfig: { service: { name: 'svc', namespace: 'web' } } }, { name: 'b', clientConfig: { service: { name: 'svc' } } }],
  });
  fixNameReferences(ResourceMap.of([svc, wh]), []);
  assert.equal(get(wh.object, ['webhooks', 0, 'clientConfig', 'service']), { name: 'svc-x', namespace: 'web' });
  assert.equal(get(wh.object, ['webhooks', 1, 'clientConfig', 'service']), { name: 'svc-x', namespace: 'web' });
});

test('Role rules/resourceNames are updated item by item (ConfigMap/Secret only)', () => {
  const role = res({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r' }, rules: [{ resourceNames: ['cm', 'other', 'sa'] }] });
  fixNameReferences(ResourceMap.of([role, res(cm('cm'), { renames: ['cm-x'] }), res(sa('sa'), { renames: ['sa-x'] })]), []);
  assert.equal(get(role.object, ['rules', 0, 'resourceNames']), ['cm-x', 'other', 'sa']);
});

test("ingressClassName is not updated (Kustomize's table never matches) and KF2010 says so", () => {
  const ing = res({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i' }, spec: { ingressClassName: 'nginx' } });
  const cls = res({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' } }, { renames: ['nginx-x'] });
  const ds = fixNameReferences(ResourceMap.of([ing, cls]), []);
  assert.is(get(ing.object, ['spec', 'ingressClassName']), 'nginx');
  assert.equal(ds.map((d) => d.code), ['KF2010']);
});

test('HPA scaleTargetRef, StatefulSet serviceName, Ingress backends and tls (case 05)', () => {
  const h = { suf: ['-blue'] };
  const hpa = res({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'emqx' } } });
  const sts = res({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'emqx' }, spec: { serviceName: 'emqx-headless' } }, { renames: ['emqx-blue'], ...h });
  const ing = res({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'ing' },
    spec: {
      tls: [{ secretName: 'tls' }],
      defaultBackend: { service: { name: 'emqx' } },
      rules: [{ http: { paths: [{ backend: { service: { name: 'emqx' } } }] } }],
    },
  });
  const rm = ResourceMap.of([
    hpa,
    sts,
    ing,
    res({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'emqx' } }, { renames: ['emqx-blue'], ...h }),
    res({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'emqx-headless' } }, { renames: ['emqx-headless-blue'], ...h }),
    res({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls' } }, { renames: ['tls-blue'], ...h }),
  ]);
  assert.equal(fixNameReferences(rm, []), []);
  assert.is(get(hpa.object, ['spec', 'scaleTargetRef', 'name']), 'emqx-blue');
  assert.is(get(sts.object, ['spec', 'serviceName']), 'emqx-headless-blue');
  assert.is(get(ing.object, ['spec', 'tls', 0, 'secretName']), 'tls-blue');
  assert.is(get(ing.object, ['spec', 'defaultBackend', 'service', 'name']), 'emqx-blue');
  assert.is(get(ing.object, ['spec', 'rules', 0, 'http', 'paths', 0, 'backend', 'service', 'name']), 'emqx-blue');
});

test('extra back-references from configurations are applied', () => {
  const cr = res({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { configName: 'cm' } });
  fixNameReferences(ResourceMap.of([cr, res(cm('cm'), { renames: ['cm-x'] })]), [{ kind: 'ConfigMap', version: 'v1', fieldSpecs: [{ kind: 'Widget', path: 'spec/configName' }] }]);
  assert.is(get(cr.object, ['spec', 'configName']), 'cm-x');
});

test('nameReferencesFromCrds reads OpenAPI definitions as Kustomize crds does (kx-crd golden)', () => {
  const defs = JSON.parse(nodefs.readFileSync(fixture('generators', 'kx-crd', 'input', 'defs.json'), 'utf8')) as JsonObject;
  const refs = nameReferencesFromCrds([defs]);
  assert.equal(refs, [
    { kind: 'ConfigMap', version: 'v1', fieldSpecs: [{ kind: 'Bee', path: 'spec/cmName/cfg' }] },
    { kind: 'Secret', version: 'v1', fieldSpecs: [{ kind: 'Bee', path: 'spec/secretRef/name' }] },
  ]);
  const bee = res({ apiVersion: 'jingfang.example.com/v1beta1', kind: 'Bee', metadata: { name: 'bee' }, spec: { secretRef: { name: 'sec' }, cmName: { cfg: 'cm' } } }, { renames: ['bee-x'] });
  const rm = ResourceMap.of([
    bee,
    res({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec' } }, { renames: ['sec-x', 'sec-x-k695gkmbtk'] }),
    res(cm('cm'), { renames: ['cm-x', 'cm-x-4h2mbtbbt6'] }),
  ]);
  fixNameReferences(rm, refs);
  // expected.yaml of kx-crd was produced by kubectl kustomize
  assert.equal(bee.object.spec, { cmName: { cfg: 'cm-x-4h2mbtbbt6' }, secretRef: { name: 'sec-x-k695gkmbtk' } });
  assert.equal(nameReferencesFromCrds([{ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'x' } }]), []);
});

test('built-in table: gaps Kustomize has (ReplicationController ConfigMaps, ReplicaSet accounts)', () => {
  const specsFor = (kind: string) => BUILTIN_NAME_REFERENCES.filter((b) => b.kind === kind).flatMap((b) => b.fieldSpecs);
  assert.ok(specsFor('ConfigMap').some((f) => f.kind === 'PodTemplate'));
  assert.not.ok(specsFor('ConfigMap').some((f) => f.kind === 'ReplicationController'));
  assert.not.ok(specsFor('ServiceAccount').some((f) => f.kind === 'ReplicaSet'));
  assert.ok(specsFor('ServiceAccount').some((f) => f.kind === 'ReplicationController'));
});

test.run();
