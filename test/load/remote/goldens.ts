/**
 * Writes test/fixtures/remote/<case>/expected.yaml with `kubectl kustomize` (Kustomize
 * v5.5) on each case's tree, its remote repository made at a temporary path:
 *   npx tsc -p tsconfig.json && node dist/test/load/remote/goldens.js
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fixture } from '../../helpers.js';
import { cleanup } from '../../publish/helpers.js';
import { materialize } from './fixtures.js';

const root = fixture('remote');
for (const name of fs.readdirSync(root).sort()) {
  const caseDir = path.join(root, name);
  if (!fs.existsSync(path.join(caseDir, 'local'))) continue;
  const m = await materialize(caseDir);
  try {
    // asynchronously: the HTTP server of the fixture answers from this process
    const { stdout: out } = await promisify(execFile)('kubectl', ['kustomize', m.dir], { encoding: 'utf8' });
    // the repository's temporary path (in origin annotations) is written as @REPO@
    fs.writeFileSync(path.join(caseDir, 'expected.yaml'), m.repo.dir ? out.split(m.repo.dir).join('@REPO@') : out);
    console.log(`${name}: ${out.split('\n').length} lines`);
  } catch (e) {
    console.log(`${name}: kubectl failed: ${(e as { stderr?: string }).stderr ?? e}`);
  } finally {
    await m.server?.close();
  }
}
cleanup();
