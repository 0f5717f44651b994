import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildDir } from '../../compiler/index.js';
import { repoRoot, fixture } from '../helpers.js';

// The repository's own overlays: kforge build equals what `kubectl kustomize` printed
// (test/fixtures/golden/overlays/<env>.yaml, generated with Kustomize v5.5.0).
for (const env of ['dev', 'staging', 'prod']) {
  test(`kforge build overlays/${env} equals kustomize build`, () => {
    const res = buildDir(path.join(repoRoot(), 'overlays', env));
    const errors = res.diagnostics.filter((d) => d.severity === 'error');
    assert.equal(errors, []);
    const want = fs.readFileSync(fixture('golden', 'overlays', `${env}.yaml`), 'utf8');
    if (res.output !== want) {
      const a = want.split('\n');
      const b = (res.output ?? '').split('\n');
      const i = a.findIndex((l, k) => l !== b[k]);
      assert.unreachable(`overlays/${env} differs at line ${i + 1}:\n- ${a[i]}\n+ ${b[i]}`);
    }
    assert.not.ok(res.diagnostics.some((d) => d.code === 'KF1017'), 'the overlays use no deprecated field');
  });
}

test.run();
