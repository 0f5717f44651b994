// What a deploy commit touches, and what GitHub collapses in its pull requests.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { publish } from '../../compiler/publish/index.js';
import { cleanup, commitAll, git, initSource, planFrom, prod, tmp, writeApps } from './helpers.js';

const BRANCH = 'refs/heads/environments/prod';

test.after.each(() => cleanup());

test('a one-app change touches that app\'s files and the root metadata only', async () => {
  const spec = { web: { w: '1' }, api: { a: '1' }, db: { d: '1' }, cache: { c: '1' } };
  const { dir } = initSource(spec);
  const r1 = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  assert.is(r1.status, 'published');
  writeApps(dir, { ...spec, web: { w: '2' } });
  commitAll(dir, 'Bump web');
  const r2 = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  assert.is(r2.status, 'published', JSON.stringify(r2.diagnostics));
  const changed = git(dir, 'diff', '--name-only', r1.commit!, r2.commit!).trim().split('\n');
  assert.equal(changed, ['hydrator.metadata', 'web/README.md', 'web/hydrator.metadata', 'web/manifest.yaml']);
  // the unchanged apps still name the source commit that last changed them
  assert.is(git(dir, 'show', `${BRANCH}:api/hydrator.metadata`), git(dir, 'show', `${r1.commit}:api/hydrator.metadata`));
});

test('.gitattributes: README.md and hydrator.metadata are linguist-generated at any depth, manifest.yaml is not', async () => {
  const { dir } = initSource({ web: { w: '1' } });
  const r = await publish({ repoDir: dir, environment: { ...prod, deployPath: 'clusters/prod' }, plan: planFrom(dir, { ...prod, deployPath: 'clusters/prod' }) });
  assert.is(r.status, 'published');
  // the deploy commit's attributes, read from a temporary index (check-attr --source needs git 2.40)
  const env = { ...process.env, GIT_INDEX_FILE: path.join(tmp(), 'index') };
  execFileSync('git', ['read-tree', r.commit!], { cwd: dir, env });
  const paths = ['clusters/prod/hydrator.metadata', 'clusters/prod/web/README.md', 'clusters/prod/web/hydrator.metadata', 'clusters/prod/web/manifest.yaml'];
  const out = execFileSync('git', ['check-attr', '--cached', 'linguist-generated', '--', ...paths], { cwd: dir, env, encoding: 'utf-8' });
  assert.is(
    out,
    [
      'clusters/prod/hydrator.metadata: linguist-generated: true',
      'clusters/prod/web/README.md: linguist-generated: true',
      'clusters/prod/web/hydrator.metadata: linguist-generated: true',
      'clusters/prod/web/manifest.yaml: linguist-generated: unspecified',
      '',
    ].join('\n'),
  );
});

test.run();
