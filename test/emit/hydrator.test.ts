// Argo CD's hydrator contract, the pure parts. Expectations are written here from the Go rules
// (encoding/json with omitempty, time.Format(time.RFC3339), net/mail's Address.String), not copied.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { goMailAddress, goRfc3339, goUrlParses, hydratorJson, parseMessageTrailers, references, utcDate, GITATTRIBUTES } from '../../compiler/emit/hydrator.js';
import { filesToWrite, planRender, type SourceInfo } from '../../compiler/emit/plan.js';
import { appsFromSpec, prod, type AppsSpec } from '../publish/helpers.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const source = (over: Partial<SourceInfo> = {}): SourceInfo => ({
  repoURL: 'https://example.com/gitops.git',
  sha: SHA,
  ref: 'refs/heads/main',
  subject: 'Bump web',
  body: '',
  author: { name: 'Ada Dev', email: 'ada@example.com', date: '2024-05-01T12:30:00+02:00' },
  committerDate: '2024-05-01T12:30:00+02:00',
  dirty: false,
  ...over,
});
const plan = (s: SourceInfo, spec: AppsSpec = { web: { w: '1' }, api: { a: '1' } }) =>
  planRender({ environment: prod, apps: appsFromSpec(spec), source: s, kforgeVersion: '1.2.3', policy: { errors: 0, warnings: 0, waived: 0 }, allowDirty: false });

/** The Argo part of a metadata file: its text up to kforge's extension, which comes last. */
function argoPart(text: string): string {
  const at = text.indexOf(',\n  "x-kforge"');
  return text.slice(0, at) + '\n}\n';
}

const REF_BODY = [
  'Deploys the new image.',
  '',
  'Argocd-reference-commit-author: Bob Builder <bob@example.com>',
  'Argocd-reference-commit-sha: 89abcdef0123',
  'Argocd-reference-commit-date: 2024-04-30T23:00:00.123-05:00',
  'Argocd-reference-commit-subject: feat: faster <startup> & less memory',
  'Argocd-reference-commit-body: "first line\\nsecond line"',
  'Argocd-reference-commit-repourl: https://github.com/org/app.git',
  'Signed-off-by: Ada Dev <ada@example.com>',
].join('\n');

test('root hydrator.metadata: Argo field order, UTC date, references parsed from the trailers and stripped from body', () => {
  const p = plan(source({ body: REF_BODY }));
  const text = p.files.get('hydrator.metadata')!;
  assert.is(
    argoPart(text),
    `{
  "repoURL": "https://example.com/gitops.git",
  "drySha": "${SHA}",
  "author": "Ada Dev <ada@example.com>",
  "date": "2024-05-01T10:30:00Z",
  "subject": "Bump web",
  "body": "Deploys the new image.\\n\\nSigned-off-by: Ada Dev <ada@example.com>\\n",
  "references": [
    {
      "commit": {
        "author": "\\"Bob Builder\\" <bob@example.com>",
        "date": "2024-04-30T23:00:00-05:00",
        "subject": "feat: faster <startup> & less memory",
        "body": "first line\\nsecond line",
        "sha": "89abcdef0123",
        "repoUrl": "https://github.com/org/app.git"
      }
    }
  ]
}
`,
  );
  assert.ok(text.endsWith('}\n'));
  assert.is(JSON.parse(text)['x-kforge'].environment, 'prod');
});

test('empty fields are left out (omitempty); no trailers: no references; the body keeps a final newline per line', () => {
  const m = JSON.parse(plan(source({ repoURL: '', subject: '', body: 'One line.\n\n' })).files.get('hydrator.metadata')!);
  assert.equal(Object.keys(m), ['drySha', 'author', 'date', 'body', 'x-kforge']);
  assert.is(m.body, 'One line.\n');
  const bare = JSON.parse(plan(source({ body: '' })).files.get('hydrator.metadata')!);
  assert.equal(Object.keys(bare), ['repoURL', 'drySha', 'author', 'date', 'subject', 'x-kforge']);
  // a body made only of reference trailers becomes empty, so it is left out
  const only = JSON.parse(plan(source({ body: 'Argocd-reference-commit-sha: abcdef1' })).files.get('hydrator.metadata')!);
  assert.is(only.body, undefined);
  assert.equal(only.references, [{ commit: { sha: 'abcdef1' } }]);
  // per app: repoURL, drySha, commands (Argo's), then x-kforge
  const app = JSON.parse(plan(source({ repoURL: '' })).files.get('web/hydrator.metadata')!);
  assert.equal(Object.keys(app), ['drySha', 'commands', 'x-kforge']);
});

test('invalid reference trailers stay in the body and out of references', () => {
  const body = [
    'Text.',
    '',
    'Argocd-reference-commit-sha: NOT-HEX',
    'Argocd-reference-commit-date: 2024-13-01T00:00:00Z',
    'Argocd-reference-commit-author: Dev, Ada <ada@example.com>',
    'Argocd-reference-commit-repourl: git@github.com:org/app.git',
    'Argocd-reference-commit-body: not json',
    'Argocd-reference-commit-subject: kept',
  ].join('\n');
  const r = references('s', body);
  assert.equal(r.references, [{ commit: { subject: 'kept' } }]);
  assert.is(r.body, ['Text.', '', ...body.split('\n').slice(2, 7), ''].join('\n'));
  // a valid trailer in the middle of the body is stripped from it, but only the trailer block makes references
  const mid = references('s', 'Argocd-reference-commit-sha: abcdef1\n\nFinal paragraph, not trailers.');
  assert.equal(mid.references, []);
  assert.is(mid.body, '\nFinal paragraph, not trailers.\n');
});

test('trailer blocks as git interpret-trailers reads them', () => {
  assert.equal(parseMessageTrailers('subject\n\nbody\n\nA: 1\nB-c:2\n  folded'), [
    { key: 'A', value: '1' },
    { key: 'B-c', value: '2 folded' },
  ]);
  assert.equal(parseMessageTrailers('A: 1'), [], 'the subject is never a trailer block');
  assert.equal(parseMessageTrailers('s\n\nnot a trailer\nA: 1'), [], 'a mixed paragraph without a git-generated trailer');
  assert.equal(parseMessageTrailers('s\n\nnot a trailer\nSigned-off-by: x\nA: 1'), [
    { key: 'Signed-off-by', value: 'x' },
    { key: 'A', value: '1' },
  ]);
});

test('Go formats: RFC 3339 dates, mail addresses, URLs, JSON', () => {
  assert.is(utcDate('2024-05-01T12:30:00+02:00'), '2024-05-01T10:30:00Z');
  assert.is(utcDate('garbage'), '');
  assert.is(goRfc3339('2024-01-02T03:04:05+00:00'), '2024-01-02T03:04:05Z');
  assert.is(goRfc3339('2024-01-02T03:04:05.999+05:30'), '2024-01-02T03:04:05+05:30');
  assert.is(goRfc3339('2023-02-29T00:00:00Z'), undefined);
  assert.is(goRfc3339('2024-01-02 03:04:05Z'), undefined);
  assert.is(goMailAddress('Ada Dev <ada@example.com>'), '"Ada Dev" <ada@example.com>');
  assert.is(goMailAddress('ada@example.com'), '<ada@example.com>');
  assert.is(goMailAddress('"Dev, Ada" <ada@example.com>'), '"Dev, Ada" <ada@example.com>');
  assert.is(goMailAddress('"Say \\"hi\\"" <a@b.io>'), '"Say \\"hi\\"" <a@b.io>');
  assert.is(goMailAddress('Dev, Ada <ada@example.com>'), undefined);
  assert.is(goMailAddress('no address'), undefined);
  assert.is(goMailAddress('José <jose@example.com>'), '=?utf-8?q?Jos=C3=A9?= <jose@example.com>');
  assert.is(goMailAddress('"J. Doé" <j@example.com>'), `=?utf-8?b?${Buffer.from('J. Doé').toString('base64')}?= <j@example.com>`);
  assert.ok(goUrlParses('https://github.com/org/app.git'));
  assert.ok(goUrlParses('ssh://git@github.com:22/org/app.git'));
  assert.not.ok(goUrlParses('git@github.com:org/app.git'));
  assert.not.ok(goUrlParses('% invalid %'));
  assert.not.ok(goUrlParses('https://host:port/x'));
  assert.is(hydratorJson({ a: '<&>\u2028' }), '{\n  "a": "<&>\\u2028"\n}\n');
});

test('.gitattributes is Argo CD\'s, byte for byte: README.md and hydrator.metadata only, no final newline', () => {
  const p = plan(source());
  assert.is(p.files.get('.gitattributes'), GITATTRIBUTES);
  assert.is(GITATTRIBUTES, '**/README.md linguist-generated=true\n**/hydrator.metadata linguist-generated=true');
  assert.not.ok(p.files.get('.gitattributes')!.includes('manifest.yaml'));
});

test('filesToWrite: an unchanged app keeps its README.md and hydrator.metadata; the root metadata is always written', () => {
  const before = plan(source({ sha: 'a'.repeat(40) }), { web: { w: '1' }, api: { a: '1' }, db: { d: '1' } });
  const after = plan(source({ sha: 'b'.repeat(40) }), { web: { w: '2' }, api: { a: '1' }, db: { d: '1' } });
  const prev = { apps: before.apps.map((a) => ({ name: a.name, digest: a.digest })), files: before.metadata['x-kforge'].files };
  const w = filesToWrite(after, prev);
  assert.equal([...w.keys()].sort(), ['.gitattributes', 'api/manifest.yaml', 'db/manifest.yaml', 'hydrator.metadata', 'web/README.md', 'web/hydrator.metadata', 'web/manifest.yaml']);
  // no previous render, or files it did not own: everything
  assert.is(filesToWrite(after, undefined).size, after.files.size);
  assert.is(filesToWrite(after, { apps: prev.apps, files: [] }).size, after.files.size);
});

test.run();
