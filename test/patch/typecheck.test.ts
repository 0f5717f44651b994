import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { repoRoot } from '../helpers.js';

// Proves that typed patches with a wrong path or value type do not compile: tsc must
// report exactly the errors marked `// error: TSnnnn` in test/typecheck-fail/, at those
// lines, and nothing else (so the well-typed patches in the same file do compile).
test('bad typed patches fail type-checking at the marked lines, good ones compile', () => {
  const dir = path.join(repoRoot(), 'test', 'typecheck-fail');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => path.join(dir, f));
  assert.ok(files.length > 0);
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
    types: ['node'],
  });
  const got = new Set<string>();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    if (!d.file) {
      got.add(`global TS${d.code}`);
      continue;
    }
    const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    got.add(`${path.basename(d.file.fileName)}:${line + 1} TS${d.code}`);
  }
  const want = new Set<string>();
  for (const f of files) {
    fs.readFileSync(f, 'utf8')
      .split('\n')
      .forEach((l, i) => {
        const m = /\/\/ error: (TS\d+)\s*$/.exec(l);
        if (m) want.add(`${path.basename(f)}:${i + 1} ${m[1]}`);
      });
  }
  assert.ok(want.size >= 7, 'the fixture marks at least 7 errors');
  assert.equal([...got].sort(), [...want].sort());
});

test.run();
