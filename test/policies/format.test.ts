import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from './helpers.js';
import { formatText, formatJson, formatSarif, formatGithub } from '../../policies/index.js';
import { sarifArtifact } from '../../policies/format.js';

const y = `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: n}
spec:
  containers:
  - name: c
    image: "nginx:latest"
`;

test('json: array of findings with resource and source', () => {
  const r = run('image-tag', y, 'prod');
  const j = JSON.parse(formatJson(r));
  assert.equal(j, [{ id: 'image-tag', severity: 'error', message: j[0].message, hint: j[0].hint, resource: { apiVersion: 'v1', kind: 'Pod', namespace: 'n', name: 'p' }, source: { file: 'test.yaml', line: 7, column: 5 }, pointer: '/spec/containers/0/image' }]);
});

test('sarif: 2.1.0 shape with rules and located results', () => {
  const s = JSON.parse(formatSarif(run('image-tag', y, 'prod')));
  assert.is(s.version, '2.1.0');
  assert.ok(String(s.$schema).includes('sarif-2.1.0'));
  const run0 = s.runs[0];
  assert.is(run0.tool.driver.name, 'kforge');
  const rule = run0.tool.driver.rules[run0.results[0].ruleIndex];
  assert.is(rule.id, 'image-tag');
  assert.ok(rule.shortDescription.text.length > 0);
  assert.equal(run0.results[0].locations[0].physicalLocation, { artifactLocation: { uri: 'test.yaml', uriBaseId: '%SRCROOT%' }, region: { startLine: 7, startColumn: 5 } });
  assert.is(run0.results[0].level, 'error');
});

test('sarif: relative paths are encoded URI references against %SRCROOT%; absolute ones file: URIs', () => {
  assert.equal(sarifArtifact('overlays/prod/patches/kafka 5.yaml'), { uri: 'overlays/prod/patches/kafka%205.yaml', uriBaseId: '%SRCROOT%' });
  assert.equal(sarifArtifact('bases/ünï/#1.yaml'), { uri: 'bases/%C3%BCn%C3%AF/%231.yaml', uriBaseId: '%SRCROOT%' });
  assert.equal(sarifArtifact('/srv/repo/a b.yaml'), { uri: 'file:///srv/repo/a%20b.yaml' });
});

test('github: workflow commands with escaped properties', () => {
  const g = formatGithub(run('image-tag', y, 'prod'));
  assert.match(g, /^::error file=test\.yaml,line=7,col=5,title=image-tag%3A Pod n\/p::/);
  assert.is(g.trim().split('\n').length, 1);
});

test('text: grouped by file, colour only when asked, summary', () => {
  const r = run('image-tag', y, 'prod');
  const t = formatText(r);
  assert.ok(t.startsWith('test.yaml\n'));
  assert.ok(t.includes('7:5'));
  assert.not.ok(t.includes('\x1b['));
  assert.ok(formatText(r, { color: true }).includes('\x1b['));
  assert.ok(formatText(run('image-tag', y.replace('latest', '1.27'), 'prod')).includes('0 error(s)'));
});

test.run();
