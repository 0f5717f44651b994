import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { main } from '../../compiler/cli.js';
import { buildDir } from '../../compiler/index.js';
import { memFs } from '../../compiler/fs.js';
import { isWithin } from '../../compiler/load/restrictor.js';
import { displayPath } from '../../compiler/load/files.js';

/* `--load-restrictor` on kforge build, as kustomize build has it (conformance 607/608). */

const TREE = {
  '/r/app/kustomization.yaml': 'resources:\n- ../shared/cm.yaml\n',
  '/r/shared/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n',
};

test('the default and LoadRestrictionsRootOnly refuse a file outside the root (KF1008); LoadRestrictionsNone reads it', () => {
  for (const loadRestrictor of [undefined, 'LoadRestrictionsRootOnly'] as const) {
    const res = buildDir('/r/app', { fs: memFs(TREE), loadRestrictor });
    assert.is(res.output, undefined);
    assert.ok(res.diagnostics.some((d) => d.code === 'KF1008' && d.location?.line === 2));
  }
  const res = buildDir('/r/app', { fs: memFs(TREE), loadRestrictor: 'LoadRestrictionsNone' });
  assert.is(res.output, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n');
});

async function cli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await main(args, { out: (s) => void (stdout += s), err: (s) => void (stderr += s), color: false });
  return { status, stdout, stderr };
}

test('kforge build --load-restrictor: both spellings, and an invalid value is exit 2', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-restrictor-'));
  try {
    for (const [f, text] of Object.entries(TREE)) {
      const p = path.join(dir, f);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, text);
    }
    const app = path.join(dir, 'r', 'app');
    assert.is((await cli(['build', app])).status, 2);
    const a = await cli(['build', '--load-restrictor', 'LoadRestrictionsNone', app]);
    assert.is(a.status, 0, a.stderr);
    assert.match(a.stdout, 'name: shared');
    const b = await cli(['build', app, '--load-restrictor=LoadRestrictionsNone']);
    assert.is(b.stdout, a.stdout);
    const c = await cli(['build', app, '--load-restrictor', 'None']);
    assert.is(c.status, 2);
    assert.is(c.stdout, '');
    assert.match(c.stderr, 'KF1006');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('isWithin and displayPath compare normal paths as strings with the answers path.relative gives', () => {
  const paths = ['/', '/r', '/r/app', '/r/app/x.yaml', '/r/apps', '/r/app/..x', '/r/app/...', '/r/app/.x', '/r/app/../x', '/r/./app', '/r//app', '/r/app/', '/rr', '/r/ap', 'r/app', '/..a', '/.'];
  for (const dir of paths) {
    if (!dir.startsWith('/')) continue;
    for (const p of paths) {
      if (!p.startsWith('/')) continue;
      const rel = path.relative(dir, p);
      const expected = rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
      assert.is(isWithin(p, dir), expected, `isWithin(${p}, ${dir})`);
    }
  }
  const cwd = process.cwd();
  for (const p of [cwd, `${cwd}/a.yaml`, `${cwd}/..a/b.yaml`, `${cwd}/./a`, `${cwd}x/a`, `${cwd}/a/`, path.dirname(cwd), '/', '/elsewhere/a.yaml', `${cwd}/a/../b`]) {
    const rel = path.relative(cwd, p);
    assert.is(displayPath(p), rel === '' ? '.' : rel.startsWith('..') ? p : rel, p);
  }
});

test.run();
