import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseYamlDocuments } from '../../compiler/load/yaml/index.js';
import { emitYaml } from '../../compiler/emit/yaml.js';
import { fixture } from '../helpers.js';

// Every `kustomize build` output of the reference cases reads and writes back byte for byte.
const dir = fixture('yaml', 'roundtrip');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

test('the reference outputs are present', () => {
  assert.ok(files.length >= 20, `only ${files.length} files in ${dir}`);
});

for (const f of files) {
  test(`round trip: ${f}`, () => {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    const r = parseYamlDocuments(text, f);
    assert.equal(r.diagnostics, []);
    assert.ok(r.value && r.value.length > 0);
    assert.fixture(emitYaml(r.value!.map((d) => d.value)), text);
  });
}

test.run();
