/** A misindented key under `- name:` gets an indentation hint, not "a quote is not closed". */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildDir } from '../../compiler/index.js';
import { memFs } from '../../compiler/fs.js';

test('a key under "- name:" indented by one space: KF1003 at the line, with how many spaces it needs', () => {
  const res = buildDir('/r', { fs: memFs({ '/r/kustomization.yaml': 'resources:\n- web.yaml\nimages:\n- name: nginx\n newTag: "1"\n', '/r/web.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n' }) });
  const d = res.diagnostics.find((x) => x.code === 'KF1003');
  assert.ok(d, JSON.stringify(res.diagnostics));
  assert.equal([d!.location?.line, d!.location?.column], [5, 2]);
  assert.match(d!.message, 'not indented like the list item above it');
  assert.match(d!.hint ?? '', 'indent it by 2 spaces, like the key after "- " on line 4');
  assert.not.match(d!.hint ?? '', 'quote');
});

test('an unclosed quote keeps its own message and hint', () => {
  const res = buildDir('/r', { fs: memFs({ '/r/kustomization.yaml': 'images:\n- name: nginx\n  newTag: "1\n' }) });
  const d = res.diagnostics.find((x) => x.code === 'KF1003');
  assert.match(d!.message, 'missing closing "');
});

test.run();
