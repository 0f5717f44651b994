import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildDir } from '../../compiler/index.js';
import { memFs } from '../../compiler/fs.js';
import type { Diagnostic } from '../../compiler/types.js';
import { goFloat32 } from '../../compiler/load/plugins.js';
import { pluginOrigin } from '../../compiler/transform/build-metadata.js';

// `transformers:` / `generators:` with builtin plugin configurations (Kustomize v5.5
// behaviour, verified with kubectl kustomize; see compiler/load/plugins.ts).

const REDIS = `apiVersion: v1
kind: Service
metadata:
  name: redis
spec:
  selector:
    app: redis
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: redis
spec:
  replicas: 1
  template:
    metadata:
      labels:
        app: redis
    spec:
      containers:
      - name: redis
        image: redis:7.2
        envFrom:
        - configMapRef:
            name: redis-env
---
apiVersion: v1
kind: Namespace
metadata:
  name: cache
`;

function build(kustomization: string, files: Record<string, string> = {}) {
  const tree: Record<string, string> = { '/r/kustomization.yaml': kustomization, '/r/redis.yaml': REDIS };
  for (const [f, c] of Object.entries(files)) tree[`/r/${f}`] = c;
  return buildDir('/r', { fs: memFs(tree) });
}

function errors(ds: Diagnostic[]): Diagnostic[] {
  return ds.filter((d) => d.severity === 'error');
}

function ok(kustomization: string, files: Record<string, string> = {}): string {
  const res = build(kustomization, files);
  assert.equal(errors(res.diagnostics), [], JSON.stringify(res.diagnostics));
  return res.output ?? '';
}

function fails(kustomization: string, code: string, line: number, files: Record<string, string> = {}, file = '/r/kustomization.yaml'): Diagnostic {
  const res = build(kustomization, files);
  assert.is(res.output, undefined);
  const d = errors(res.diagnostics).find((x) => x.code === code);
  assert.ok(d, `expected ${code}, got ${res.diagnostics.map((x) => `${x.code} ${x.message}`).join('; ')}`);
  assert.is(d!.location?.file, file);
  assert.is(d!.location?.line, line, d!.message);
  assert.ok(d!.hint, 'a hint');
  return d!;
}

const inline = (text: string) => `- |-\n${text.replace(/\n$/, '').split('\n').map((l) => `  ${l}`).join('\n')}\n`;

test('a plugin uses its own field specs only: a LabelTransformer reaching metadata/labels leaves selectors alone', () => {
  const out = ok(`resources: [redis.yaml]\ntransformers:\n${inline('apiVersion: builtin\nkind: LabelTransformer\nmetadata:\n  name: team\nlabels:\n  team: cache\nfieldSpecs:\n- path: metadata/labels\n  create: true\n  kind: Service\n')}`);
  assert.match(out, 'labels:\n    team: cache\n  name: redis\nspec:\n  selector:\n    app: redis\n');
  assert.not.match(out, 'team: cache\n  name: cache');
});

test('inline configs run before path entries, whatever the order written', () => {
  const prefix = 'apiVersion: builtin\nkind: PrefixTransformer\nmetadata:\n  name: p\nprefix: a-\nfieldSpecs:\n- path: metadata/name\n';
  const out = ok(`resources: [redis.yaml]\ntransformers:\n- p.yaml\n${inline(prefix.replace('name: p', 'name: q').replace('a-', 'b-'))}`, { 'p.yaml': prefix });
  assert.match(out, 'name: a-b-redis');
});

test('plugin transformers run after the kustomization fields; plugin generators after configMapGenerator, without generatorOptions', () => {
  const out = ok(
    `resources: [redis.yaml]\nnamePrefix: edge-\ngeneratorOptions:\n  disableNameSuffixHash: true\ngenerators:\n${inline('apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: redis-env\nliterals: [MODE=cluster]\n')}transformers:\n${inline('apiVersion: builtin\nkind: SuffixTransformer\nmetadata:\n  name: s\nsuffix: -v2\nfieldSpecs:\n- path: metadata/name\n')}`,
  );
  // prefix (field) then suffix (plugin), then the hash: generatorOptions did not disable it
  assert.match(out, /name: edge-redis-env-v2-[a-z0-9]{10}\n/);
  assert.match(out, /configMapRef:\n\s+name: edge-redis-env-v2-[a-z0-9]{10}\n/);
});

test('NamespaceTransformer: metadata/name of the Namespace only with that field spec; unsetOnly keeps existing values', () => {
  const ns = (extra: string) => inline(`apiVersion: builtin\nkind: NamespaceTransformer\nmetadata:\n  name: ns\n  namespace: mw\n${extra}`);
  assert.match(ok(`resources: [redis.yaml]\ntransformers:\n${ns('')}`), 'kind: Namespace\nmetadata:\n  name: cache\n');
  assert.match(ok(`resources: [redis.yaml]\ntransformers:\n${ns('fieldSpecs:\n- path: metadata/name\n  kind: Namespace\n')}`), 'kind: Namespace\nmetadata:\n  name: mw\n');
  const kept = ok(`resources: [redis.yaml, cm.yaml]\ntransformers:\n${ns('unsetOnly: true\n')}`, { 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: keep\n' });
  assert.match(kept, 'name: c\n  namespace: keep\n');
  assert.match(kept, 'name: redis\n  namespace: mw\n');
});

test('NamespaceTransformer: setRoleBindingSubjects', () => {
  const rb = 'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: rb\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\nsubjects:\n- {kind: ServiceAccount, name: default}\n- {kind: ServiceAccount, name: ext, namespace: other}\n';
  const run = (mode: string) => ok(`resources: [rb.yaml]\ntransformers:\n${inline(`apiVersion: builtin\nkind: NamespaceTransformer\nmetadata:\n  name: ns\n  namespace: mw\nsetRoleBindingSubjects: ${mode}\n`)}`, { 'rb.yaml': rb });
  assert.match(run('defaultOnly'), '- kind: ServiceAccount\n  name: default\n  namespace: mw\n- kind: ServiceAccount\n  name: ext\n  namespace: other\n');
  assert.match(run('allServiceAccounts'), '- kind: ServiceAccount\n  name: ext\n  namespace: mw\n');
  assert.match(run('none'), '- kind: ServiceAccount\n  name: default\n- kind');
  const d = fails(`resources: [rb.yaml]\ntransformers:\n${inline('apiVersion: builtin\nkind: NamespaceTransformer\nmetadata:\n  name: ns\n  namespace: mw\nsetRoleBindingSubjects: all\n')}`, 'KF1018', 9, { 'rb.yaml': rb });
  assert.match(d.hint!, 'allServiceAccounts');
});

test('a namespace that gives two resources one id is KF2014 (the kustomization field too)', () => {
  const cms = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: b\n';
  fails('resources: [cm.yaml]\nnamespace: shared\n', 'KF2014', 7, { 'cm.yaml': cms }, '/r/cm.yaml');
});

test('configs are decoded as Go encoding/json: case-insensitive names, unknown fields ignored, scalars as strings', () => {
  const out = ok(`resources: [redis.yaml]\ntransformers:\n${inline('apiVersion: builtin\nkind: AnnotationsTransformer\nmetadata:\n  name: a\nANNOTATIONS:\n  replicas: 3\n  ratio: 1.50\n  pi: 3.14159265358\n  on: true\n  since: 2001-01-01\nfieldspecs:\n- path: metadata/annotations\n  create: true\n  kind: Service\ncomment: ignored\n')}`);
  assert.match(out, "annotations:\n    \"on\": \"true\"\n    pi: \"3.1415927\"\n    ratio: \"1.5\"\n    replicas: \"3\"\n    since: \"2001-01-01T00:00:00Z\"\n");
});

test('the prefix and suffix transformers decode with kyaml: exact field names, fieldSpecs required', () => {
  const d = fails(`resources: [redis.yaml]\ntransformers:\n${inline('apiVersion: builtin\nkind: PrefixTransformer\nmetadata:\n  name: p\nprefix: x-\nFieldSpecs:\n- path: metadata/name\n')}`, 'KF1018', 9);
  assert.match(d.hint!, 'case-sensitive');
  fails(`resources: [redis.yaml]\ntransformers:\n${inline('apiVersion: builtin\nkind: SuffixTransformer\nmetadata:\n  name: p\nsuffix: -x\n')}`, 'KF1018', 4);
  // an empty list is a list: nothing renamed
  assert.match(ok(`resources: [redis.yaml]\ntransformers:\n${inline('apiVersion: builtin\nkind: SuffixTransformer\nmetadata:\n  name: p\nsuffix: 1.50\nfieldSpecs: []\n')}`), 'name: redis\n');
  assert.match(ok(`resources: [redis.yaml]\ntransformers:\n${inline('apiVersion: builtin\nkind: SuffixTransformer\nmetadata:\n  name: p\nsuffix: 1.50\nfieldSpecs: [{path: metadata/name}]\n')}`), 'name: redis1.5\n');
});

test('refusals and mistakes, located in the config', () => {
  const t = (body: string) => `resources: [redis.yaml]\ntransformers:\n${inline(body)}`;
  let d = fails(t('apiVersion: example.com/v1\nkind: SetTeam\nmetadata:\n  name: t\n'), 'KF1016', 4);
  assert.match(d.message, 'alpha-plugins');
  d = fails(t('apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: t\n'), 'KF1018', 5);
  assert.match(d.hint!, 'generators:');
  d = fails(t('apiVersion: builtin\nkind: LabelTransfomer\nmetadata:\n  name: t\n'), 'KF1018', 5);
  assert.match(d.hint!, 'LabelTransformer');
  fails(t('apiVersion: builtin\nkind: LabelTransformer\nlabels: {a: b}\n'), 'KF1010', 4);
  fails(`resources: [redis.yaml]\ngenerators:\n${inline('apiVersion: builtin\nkind: HelmChartInflationGenerator\nmetadata:\n  name: h\n')}`, 'KF1016', 5);
  fails(t('apiVersion: builtin\nkind: ReplicaCountTransformer\nmetadata:\n  name: r\nreplica:\n  name: redis\n  count: "3"\nfieldSpecs: [{path: spec/replicas}]\n'), 'KF1018', 10);
  fails(t('apiVersion: builtin\nkind: ReplicaCountTransformer\nmetadata:\n  name: r\nreplica:\n  name: redis\n  count: 3\n'), 'KF2006', 4);
  fails(t('apiVersion: builtin\nkind: PatchTransformer\nmetadata:\n  name: p\ntarget: {kind: Service}\n'), 'KF3005', 4);
  fails(t('apiVersion: builtin\nkind: PatchJson6902Transformer\nmetadata:\n  name: p\ntarget: {kind: Service}\njsonOp: "[]"\n'), 'KF3005', 8);
  fails('resources: [redis.yaml]\ntransformers:\n- missing.yaml\n', 'KF1002', 3);
  // two configs of a field with one kind and name
  const h = 'apiVersion: builtin\nkind: HashTransformer\nmetadata:\n  name: h\n';
  fails(`resources: [redis.yaml]\ntransformers:\n- h.yaml\n- h.yaml\n`, 'KF2001', 1, { 'h.yaml': h }, '/r/h.yaml');
});

test('a directory entry: its kustomization is built and its objects are the configs', () => {
  const out = ok('resources: [redis.yaml]\ntransformers:\n- cfg\n', {
    'cfg/kustomization.yaml': 'resources: [ns.yaml]\nnamespace: from-dir\n',
    'cfg/ns.yaml': 'apiVersion: builtin\nkind: NamespaceTransformer\nmetadata:\n  name: ns\n  namespace: ignored\n',
  });
  // the directory's own namespace transformer set the config's metadata.namespace
  assert.match(out, 'name: redis\n  namespace: from-dir\n');
});

test('buildMetadata: configuredIn is the config file (or the kustomization for inline configs), configuredBy names the config', () => {
  assert.is(pluginOrigin('base/t.yaml', 'LabelTransformer', 'team', 'mw'), 'configuredIn: base/t.yaml\nconfiguredBy:\n  apiVersion: builtin\n  kind: LabelTransformer\n  name: team\n  namespace: mw\n');
  const out = ok(`resources: [redis.yaml]\nbuildMetadata: [originAnnotations]\ngenerators:\n${inline('apiVersion: builtin\nkind: SecretGenerator\nmetadata:\n  name: auth\nliterals: [password=x]\n')}`);
  assert.match(out, '    config.kubernetes.io/origin: |\n      configuredIn: kustomization.yaml\n      configuredBy:\n        apiVersion: builtin\n        kind: SecretGenerator\n        name: auth\n');
});

test('HashTransformer hashes generated objects at once; the root hashes them again', () => {
  const out = ok(`resources: [redis.yaml]\nconfigMapGenerator:\n- name: redis-env\n  literals: [a=b]\ntransformers:\n${inline('apiVersion: builtin\nkind: HashTransformer\nmetadata:\n  name: h\n')}`);
  assert.match(out, /name: redis-env-([a-z0-9]{10})-\1\n/);
});

test('ValueAddTransformer: field paths with escaped slashes, file path positions, metadata/namespace', () => {
  const out = ok(
    `resources: [redis.yaml, cm.yaml]\ntransformers:\n${inline('apiVersion: builtin\nkind: ValueAddTransformer\nmetadata:\n  name: va\nvalue: eu\ntargets:\n- selector: {kind: ConfigMap}\n  fieldPath: data/dir\n  filePathPosition: 2\n- selector: {kind: Service}\n  fieldPath: metadata/annotations/example.com\\/region\n- selector: {kind: ConfigMap}\n  fieldPath: metadata/namespace\n')}`,
    { 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  dir: /var/lib/redis\n' },
  );
  assert.match(out, 'dir: /var/eu/lib/redis\n');
  assert.match(out, 'example.com/region: eu\n');
  assert.match(out, 'name: c\n  namespace: eu\n');
});

test('ImageTagTransformer: tagSuffix as the images field has it (its own field spec reaches the image a second time)', () => {
  const out = ok(`resources: [redis.yaml]\ntransformers:\n${inline('apiVersion: builtin\nkind: ImageTagTransformer\nmetadata:\n  name: i\nimageTag:\n  name: redis\n  tagSuffix: -debug\nfieldSpecs:\n- path: spec/template/spec/containers[]/image\n')}`);
  assert.match(out, 'image: redis:7.2-debug-debug\n');
});

test('an inline config that is not valid YAML is located in the kustomization (not "file not found")', () => {
  const d = fails('resources: [redis.yaml]\ntransformers:\n- |-\n  apiVersion: builtin\n  kind: HashTransformer\n  metadata:\n    name: h\n   bad: indent\n', 'KF1003', 8);
  assert.is(d.location?.column, 4);
});

test('field specs that reach the wrong kind of node fail as in Kustomize (KF2013)', () => {
  const t = (body: string) => `resources: [redis.yaml]\ntransformers:\n${inline(body)}`;
  let d = fails(t('apiVersion: builtin\nkind: LabelTransformer\nmetadata:\n  name: l\nlabels: {a: b}\nfieldSpecs:\n- path: spec/template/spec/containers\n  kind: StatefulSet\n'), 'KF2013', 4);
  assert.match(d.message, 'a list');
  d = fails(t('apiVersion: builtin\nkind: NamespaceTransformer\nmetadata:\n  name: n\n  namespace: x\nfieldSpecs:\n- path: spec/selector\n  kind: Service\n'), 'KF2013', 4);
  assert.match(d.message, 'a map');
  d = fails(t('apiVersion: builtin\nkind: PrefixTransformer\nmetadata:\n  name: p\nprefix: x-\nfieldSpecs:\n- path: spec/selector\n  kind: Service\n'), 'KF2013', 4);
  assert.match(d.message, 'prefix');
});

test('IAMPolicyGenerator makes the GKE Workload Identity ServiceAccount; other clouds fail', () => {
  const g = (cloud: string) => `resources: [redis.yaml]\ngenerators:\n${inline(`apiVersion: builtin\nkind: IAMPolicyGenerator\nmetadata:\n  name: wi\ncloud: ${cloud}\nkubernetesService:\n  name: backup\n  namespace: cache\nserviceAccount:\n  name: backup-gsa\n  projectId: acme\n`)}`;
  assert.match(ok(g('gke')), 'kind: ServiceAccount\nmetadata:\n  annotations:\n    iam.gke.io/gcp-service-account: backup-gsa@acme.iam.gserviceaccount.com\n  name: backup\n  namespace: cache\n');
  fails(g('aws'), 'KF1018', 8);
});

test("goFloat32 is Go's strconv.FormatFloat(f, 'g', -1, 32)", () => {
  assert.is(goFloat32(1.5), '1.5');
  assert.is(goFloat32(3.14159265358), '3.1415927');
  assert.is(goFloat32(0.1), '0.1');
  assert.is(goFloat32(1e-7), '1e-07');
  assert.is(goFloat32(2.5e22), '2.5e+22');
  assert.is(goFloat32(-0.25), '-0.25');
  assert.is(goFloat32(1234567.5), '1.2345675e+06');
  assert.is(goFloat32(0.00001), '1e-05');
});

test.run();
