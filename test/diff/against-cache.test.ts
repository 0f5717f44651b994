/**
 * `diff --against REF` extracts REF's tree into a temporary folder and compiles its environment.ts
 * there. That tree has no node_modules/ and no .git/, so its compile used to fall back to
 * `<tmpdir>/kforge-cache-<uid>`: a cold cache on every CI machine (the kept cache folder is the
 * checkout's `node_modules/.cache/kforge`) and litter in /tmp. It now goes to the checkout's cache
 * folder (validated by content, as the checkout's own compile), and the copy made for the
 * temporary tree is removed with it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { kforgeCli, writeFiles } from '../helpers.js';

const made: string[] = [];
test.after(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com', GIT_CONFIG_NOSYSTEM: '1' };
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8' });

const CM = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  value: "${value}"\n`;
// a definition with a local import that type-checks without kforge's API (TypeScript alone: fast)
const ENV = "import { version } from './version.js';\nexport default { environment: { name: 'prod', kubernetesVersion: version }, patches: [], __kforgeEnvironment: true };\n";

/** Every file under `dir`: relative name → inode and modification time (a rewrite changes both). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!fs.existsSync(dir)) return out;
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const st = fs.statSync(path.join(dir, f));
    if (st.isFile()) out[f] = `${st.ino}:${st.mtimeMs}`;
  }
  return out;
}

test('diff --against compiles the ref into the checkout\'s cache folder, leaves nothing in TMPDIR, and the next diff compiles nothing', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-against-cache-'));
  made.push(base);
  const repo = path.join(base, 'repo');
  const tmpdir = path.join(base, 'tmp');
  fs.mkdirSync(tmpdir);
  writeFiles(repo, {
    '.gitignore': 'node_modules/\n',
    'bases/web/kustomization.yaml': 'resources:\n- cm.yaml\n',
    'bases/web/cm.yaml': CM('one'),
    'overlays/prod/kustomization.yaml': 'resources:\n- ../../bases/web\n',
    'overlays/prod/environment.ts': ENV,
    'overlays/prod/version.ts': "export const version = '1.30';\n",
  });
  // the checkout's cache folder is node_modules/.cache/kforge (as in any checkout with `npm ci` done)
  fs.mkdirSync(path.join(repo, 'node_modules'));
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'one');
  // the working tree's definition differs from the ref's: two programs, two cache entries
  writeFiles(repo, { 'bases/web/cm.yaml': CM('two'), 'overlays/prod/version.ts': "export const version = '1.31';\n" });
  git(repo, 'commit', '-q', '-am', 'two');

  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmpdir, NODE_COMPILE_CACHE: path.join(base, 'node-compile-cache'), NO_COLOR: '1' };
  // the test runner shares one cache between every kforge it runs: not here, the checkout's own is the point
  delete env.KFORGE_CACHE_DIR;
  const diff = () => spawnSync(process.execPath, [kforgeCli(), 'diff', 'prod', '--against', 'HEAD~1', '--format', 'json'], { cwd: repo, env, encoding: 'utf8' });
  const cache = path.join(repo, 'node_modules', '.cache', 'kforge');

  const first = diff();
  assert.is(first.status, 1, first.stderr); // changes found
  assert.match(first.stdout, /"two"/);
  assert.equal(fs.readdirSync(tmpdir), [], 'nothing left in TMPDIR');
  // both definitions (the working tree's and HEAD~1's) are in the checkout's cache
  assert.is(fs.readdirSync(path.join(cache, 'tpl')).length, 2, 'transpiled: the working tree and the ref');
  // the copy made for the temporary tree went with it: only the checkout's remains
  const copies = fs.readdirSync(path.join(cache, 'env'));
  assert.equal(
    copies.map((c) => fs.readFileSync(path.join(cache, 'env', c, '.root'), 'utf8')),
    [repo],
  );

  const compiled = { tpl: snapshot(path.join(cache, 'tpl')), check: snapshot(path.join(cache, 'check')) };
  const second = diff();
  assert.is(second.status, 1, second.stderr);
  assert.is(second.stdout, first.stdout);
  assert.equal(fs.readdirSync(tmpdir), [], 'nothing left in TMPDIR');
  // nothing type-checked or transpiled again: no manifest or template written
  assert.equal({ tpl: snapshot(path.join(cache, 'tpl')), check: snapshot(path.join(cache, 'check')) }, compiled);
  assert.equal(fs.readdirSync(path.join(cache, 'env')), copies);
});

test.run();
