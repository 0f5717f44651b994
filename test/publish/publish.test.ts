import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { publish } from '../../compiler/publish/index.js';
import { cleanup, commitAll, filesAt, git, initSource, planFrom, prod, revParse, tmp, writeApps } from './helpers.js';

const BRANCH = 'refs/heads/environments/prod';
const spec1 = { web: { 'web-config': 'a', 'web-flags': 'x' }, api: { 'api-config': '1' } };

test.after.each(() => cleanup());

test('first render creates the branch with the hydrator layout, metadata, message and trailers', async () => {
  const { dir, sha } = initSource(spec1, 'Add web and api\n\nLonger body.');
  const r = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  assert.is(r.status, 'published', JSON.stringify(r.diagnostics));
  assert.is(r.branch, 'environments/prod');
  assert.is(revParse(dir, BRANCH), r.commit);
  const files = filesAt(dir, BRANCH);
  assert.equal(
    [...files.keys()].sort(),
    ['.gitattributes', 'api/README.md', 'api/hydrator.metadata', 'api/manifest.yaml', 'hydrator.metadata', 'web/README.md', 'web/hydrator.metadata', 'web/manifest.yaml'],
  );
  assert.ok(files.get('web/manifest.yaml')!.includes('---\napiVersion: v1'));
  assert.ok(files.get('web/README.md')!.includes(`git checkout --detach ${sha}\nnpm ci\n`));
  assert.ok(files.get('web/README.md')!.includes(`npm run render -- prod --out ../kforge-prod-${sha.slice(0, 7)}\n`));
  // Argo CD's .gitattributes: the manifests stay visible in promotion pull requests
  assert.is(files.get('.gitattributes'), '**/README.md linguist-generated=true\n**/hydrator.metadata linguist-generated=true');
  const meta = JSON.parse(files.get('hydrator.metadata')!);
  // no remote: repoURL is empty, so left out (omitempty); no reference trailers: no references
  assert.equal(Object.keys(meta), ['drySha', 'author', 'date', 'subject', 'body', 'x-kforge']);
  assert.is(meta.drySha, sha);
  assert.is(meta.author, 'Ada Dev <ada@example.com>');
  assert.is(meta.date, new Date(Number(git(dir, 'log', '-1', '--format=%at', sha).trim()) * 1000).toISOString().replace('.000Z', 'Z'));
  assert.match(meta.date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.is(meta.subject, 'Add web and api');
  assert.is(meta.body, 'Longer body.\n');
  const x = meta['x-kforge'];
  assert.is(x.environment, 'prod');
  assert.is(x.kforgeVersion, '0.1.0-test');
  assert.match(x.digest, /^sha256:[0-9a-f]{64}$/);
  assert.equal(x.policy, { errors: 0, warnings: 1, waived: 0 });
  assert.is(x.allowDirty, false);
  assert.equal(x.apps.map((a: { name: string }) => a.name), ['api', 'web']);
  // message, trailers, author and committer from the source commit
  const msg = git(dir, 'log', '-1', '--format=%B', BRANCH);
  assert.ok(msg.startsWith(`${sha.slice(0, 7)}: Add web and api\n`), msg);
  assert.ok(msg.includes('Resources: 3 added, 0 changed, 0 removed.'), msg);
  assert.ok(msg.includes(`Source-Commit: ${sha}\nSource-Ref: refs/heads/main\nRender-Env: prod\nRender-Tool: kforge 0.1.0-test\nRender-Digest: ${x.digest}\n`), msg);
  assert.is(git(dir, 'log', '-1', '--format=%an <%ae> %ad|%cn %cd', '--date=raw', BRANCH).trim(), git(dir, 'log', '-1', '--format=%an <%ae> %ad|%an %cd', '--date=raw', sha).trim());
  assert.is(r.summary.resources, 3);
  assert.equal(r.summary.kinds, { ConfigMap: 3 });
});

test('a second render makes no commit; the same source gives the same commit id elsewhere', async () => {
  const { dir } = initSource(spec1);
  const repoURL = 'https://example.com/gitops.git';
  const r1 = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod), repoURL });
  const r2 = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod), repoURL });
  assert.is(r2.status, 'up-to-date');
  assert.is(r2.commit, undefined);
  assert.is(revParse(dir, BRANCH), r1.commit);
  // a clone at the same source renders the same commit (deterministic)
  const other = tmp();
  git(other, 'clone', '-q', dir, '.');
  const r3 = await publish({ repoDir: other, environment: prod, plan: planFrom(other, prod), repoURL });
  assert.is(r3.status, 'published');
  assert.is(r3.commit, r1.commit);
});

test('a change makes one commit with the change summary; a newer commit with the same output is up to date', async () => {
  const { dir } = initSource(spec1);
  const r1 = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  writeApps(dir, { web: { 'web-config': 'b', 'web-new': 'n' }, api: { 'api-config': '1' }, db: { 'db-config': 'z' } });
  const sha2 = commitAll(dir, 'Change web, add db');
  const r2 = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  assert.is(r2.status, 'published');
  assert.is(r2.previous, r1.commit);
  assert.is(git(dir, 'rev-parse', `${BRANCH}^`).trim(), r1.commit);
  const msg = git(dir, 'log', '-1', '--format=%B', BRANCH);
  assert.ok(msg.startsWith(`${sha2.slice(0, 7)}: Change web, add db`));
  assert.ok(msg.includes('Apps added (1): db'), msg);
  assert.ok(msg.includes('Apps changed (1): web'), msg);
  assert.ok(msg.includes('Resources: 2 added, 1 changed, 1 removed.'), msg);
  assert.ok(msg.includes('~ ConfigMap demo/web-config (web)'), msg);
  assert.ok(msg.includes('- ConfigMap demo/web-flags (web)'), msg);
  assert.equal(r2.summary.changes?.resources.added, 2);
  assert.ok(filesAt(dir, BRANCH).get('db/manifest.yaml')!.includes('db-config'));
  // a commit that does not change the output: no deploy commit
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'docs only\n');
  commitAll(dir, 'Docs');
  const r3 = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  assert.is(r3.status, 'up-to-date');
  assert.is(revParse(dir, BRANCH), r2.commit);
});

test('the working tree, the index and HEAD are byte-for-byte unchanged', async () => {
  const { dir } = initSource(spec1);
  fs.writeFileSync(path.join(dir, 'staged.txt'), 'staged\n');
  git(dir, 'add', 'staged.txt');
  git(dir, 'reset', '-q', 'HEAD', 'staged.txt'); // leave the index as a user would, then restore it
  git(dir, 'add', 'staged.txt');
  git(dir, 'commit', '-q', '-m', 'staged');
  const snap = () => ({
    index: fs.readFileSync(path.join(dir, '.git', 'index')).toString('base64'),
    head: fs.readFileSync(path.join(dir, '.git', 'HEAD'), 'utf-8'),
    main: git(dir, 'rev-parse', 'refs/heads/main'),
    files: fs.readdirSync(dir).sort().join(','),
    apps: fs.readFileSync(path.join(dir, 'apps.json'), 'utf-8'),
  });
  const before = snap();
  const r = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  assert.is(r.status, 'published');
  writeApps(dir, { web: { w: '2' } });
  commitAll(dir, 'two');
  const before2 = snap();
  const r2 = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  assert.is(r2.status, 'published');
  assert.equal(snap(), before2);
  assert.is(before.head, before2.head);
  assert.is(git(dir, 'status', '--porcelain'), '');
});

test('a dirty tree is refused (KF5001) unless allowDirty, which the metadata records', async () => {
  const { dir } = initSource(spec1);
  fs.writeFileSync(path.join(dir, 'untracked.txt'), 'x');
  const r = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  assert.is(r.status, 'refused');
  assert.equal(r.diagnostics.map((d) => d.code), ['KF5001']);
  assert.is(revParse(dir, BRANCH), undefined);
  const r2 = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod, true), allowDirty: true });
  assert.is(r2.status, 'published');
  const x = JSON.parse(filesAt(dir, BRANCH).get('hydrator.metadata')!)['x-kforge'];
  assert.is(x.allowDirty, true);
  assert.is(x.dirty, true);
  assert.ok(git(dir, 'log', '-1', '--format=%B', BRANCH).includes('Render-Dirty: true'));
});

test('an older source is superseded; a diverged one is refused (KF5002) unless allowDiverged', async () => {
  const { dir, sha: sha1 } = initSource(spec1);
  writeApps(dir, { web: { w: '2' } });
  commitAll(dir, 'two');
  const r2 = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  assert.is(r2.status, 'published');
  git(dir, 'checkout', '-q', '--detach', sha1);
  const r1 = await publish({ repoDir: dir, environment: prod, plan: () => assert.unreachable('no build when superseded') as never });
  assert.is(r1.status, 'superseded');
  assert.is(revParse(dir, BRANCH), r2.commit);
  // a branch off the first commit: neither ancestor nor descendant of the deployed source
  git(dir, 'checkout', '-q', '-b', 'pr', sha1);
  writeApps(dir, { web: { w: 'pr' } });
  commitAll(dir, 'pr change');
  const r3 = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  assert.is(r3.status, 'refused');
  assert.equal(r3.diagnostics.map((d) => d.code), ['KF5002']);
  assert.is(revParse(dir, BRANCH), r2.commit);
  const r4 = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod), allowDiverged: true });
  assert.is(r4.status, 'published');
  assert.is(git(dir, 'rev-parse', `${BRANCH}^`).trim(), r2.commit);
});

test('a hand-made commit on the deploy branch is refused (KF5007); --repair keeps files outside a subfolder deployPath, removes foreign ones inside', async () => {
  const env = { ...prod, deployPath: 'clusters/prod' };
  const { dir } = initSource(spec1);
  const r1 = await publish({ repoDir: dir, environment: env, plan: planFrom(dir, env) });
  assert.is(r1.status, 'published');
  // someone adds a CI file (and a file inside the deploy path) on the deploy branch
  const other = tmp();
  git(other, 'clone', '-q', dir, '.');
  git(other, 'checkout', '-q', 'environments/prod');
  fs.mkdirSync(path.join(other, '.ci'));
  fs.writeFileSync(path.join(other, '.ci', 'check.yaml'), 'ci: true\n');
  fs.writeFileSync(path.join(other, 'clusters', 'prod', 'own.txt'), 'mine\n');
  const hand = commitAll(other, 'Add CI');
  git(other, 'push', '-q', 'origin', 'environments/prod');
  writeApps(dir, { web: { 'web-config': 'a', 'web-flags': 'x' } }); // api removed
  commitAll(dir, 'Remove api');
  const refused = await publish({ repoDir: dir, environment: env, plan: () => assert.unreachable('no build for an unproven head') as never });
  assert.is(refused.status, 'refused');
  assert.equal(refused.diagnostics.map((d) => d.code), ['KF5007']);
  assert.ok(refused.diagnostics[0].message.includes(hand.slice(0, 7)), refused.diagnostics[0].message);
  assert.ok(refused.diagnostics[0].hint!.includes('--repair'));
  assert.ok(refused.diagnostics[0].notes!.join('\n').includes('clusters/prod/own.txt'));
  assert.is(revParse(dir, BRANCH), hand);
  const r2 = await publish({ repoDir: dir, environment: env, plan: planFrom(dir, env), repair: true });
  assert.is(r2.status, 'published', JSON.stringify(r2.diagnostics));
  assert.equal(r2.diagnostics.map((d) => `${d.code} ${d.severity}`), ['KF5007 warning']);
  assert.is(git(dir, 'rev-parse', `${BRANCH}^`).trim(), hand, 'history kept');
  const files = [...filesAt(dir, BRANCH).keys()].sort();
  assert.equal(files, [
    '.ci/check.yaml',
    'clusters/prod/.gitattributes',
    'clusters/prod/hydrator.metadata',
    'clusters/prod/web/README.md',
    'clusters/prod/web/hydrator.metadata',
    'clusters/prod/web/manifest.yaml',
  ]);
  const msg = git(dir, 'log', '-1', '--format=%B', BRANCH);
  assert.ok(msg.includes('Apps removed (1): api'), msg);
  assert.match(msg, /^Removed \(4\): .*clusters\/prod\/own.txt$/m);
  assert.ok(msg.includes(`Render-Repair: ${hand}\n`), msg);
  // the repaired head is kforge's again
  const r3 = await publish({ repoDir: dir, environment: env, plan: planFrom(dir, env) });
  assert.is(r3.status, 'up-to-date', JSON.stringify(r3.diagnostics));
});

test('deploy branch names: promoteByPullRequest and deployBranch', async () => {
  const { dir } = initSource(spec1);
  const next = { ...prod, promoteByPullRequest: true };
  const r = await publish({ repoDir: dir, environment: next, plan: planFrom(dir, next) });
  assert.is(r.branch, 'environments/prod-next');
  assert.ok(revParse(dir, 'refs/heads/environments/prod-next'));
  const custom = { ...prod, deployBranch: 'deploy/prod' };
  const r2 = await publish({ repoDir: dir, environment: custom, plan: planFrom(dir, custom) });
  assert.is(r2.status, 'published');
  assert.ok(revParse(dir, 'refs/heads/deploy/prod'));
});

test('a publish stopped between writing objects and moving the ref leaves the branch at its old commit', async () => {
  const { dir } = initSource(spec1);
  const r1 = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  writeApps(dir, { web: { w: '3' } });
  commitAll(dir, 'three');
  for (const faultAt of ['after-objects'] as const) {
    const r = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod), faultAt });
    assert.is(r.status, 'failed');
    assert.equal(r.diagnostics.map((d) => d.code), ['KF9001']);
    assert.is(revParse(dir, BRANCH), r1.commit);
  }
  const r2 = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  assert.is(r2.status, 'published');
  assert.is(r2.previous, r1.commit);
});

test('a publish process killed (SIGKILL) just before moving the ref leaves the branch at its old commit', async () => {
  const { dir } = initSource(spec1);
  const r1 = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  writeApps(dir, { web: { w: 'killed' } });
  commitAll(dir, 'killed');
  const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'kill-child.js');
  const res = spawnSync(process.execPath, [child, dir, 'ref'], { encoding: 'utf-8' });
  assert.is(res.signal, 'SIGKILL', res.stderr);
  assert.is(revParse(dir, BRANCH), r1.commit);
  assert.is(git(dir, 'status', '--porcelain'), '');
  const r2 = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  assert.is(r2.status, 'published');
  assert.is(r2.previous, r1.commit);
});

test('outDir writes the files instead of committing and prunes what it wrote before', async () => {
  const { dir } = initSource(spec1);
  const out = path.join(dir, 'out');
  const r = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod), outDir: out });
  assert.is(r.status, 'published');
  assert.ok(fs.existsSync(path.join(out, 'api', 'manifest.yaml')));
  fs.writeFileSync(path.join(out, 'keep.txt'), 'x');
  writeApps(dir, { web: { w: '1' } });
  commitAll(dir, 'web only');
  await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod), outDir: out });
  assert.not.ok(fs.existsSync(path.join(out, 'api')));
  assert.ok(fs.existsSync(path.join(out, 'keep.txt')));
  assert.ok(fs.existsSync(path.join(out, 'web', 'manifest.yaml')));
  assert.is(revParse(dir, BRANCH), undefined);
});

test('two local publishes racing: the compare-and-swap loser retries and finds the branch up to date', async () => {
  const { dir } = initSource(spec1);
  const rs = await Promise.all([0, 1, 2].map(() => publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod), retry: { minDelayMs: 5 } })));
  const statuses = rs.map((r) => r.status).sort();
  assert.equal(statuses, ['published', 'up-to-date', 'up-to-date'], JSON.stringify(rs.map((r) => r.diagnostics)));
  assert.is(git(dir, 'rev-list', '--count', BRANCH).trim(), '1');
});

test('not a repository: KF5004', async () => {
  const r = await publish({ repoDir: tmp(), environment: prod, plan: () => assert.unreachable() as never });
  assert.is(r.status, 'failed');
  assert.equal(r.diagnostics.map((d) => d.code), ['KF5004']);
});

test.run();
