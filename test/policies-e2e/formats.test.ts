/**
 * Output formats of `kforge check` end to end: SARIF 2.1.0 with the properties code-scanning
 * tools require, plain text without ANSI escapes unless colour is wanted, and GitHub Actions
 * annotations when GITHUB_ACTIONS=true.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ANSI, FIX, ROOT, TODAY, kforge, kforgeProcess, parseFindings } from './helpers.js';
import { validate } from '../policies/json-schema.js';

const SARIF_SCHEMA = JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'sarif', 'sarif-schema-2.1.0.json'), 'utf8')) as Record<string, unknown>;

const DISCOVERY = `${FIX}/statefulset-discovery/overlays/prod`;
const HEAP = `${FIX}/jvm-heap/overlays/prod`;

interface Sarif {
  $schema: string;
  version: string;
  runs: {
    tool: { driver: { name: string; version?: string; rules: { id: string; shortDescription?: { text: string } }[] } };
    results: {
      ruleId: string;
      ruleIndex?: number;
      level: string;
      message: { text: string };
      locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn?: number } } }[];
      suppressions?: { kind: string; justification?: string }[];
    }[];
  }[];
}

function validSarif(text: string): Sarif {
  const s = JSON.parse(text) as Sarif;
  assert.equal(validate(SARIF_SCHEMA, s), [], 'valid against the OASIS SARIF 2.1.0 schema');
  assert.is(s.version, '2.1.0');
  assert.type(s.$schema, 'string');
  assert.match(s.$schema, /sarif.*2\.1\.0.*\.json$/);
  assert.is(s.runs.length, 1);
  const run = s.runs[0];
  assert.is(run.tool.driver.name, 'kforge');
  const ids = run.tool.driver.rules.map((r) => r.id);
  assert.ok(ids.length > 0);
  assert.is(new Set(ids).size, ids.length, 'rule ids are unique');
  for (const r of run.tool.driver.rules) assert.ok(r.shortDescription?.text, `rule ${r.id} has a description`);
  for (const r of run.results) {
    assert.ok(ids.includes(r.ruleId), `result rule ${r.ruleId} is declared`);
    if (r.ruleIndex !== undefined) assert.is(ids[r.ruleIndex], r.ruleId);
    assert.ok(['error', 'warning', 'note', 'none'].includes(r.level), `level ${r.level}`);
    assert.type(r.message.text, 'string');
    assert.ok(r.message.text.length > 0);
    const loc = r.locations[0].physicalLocation;
    assert.type(loc.artifactLocation.uri, 'string');
    assert.not.match(loc.artifactLocation.uri, /\\|^\//, 'uri is relative with forward slashes');
    assert.ok(Number.isInteger(loc.region.startLine) && loc.region.startLine >= 1);
  }
  return s;
}

test('--format sarif is valid SARIF 2.1.0 and carries id, level and file:line of each finding', async () => {
  const r = await kforge(['check', DISCOVERY, '--format', 'sarif']);
  assert.is(r.code, 1);
  assert.is(r.err, '');
  const s = validSarif(r.out);
  const results = s.runs[0].results.map((x) => `${x.ruleId} ${x.level} ${x.locations[0].physicalLocation.artifactLocation.uri}:${x.locations[0].physicalLocation.region.startLine}`);
  assert.equal(results, [
    `dangling-ref error ${FIX}/statefulset-discovery/bases/rabbitmq/statefulset.yaml:7`,
    `discovery-service-name error ${FIX}/statefulset-discovery/overlays/prod/discovery.yaml:13`,
  ]);
});

test('--format sarif: a waived finding is left out of the upload (code scanning ignores suppressions); json too', async () => {
  const r = await kforge(['check', HEAP, '--format', 'sarif', '--waivers', `${FIX}/waivers/valid.yaml`]);
  assert.is(r.code, 0);
  const s = validSarif(r.out);
  assert.equal(s.runs[0].results, []);
  const j = await kforge(['check', HEAP, '--format', 'json', '--waivers', `${FIX}/waivers/valid.yaml`]);
  assert.equal(parseFindings(j.out), []);
});

test('--include-waived: the waived finding is a result with an external suppression; json carries the waiver', async () => {
  const r = await kforge(['check', HEAP, '--format', 'sarif', '--waivers', `${FIX}/waivers/valid.yaml`, '--include-waived']);
  assert.is(r.code, 0);
  const s = validSarif(r.out);
  assert.is(s.runs[0].results.length, 1);
  assert.is(s.runs[0].results[0].ruleId, 'jvm-heap');
  assert.is(s.runs[0].results[0].suppressions?.[0]?.kind, 'external');
  assert.match(s.runs[0].results[0].suppressions?.[0]?.justification ?? '', /IM-1234/);
  const j = await kforge(['check', HEAP, '--format', 'json', '--waivers', `${FIX}/waivers/valid.yaml`, '--include-waived']);
  const found = JSON.parse(j.out) as { id: string; waived?: { reason: string } }[];
  assert.is(found.length, 1);
  assert.match(found[0].waived?.reason ?? '', /IM-1234/);
  const t = await kforge(['check', HEAP, '--waivers', `${FIX}/waivers/valid.yaml`, '--include-waived']);
  assert.match(t.out, /waived +jvm-heap/);
});

test('--format sarif with no finding: an empty results list, still valid', async () => {
  const r = await kforge(['check', HEAP, '--format', 'sarif', '--waivers', `${FIX}/waivers/valid.yaml`, '--env', 'dev']);
  assert.is(r.code, 0);
  validSarif(r.out);
});

test('text: file, line:column, severity, id and hint; no ANSI escapes through main without colour', async () => {
  const r = await kforge(['check', HEAP]);
  assert.is(r.code, 1);
  assert.not.match(r.out, ANSI);
  const lines = r.out.split('\n');
  assert.is(lines[0], `${FIX}/jvm-heap/overlays/prod/heap.yaml`);
  assert.match(lines[1], /^ {2}13:11 +error +jvm-heap {2}-Xmx 2048Mi/);
  assert.match(lines[2], /hint: Lower -Xmx/);
  assert.match(r.out, /1 error\(s\), 0 warning\(s\), 0 waived, 0 baselined/);
});

test('text in a child process: no ANSI when stdout is not a TTY, nor with NO_COLOR=1 even if FORCE_COLOR is set', () => {
  const piped = kforgeProcess(['check', HEAP]);
  assert.is(piped.code, 1);
  assert.match(piped.out, /jvm-heap/);
  assert.not.match(piped.out, ANSI);
  assert.not.match(piped.err, ANSI);
  const noColor = kforgeProcess(['check', HEAP], { NO_COLOR: '1', FORCE_COLOR: '1' });
  assert.is(noColor.code, 1);
  assert.not.match(noColor.out, ANSI);
  // the control: the same run with colour forced does colour, so the two assertions above can fail
  const forced = kforgeProcess(['check', HEAP], { FORCE_COLOR: '1' });
  assert.match(forced.out, ANSI);
});

const SCRIPT = ['/usr/bin/script', '/bin/script'].find((p) => fs.existsSync(p));

test('text: stdout redirected to a file while stderr is a terminal: no ANSI in the file', () => {
  if (!SCRIPT) return; // util-linux script(1) gives the child a terminal; without it this case cannot be built
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-e2e-tty-'));
  try {
    const out = path.join(dir, 'report.txt');
    const cmd = `${JSON.stringify(process.execPath)} dist/compiler/cli.js check ${HEAP} > ${JSON.stringify(out)}`;
    const res = spawnSync(SCRIPT, ['-qec', cmd, '/dev/null'], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', KFORGE_TODAY: TODAY, TERM: 'xterm' } });
    assert.is(res.status, 1);
    const text = fs.readFileSync(out, 'utf8');
    assert.match(text, /jvm-heap/);
    assert.not.match(text, ANSI, 'the report file holds escape codes: colour follows stderr, not stdout');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('GITHUB_ACTIONS=true adds ::error / ::warning annotations with file and line on stderr', async () => {
  const r = await kforge(['check', DISCOVERY], { GITHUB_ACTIONS: 'true' });
  assert.is(r.code, 1);
  const ann = r.err.split('\n').filter((l) => l.startsWith('::'));
  assert.is(ann.length, 2);
  assert.match(ann[0], new RegExp(`^::error file=${FIX}/statefulset-discovery/bases/rabbitmq/statefulset\\.yaml,line=7(,|::)`));
  assert.match(ann[1], new RegExp(`^::error file=${FIX}/statefulset-discovery/overlays/prod/discovery\\.yaml,line=13(,|::)`));
  assert.match(ann[1], /title=discovery-service-name/);
  const warn = await kforge(['check', `${FIX}/untagged-image/overlays/dev`, '--format', 'json'], { GITHUB_ACTIONS: 'true' });
  assert.is(warn.code, 0);
  assert.match(warn.err, new RegExp(`^::warning file=${FIX}/untagged-image/bases/nsq/nsqadmin\\.yaml,line=18(,|::)`, 'm'));
  parseFindings(warn.out); // stdout stays machine-readable
});

test('without GITHUB_ACTIONS no annotation is printed', async () => {
  const r = await kforge(['check', DISCOVERY]);
  assert.not.match(r.err, /^::/m);
  const f = await kforge(['check', DISCOVERY], { GITHUB_ACTIONS: 'false' });
  assert.not.match(f.err, /^::/m);
});

test.run();
