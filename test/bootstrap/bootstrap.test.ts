import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { bootstrap, renderFiles } from '../../compiler/bootstrap/index.js';
import { runBootstrap, discoverEnvironments } from '../../compiler/bootstrap/cli.js';
import { syncBranchOf } from '../../compiler/env.js';
import { argoRepoURL, fluxRepoURL, stripCredentials } from '../../compiler/bootstrap/repo-url.js';
import { DEFAULTS } from '../../compiler/bootstrap/manifests.js';
import { inventory } from '../../compiler/bootstrap/inventory.js';
import { renderEnvironment } from '../../compiler/render.js';
import { validateEnvironment, defineEnvironment } from '../../compiler/env.js';
import type { Resource } from '../../compiler/types.js';
import { fixture } from '../helpers.js';

const ORIGIN = 'https://github.com/example/platform.git';
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const temps: string[] = [];
const SERVER = 'https://kubernetes.default.svc';
// Any 16-hex-digit key ID: bootstrap never needs the key itself.
const KEY = 'a1b2c3d4e5f60718';
const FPR = '5DE3E0509C47EA3CF04A42D34AEE18F83AFDEB24';

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' } });
}

function writer(dir: string) {
  return (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  };
}

const DEPLOYMENT = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    app.kubernetes.io/name: ${name}
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: ${name}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ${name}
    spec:
      containers:
      - name: ${name}
        image: registry.example.com/${name}:1.0.0
`;

/**
 * A throw-away source repository: two environments (dev, prod), an origin remote (never fetched).
 * bases/web: a Deployment, a Service and a Widget (a custom resource); bases/operator: the Widget
 * CRD, a ClusterRole and a Deployment. dev renders web only, prod both; each overlay sets its
 * namespace and holds its Namespace object (the shared app).
 */
function makeRepo(opts: { origin?: string | null; git?: boolean } = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-bootstrap-'));
  temps.push(dir);
  const write = writer(dir);
  write('bases/web/kustomization.yaml', 'resources:\n- deployment.yaml\n- service.yaml\n- widget.yaml\n');
  write('bases/web/deployment.yaml', DEPLOYMENT('web'));
  write('bases/web/service.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app.kubernetes.io/name: web\n  ports:\n  - port: 80\n');
  write('bases/web/widget.yaml', 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: web\nspec:\n  size: 1\n');
  write('bases/operator/kustomization.yaml', 'resources:\n- crd.yaml\n- clusterrole.yaml\n- deployment.yaml\n');
  write(
    'bases/operator/crd.yaml',
    'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  scope: Namespaced\n  names:\n    kind: Widget\n    plural: widgets\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n        x-kubernetes-preserve-unknown-fields: true\n',
  );
  write('bases/operator/clusterrole.yaml', 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: widget-operator\nrules:\n- apiGroups: [example.com]\n  resources: [widgets]\n  verbs: [get, list, watch]\n');
  write('bases/operator/deployment.yaml', DEPLOYMENT('widget-operator'));
  for (const env of ['dev', 'prod']) {
    const bases = env === 'prod' ? '- ../../bases/web\n- ../../bases/operator\n' : '- ../../bases/web\n';
    write(`overlays/${env}/kustomization.yaml`, `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: kforge-${env}\nresources:\n- namespace.yaml\n${bases}`);
    write(`overlays/${env}/namespace.yaml`, `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kforge-${env}\n`);
  }
  write('overlays/components/ha/kustomization.yaml', 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n');
  if (opts.git !== false) {
    git(dir, 'init', '-q');
    if (opts.origin !== null) git(dir, 'remote', 'add', 'origin', opts.origin ?? ORIGIN);
  }
  return dir;
}

/**
 * A compiled environment definition for `env` (what tsc makes of overlays/<env>/environment.ts),
 * in a dist folder of the temporary repository; returns that dist folder.
 */
function compileEnv(repo: string, env: string, fields: Record<string, unknown>): string {
  const write = writer(repo);
  write(`overlays/${env}/environment.ts`, '// compiled by the test into dist/\n');
  const dist = path.join(repo, 'dist');
  const environment = { name: env, kubernetesVersion: '1.31', ...fields };
  writer(dist)(`overlays/${env}/environment.js`, `export default ${JSON.stringify({ environment, patches: [], __kforgeEnvironment: true })};\n`);
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(path.join(dist, 'overlays', env, 'environment.js'), later, later);
  return dist;
}

const ENVS = [
  { name: 'prod', branch: 'environments/prod' },
  { name: 'dev', branch: 'environments/dev' },
];

function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir).sort()) out[f] = fs.readFileSync(path.join(dir, f), 'utf8');
  return out;
}

function docsOf(text: string): any[] {
  const docs = parseAllDocuments(text);
  for (const d of docs) assert.equal(d.errors, [], 'valid YAML');
  return docs.map((d) => d.toJS());
}

function checkGolden(target: 'argocd' | 'flux', files: Record<string, string>): void {
  const dir = fixture('bootstrap', target);
  if (UPDATE) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    for (const [f, c] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), c);
  }
  assert.equal(files, readTree(dir), `golden ${target} (UPDATE_GOLDEN=1 to regenerate after review)`);
}

/** Every object's shape: apiVersion, kind, metadata.name/namespace, the kforge labels. */
function assertObjectShape(o: any, kind: string, apiVersion: string, namespace: string): void {
  assert.is(o.apiVersion, apiVersion);
  assert.is(o.kind, kind);
  assert.type(o.metadata.name, 'string');
  assert.ok(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(o.metadata.name) && o.metadata.name.length <= 63, o.metadata.name);
  assert.is(o.metadata.namespace, namespace);
  assert.is(o.metadata.labels['app.kubernetes.io/part-of'], 'kforge');
  assert.type(o.spec, 'object');
}

test.after(() => {
  for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
});

test('argocd: an AppProject per environment allowing exactly what it renders; its Applications use it', async () => {
  const repo = makeRepo();
  const res = await bootstrap({ repoDir: repo, target: 'argocd', envs: ENVS });
  assert.equal(res.diagnostics, []);
  const out = path.join(repo, 'deploy', 'argocd');
  assert.is(res.outDir, out);
  assert.equal(fs.readdirSync(out).sort(), ['dev.yaml', 'kustomization.yaml', 'prod.yaml']);
  checkGolden('argocd', readTree(out));

  const [proj, appset] = docsOf(fs.readFileSync(path.join(out, 'prod.yaml'), 'utf8'));
  assertObjectShape(proj, 'AppProject', 'argoproj.io/v1alpha1', 'argocd');
  assert.is(proj.metadata.name, 'kforge-prod');
  assert.equal(Object.keys(proj.spec), ['description', 'sourceRepos', 'destinations', 'clusterResourceWhitelist']);
  assert.equal(proj.spec.sourceRepos, [ORIGIN]);
  assert.equal(proj.spec.destinations, [{ server: SERVER, namespace: 'kforge-prod' }]);
  // the cluster-scoped objects prod renders, by name (no '*'); Namespace for CreateNamespace=true too
  assert.equal(proj.spec.clusterResourceWhitelist, [
    { group: '', kind: 'Namespace', name: 'kforge-prod' },
    { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition', name: 'widgets.example.com' },
    { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'widget-operator' },
  ]);
  assert.not.ok('signatureKeys' in proj.spec, 'no signatureKeys unless configured');

  assertObjectShape(appset, 'ApplicationSet', 'argoproj.io/v1alpha1', 'argocd');
  assert.is(appset.spec.goTemplate, true);
  assert.equal(appset.spec.goTemplateOptions, ['missingkey=error']);
  assert.equal(appset.spec.syncPolicy, { preserveResourcesOnDeletion: true });
  const gen = appset.spec.generators[0].git;
  assert.is(gen.repoURL, ORIGIN);
  assert.is(gen.revision, 'environments/prod');
  assert.equal(gen.directories, [{ path: '*' }, { path: '.*', exclude: true }]);
  const t = appset.spec.template;
  assert.is(t.metadata.name, 'prod-{{.path.basename}}');
  assert.is(t.spec.project, 'kforge-prod', 'not project: default');
  assert.equal(t.spec.source, { repoURL: ORIGIN, targetRevision: 'environments/prod', path: '{{.path.path}}', directory: { include: 'manifest.yaml' } });
  assert.ok(proj.spec.sourceRepos.includes(t.spec.source.repoURL), 'the source is permitted');
  assert.equal(t.spec.destination, { server: SERVER, namespace: 'kforge-prod' });
  assert.ok(proj.spec.destinations.some((d: any) => d.server === t.spec.destination.server && d.namespace === t.spec.destination.namespace), 'the destination is permitted');
  assert.equal(t.spec.syncPolicy.automated, { prune: true, selfHeal: true });
  assert.equal(t.spec.syncPolicy.syncOptions, ['CreateNamespace=true']);

  // dev renders no operator: no CRD, no ClusterRole in its project
  const [devProj, devSet] = docsOf(fs.readFileSync(path.join(out, 'dev.yaml'), 'utf8'));
  assert.equal(devProj.spec.clusterResourceWhitelist, [{ group: '', kind: 'Namespace', name: 'kforge-dev' }]);
  assert.equal(devProj.spec.destinations, [{ server: SERVER, namespace: 'kforge-dev' }]);
  assert.is(devSet.spec.template.spec.project, 'kforge-dev');
});

test('argocd: destinations are the namespaces the render uses, including Namespace objects', async () => {
  const repo = makeRepo();
  const write = writer(repo);
  // qa: no overlay namespace; resources in two namespaces, one created by a Namespace object
  write('overlays/qa/kustomization.yaml', 'resources:\n- ns.yaml\n- app.yaml\n');
  write('overlays/qa/ns.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: qa-apps\n');
  write(
    'overlays/qa/app.yaml',
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: qa-apps\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  namespace: qa-metrics\n',
  );
  const res = await bootstrap({ repoDir: repo, target: 'argocd', envs: [{ name: 'qa', branch: 'environments/qa' }], stdout: true });
  const [proj, appset] = docsOf(res.stream!);
  assert.equal(proj.spec.destinations, [
    { server: SERVER, namespace: 'qa-apps' },
    { server: SERVER, namespace: 'qa-metrics' },
    { server: SERVER, namespace: '' },
  ]);
  assert.equal(proj.spec.clusterResourceWhitelist, [{ group: '', kind: 'Namespace', name: 'qa-apps' }]);
  assert.not.ok('namespace' in appset.spec.template.spec.destination, 'several namespaces: none chosen for the Applications');
  // qa-metrics is created by nothing: a warning, not an error
  assert.equal(res.diagnostics.map((d) => [d.code, d.severity]), [['KF4201', 'warning']]);
  assert.match(res.diagnostics[0].message, 'qa-metrics');

  // --server: another cluster for destinations and Applications alike
  const other = await bootstrap({ repoDir: repo, target: 'argocd', envs: [{ name: 'dev', branch: 'environments/dev' }], stdout: true, server: 'https://eu.example.com' });
  const [p2, a2] = docsOf(other.stream!);
  assert.equal(p2.spec.destinations, [{ server: 'https://eu.example.com', namespace: 'kforge-dev' }]);
  assert.is(a2.spec.template.spec.destination.server, 'https://eu.example.com');
  let out = '';
  let err = '';
  assert.is(await runBootstrap(['argocd', '--stdout', '--env', 'dev', '--server=https://eu.example.com'], { out: (s) => (out += s), err: (s) => (err += s) }, { repoDir: repo }), 0, err);
  assert.equal(docsOf(out)[0].spec.destinations, [{ server: 'https://eu.example.com', namespace: 'kforge-dev' }]);
});

test('flux: one Kustomization per app of the render; dependsOn only on the apps holding its Namespace and CRD', async () => {
  const repo = makeRepo({ origin: 'git@github.com:example/platform.git' });
  const res = await bootstrap({ repoDir: repo, target: 'flux', envs: ENVS });
  assert.equal(res.diagnostics, []);
  const out = path.join(repo, 'deploy', 'flux');
  checkGolden('flux', readTree(out));

  for (const env of ['dev', 'prod']) {
    const [src, ...ks] = docsOf(fs.readFileSync(path.join(out, `${env}.yaml`), 'utf8'));
    assertObjectShape(src, 'GitRepository', 'source.toolkit.fluxcd.io/v1', 'flux-system');
    assert.is(src.metadata.name, `kforge-${env}`);
    assert.is(src.spec.url, 'ssh://git@github.com/example/platform.git');
    assert.equal(src.spec.ref, { branch: `environments/${env}` });
    assert.ok(src.spec.interval);
    assert.not.ok('verify' in src.spec, 'no verification unless signatureKeys are set');

    const rendered = await renderEnvironment(repo, env, { today: '2026-01-01', checks: false });
    const apps = rendered.value!.apps.map((a) => a.app);
    assert.equal(ks.map((k) => k.spec.path), apps.map((a) => `./${a}`), `${env}: one Kustomization per rendered app`);
    for (const k of ks) {
      assertObjectShape(k, 'Kustomization', 'kustomize.toolkit.fluxcd.io/v1', 'flux-system');
      assert.is(k.metadata.name, `kforge-${env}-${k.metadata.labels['kforge.io/app']}`);
      assert.equal(k.spec.sourceRef, { kind: 'GitRepository', name: `kforge-${env}` });
      assert.is(k.spec.prune, true);
      assert.is(k.spec.wait, true);
      assert.ok(k.spec.timeout && k.spec.interval && k.spec.retryInterval);
    }
  }
  const prod = docsOf(fs.readFileSync(path.join(out, 'prod.yaml'), 'utf8')).slice(1);
  const deps = Object.fromEntries(prod.map((k) => [k.metadata.labels['kforge.io/app'], (k.spec.dependsOn ?? []).map((d: any) => d.name)]));
  assert.equal(deps, {
    operator: ['kforge-prod-shared'], // its Deployment goes to the namespace shared creates
    shared: [], // the Namespace: needs nothing
    web: ['kforge-prod-operator', 'kforge-prod-shared'], // the Widget CRD and the namespace
  });
});

test('signatureKeys: AppProject signatureKeys (keyID, upper case) and Flux verify, only for the environment that sets them', async () => {
  const repo = makeRepo();
  const dist = compileEnv(repo, 'prod', { signatureKeys: [KEY, FPR] });
  let out = '';
  let err = '';
  const io = { out: (s: string) => (out += s), err: (s: string) => (err += s) };
  assert.is(await runBootstrap(['argocd', '--stdout'], io, { repoDir: repo, distDir: dist }), 0, err);
  const docs = docsOf(out);
  const projects = Object.fromEntries(docs.filter((d) => d.kind === 'AppProject').map((d) => [d.metadata.name, d]));
  assert.equal(projects['kforge-prod'].spec.signatureKeys, [{ keyID: KEY.toUpperCase() }, { keyID: FPR }]);
  assert.not.ok('signatureKeys' in projects['kforge-dev'].spec);
  assert.match(out, /argocd gpg add/);

  out = '';
  assert.is(await runBootstrap(['flux', '--stdout'], io, { repoDir: repo, distDir: dist }), 0, err);
  const repos = Object.fromEntries(docsOf(out).filter((d) => d.kind === 'GitRepository').map((d) => [d.metadata.name, d]));
  assert.equal(repos['kforge-prod'].spec.verify, { mode: 'HEAD', secretRef: { name: 'kforge-prod-signing-keys' } });
  assert.not.ok('verify' in repos['kforge-dev'].spec);
  assert.match(out, /create secret generic kforge-prod-signing-keys/);
});

test('signed and promoted by pull request: a warning that the cluster checks the Git host\'s merge commit', async () => {
  const repo = makeRepo();
  const dist = compileEnv(repo, 'prod', { signatureKeys: [KEY], promoteByPullRequest: true });
  let err = '';
  let out = '';
  assert.is(await runBootstrap(['argocd', '--stdout', '--env', 'prod'], { out: (s) => (out += s), err: (s) => (err += s) }, { repoDir: repo, distDir: dist }), 0, err);
  assert.match(err, /warning KF4201: environment prod: promoted by pull request: the cluster verifies the merge commit on environments\/prod/);
  assert.is(docsOf(out)[1].spec.generators[0].git.revision, 'environments/prod', 'the PR target, not -next');
  const withHostKey = await bootstrap({
    repoDir: repo,
    target: 'flux',
    envs: [{ name: 'prod', branch: 'environments/prod', signatureKeys: [KEY, '4AEE18F83AFDEB23'.toLowerCase().padStart(40, '0')], promotedByPullRequest: true }],
    stdout: true,
    distDir: dist, // the test compiled the definition itself (kforge compiles environment.ts on demand otherwise)
  });
  assert.equal(withHostKey.diagnostics, []);
});

test('invalid signatureKeys are a KF4001 environment diagnostic at the definition', async () => {
  const def = defineEnvironment({ name: 'prod', kubernetesVersion: '1.31', signatureKeys: ['ABCD1234', 'ssh-ed25519 AAAAC3Nz', KEY, KEY.toUpperCase(), 'zz' + KEY.slice(2)] });
  const ds = validateEnvironment(def, 'prod', 'overlays/prod/environment.ts');
  assert.equal(ds.map((d) => d.code), ['KF4001', 'KF4001', 'KF4001', 'KF4001']);
  assert.match(ds[0].message, '"ABCD1234" is not a GnuPG key ID');
  assert.match(ds[1].message, 'GnuPG signatures only');
  assert.match(ds[2].message, 'listed twice');
  assert.ok(ds.every((d) => d.location && d.location.line >= 1 && d.hint), 'location and hint');
  assert.equal(validateEnvironment(defineEnvironment({ name: 'prod', kubernetesVersion: '1.31', signatureKeys: [KEY, FPR] }), 'prod', 'x'), []);
  const notList = { ...def, environment: { ...def.environment, signatureKeys: KEY as unknown as string[] } };
  assert.equal(validateEnvironment(notList, 'prod', 'x').map((d) => d.code), ['KF4001']);

  // through the CLI: exit 2, nothing written
  const repo = makeRepo();
  const dist = compileEnv(repo, 'prod', { signatureKeys: ['not-a-key'] });
  let err = '';
  assert.is(await runBootstrap(['argocd'], { out: () => {}, err: (s) => (err += s) }, { repoDir: repo, distDir: dist }), 2);
  assert.match(err, /error KF4001: signatureKeys: "not-a-key" is not a GnuPG key ID/);
  assert.not.ok(fs.existsSync(path.join(repo, 'deploy')));
  // and through the API with a BootstrapEnv
  const r = await bootstrap({ repoDir: repo, target: 'flux', envs: [{ name: 'dev', branch: 'environments/dev', signatureKeys: ['nope'] }] });
  assert.equal(r.diagnostics.map((d) => d.code), ['KF4001']);
});

test('an environment.ts that is not compiled is an error (its keys decide what the cluster accepts)', async () => {
  const repo = makeRepo();
  writer(repo)('overlays/prod/environment.ts', 'export default 1;\n');
  let err = '';
  assert.is(await runBootstrap(['argocd', '--stdout'], { out: () => {}, err: (s) => (err += s) }, { repoDir: repo, distDir: path.join(repo, 'dist') }), 2);
  assert.match(err, 'error KF4003');
});

test('a render error stops bootstrap with the render diagnostic, nothing written', async () => {
  const repo = makeRepo();
  writer(repo)('overlays/dev/kustomization.yaml', 'resources:\n- missing.yaml\n');
  const res = await bootstrap({ repoDir: repo, target: 'argocd', envs: ENVS });
  assert.ok(res.diagnostics.some((d) => d.severity === 'error' && d.code.startsWith('KF1')), JSON.stringify(res.diagnostics));
  assert.is(res.files.size, 0);
  assert.not.ok(fs.existsSync(path.join(repo, 'deploy')));
});

test('--check: exit 0 when the folder is up to date, 1 naming stale, missing and no-longer-generated files', async () => {
  const repo = makeRepo();
  let out = '';
  let err = '';
  const io = { out: (s: string) => (out += s), err: (s: string) => (err += s) };
  assert.is(await runBootstrap(['flux', '--check'], io, { repoDir: repo }), 1, err);
  assert.match(out, 'missing: ');
  assert.not.ok(fs.existsSync(path.join(repo, 'deploy')), '--check writes nothing');
  assert.is(await runBootstrap(['flux'], io, { repoDir: repo }), 0, err);
  out = '';
  assert.is(await runBootstrap(['flux', '--check'], io, { repoDir: repo }), 0, err);
  assert.match(out, 'up to date');

  // a new app in prod: its Kustomization is missing from the written files
  const write = writer(repo);
  write('bases/cache/kustomization.yaml', 'resources:\n- deployment.yaml\n');
  write('bases/cache/deployment.yaml', DEPLOYMENT('cache'));
  write('overlays/prod/kustomization.yaml', 'namespace: kforge-prod\nresources:\n- namespace.yaml\n- ../../bases/web\n- ../../bases/operator\n- ../../bases/cache\n');
  fs.writeFileSync(path.join(repo, 'deploy', 'flux', 'old.yaml'), '# Generated by kforge bootstrap flux for environment old; re-run it instead of editing.\n');
  fs.writeFileSync(path.join(repo, 'deploy', 'flux', 'mine.yaml'), 'kind: ConfigMap\n');
  out = '';
  assert.is(await runBootstrap(['flux', '--check'], io, { repoDir: repo }), 1);
  assert.match(out, /stale: .*prod\.yaml/);
  assert.match(out, /no longer generated: .*old\.yaml/);
  assert.not.match(out, 'mine.yaml');
  assert.not.match(out, 'dev.yaml');
  let e2 = '';
  assert.is(await runBootstrap(['flux', '--check', '--stdout'], { out: () => {}, err: (s) => (e2 += s) }, { repoDir: repo }), 2);
});

test('deployPath: the directory generator and the Flux paths point inside it', () => {
  const mo = { ...DEFAULTS, repoURL: ORIGIN };
  const inv = { namespaces: [], namespaceObjects: [], clusterResources: [], apps: [{ name: 'web', dependsOn: [] }], unnamespaced: [], droppedEdges: [] };
  const argo = renderFiles('argocd', [{ name: 'prod', branch: 'environments/prod', deployPath: 'clusters/eu', inventory: inv }], mo);
  const [p, a] = docsOf(argo.get('prod.yaml')!);
  assert.equal(a.spec.generators[0].git.directories, [{ path: 'clusters/eu/*' }, { path: 'clusters/eu/.*', exclude: true }]);
  assert.not.ok(a.spec.template.spec.destination.namespace, 'no namespace known: left to the manifests');
  assert.equal(p.spec.destinations, [{ server: SERVER, namespace: '' }]);
  assert.equal(p.spec.clusterResourceWhitelist, []);
  const flux = renderFiles('flux', [{ name: 'prod', branch: 'environments/prod', deployPath: 'clusters/eu', inventory: inv }], mo);
  const [, k] = docsOf(flux.get('prod.yaml')!);
  assert.is(k.spec.path, './clusters/eu/web');
});

test('inventory: CRD scope decides, newer cluster-scoped built-ins, cycles left out of dependsOn', () => {
  const res = (app: string, group: string, kind: string, name: string, object: Record<string, unknown> = {}, namespace?: string): [string, Resource] => [
    app,
    {
      id: { group, version: 'v1', kind, name, ...(namespace ? { namespace } : {}) },
      originalId: { group, version: 'v1', kind, name },
      object: { apiVersion: group ? `${group}/v1` : 'v1', kind, metadata: { name, ...(namespace ? { namespace } : {}) }, ...object },
      origin: {},
    } as unknown as Resource,
  ];
  const list = [
    res('a', '', 'Namespace', 'ns-a'),
    res('a', 'apiextensions.k8s.io', 'CustomResourceDefinition', 'gizmos.x.io', { spec: { group: 'x.io', scope: 'Cluster', names: { kind: 'Gizmo' } } }),
    res('a', 'x.io', 'Thing', 't', {}, 'ns-b'), // needs b's namespace
    res('b', '', 'Namespace', 'ns-b'),
    res('b', 'x.io', 'Gizmo', 'g', {}, 'ns-b'), // cluster-scoped per its CRD, despite the namespace Kustomize gave it
    res('b', 'admissionregistration.k8s.io', 'ValidatingAdmissionPolicy', 'vap', {}, 'ns-b'),
    res('b', 'apps', 'Deployment', 'd', {}, 'ns-a'), // needs a's namespace: a cycle with a -> b
    res('c', '', 'ConfigMap', 'loose'),
  ];
  const apps = ['a', 'b', 'c'].map((app) => ({ app, resources: list.filter(([x]) => x === app).map(([, r]) => ({ id: r.id, yaml: '' })) }));
  const inv = inventory(
    list.map(([, r]) => r),
    apps,
  );
  assert.equal(inv.namespaces, ['ns-a', 'ns-b']);
  assert.equal(inv.namespaceObjects, ['ns-a', 'ns-b']);
  assert.equal(
    inv.clusterResources.map((c) => `${c.group}/${c.kind}:${c.names.join(',')}`),
    ['/Namespace:ns-a,ns-b', 'admissionregistration.k8s.io/ValidatingAdmissionPolicy:vap', 'apiextensions.k8s.io/CustomResourceDefinition:gizmos.x.io', 'x.io/Gizmo:g'],
  );
  assert.equal(inv.apps, [
    { name: 'a', dependsOn: ['b'] },
    { name: 'b', dependsOn: [] },
    { name: 'c', dependsOn: [] },
  ]);
  assert.equal(inv.droppedEdges, ['b -> a']);
  assert.equal(inv.unnamespaced, ['ConfigMap/loose']);
});

test('stdout: one multi-document stream, no files written', async () => {
  const repo = makeRepo();
  const res = await bootstrap({ repoDir: repo, target: 'flux', envs: ENVS, stdout: true });
  assert.equal(res.diagnostics, []);
  assert.not.ok(fs.existsSync(path.join(repo, 'deploy')));
  assert.equal(res.written, []);
  const kinds = docsOf(res.stream!).map((d) => `${d.kind}/${d.metadata.name}`);
  assert.equal(kinds, [
    'GitRepository/kforge-dev',
    'Kustomization/kforge-dev-shared',
    'Kustomization/kforge-dev-web',
    'GitRepository/kforge-prod',
    'Kustomization/kforge-prod-operator',
    'Kustomization/kforge-prod-shared',
    'Kustomization/kforge-prod-web',
  ]);

  let out = '';
  let err = '';
  const code = await runBootstrap(['argocd', '--stdout'], { out: (s) => (out += s), err: (s) => (err += s) }, { repoDir: repo });
  assert.is(code, 0, err);
  assert.is(err, '');
  assert.not.ok(fs.existsSync(path.join(repo, 'deploy')));
  const docs = docsOf(out);
  assert.equal(docs.map((d) => `${d.kind}/${d.metadata.name}`), ['AppProject/kforge-dev', 'ApplicationSet/kforge-dev', 'AppProject/kforge-prod', 'ApplicationSet/kforge-prod']);
  assert.is(docs[1].spec.generators[0].git.repoURL, ORIGIN);
});

test('deterministic: two runs give the same bytes, whatever the order of environments', async () => {
  const repo = makeRepo();
  const a = await bootstrap({ repoDir: repo, target: 'argocd', envs: ENVS, stdout: true });
  const b = await bootstrap({ repoDir: repo, target: 'argocd', envs: [...ENVS].reverse(), stdout: true });
  assert.equal([...a.files], [...b.files]);
  assert.is(a.stream, b.stream);
  const w1 = await bootstrap({ repoDir: repo, target: 'flux', envs: ENVS });
  const t1 = readTree(w1.outDir!);
  const w2 = await bootstrap({ repoDir: repo, target: 'flux', envs: ENVS });
  assert.equal(readTree(w2.outDir!), t1);
});

test('no origin remote: KF5005 with a --repo-url hint; --repo-url works without one', async () => {
  const repo = makeRepo({ origin: null });
  const res = await bootstrap({ repoDir: repo, target: 'argocd', envs: ENVS });
  assert.equal(res.diagnostics.map((d) => d.code), ['KF5005']);
  assert.match(res.diagnostics[0].hint ?? '', '--repo-url');
  assert.is(res.files.size, 0);
  assert.not.ok(fs.existsSync(path.join(repo, 'deploy')));

  let err = '';
  assert.is(await runBootstrap(['flux'], { out: () => {}, err: (s) => (err += s) }, { repoDir: repo }), 2);
  assert.match(err, 'KF5005');

  const ok = await bootstrap({ repoDir: repo, target: 'argocd', envs: ENVS, repoURL: 'https://git.example.com/p.git', stdout: true });
  assert.equal(ok.diagnostics, []);
  assert.match(ok.stream!, 'repoURL: https://git.example.com/p.git');
  assert.match(ok.stream!, '  sourceRepos:\n  - https://git.example.com/p.git\n');
});

test('not a git repository: KF5004', async () => {
  const repo = makeRepo({ git: false });
  const res = await bootstrap({ repoDir: repo, target: 'flux', envs: ENVS });
  assert.equal(res.diagnostics.map((d) => d.code), ['KF5004']);
  assert.match(res.diagnostics[0].hint ?? '', '--repo-url');
});

test('credentials in origin are never written', async () => {
  const repo = makeRepo({ origin: 'https://x-access-token:ghs_secret@github.com/example/platform.git' });
  const res = await bootstrap({ repoDir: repo, target: 'argocd', envs: ENVS, stdout: true });
  assert.not.match(res.stream!, 'ghs_secret');
  assert.match(res.stream!, 'https://github.com/example/platform.git');
  assert.ok(res.diagnostics.every((d) => d.severity !== 'error'));
});

test('invalid environments are diagnostics, not exceptions', async () => {
  const repo = makeRepo();
  const r1 = await bootstrap({ repoDir: repo, target: 'argocd', envs: [] });
  assert.equal(r1.diagnostics.map((d) => d.code), ['KF4002']);
  const r2 = await bootstrap({ repoDir: repo, target: 'argocd', envs: [{ name: 'Prod_1', branch: 'x' }, { name: 'dev', branch: 'environments/dev', deployPath: '../up' }] });
  assert.equal(r2.diagnostics.map((d) => d.code), ['KF4001', 'KF4001']);
  const r3 = await bootstrap({ repoDir: path.join(repo, 'missing'), target: 'argocd', envs: ENVS });
  assert.equal(r3.diagnostics.map((d) => d.code), ['KF1002']);
});

test('cli: default environments are the overlays with a kustomization; usage errors exit 2', async () => {
  const repo = makeRepo();
  assert.equal(discoverEnvironments(repo), ['dev', 'prod']);
  let out = '';
  let err = '';
  const io = { out: (s: string) => (out += s), err: (s: string) => (err += s) };
  assert.is(await runBootstrap(['flux', '--env', 'dev', '--out', path.join(repo, 'gitops')], io, { repoDir: repo }), 0, err);
  assert.equal(fs.readdirSync(path.join(repo, 'gitops')).sort(), ['dev.yaml', 'kustomization.yaml']);
  assert.match(out, 'kubectl apply -k');
  for (const argv of [[], ['helm'], ['argocd', '--bogus'], ['argocd', '--env'], ['argocd', '--project', 'x'], ['argocd', '--env', 'qa']]) {
    err = '';
    assert.is(await runBootstrap(argv, io, { repoDir: repo }), 2, argv.join(' '));
    assert.ok(err.length > 0);
  }
  assert.match(err, 'KF4002');
  out = '';
  assert.is(await runBootstrap(['--help'], io, { repoDir: repo }), 0);
  assert.match(out, 'usage: kforge bootstrap');
  assert.match(out, '--check');
});

test('sync branch: promoted environments are followed on the PR target, not on -next', () => {
  assert.is(syncBranchOf({ name: 'prod', kubernetesVersion: '1.31' }), 'environments/prod');
  assert.is(syncBranchOf({ name: 'prod', kubernetesVersion: '1.31', promoteByPullRequest: true }), 'environments/prod');
  assert.is(syncBranchOf({ name: 'prod', kubernetesVersion: '1.31', deployBranch: 'deploy/prod' }), 'deploy/prod');
});

test('the goldens build with kubectl kustomize (skipped without kubectl)', () => {
  let hasKubectl = true;
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
  } catch {
    hasKubectl = false;
  }
  if (!hasKubectl) return;
  const expect = {
    argocd: ['AppProject', 'AppProject', 'ApplicationSet', 'ApplicationSet'],
    flux: ['GitRepository', 'GitRepository', 'Kustomization', 'Kustomization', 'Kustomization', 'Kustomization', 'Kustomization'],
  };
  for (const [target, kinds] of Object.entries(expect)) {
    const built = execFileSync('kubectl', ['kustomize', fixture('bootstrap', target)], { encoding: 'utf8' });
    assert.equal(docsOf(built).map((d) => d.kind).sort(), kinds);
  }
});

test('repository URLs: credentials stripped, scp-like SSH made ssh:// for Flux', () => {
  assert.is(stripCredentials('https://u:p@host/x.git'), 'https://host/x.git');
  assert.is(argoRepoURL('git@github.com:o/r.git'), 'git@github.com:o/r.git');
  assert.is(fluxRepoURL('git@github.com:o/r.git'), 'ssh://git@github.com/o/r.git');
  assert.is(fluxRepoURL('ssh://git@github.com/o/r.git'), 'ssh://git@github.com/o/r.git');
  assert.is(fluxRepoURL('https://github.com/o/r'), 'https://github.com/o/r');
});

test.run();
