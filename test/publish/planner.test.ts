/** The publish decision without git: tables of facts → decisions (compiler/publish/planner.ts). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkSource, needsRelation, planCommit, planFollow, planPublish, planRetry, type DeployHead, type PublishFacts, type Relation } from '../../compiler/publish/planner.js';

const S = 's'.repeat(40);
const P = 'p'.repeat(40);
const H = 'h'.repeat(40);
const branch = 'environments/prod';
const codes = (ds: { code: string; severity?: string }[]) => ds.map((d) => `${d.code}${d.severity === 'warning' ? '(w)' : ''}`);

test('checkSource: dirty work tree and a checked-out deploy branch', () => {
  const base = { branch, dirtyLines: [] as string[], allowDirty: false, deployBranchCheckedOut: false, outDir: false, repoDir: '/r' };
  const rows: [string, Partial<typeof base>, string, string[], boolean?][] = [
    ['clean', {}, 'continue', [], false],
    ['dirty', { dirtyLines: [' M a'] }, 'refuse', ['KF5001']],
    ['dirty, allowed', { dirtyLines: [' M a'], allowDirty: true }, 'continue', ['KF5001(w)'], true],
    ['deploy branch checked out', { deployBranchCheckedOut: true }, 'refuse', ['KF5008']],
    ['checked out, but outDir', { deployBranchCheckedOut: true, outDir: true }, 'continue', [], false],
    ['dirty first', { dirtyLines: ['?? x'], deployBranchCheckedOut: true }, 'refuse', ['KF5001']],
  ];
  for (const [name, f, kind, want, dirty] of rows) {
    const d = checkSource({ ...base, ...f });
    assert.is(d.kind, kind, name);
    assert.equal(codes(d.diagnostics), want, name);
    if (d.kind === 'continue') assert.is(d.dirty, dirty, name);
  }
});

test('planPublish: never backwards; diverged refused unless allowed', () => {
  const head = (sourceSha?: string): DeployHead => ({ commit: H, files: [], ...(sourceSha ? { sourceSha } : {}) });
  const unproven = (kind: 'foreign' | 'tampered', sourceSha?: string): DeployHead => ({ ...head(sourceSha), unproven: { kind, problems: ['why'], paths: ['a/manifest.yaml'] } });
  const rows: [string, Partial<PublishFacts>, string, string[]][] = [
    ['no branch yet', {}, 'build', []],
    ['head from the same source', { head: head(S) }, 'build', []],
    ['head without a source', { head: head() }, 'build', []],
    ['head from an older source', { head: head(P), relation: 'descendant' }, 'build', []],
    ['head from a newer source', { head: head(P), relation: 'ancestor' }, 'superseded', []],
    ['diverged', { head: head(P), relation: 'diverged' }, 'refuse', ['KF5002']],
    ['unknown source', { head: head(P), relation: 'unknown' }, 'refuse', ['KF5002']],
    ['relation not given', { head: head(P) }, 'refuse', ['KF5002']],
    ['diverged, allowed', { head: head(P), relation: 'diverged', allowDiverged: true }, 'build', ['KF5002(w)']],
    // provenance comes first: an unproven head's claims (its source, its digest) are not believed
    ['foreign head', { head: unproven('foreign') }, 'refuse', ['KF5007']],
    ['tampered head', { head: unproven('tampered', S) }, 'refuse', ['KF5007']],
    ['tampered head claiming a newer source', { head: unproven('tampered', P), relation: 'ancestor' }, 'refuse', ['KF5007']],
    ['foreign head, --repair', { head: unproven('foreign'), repair: true }, 'repair', ['KF5007(w)']],
    ['tampered head, --repair', { head: unproven('tampered', P), repair: true }, 'repair', ['KF5007(w)']],
    ['a source branch', { head: { ...unproven('foreign'), unproven: { kind: 'foreign', problems: [], paths: [], sourceBranch: 'shares history' } } }, 'refuse', ['KF5008']],
    ['a source branch, even with --repair', { head: { ...unproven('foreign'), unproven: { kind: 'foreign', problems: [], paths: [], sourceBranch: 'shares history' } }, repair: true }, 'refuse', ['KF5008']],
    ['a verified head, --repair: nothing to repair', { head: head(S), repair: true }, 'build', []],
  ];
  for (const [name, f, kind, want] of rows) {
    const facts: PublishFacts = { branch, envName: 'prod', push: false, repair: false, sourceSha: S, allowDiverged: false, ...f };
    const d = planPublish(facts);
    assert.is(d.kind, kind, name);
    assert.equal(codes(d.diagnostics), want, name);
  }
  assert.is(needsRelation({ sourceSha: S, head: head(P) }), true);
  assert.is(needsRelation({ sourceSha: S, head: head(S) }), false);
  assert.is(needsRelation({ sourceSha: S }), false);
  assert.is(needsRelation({ sourceSha: S, head: unproven('tampered', P) }), false);
});

test('planCommit: equal digest is up to date; stale = owned files no longer written', () => {
  const files = new Map([['web/manifest.yaml', ''], ['hydrator.metadata', '']]);
  assert.equal(planCommit(undefined, { digest: 'd1', files }), { kind: 'commit', stale: [] });
  const head: DeployHead = { commit: H, digest: 'd1', files: ['api/manifest.yaml', 'web/manifest.yaml', 'hydrator.metadata'] };
  assert.equal(planCommit(head, { digest: 'd1', files }), { kind: 'up-to-date' });
  assert.equal(planCommit(head, { digest: 'd2', files }), { kind: 'commit', base: H, stale: ['api/manifest.yaml'] });
  // a repair commits even with an equal digest, and removes every path under the deploy path it does not write
  const bad: DeployHead = { ...head, unproven: { kind: 'tampered', problems: [], paths: ['backdoor/manifest.yaml', 'web/manifest.yaml', 'hydrator.metadata', 'own.txt'] } };
  assert.equal(planCommit(bad, { digest: 'd1', files }), { kind: 'commit', base: H, stale: ['backdoor/manifest.yaml', 'own.txt'], repair: true });
});

test('planFollow: only forward', () => {
  const rows: [string, string | undefined, Relation | undefined, string][] = [
    ['absent', undefined, undefined, 'move'],
    ['same', H, undefined, 'none'],
    ['behind', P, 'ancestor', 'move'],
    ['ahead (local-only commits)', P, 'descendant', 'keep'],
    ['diverged', P, 'diverged', 'keep'],
  ];
  for (const [name, localOld, relation, kind] of rows) {
    const d = planFollow({ ref: `refs/heads/${branch}`, target: H, ...(localOld ? { localOld } : {}), ...(relation ? { relation } : {}) });
    assert.is(d.kind, kind, name);
  }
});

test('planRetry: lease failures retry with capped exponential backoff; refusals and exhaustion fail', () => {
  const base = { branch, remote: 'origin', push: true, attempts: 1, attemptsMax: 8, minDelayMs: 50, maxDelayMs: 2000, random: 0.5 };
  const stale = ' ! refs/heads/x [rejected] (stale info)';
  assert.equal(planRetry({ ...base, message: stale }), { kind: 'retry', delayMs: 38 });
  assert.equal(planRetry({ ...base, message: stale, attempts: 7, random: 0 }), { kind: 'retry', delayMs: 1000 });
  const hook = planRetry({ ...base, message: 'remote: GH006: Protected branch update failed\n [remote rejected] (pre-receive hook declined)' });
  assert.is(hook.kind, 'fail');
  assert.equal(codes(hook.kind === 'fail' ? hook.diagnostics : []), ['KF5003']);
  const gaveUp = planRetry({ ...base, message: stale, attempts: 8 });
  assert.equal(codes(gaveUp.kind === 'fail' ? gaveUp.diagnostics : []), ['KF5003']);
  const local = planRetry({ ...base, push: false, message: 'fatal: cannot lock ref: but expected abc' , attempts: 8 });
  assert.equal(codes(local.kind === 'fail' ? local.diagnostics : []), ['KF5005']);
  const broken = planRetry({ ...base, push: false, message: 'fatal: something else' });
  assert.equal(codes(broken.kind === 'fail' ? broken.diagnostics : []), ['KF5005']);
  // a push that failed without a word of why is retried (a race lost under load); one that says why is not
  assert.equal(planRetry({ ...base, message: "error: failed to push some refs to '/tmp/remote.git'\n" }).kind, 'retry');
  for (const why of ["fatal: unable to access 'https://example.com/x.git/': Could not resolve host: example.com\nerror: failed to push some refs to 'https://example.com/x.git'", "ERROR: Permission to org/x.git denied to bot.\nfatal: Could not read from remote repository.\nerror: failed to push some refs to 'git@github.com:org/x.git'"]) {
    assert.is(planRetry({ ...base, message: why }).kind, 'fail', why);
  }
});

test.run();
