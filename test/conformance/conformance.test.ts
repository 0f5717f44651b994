/**
 * Conformance: every case under test/fixtures/conformance/cases/ is built with kforge and
 * compared with what Kustomize v5.5.0 printed for the same tree (see the README there).
 *
 *   expected.yaml       -> `output` equals it byte for byte, and no error diagnostic.
 *   build-flags         -> `--load-restrictor VALUE` given to kforge as to kubectl.
 *   expected-error.txt  -> no `output`, an error diagnostic with the code in `expected-code`,
 *                          located at `expected-location` (`file:LINE`, file relative to
 *                          the case's input/ folder) when that file exists.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildDir } from '../../compiler/index.js';
import type { Diagnostic } from '../../compiler/types.js';
import type { LoadRestrictor } from '../../compiler/load/restrictor.js';
import { fixture } from '../helpers.js';

const casesDir = fixture('conformance', 'cases');

function readIfExists(file: string): string | undefined {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
}

function firstLine(text: string): string {
  return text.split(/\r?\n/)[0].trim();
}

/** A compact unified-style diff: one hunk spanning the first to the last differing line. */
function compactDiff(expected: string, actual: string, context = 3, maxLines = 20): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length - 1;
  let endB = b.length - 1;
  while (endA >= start && endB >= start && a[endA] === b[endB]) {
    endA--;
    endB--;
  }
  const from = Math.max(0, start - context);
  const out: string[] = [];
  out.push(`@@ -${from + 1},${endA - from + 1} +${from + 1},${endB - from + 1} @@ (first difference at line ${start + 1})`);
  for (let i = from; i < start; i++) out.push(`  ${a[i]}`);
  const shown = (lines: string[], lo: number, hi: number, mark: string) => {
    const n = hi - lo + 1;
    for (let i = lo; i <= hi && i < lo + maxLines; i++) out.push(`${mark} ${JSON.stringify(lines[i]).slice(1, -1)}`);
    if (n > maxLines) out.push(`${mark} … ${n - maxLines} more line(s)`);
  };
  shown(a, start, endA, '-');
  shown(b, start, endB, '+');
  for (let i = endA + 1; i < Math.min(a.length, endA + 1 + context); i++) out.push(`  ${a[i]}`);
  return out.join('\n');
}

function describe(ds: Diagnostic[]): string {
  if (ds.length === 0) return '  (no diagnostics)';
  return ds
    .map((d) => {
      const loc = d.location ? ` at ${d.location.file}:${d.location.line}:${d.location.column}` : '';
      return `  ${d.severity} ${d.code}${loc}: ${d.message}`;
    })
    .join('\n');
}

const toPosix = (p: string) => p.split(path.sep).join('/');

/**
 * Does the diagnostic's file name the expected file (relative to input/)? kforge writes
 * paths relative to the build's working directory where it can, so accept the file
 * absolute, relative to the build root, to input/ or to the process, or ending with the
 * expected relative path.
 */
function sameFile(diagFile: string, expectedRel: string, inputDir: string, rootDir: string): boolean {
  const want = path.resolve(inputDir, expectedRel);
  const candidates = path.isAbsolute(diagFile)
    ? [path.normalize(diagFile)]
    : [path.resolve(rootDir, diagFile), path.resolve(inputDir, diagFile), path.resolve(diagFile)];
  if (candidates.includes(want)) return true;
  const f = toPosix(path.normalize(diagFile));
  const e = toPosix(path.normalize(expectedRel));
  return f === e || f.endsWith(`/${e}`);
}

const caseNames = fs
  .readdirSync(casesDir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

test('conformance corpus is present', () => {
  assert.ok(caseNames.length >= 73, `expected at least 73 cases, found ${caseNames.length}`);
});

for (const name of caseNames) {
  const caseDir = path.join(casesDir, name);
  const inputDir = path.join(caseDir, 'input');
  const buildPath = readIfExists(path.join(caseDir, 'build-path'));
  const rootDir = buildPath !== undefined && firstLine(buildPath) !== '' ? path.join(inputDir, firstLine(buildPath)) : inputDir;
  // build-flags: `--load-restrictor VALUE`, the one kubectl flag the corpus uses.
  const flags = (readIfExists(path.join(caseDir, 'build-flags')) ?? '').split(/\r?\n/)[0].trim().split(/\s+/).filter(Boolean);
  const restrictorAt = flags.indexOf('--load-restrictor');
  const loadRestrictor = restrictorAt >= 0 ? (flags[restrictorAt + 1] as LoadRestrictor) : undefined;
  const expectedYaml = readIfExists(path.join(caseDir, 'expected.yaml'));
  const expectedError = readIfExists(path.join(caseDir, 'expected-error.txt'));

  test(name, () => {
    assert.ok(
      (expectedYaml === undefined) !== (expectedError === undefined),
      `${name}: needs exactly one of expected.yaml and expected-error.txt`,
    );
    const res = buildDir(rootDir, { loadRestrictor });
    const errors = res.diagnostics.filter((d) => d.severity === 'error');
    // `kforge build` records no field sources (only the policy checks read them): the same
    // output and diagnostics without them
    const asBuild = buildDir(rootDir, { loadRestrictor, fieldSources: false });
    assert.is(asBuild.output, res.output, `${name}: the output without field sources differs`);
    assert.equal(asBuild.diagnostics, res.diagnostics, `${name}: the diagnostics without field sources differ`);

    if (expectedYaml !== undefined) {
      if (errors.length > 0) {
        assert.unreachable(`${name}: build reported errors, Kustomize built it:\n${describe(res.diagnostics)}`);
      }
      if (res.output === undefined) {
        assert.unreachable(`${name}: no output; diagnostics:\n${describe(res.diagnostics)}`);
      }
      const output = res.output as string;
      if (output !== expectedYaml) {
        assert.unreachable(`${name}: output differs from Kustomize (- expected, + kforge)\n${compactDiff(expectedYaml, output)}`);
      }
      return;
    }

    // An error case.
    const codeText = readIfExists(path.join(caseDir, 'expected-code'));
    assert.ok(codeText !== undefined, `${name}: error case without expected-code`);
    const code = firstLine(codeText as string);
    assert.is(res.output, undefined, `${name}: Kustomize fails here (${firstLine(expectedError as string)}), kforge printed output`);
    const withCode = errors.filter((d) => d.code === code);
    if (withCode.length === 0) {
      assert.unreachable(
        `${name}: expected an error ${code}; Kustomize said: ${firstLine(expectedError as string)}\nkforge said:\n${describe(res.diagnostics)}`,
      );
    }

    const locText = readIfExists(path.join(caseDir, 'expected-location'));
    if (locText === undefined || firstLine(locText) === '') return;
    const loc = firstLine(locText);
    const colon = loc.lastIndexOf(':');
    const wantFile = loc.slice(0, colon);
    const wantLine = Number(loc.slice(colon + 1));
    assert.ok(colon > 0 && Number.isInteger(wantLine), `${name}: malformed expected-location '${loc}'`);
    const located = withCode.filter((d) => d.location !== undefined);
    if (located.length === 0) {
      assert.unreachable(`${name}: error ${code} has no location, expected ${loc}\n${describe(withCode)}`);
    }
    const fileOk = located.filter((d) => sameFile(d.location!.file, wantFile, inputDir, rootDir));
    if (fileOk.length === 0) {
      assert.unreachable(`${name}: error ${code} points at the wrong file, expected ${loc}\n${describe(located)}`);
    }
    if (!fileOk.some((d) => d.location!.line === wantLine)) {
      assert.unreachable(`${name}: error ${code} points at the wrong line, expected ${loc}\n${describe(fileOk)}`);
    }
  });
}

test.run();
