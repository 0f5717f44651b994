import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { bootstrap, renderFiles } from '../../compiler/bootstrap/index.js';
import { runBootstrap, syncBranchOf, discoverEnvironments } from '../../compiler/bootstrap/cli.js';
import { argoRepoURL, fluxRepoURL, stripCredentials } from '../../compiler/bootstrap/repo-url.js';
import { DEFAULTS } from '../../compiler/bootstrap/manifests.js';
import { fixture } from '../helpers.js';

const ORIGIN = 'https://github.com/example/platform.git';
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const temps: string[] = [];

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' } });
}

/** A throw-away source repository: two environments (dev, prod), an origin remote (never fetched). */
function makeRepo(opts: { origin?: string | null; git?: boolean } = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-bootstrap-'));
  temps.push(dir);
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  };
  write('bases/web/kustomization.yaml', 'resources: []\n');
  for (const env of ['dev', 'prod']) {
    write(`overlays/${env}/kustomization.yaml`, `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: kforge-${env}\nresources:\n- ../../bases/web\n`);
  }
  write('overlays/components/ha/kustomization.yaml', 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n');
  if (opts.git !== false) {
    git(dir, 'init', '-q');
    if (opts.origin !== null) git(dir, 'remote', 'add', 'origin', opts.origin ?? ORIGIN);
  }
  return dir;
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

function checkGolden(target: 'argocd' | 'flux', files: Record<string, string>): void {
  const dir = fixture('bootstrap', target);
  if (UPDATE) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    for (const [f, c] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), c);
  }
  assert.equal(files, readTree(dir), `golden ${target} (UPDATE_GOLDEN=1 to regenerate after review)`);
}

test.after(() => {
  for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
});

test('argocd: golden ApplicationSets per environment, repo URL from origin, namespace from the overlay', async () => {
  const repo = makeRepo();
  const res = await bootstrap({ repoDir: repo, target: 'argocd', envs: ENVS });
  assert.equal(res.diagnostics, []);
  const out = path.join(repo, 'deploy', 'argocd');
  assert.is(res.outDir, out);
  assert.equal(fs.readdirSync(out).sort(), ['dev.yaml', 'kustomization.yaml', 'prod.yaml']);
  checkGolden('argocd', readTree(out));

  const [doc] = parseAllDocuments(fs.readFileSync(path.join(out, 'prod.yaml'), 'utf8')).map((d) => d.toJS());
  assert.is(doc.kind, 'ApplicationSet');
  assert.is(doc.apiVersion, 'argoproj.io/v1alpha1');
  assert.is(doc.metadata.namespace, 'argocd');
  assert.is(doc.spec.goTemplate, true);
  assert.equal(doc.spec.goTemplateOptions, ['missingkey=error']);
  assert.equal(doc.spec.syncPolicy, { preserveResourcesOnDeletion: true });
  const gen = doc.spec.generators[0].git;
  assert.is(gen.repoURL, ORIGIN);
  assert.is(gen.revision, 'environments/prod');
  assert.equal(gen.directories, [{ path: '*' }, { path: '.*', exclude: true }]);
  const t = doc.spec.template;
  assert.is(t.metadata.name, 'prod-{{.path.basename}}');
  assert.equal(t.spec.source, { repoURL: ORIGIN, targetRevision: 'environments/prod', path: '{{.path.path}}', directory: { include: 'manifest.yaml' } });
  assert.equal(t.spec.destination, { server: 'https://kubernetes.default.svc', namespace: 'kforge-prod' });
  assert.equal(t.spec.syncPolicy.automated, { prune: true, selfHeal: true });
  assert.equal(t.spec.syncPolicy.syncOptions, ['CreateNamespace=true']);
  assert.is(t.spec.project, 'default');
});

test('flux: golden GitRepository + Kustomization per environment', async () => {
  const repo = makeRepo({ origin: 'git@github.com:example/platform.git' });
  const res = await bootstrap({ repoDir: repo, target: 'flux', envs: ENVS });
  assert.equal(res.diagnostics, []);
  const out = path.join(repo, 'deploy', 'flux');
  checkGolden('flux', readTree(out));
  const [src, ks] = parseAllDocuments(fs.readFileSync(path.join(out, 'dev.yaml'), 'utf8')).map((d) => d.toJS());
  assert.is(src.apiVersion, 'source.toolkit.fluxcd.io/v1');
  assert.is(src.kind, 'GitRepository');
  assert.is(src.spec.url, 'ssh://git@github.com/example/platform.git');
  assert.equal(src.spec.ref, { branch: 'environments/dev' });
  assert.ok(src.spec.interval);
  assert.is(ks.apiVersion, 'kustomize.toolkit.fluxcd.io/v1');
  assert.is(ks.kind, 'Kustomization');
  assert.equal(ks.spec.sourceRef, { kind: 'GitRepository', name: 'kforge-dev' });
  assert.is(ks.spec.path, './');
  assert.is(ks.spec.prune, true);
  assert.is(ks.spec.wait, true);
  assert.ok(ks.spec.timeout && ks.spec.interval);
  assert.is(ks.metadata.namespace, 'flux-system');
});

test('deployPath: the directory generator and the Flux path point inside it', () => {
  const mo = { ...DEFAULTS, repoURL: ORIGIN };
  const argo = renderFiles('argocd', [{ name: 'prod', branch: 'environments/prod', deployPath: 'clusters/eu' }], mo);
  const a = parseAllDocuments(argo.get('prod.yaml')!)[0].toJS();
  assert.equal(a.spec.generators[0].git.directories, [{ path: 'clusters/eu/*' }, { path: 'clusters/eu/.*', exclude: true }]);
  assert.not.ok(a.spec.template.spec.destination.namespace, 'no namespace known: left to the manifests');
  const flux = renderFiles('flux', [{ name: 'prod', branch: 'environments/prod', deployPath: 'clusters/eu' }], mo);
  const [, k] = parseAllDocuments(flux.get('prod.yaml')!).map((d) => d.toJS());
  assert.is(k.spec.path, './clusters/eu');
});

test('stdout: one multi-document stream, no files written', async () => {
  const repo = makeRepo();
  const res = await bootstrap({ repoDir: repo, target: 'flux', envs: ENVS, stdout: true });
  assert.equal(res.diagnostics, []);
  assert.not.ok(fs.existsSync(path.join(repo, 'deploy')));
  assert.equal(res.written, []);
  const kinds = parseAllDocuments(res.stream!).map((d) => `${d.toJS().kind}/${d.toJS().metadata.name}`);
  assert.equal(kinds, ['GitRepository/kforge-dev', 'Kustomization/kforge-dev', 'GitRepository/kforge-prod', 'Kustomization/kforge-prod']);

  let out = '';
  let err = '';
  const code = await runBootstrap(['argocd', '--stdout'], { out: (s) => (out += s), err: (s) => (err += s) }, { repoDir: repo });
  assert.is(code, 0, err);
  assert.is(err, '');
  assert.not.ok(fs.existsSync(path.join(repo, 'deploy')));
  const docs = parseAllDocuments(out).map((d) => d.toJS());
  assert.equal(docs.map((d) => d.metadata.name), ['kforge-dev', 'kforge-prod']);
  assert.is(docs[0].spec.generators[0].git.repoURL, ORIGIN);
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
  for (const argv of [[], ['helm'], ['argocd', '--bogus'], ['argocd', '--env'], ['argocd', '--env', 'qa']]) {
    err = '';
    assert.is(await runBootstrap(argv, io, { repoDir: repo }), 2, argv.join(' '));
    assert.ok(err.length > 0);
  }
  assert.match(err, 'KF4002');
  out = '';
  assert.is(await runBootstrap(['--help'], io, { repoDir: repo }), 0);
  assert.match(out, 'usage: kforge bootstrap');
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
  for (const [target, kinds] of [['argocd', ['ApplicationSet', 'ApplicationSet']], ['flux', ['GitRepository', 'GitRepository', 'Kustomization', 'Kustomization']]] as const) {
    const built = execFileSync('kubectl', ['kustomize', fixture('bootstrap', target)], { encoding: 'utf8' });
    assert.equal(parseAllDocuments(built).map((d) => d.toJS().kind).sort(), [...kinds]);
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
