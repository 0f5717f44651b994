/**
 * SARIF 2.1.0 for GitHub code scanning: valid against the OASIS schema, `suppressions` on all
 * results or none (§3.27.23), waived findings left out unless asked for, locations relative to
 * the repository root (%SRCROOT%, declared in originalUriBaseIds), a helpUri per rule.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run } from './helpers.js';
import { validate } from './json-schema.js';
import { formatSarif, CHECKS, type Report } from '../../policies/index.js';
import { POLICY_DOCS_URL } from '../../policies/format.js';
import { fixture, repoRoot } from '../helpers.js';

const schema = JSON.parse(fs.readFileSync(fixture('sarif', 'sarif-schema-2.1.0.json'), 'utf8')) as Record<string, unknown>;

const y = `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: n}
spec:
  containers:
  - name: c
    image: "nginx:latest"
  - name: d
    image: "busybox:latest"
`;

/** Two image-tag findings; the second waived. */
function mixed(): Report {
  const r = run('image-tag', y, 'prod');
  assert.is(r.findings.length, 2);
  const waived = { ...r.findings[1], waived: { reason: 'vendor image, pinned by digest upstream', owner: 'platform', expires: '2027-01-31' } };
  return { ...r, findings: [r.findings[0], waived], counts: { ...r.counts, error: r.counts.error - 1, waived: 1 } };
}

function valid(text: string): Record<string, any> {
  const doc = JSON.parse(text);
  const errors = validate(schema, doc);
  assert.equal(errors, [], 'valid SARIF 2.1.0');
  return doc;
}

test('the schema validator rejects what the schema forbids (it can fail)', () => {
  const doc = valid(formatSarif(mixed()));
  doc.runs[0].results[0].level = 'fatal';
  doc.runs[0].results[0].locations[0].physicalLocation.region.startLine = 0;
  doc.runs[0].tool.driver.unknownField = 1;
  delete doc.version;
  assert.is(validate(schema, doc).length, 4, validate(schema, doc).join('\n'));
});

test('default: waived findings are left out of the upload, so no result carries suppressions', () => {
  const doc = valid(formatSarif(mixed()));
  const results = doc.runs[0].results as Record<string, unknown>[];
  assert.is(results.length, 1);
  assert.is(results[0].ruleId, 'image-tag');
  for (const r of results) assert.not.ok('suppressions' in r);
  // still counted, as every report counts them
  assert.equal(doc.runs[0].properties, { waived: 1 });
});

test('--include-waived: every result carries suppressions, empty for unwaived ones (§3.27.23)', () => {
  const doc = valid(formatSarif(mixed(), CHECKS, '0.1.0', { includeWaived: true }));
  const results = doc.runs[0].results as { suppressions?: unknown[] }[];
  assert.is(results.length, 2);
  assert.equal(results[0].suppressions, []);
  assert.equal(results[1].suppressions, [{ kind: 'external', status: 'accepted', justification: 'vendor image, pinned by digest upstream' }]);
  // nothing waived: still an empty array on every result
  const plain = valid(formatSarif(run('image-tag', y, 'prod'), CHECKS, '0.1.0', { includeWaived: true }));
  for (const r of plain.runs[0].results) assert.equal(r.suppressions, []);
});

test('locations: relative to the repository root, against %SRCROOT% declared at the run level', () => {
  const root = path.resolve('/srv/repo');
  const r = mixed();
  // run from a subfolder: the finding's file is relative to the working directory
  const moved: Report = { ...r, findings: r.findings.map((f) => ({ ...f, source: { file: '../bases/app/pod 1.yaml', line: 7, column: 5 } })) };
  const doc = valid(formatSarif(moved, CHECKS, '0.1.0', { cwd: path.join(root, 'overlays'), root }));
  assert.equal(doc.runs[0].results[0].locations[0].physicalLocation.artifactLocation, { uri: 'bases/app/pod%201.yaml', uriBaseId: '%SRCROOT%' });
  assert.ok(doc.runs[0].originalUriBaseIds['%SRCROOT%'], 'originalUriBaseIds declares %SRCROOT%');
  // no absolute path of the machine in the output: the same source gives the same bytes anywhere
  assert.not.match(JSON.stringify(doc), root);
  // a file outside the repository stays an absolute file: URI, without a base
  const outside: Report = { ...r, findings: [{ ...r.findings[0], source: { file: '/etc/x.yaml', line: 1, column: 1 } }] };
  const o = valid(formatSarif(outside, CHECKS, '0.1.0', { cwd: root, root }));
  assert.equal(o.runs[0].results[0].locations[0].physicalLocation.artifactLocation, { uri: 'file:///etc/x.yaml' });
});

test('rules: a helpUri per rule, pointing at the README section that documents the checks', () => {
  const doc = valid(formatSarif(mixed()));
  const rules = doc.runs[0].tool.driver.rules as { id: string; helpUri?: string }[];
  assert.is(rules.length, CHECKS.length);
  for (const rule of rules) assert.ok(rule.helpUri?.startsWith(POLICY_DOCS_URL), rule.id);
  // the anchor exists: GitHub's slug of the README heading
  const anchor = POLICY_DOCS_URL.split('#')[1];
  const headings = fs.readFileSync(path.join(repoRoot(), 'README.md'), 'utf8').split('\n').filter((l) => /^#+ /.test(l));
  const slug = (h: string) => h.replace(/^#+ /, '').trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');
  assert.ok(headings.map(slug).includes(anchor), `README has a heading for #${anchor}`);
  // every check id appears in that README section
  const readme = fs.readFileSync(path.join(repoRoot(), 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Policy checks'), readme.indexOf('\n## ', readme.indexOf('## Policy checks') + 1));
  for (const c of CHECKS) assert.ok(section.includes(`\`${c.id}\``), `${c.id} documented in the README's policy section`);
});

test.run();
