import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixture } from '../../helpers.js';
import { cleanup, tmp } from '../../publish/helpers.js';
import { buildDirWithRemotes } from '../../../compiler/load/remote/build.js';
import { materialize } from './fixtures.js';

// Remote bases against Kustomize: each case of test/fixtures/remote built from a fresh
// repository (file://) and a local HTTP server, compared with what kubectl kustomize printed
// for the same tree (goldens.ts).

const root = fixture('remote');
const saved = process.env.KFORGE_CACHE;
test.before(() => {
  process.env.KFORGE_CACHE = tmp('kforge-cache-');
});
test.after(() => {
  if (saved === undefined) delete process.env.KFORGE_CACHE;
  else process.env.KFORGE_CACHE = saved;
  cleanup();
});

for (const name of fs.readdirSync(root).sort()) {
  const caseDir = path.join(root, name);
  if (!fs.existsSync(path.join(caseDir, 'expected.yaml'))) continue;
  test(`remote case ${name} builds kubectl kustomize's bytes`, async () => {
    const m = await materialize(caseDir);
    try {
      const res = await buildDirWithRemotes(m.dir);
      const errors = res.diagnostics.filter((d) => d.severity === 'error');
      assert.equal(errors, []);
      const out = res.output ?? '';
      assert.fixture(m.repo.dir ? out.split(m.repo.dir).join('@REPO@') : out, fs.readFileSync(path.join(caseDir, 'expected.yaml'), 'utf8'));
      if (m.server) assert.ok(m.server.hits.length >= 1, 'fetched over HTTP');
    } finally {
      await m.server?.close();
    }
  });
}

test.run();
