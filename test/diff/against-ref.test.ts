/**
 * `diff --against REF` renders ENV as it was at REF. A real repository reaches outside bases/ and
 * overlays/ (a components/ folder at the root, kforge.lock) and its environment.ts imports local
 * modules: the rendering at REF must see them as a checkout of REF would, and must not stop at a
 * policy finding the ref had (only its resources are compared).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { renderAtRef } from '../../compiler/diff/sources.js';
import { writeFiles } from '../helpers.js';

const ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com', GIT_CONFIG_NOSYSTEM: '1' };
const made: string[] = [];
test.after(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const write = writeFiles;
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: ENV, encoding: 'utf8' });

const CM = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  value: "${value}"\n`;

test('the rendering at REF sees components/ at the root, the local modules environment.ts imports, and ignores the ref\'s policy findings', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-against-'));
  made.push(root);
  write(root, {
    'bases/web/kustomization.yaml': 'resources:\n- cm.yaml\n- secret.yaml\n',
    'bases/web/cm.yaml': CM('one'),
    // a Secret in prod without allowSecrets is a policy error at that commit; the diff still compares it
    'bases/web/secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: web\nstringData:\n  password: hunter2\n',
    'components/team/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nlabels:\n- pairs:\n    team: payments\n',
    'overlays/prod/kustomization.yaml': 'resources:\n- ../../bases/web\ncomponents:\n- ../../components/team\n',
    'overlays/prod/version.ts': "export const version = '1.30';\n",
    'overlays/prod/environment.ts': "import { defineEnvironment } from '../../compiler/api.js';\nimport { version } from './version.js';\nexport default defineEnvironment({ name: 'prod', kubernetesVersion: version });\n",
  });
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'one');
  write(root, { 'bases/web/cm.yaml': CM('two') });
  git(root, 'commit', '-q', '-am', 'two');

  const r = await renderAtRef(root, 'HEAD~1', 'prod', '2026-01-01');
  assert.equal(r.diagnostics, []);
  assert.ok(r.value, 'rendered');
  assert.is(r.value!.base.commit, git(root, 'rev-parse', 'HEAD~1').trim());
  assert.is(r.value!.rendered.definition.environment.kubernetesVersion, '1.30');
  const cm = r.value!.rendered.resources.find((x) => x.id.kind === 'ConfigMap');
  assert.equal(cm?.object.data, { value: 'one' });
  assert.equal((cm?.object.metadata as { labels?: unknown }).labels, { team: 'payments' });
  assert.ok(r.value!.rendered.resources.some((x) => x.id.kind === 'Secret'));
  // nothing in the repository changed
  assert.is(git(root, 'status', '--porcelain'), '');
});

test.run();
