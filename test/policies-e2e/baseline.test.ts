/**
 * Baseline end to end: `--write-baseline FILE` records today's findings, `--baseline FILE`
 * on the same tree passes, moving lines does not disturb it, and a new mistake fails alone.
 * Works on a copy of a fixture tree in a temporary directory, since the test edits it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FIX, ROOT, kforge, parseFindings, where } from './helpers.js';

let tmp = '';
let overlay = '';
let baseline = '';

test.before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-e2e-baseline-'));
  fs.cpSync(path.join(ROOT, FIX, 'jvm-heap'), path.join(tmp, 'tree'), { recursive: true });
  overlay = path.join(tmp, 'tree', 'overlays', 'prod');
  baseline = path.join(tmp, 'baseline.json');
});

test.after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('--write-baseline records the active findings by check and resource, not by line', async () => {
  const r = await kforge(['check', overlay, '--format', 'json', '--write-baseline', baseline]);
  assert.is(r.code, 1, 'writing a baseline does not hide today\'s findings');
  assert.equal(parseFindings(r.out).map((f) => f.id), ['jvm-heap']);
  const saved = JSON.parse(fs.readFileSync(baseline, 'utf8')) as { version: number; findings: Record<string, unknown>[] };
  assert.is(saved.version, 1);
  assert.equal(saved.findings, [{ id: 'jvm-heap', group: 'apps', kind: 'Deployment', namespace: 'im', name: 'im-gateway', pointer: '/spec/template/spec/containers/0/env/0/value' }]);
  assert.not.match(fs.readFileSync(baseline, 'utf8'), /"line"/);
});

test('--baseline on the same tree: exit 0, the finding counted as baselined', async () => {
  const j = await kforge(['check', overlay, '--format', 'json', '--baseline', baseline]);
  assert.is(j.code, 0);
  assert.equal(parseFindings(j.out), []);
  const t = await kforge(['check', overlay, '--baseline', baseline]);
  assert.is(t.code, 0);
  assert.match(t.out, /0 error\(s\), 0 warning\(s\), 0 waived, 1 baselined/);
});

test('--baseline survives edits that move lines', async () => {
  const heap = path.join(overlay, 'heap.yaml');
  fs.writeFileSync(heap, '# reviewed in IM-1234\n# two more lines\n' + fs.readFileSync(heap, 'utf8'));
  const r = await kforge(['check', overlay, '--format', 'json', '--baseline', baseline]);
  assert.is(r.code, 0);
  assert.equal(parseFindings(r.out), []);
});

test('a new mistake fails alone: exit 1 with only the new finding', async () => {
  const dep = path.join(tmp, 'tree', 'bases', 'im-service', 'deployment.yaml');
  const text = fs.readFileSync(dep, 'utf8');
  assert.ok(text.includes('image: registry.example.com/im-gateway:1.4.2'));
  fs.writeFileSync(dep, text.replace('image: registry.example.com/im-gateway:1.4.2', 'image: registry.example.com/im-gateway:latest'));
  const r = await kforge(['check', overlay, '--format', 'json', '--baseline', baseline]);
  assert.is(r.code, 1);
  const shown = path.relative(ROOT, dep).startsWith('..') ? dep : path.relative(ROOT, dep);
  assert.equal(where(parseFindings(r.out)), [`image-tag error ${shown}:18`]);
  const t = await kforge(['check', overlay, '--baseline', baseline]);
  assert.match(t.out, /1 error\(s\), 0 warning\(s\), 0 waived, 1 baselined/);
});

test('an invalid baseline file: exit 2 with its diagnostic', async () => {
  const bad = path.join(tmp, 'bad.json');
  fs.writeFileSync(bad, '{ not json');
  const r = await kforge(['check', overlay, '--baseline', bad]);
  assert.is(r.code, 2);
  assert.is(r.out, '');
  assert.match(r.err, /KF4107: baseline is not JSON/);
  const missing = await kforge(['check', overlay, '--baseline', path.join(tmp, 'none.json')]);
  assert.is(missing.code, 2);
  assert.match(missing.err, /KF1002: baseline file .* not found/);
});

test.run();
