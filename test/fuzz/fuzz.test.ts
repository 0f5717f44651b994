/**
 * The short fuzz run of `npm test` (issue 7, part 3): 300 seeded mutations of the repository's
 * overlays and the conformance inputs, built in memory. Every outcome must be output with no
 * error, or errors with codes from the table and locations — never an exception. The long run
 * is `npm run fuzz -- --iterations 20000 --seed 1` (test/fuzz/fuzz.ts).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { repoRoot } from '../helpers.js';
import { classify, describe, loadCorpus, mulberry32, mutate, runOne } from './mutate.js';
import { diag } from '../../compiler/diagnostics.js';

const corpus = loadCorpus(repoRoot());

test('the corpus holds the three overlays and the conformance inputs', () => {
  assert.ok(corpus.some((c) => c.name === 'overlays/prod'));
  assert.ok(corpus.filter((c) => c.name.startsWith('conformance/')).length >= 40, `${corpus.length}`);
});

test('mulberry32 and the mutations are deterministic in the seed', () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  for (let i = 0; i < 100; i++) assert.is(a(), b());
  const x = mutate(corpus, 12345);
  const y = mutate(corpus, 12345);
  assert.equal(x.mutations, y.mutations);
  assert.equal(x.files, y.files);
  assert.is(describe(12345, x), describe(12345, y));
  assert.not.equal(mutate(corpus, 12346).mutations, x.mutations);
});

test('the contract checker rejects what it must', () => {
  assert.is(classify({ output: 'x', diagnostics: [] }).kind, 'ok');
  assert.is(classify({ diagnostics: [] }).kind, 'violation');
  assert.is(classify({ output: 'x', diagnostics: [diag('KF1003', 'm', { location: { file: 'a', line: 1, column: 1 } })] }).kind, 'violation');
  assert.is(classify({ diagnostics: [diag('KF1003', 'no location')] }).kind, 'violation');
  assert.is(classify({ diagnostics: [{ code: 'KF0000' as never, severity: 'error', message: 'm', location: { file: 'a', line: 1, column: 1 } }] }).kind, 'violation');
  assert.is(classify({ diagnostics: [diag('KF9001', 'boom')] }).kind, 'crash');
  assert.equal(classify({ diagnostics: [diag('KF1003', 'm', { location: { file: 'a', line: 2, column: 1 } })] }), { kind: 'errors', codes: ['KF1003'] });
});

test('300 mutated trees: no exception, known codes, located errors', () => {
  const bad: string[] = [];
  const kinds = { ok: 0, errors: 0 };
  for (let seed = 1; seed <= 300; seed++) {
    const m = mutate(corpus, seed);
    const out = runOne(m.files, m.corpus.entry);
    if (out.kind === 'ok' || out.kind === 'errors') kinds[out.kind]++;
    else bad.push(`${describe(seed, m)}\n  → ${out.kind === 'crash' ? `crash: ${out.error}` : `violation: ${out.problem}`}`);
  }
  assert.ok(kinds.ok > 0 && kinds.errors > 0, JSON.stringify(kinds));
  assert.is(bad.length, 0, `${bad.length} of 300 seeds broke the contract:\n${bad.slice(0, 5).join('\n')}`);
});

test.run();
