import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseRemote, parseGitSpec, parseQuery, goDuration, lockKey } from '../../../compiler/load/remote/spec.js';
import { isRemote } from '../../../compiler/load/files.js';

// Each URL form a kustomization may name, read as Kustomize v5.5 reads it: the clone
// spec git is given, the directory inside the repository, the ref. Written from the rules
// of its repo-spec parser (see compiler/load/remote/spec.ts), cases of our own.
const GIT: [string, { repo: string; path: string; ref: string }][] = [
  // https, with and without the `//` subpath marker
  ['https://github.com/acme/platform//deploy/base?ref=v1.2.3', { repo: 'https://github.com/acme/platform', path: 'deploy/base', ref: 'v1.2.3' }],
  ['https://github.com/acme/platform/deploy/base?ref=v1.2.3', { repo: 'https://github.com/acme/platform', path: 'deploy/base', ref: 'v1.2.3' }],
  ['https://gitlab.example.org/team/app.git//k8s?ref=main', { repo: 'https://gitlab.example.org/team/app.git', path: 'k8s', ref: 'main' }],
  ['https://gitlab.example.org/team/app.git/k8s/prod', { repo: 'https://gitlab.example.org/team/app.git', path: 'k8s/prod', ref: '' }],
  ['http://git.local/team/app//k8s?version=v2', { repo: 'http://git.local/team/app', path: 'k8s', ref: 'v2' }],
  // github.com without a scheme is https; with a user or over ssh it is git@github.com:
  ['github.com/acme/platform/deploy?ref=abc1234', { repo: 'https://github.com/acme/platform', path: 'deploy', ref: 'abc1234' }],
  ['GitHub.com/acme/platform', { repo: 'https://github.com/acme/platform', path: '', ref: '' }],
  ['github.com:acme/platform.git//x', { repo: 'https://github.com/acme/platform.git', path: 'x', ref: '' }],
  ['ssh://git@github.com/acme/platform//deploy?ref=v1', { repo: 'git@github.com:acme/platform', path: 'deploy', ref: 'v1' }],
  ['git@github.com:acme/platform.git/deploy?ref=v1', { repo: 'git@github.com:acme/platform.git', path: 'deploy', ref: 'v1' }],
  // other hosts over ssh and scp style keep their form
  ['ssh://git@git.example.com/team/repo.git//base', { repo: 'ssh://git@git.example.com/team/repo.git', path: 'base', ref: '' }],
  ['ssh://git@git.example.com:2222/team/repo//base?ref=r', { repo: 'ssh://git@git.example.com:2222/team/repo', path: 'base', ref: 'r' }],
  ['git@git.example.com:team/repo.git//base?ref=v3', { repo: 'git@git.example.com:team/repo.git', path: 'base', ref: 'v3' }],
  ['deploy@bitbucket.internal:infra/k8s//apps/web', { repo: 'deploy@bitbucket.internal:infra/k8s', path: 'apps/web', ref: '' }],
  // git:: is stripped
  ['git::https://git.example.com/team/repo.git//base?ref=v1', { repo: 'https://git.example.com/team/repo.git', path: 'base', ref: 'v1' }],
  ['GIT::https://github.com/acme/platform//base', { repo: 'https://github.com/acme/platform', path: 'base', ref: '' }],
  // Azure DevOps: the repository is the segment after _git/
  ['https://dev.azure.com/org/project/_git/repo/deploy/base?ref=main', { repo: 'https://dev.azure.com/org/project/_git/repo', path: 'deploy/base', ref: 'main' }],
  // file:// has no host: the whole path is the repository, unless marked
  ['file:///srv/git/infra.git//overlays/base?ref=v1', { repo: 'file:///srv/git/infra.git', path: 'overlays/base', ref: 'v1' }],
  ['file:///srv/git/infra', { repo: 'file:///srv/git/infra', path: '', ref: '' }],
  ['file:///srv/git/infra//base/', { repo: 'file:///srv/git/infra', path: 'base', ref: '' }],
  ['file:///srv/git/infra.git/sub/dir', { repo: 'file:///srv/git/infra.git', path: 'sub/dir', ref: '' }],
  // the subpath is cleaned; ref wins over version
  ['https://github.com/acme/platform//a/./b/../c?version=v1&ref=v2', { repo: 'https://github.com/acme/platform', path: 'a/c', ref: 'v2' }],
  ['https://github.com/acme/platform//base?version=v9&ref=', { repo: 'https://github.com/acme/platform', path: 'base', ref: 'v9' }],
];

for (const [url, want] of GIT) {
  test(`parses ${url}`, () => {
    assert.ok(isRemote(url), 'isRemote');
    const got = parseGitSpec(url);
    assert.ok(got.value, got.error);
    assert.equal({ repo: got.value!.repo, path: got.value!.path, ref: got.value!.ref }, want);
  });
}

const BAD: [string, RegExp][] = [
  ['https://github.com/acme/platform//../escape', /leaves the repository/],
  ['https://github.com/acme/platform/../../x', /leaves the repository/],
  ['ftp://example.com/org/repo', /unsupported scheme/],
  ['example.com/org/repo', /no scheme/],
  ['https://example.com/only-one', /no repository path/],
  ['/abs/path/repo', /absolute/],
  ['https://github.com/acme/platform//base?ref=--upload-pack=touch%20x', /starts with "-"/],
  // Kustomize's own refusals: an empty repository path, a scheme after a user
  ['file:////srv//git/repo', /no repository path/],
  ['git@scp://github.com/org/repo.git//path', /no repository path/],
  ['https://host?ref=a/b', /no repository path/],
  ['git::___', /no scheme/],
];
for (const [url, want] of BAD) {
  test(`refuses ${url}`, () => {
    const got = parseGitSpec(url);
    assert.is(got.value, undefined);
    assert.match(got.error ?? '', want);
  });
}

test('query: timeout in seconds or as a Go duration, submodules as a Go boolean, bad queries keep the defaults', () => {
  assert.equal(parseQuery(''), { ref: '', timeoutMs: 27_000, submodules: true });
  assert.is(parseQuery('timeout=61').timeoutMs, 61_000);
  assert.is(parseQuery('timeout=1m30s').timeoutMs, 90_000);
  assert.is(parseQuery('timeout=500ms').timeoutMs, 500);
  assert.is(parseQuery('timeout=0').timeoutMs, 27_000);
  assert.is(parseQuery('timeout=-5').timeoutMs, 27_000);
  assert.is(parseQuery('timeout=soon').timeoutMs, 27_000);
  assert.is(parseQuery('submodules=false').submodules, false);
  assert.is(parseQuery('submodules=F').submodules, false);
  assert.is(parseQuery('submodules=0').submodules, false);
  assert.is(parseQuery('submodules=no').submodules, true);
  assert.is(parseQuery('ref=v%2F1').ref, 'v/1');
  // a semicolon or a bad escape: Go refuses the query, Kustomize keeps every default
  assert.equal(parseQuery('ref=v1;submodules=false'), { ref: '', timeoutMs: 27_000, submodules: true });
  assert.equal(parseQuery('ref=%zz&timeout=5'), { ref: '', timeoutMs: 27_000, submodules: true });
  assert.is(goDuration('1.5h'), 5_400_000);
  assert.is(goDuration('2x'), undefined);
});

test('plain http(s) file URLs are file resources; marked ones are repositories', () => {
  const file = parseRemote('https://example.com/manifests/app.yaml');
  assert.is(file.value?.type, 'http');
  const raw = parseRemote('https://raw.example.com/org/repo/main/deploy.yaml');
  // no mark of a repository: a file first (and a repository if the GET fails)
  assert.is(raw.value?.type, 'http');
  assert.is(raw.value?.type === 'http' && raw.value.git?.repo, 'https://raw.example.com/org/repo');
  assert.is(parseRemote('http://127.0.0.1:8080/x.yaml').value?.type, 'http');
  for (const u of ['https://example.com/org/repo//base', 'https://example.com/org/repo.git', 'https://example.com/org/repo?ref=v1', 'https://github.com/org/repo/base', 'git::https://example.com/org/repo']) {
    assert.is(parseRemote(u).value?.type, 'git', u);
  }
});

test('lock keys: one per repository and ref (the subpath is not part of it), or the URL', () => {
  const a = parseRemote('https://github.com/acme/platform//base?ref=v1').value!;
  const b = parseRemote('github.com/acme/platform/overlays/x?ref=v1').value!;
  assert.is(lockKey(a), 'https://github.com/acme/platform?ref=v1');
  assert.is(lockKey(a), lockKey(b));
  assert.is(lockKey(parseRemote('https://github.com/acme/platform//base').value!), 'https://github.com/acme/platform');
  assert.is(lockKey(parseRemote('https://example.com/app.yaml').value!), 'https://example.com/app.yaml');
});

test.run();
