/**
 * Issue 13, point 2: kforge builds only on a deploy head it can prove it wrote. A foreign force-push, a head
 * changed by hand under kforge's own commit message, and a deployBranch naming a source branch are refused
 * before anything is written; --repair puts a fresh render on top of an unproven head, keeping its history.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { publish } from '../../compiler/publish/index.js';
import { verifyHead, type HeadFacts, type TreeEntry } from '../../compiler/publish/provenance.js';
import { commitMessage, compare } from '../../compiler/publish/message.js';
import { filesToWrite, planRender } from '../../compiler/emit/plan.js';
import { appsFromSpec, cleanup, commitAll, filesAt, git, initSource, planFrom, prod, revParse, tmp, writeApps } from './helpers.js';

const BRANCH = 'refs/heads/environments/prod';
const spec1 = { web: { 'web-config': 'a' }, kafka: { 'kafka-config': '1' } };

test.after.each(() => cleanup());

// ── verifyHead, in memory ──────────────────────────────────────────────────────────────
const source = { repoURL: '', sha: 'a'.repeat(40), ref: 'refs/heads/main', subject: 's', body: '', author: { name: 'A', email: 'a@x', date: '2023-11-14T22:13:20+00:00' }, committerDate: '2023-11-14T22:13:20+00:00', dirty: false };

function factsOf(deployPath?: string, edit?: (files: Map<string, string>) => void, env = 'prod'): HeadFacts {
  const environment = { ...prod, name: env, ...(deployPath ? { deployPath } : {}) };
  const plan = planRender({ environment, apps: appsFromSpec(spec1), source, kforgeVersion: '1.0.0', policy: { errors: 0, warnings: 0, waived: 0 }, allowDirty: false });
  const files = new Map(plan.files);
  edit?.(files);
  const entries = new Map<string, TreeEntry>();
  const blobs = new Map<string, Buffer>();
  for (const [p, c] of files) {
    const id = createHash('sha1').update(c).digest('hex');
    entries.set(p, { mode: '100644', type: 'blob', id });
    blobs.set(id, Buffer.from(c));
  }
  return { commit: 'c'.repeat(40), tree: 't'.repeat(40), message: commitMessage(plan, compare(plan, undefined), '1.0.0', undefined), entries, blobs };
}

test('verifyHead: a render as planned is verified (the recomputed content digest equals planRender\'s)', () => {
  for (const dp of [undefined, 'clusters/prod']) {
    const v = verifyHead(factsOf(dp), 'prod', dp ?? '');
    assert.ok(v.ok, v.problems.join('; '));
    assert.is(v.ownCommit, true);
    assert.is(v.sourceSha, source.sha);
  }
});

test('verifyHead: tampered, foreign, unrecorded and misplaced content', () => {
  const rows: [string, HeadFacts, string, RegExp][] = [
    ['a manifest edited', factsOf(undefined, (f) => f.set('kafka/manifest.yaml', f.get('kafka/manifest.yaml')!.replace('"1"', '"2"'))), 'tampered', /do not match their recorded digests: kafka/],
    ['an extra app folder', factsOf(undefined, (f) => f.set('backdoor/manifest.yaml', 'kind: Pod\n')), 'tampered', /did not write: backdoor\/manifest.yaml/],
    ['a recorded file deleted', factsOf(undefined, (f) => f.delete('web/README.md')), 'tampered', /missing: web\/README.md/],
    ['metadata gone', factsOf(undefined, (f) => f.delete('hydrator.metadata')), 'tampered', /no hydrator.metadata/],
    ['metadata not JSON', factsOf(undefined, (f) => f.set('hydrator.metadata', '{')), 'tampered', /not valid JSON/],
    ['another environment\'s render', factsOf(undefined, undefined, 'dev'), 'tampered', /rendered for environment "dev"/],
    ['no trailers', { ...factsOf(), message: 'Add a backdoor\n' }, 'foreign', /lacks kforge's trailers/],
    ['trailers of another digest', { ...factsOf(), message: factsOf().message.replace(/Render-Digest: sha256:[0-9a-f]{64}/, `Render-Digest: sha256:${'0'.repeat(64)}`) }, 'tampered', /Render-Digest trailer/],
  ];
  for (const [name, facts, kind, problem] of rows) {
    const v = verifyHead(facts, 'prod', '');
    assert.is(v.ok, false, name);
    assert.is(v.kind, kind, name);
    assert.match(v.problems.join('\n'), problem, name);
  }
  // a symlink where a manifest was
  const f = factsOf();
  f.entries.set('web/manifest.yaml', { ...f.entries.get('web/manifest.yaml')!, mode: '120000' });
  assert.match(verifyHead(f, 'prod', '').problems.join('\n'), /web\/manifest.yaml is not a regular file/);
});

test('verifyHead: a subfolder deploy path ignores what lies outside it; a shared branch may end with another environment\'s render', () => {
  const outside = factsOf('clusters/prod', (f) => f.set('README.md', 'the platform team\n'));
  assert.ok(verifyHead(outside, 'prod', 'clusters/prod').ok);
  // the head is dev's render (clusters/dev); prod's folder is checked on its own
  const dev = factsOf('clusters/dev', undefined, 'dev');
  const prodFolder = factsOf('clusters/prod');
  for (const [p, e] of prodFolder.entries) dev.entries.set(p, e);
  for (const [id, b] of prodFolder.blobs) dev.blobs.set(id, b);
  const v = verifyHead(dev, 'prod', 'clusters/prod');
  assert.ok(v.ok, v.problems.join('; '));
  assert.is(v.ownCommit, false);
  // prod's folder not there yet: nothing to verify, nothing to build on
  const fresh = verifyHead(factsOf('clusters/dev', undefined, 'dev'), 'prod', 'clusters/prod');
  assert.ok(fresh.ok);
  assert.equal(fresh.files, []);
  // this environment's own render before its deployPath moved into a subfolder
  assert.ok(verifyHead(factsOf(), 'prod', 'clusters/prod').ok);
  // but at the root, another environment's render is not prod's
  assert.is(verifyHead(factsOf(undefined, undefined, 'dev'), 'prod', '').ok, false);
});

test('verifyHead: a one-app change written with filesToWrite (unchanged apps keep README.md and hydrator.metadata) is verified: the recorded files include the kept ones, the recomputed digest equals planRender\'s', () => {
  const environment = { ...prod };
  const plan = (sp: typeof spec1, sha: string) =>
    planRender({ environment, apps: appsFromSpec(sp), source: { ...source, sha }, kforgeVersion: '1.0.0', policy: { errors: 0, warnings: 0, waived: 0 }, allowDirty: false });
  const p1 = plan(spec1, 'a'.repeat(40));
  const p2 = plan({ ...spec1, web: { 'web-config': 'b' } }, 'b'.repeat(40));
  const written = filesToWrite(p2, { apps: p1.metadata['x-kforge'].apps, files: p1.metadata['x-kforge'].files });
  assert.ok(!written.has('kafka/README.md') && !written.has('kafka/hydrator.metadata'), 'kafka\'s files are kept, not rewritten');
  assert.ok(written.has('web/README.md') && written.has('hydrator.metadata'));
  // the tree: the previous render's files, overwritten by what is written
  const tree = new Map([...p1.files, ...written]);
  assert.equal([...tree.keys()].sort(), p2.metadata['x-kforge'].files, 'the recorded files are the tree\'s, kept ones included');
  const entries = new Map<string, TreeEntry>();
  const blobs = new Map<string, Buffer>();
  for (const [p, c] of tree) {
    const id = createHash('sha1').update(c).digest('hex');
    entries.set(p, { mode: '100644', type: 'blob', id });
    blobs.set(id, Buffer.from(c));
  }
  const v = verifyHead({ commit: 'c'.repeat(40), tree: 't'.repeat(40), message: commitMessage(p2, compare(p2, undefined), '1.0.0', undefined), entries, blobs }, 'prod', '');
  assert.ok(v.ok, v.problems.join('; '));
  assert.is(v.digest, p2.digest);
  assert.is(JSON.parse(tree.get('kafka/hydrator.metadata')!).drySha, 'a'.repeat(40), 'the kept metadata still names the source that last changed kafka');
});

test('verifyHead: an empty tree (promotion\'s initial commit) is verified with nothing recorded', () => {
  const v = verifyHead({ commit: 'c'.repeat(40), tree: 't'.repeat(40), message: 'Initial commit for environments/prod\n', entries: new Map(), blobs: new Map() }, 'prod', '');
  assert.ok(v.ok);
  assert.is(v.empty, true);
  assert.equal(v.files, []);
  assert.is(v.digest, undefined);
});

// ── in git repositories ────────────────────────────────────────────────────────────────
function withRemote(): { dir: string; remote: string } {
  const { dir } = initSource(spec1);
  const remote = path.join(tmp(), 'remote.git');
  git(dir, 'clone', '-q', '--bare', dir, remote);
  git(dir, 'remote', 'add', 'origin', remote);
  git(dir, 'fetch', '-q', 'origin');
  return { dir, remote };
}

test('a foreign force-push of unrelated history with backdoor/manifest.yaml is refused (KF5007, nothing pushed); --repair replaces it, history kept', async () => {
  const { dir, remote } = withRemote();
  const r1 = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod), push: true });
  assert.is(r1.status, 'published');
  // someone force-pushes unrelated history: a copy of the render plus an app folder of their own
  const evil = tmp();
  git(evil, 'init', '-q', '-b', 'x');
  for (const [p, c] of filesAt(remote, BRANCH)) {
    fs.mkdirSync(path.dirname(path.join(evil, p)), { recursive: true });
    fs.writeFileSync(path.join(evil, p), c);
  }
  fs.mkdirSync(path.join(evil, 'backdoor'));
  fs.writeFileSync(path.join(evil, 'backdoor', 'manifest.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: miner\n');
  const foreign = commitAll(evil, 'Update');
  git(evil, 'push', '-q', '--force', remote, `HEAD:${BRANCH}`);
  writeApps(dir, { web: { 'web-config': 'b' }, kafka: { 'kafka-config': '1' } });
  commitAll(dir, 'web b');
  const localBefore = revParse(dir, BRANCH);
  const refused = await publish({ repoDir: dir, environment: prod, plan: () => assert.unreachable('no build') as never, push: true });
  assert.is(refused.status, 'refused');
  assert.equal(refused.diagnostics.map((d) => d.code), ['KF5007']);
  assert.match(refused.diagnostics[0].message, new RegExp(`environments/prod is at ${foreign.slice(0, 7)}`));
  assert.match(refused.diagnostics[0].notes!.join('\n'), /backdoor\/manifest.yaml/);
  assert.match(refused.diagnostics[0].hint!, /--repair --push/);
  assert.is(revParse(remote, BRANCH), foreign, 'nothing pushed');
  assert.is(revParse(dir, BRANCH), localBefore, 'nothing written');

  const repaired = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod), push: true, repair: true });
  assert.is(repaired.status, 'published', JSON.stringify(repaired.diagnostics));
  assert.is(revParse(remote, BRANCH), repaired.commit);
  assert.is(git(remote, 'rev-parse', `${BRANCH}^`).trim(), foreign, 'history kept');
  assert.not.ok(filesAt(remote, BRANCH).has('backdoor/manifest.yaml'));
  // the repaired tree is exactly a fresh render's
  const lone = tmp();
  git(lone, 'clone', '-q', dir, '.');
  git(lone, 'remote', 'set-url', 'origin', remote);
  git(lone, 'update-ref', '-d', 'refs/remotes/origin/environments/prod');
  const fresh = await publish({ repoDir: lone, environment: { ...prod, deployBranch: 'fresh' }, plan: planFrom(lone, { ...prod, deployBranch: 'fresh' }) });
  assert.is(git(remote, 'rev-parse', `${BRANCH}^{tree}`).trim(), fresh.tree);
  assert.match(git(remote, 'log', '-1', '--format=%B', BRANCH), new RegExp(`Render-Repair: ${foreign}`));
  // and it is kforge's again
  const again = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod), push: true });
  assert.is(again.status, 'up-to-date', JSON.stringify(again.diagnostics));
});

test('a tampered head that reuses kforge\'s commit message is refused, never up to date', async () => {
  const { dir } = initSource(spec1);
  const r1 = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  const other = tmp();
  git(other, 'clone', '-q', '-b', 'environments/prod', dir, '.');
  fs.writeFileSync(path.join(other, 'kafka', 'manifest.yaml'), fs.readFileSync(path.join(other, 'kafka', 'manifest.yaml'), 'utf8').replace('"1"', '"evil"'));
  git(other, 'commit', '-q', '-a', '-C', r1.commit!);
  git(other, 'push', '-q', 'origin', 'environments/prod');
  const tampered = revParse(dir, BRANCH)!;
  const r2 = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod) });
  assert.is(r2.status, 'refused');
  assert.equal(r2.diagnostics.map((d) => d.code), ['KF5007']);
  assert.match(r2.diagnostics[0].message, /changed by hand/);
  assert.match(r2.diagnostics[0].notes!.join('\n'), /kafka/);
  assert.is(revParse(dir, BRANCH), tampered);
  const r3 = await publish({ repoDir: dir, environment: prod, plan: planFrom(dir, prod), repair: true });
  assert.is(r3.status, 'published');
  assert.ok(filesAt(dir, BRANCH).get('kafka/manifest.yaml')!.includes('value: "1"'));
  assert.is(git(dir, 'rev-parse', `${BRANCH}^`).trim(), tampered);
});

test('deployBranch naming a source branch is refused (KF5008) before anything is written, even with --repair', async () => {
  const { dir } = initSource(spec1);
  git(dir, 'branch', 'develop');
  writeApps(dir, { web: { w: '2' } });
  commitAll(dir, 'two');
  const mainBefore = revParse(dir, 'refs/heads/main');
  for (const [deployBranch, repair] of [['develop', false], ['develop', true], ['main', false], ['main', true]] as const) {
    const env = { ...prod, deployBranch };
    const r = await publish({ repoDir: dir, environment: env, plan: () => assert.unreachable('no build') as never, repair });
    assert.is(r.status, 'refused', `${deployBranch} ${repair}`);
    assert.equal(r.diagnostics.map((d) => d.code), ['KF5008'], `${deployBranch} ${repair}`);
  }
  assert.is(revParse(dir, 'refs/heads/main'), mainBefore);
  assert.is(git(dir, 'status', '--porcelain'), '');
  // a branch of the source history that is not checked out either
  git(dir, 'checkout', '-q', '--detach');
  const r = await publish({ repoDir: dir, environment: { ...prod, deployBranch: 'main' }, plan: () => assert.unreachable('no build') as never, repair: true });
  assert.equal(r.diagnostics.map((d) => d.code), ['KF5008']);
  assert.is(revParse(dir, 'refs/heads/main'), mainBefore);
  // with --push to a remote that has no such branch yet, the local source branch still counts
  const remote = path.join(tmp(), 'remote.git');
  git(dir, 'init', '-q', '--bare', remote);
  git(dir, 'remote', 'add', 'origin', remote);
  const p = await publish({ repoDir: dir, environment: { ...prod, deployBranch: 'develop' }, plan: () => assert.unreachable('no build') as never, push: true });
  assert.equal(p.diagnostics.map((d) => d.code), ['KF5008']);
  assert.is(revParse(remote, 'refs/heads/develop'), undefined, 'nothing pushed');
});

test('two environments sharing one deploy branch in subfolders build on each other\'s renders', async () => {
  const { dir } = initSource(spec1);
  const dev = { ...prod, name: 'dev', deployBranch: 'rendered', deployPath: 'dev' };
  const prd = { ...prod, deployBranch: 'rendered', deployPath: 'prod' };
  assert.is((await publish({ repoDir: dir, environment: dev, plan: planFrom(dir, dev) })).status, 'published');
  assert.is((await publish({ repoDir: dir, environment: prd, plan: planFrom(dir, prd) })).status, 'published');
  assert.is((await publish({ repoDir: dir, environment: dev, plan: planFrom(dir, dev) })).status, 'up-to-date');
  writeApps(dir, { web: { w: '2' } });
  commitAll(dir, 'two');
  assert.is((await publish({ repoDir: dir, environment: dev, plan: planFrom(dir, dev) })).status, 'published');
  const r = await publish({ repoDir: dir, environment: prd, plan: planFrom(dir, prd) });
  assert.is(r.status, 'published', JSON.stringify(r.diagnostics));
  const files = [...filesAt(dir, 'refs/heads/rendered').keys()];
  assert.ok(files.includes('dev/web/manifest.yaml') && files.includes('prod/web/manifest.yaml'));
  assert.not.ok(files.includes('prod/kafka/manifest.yaml'));
});

test.run();
