/**
 * `kforge promote` and `kforge diff --envs` end to end, in a temporary clone of this repository:
 * only promotable values move (images, declared ConfigMap keys), TO's kustomization is edited
 * as `kforge edit set image` would, --dry-run writes nothing, --image narrows, and the diff shows
 * nothing that differs by design.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { kforgeCli, linkBuild, repoRoot, spawnCli } from '../helpers.js';

const ROOT = repoRoot();
const CLI = kforgeCli();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-promote-'));
const repo = path.join(tmp, 'repo');
const ENV: NodeJS.ProcessEnv = { ...process.env, KFORGE_REDACT_KEY: 'promote-test', NO_COLOR: '1', GIT_CONFIG_NOSYSTEM: '1' };
delete ENV.KFORGE_DEBUG;

function kforge(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return spawnCli(CLI, args, { cwd: repo, env: ENV });
}
const show = (r: { code: number; stdout: string; stderr: string }) => `exit ${r.code}\n--- stdout\n${r.stdout.slice(0, 3000)}\n--- stderr\n${r.stderr.slice(0, 3000)}`;
const prodK = () => path.join(repo, 'overlays', 'prod', 'kustomization.yaml');
const stagingK = () => path.join(repo, 'overlays', 'staging', 'kustomization.yaml');

test.before(() => {
  execFileSync('git', ['clone', '-q', ROOT, repo], { env: ENV });
  linkBuild(repo);
});
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('diff --envs staging prod: only what promotion moves (the image), nothing that differs by design', async () => {
  const same = await kforge('diff', '--envs', 'staging', 'prod', '--format', 'json');
  assert.is(same.code, 0, show(same));
  const [s] = JSON.parse(same.stdout) as { counts: Record<string, number>; risks: unknown[] }[];
  assert.equal([s.counts.added, s.counts.changed, s.counts.removed], [0, 0, 0], 'staging and prod run the same tag: nothing to promote, whatever else differs');
  assert.equal(s.risks, []);
  fs.writeFileSync(stagingK(), fs.readFileSync(stagingK(), 'utf8').replace('newTag: 1.9.0', 'newTag: 1.9.1'));
  const r = await kforge('diff', '--envs', 'staging', 'prod');
  assert.is(r.code, 1, show(r));
  assert.match(r.stdout, 'staging → prod: prod (working tree) → prod with staging\'s images');
  assert.match(r.stdout, '(+0 ~1 -0,');
  assert.match(r.stdout, '+ spec.template.spec.containers[name=im-service].image: ghcr.io/kforge-demo/im-service:1.9.1');
  assert.not.match(r.stdout, 'volumeClaimTemplates');
  assert.not.match(r.stdout, 'kforge-staging');
});

test('promote staging prod: --dry-run writes nothing; then prod\'s images: entry is set (comment kept) and the diff printed', async () => {
  const before = fs.readFileSync(prodK(), 'utf8');
  const dry = await kforge('promote', 'staging', 'prod', '--dry-run');
  assert.is(dry.code, 0, show(dry));
  assert.match(dry.stdout, 'would set overlays/prod/kustomization.yaml: images: ghcr.io/kforge-demo/im-service:1.9.1 (was ghcr.io/kforge-demo/im-service:1.9.0)');
  assert.match(dry.stdout, '+ spec.template.spec.containers[name=im-service].image: ghcr.io/kforge-demo/im-service:1.9.1');
  assert.is(fs.readFileSync(prodK(), 'utf8'), before);
  const none = await kforge('promote', 'staging', 'prod', '--image', 'docker.io/library/nope');
  assert.is(none.code, 2, show(none));
  assert.is(none.stdout, '');
  assert.match(none.stderr, /KF6005.*docker\.io\/library\/nope/);
  const r = await kforge('promote', 'staging', 'prod', '--image', 'ghcr.io/kforge-demo/im-service');
  assert.is(r.code, 0, show(r));
  const after = fs.readFileSync(prodK(), 'utf8');
  assert.is(after, before.replace('# Promoted from staging after verification.\n- name: ghcr.io/kforge-demo/im-service\n  newTag: 1.9.0', '# Promoted from staging after verification.\n- name: ghcr.io/kforge-demo/im-service\n  newTag: 1.9.1'));
  assert.is.not(after, before);
  const again = await kforge('diff', '--envs', 'staging', 'prod');
  assert.is(again.code, 0, show(again));
  assert.match(again.stdout, 'no changes');
});

test('a ConfigMap key declared promotable in environment.ts moves too (and the edited definition is compiled on demand)', async () => {
  const envFile = path.join(repo, 'overlays', 'prod', 'environment.ts');
  const src = fs.readFileSync(envFile, 'utf8');
  assert.match(src, "name: 'prod',");
  fs.writeFileSync(envFile, src.replace("name: 'prod',", "name: 'prod',\n  promote: [{ kind: 'ConfigMap', name: 'im-service-env', key: 'LOG_LEVEL' }],"));
  const r = await kforge('promote', 'staging', 'prod');
  assert.is(r.code, 0, show(r));
  assert.match(r.stdout, 'configMapGenerator im-service-env: LOG_LEVEL=INFO (was LOG_LEVEL=WARN)');
  assert.match(fs.readFileSync(prodK(), 'utf8'), '  - SPRING_PROFILES_ACTIVE=prod\n  - LOG_LEVEL=INFO\n');
  assert.match(r.stdout, 'ConfigMap');
  // a typo in the declaration is a type error, located
  fs.writeFileSync(envFile, src.replace("name: 'prod',", "name: 'prod',\n  promote: [{ kind: 'Configmap', name: 'im-service-env', key: 'LOG_LEVEL' }],"));
  const bad = await kforge('promote', 'staging', 'prod');
  assert.is(bad.code, 2, show(bad));
  assert.is(bad.stdout, '');
  assert.match(bad.stderr, /overlays\/prod\/environment\.ts:\d+:\d+: error KF4004: TS2322/);
  fs.writeFileSync(envFile, src);
});

test.run();
