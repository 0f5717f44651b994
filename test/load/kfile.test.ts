import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PositionedYaml, toJson, type PNode } from '../../compiler/load/kfile.js';
import { parseWithPositions } from '../../compiler/load/yaml/index.js';
import { repoRoot } from '../helpers.js';

// The fast line reader and the `yaml` package must give the same positioned tree
// (values, scalar texts, block flags and every line/column) for kustomization files.

const NAMES = new Set(['kustomization.yaml', 'kustomization.yml', 'Kustomization']);

function walk(dir: string, out: string[]): void {
  if (!fs.existsSync(dir)) return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile() && NAMES.has(e.name)) out.push(p);
  }
}

function kustomizationFiles(): string[] {
  const root = repoRoot();
  const out: string[] = [];
  const cases = path.join(root, 'test/fixtures/conformance/cases');
  for (const c of fs.readdirSync(cases)) walk(path.join(cases, c, 'input'), out);
  for (const top of ['overlays', 'bases']) {
    const d = path.join(root, top);
    if (!fs.existsSync(d)) continue;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(d, e.name), out);
  }
  return out.sort();
}

function both(text: string, file = 'k.yaml'): { fast: PositionedYaml; full: PositionedYaml } {
  return { fast: new PositionedYaml(file, text), full: new PositionedYaml(file, text, { fast: false }) };
}

function same(text: string, file = 'k.yaml'): PositionedYaml {
  const { fast, full } = both(text, file);
  assert.equal(full.errors.length, 0, `${file}: ${full.errors.map((e) => e.message).join('; ')}`);
  assert.equal(fast.root, full.root, file);
  return fast;
}

test('fast path and yaml package agree on every kustomization fixture', () => {
  const files = kustomizationFiles();
  assert.ok(files.length >= 50, `only ${files.length} kustomization files found`);
  let fastCount = 0;
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    const full = new PositionedYaml(f, text, { fast: false });
    const fast = new PositionedYaml(f, text);
    if (full.errors.length) {
      assert.not.ok(fast.fast, `${f}: the fast reader accepted a text with YAML errors`);
      continue;
    }
    if (fast.fast) fastCount++;
    assert.equal(fast.root, full.root, f);
  }
  // Nearly all of them are plain block YAML.
  assert.ok(fastCount >= files.length * 0.8, `fast path used for ${fastCount} of ${files.length}`);
});

test('positions of keys, items, flow values, empty values and block scalars', () => {
  const y = same(`# leading comment
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- a.yaml
-   "b.yaml"   # comment
- 'c.yaml'
components: [x, "y", 'z']
namespace:
labels:
  - pairs: {app: web, n: 2, s: "2", b: true, z: ~}
    includeSelectors: true
commonAnnotations:
  note: 1.10
  multi: plain text
    folded on two lines
images:
  - name: nginx
    newTag: 1.10
    digest:
replicas:
- name: web
  count: 0644
patches:
  - target:
      kind: Deployment
    patch: |-
      - op: replace
        path: /spec/replicas
        value: 3
  - path: p.yaml
patchesStrategicMerge:
-
- |
  apiVersion: v1
  kind: ConfigMap
nested:
  -   - deep
      - 2021-01-02
`);
  assert.ok(y.fast, 'the fast reader handles this text');
  const root = y.root as PNode;
  assert.equal(root.kind, 'map');
  assert.equal({ line: root.line, column: root.column }, { line: 2, column: 1 });
  const pairs = root.pairs ?? [];
  const get = (k: string) => pairs.find((p) => p.key === k)!;
  const res = get('resources').value;
  assert.equal(
    res.items!.map((n) => [n.line, n.column, n.value]),
    [
      [5, 3, 'a.yaml'],
      [6, 5, 'b.yaml'],
      [7, 3, 'c.yaml'],
    ],
  );
  assert.equal(get('components').value.items!.map((n) => n.column), [14, 17, 22]);
  assert.equal(get('namespace').value.value, null);
  const lp = get('labels').value.items![0].pairs![0].value;
  assert.equal(lp.kind, 'map');
  assert.equal(
    lp.pairs!.map((p) => [p.key, p.keyColumn, p.value.value]),
    [
      ['app', 13, 'web'],
      ['n', 23, 2],
      ['s', 29, '2'],
      ['b', 37, true],
      ['z', 46, null],
    ],
  );
  const img = get('images').value.items![0];
  assert.equal([img.line, img.column], [18, 5]);
  const tag = img.pairs![1].value;
  assert.equal([tag.value, tag.source], [1.1, '1.10']);
  const patch = get('patches').value.items![0].pairs![1];
  assert.equal([patch.keyLine, patch.value.line, patch.value.column, patch.value.block], [27, 27, 12, true]);
  assert.equal(get('replicas').value.items![0].pairs![1].value.value, 420);
  assert.equal(get('nested').value.items![0].items![1].value, '2021-01-02');
  assert.equal((toJson(root) as Record<string, unknown>).components, ['x', 'y', 'z']);
});

test('texts the fast reader leaves to the yaml package', () => {
  for (const text of [
    'a: &x 1\nb: *x\n', // anchors
    'a: !!str 2\n', // tags
    '---\na: 1\n', // markers
    'a: 1\n---\nb: 2\n', // several documents
    'a: 1\na: 2\n', // duplicate key
    'a:\n\t- b\n', // tab
    '', // empty
    '# only a comment\n',
    'a: "x\n', // unterminated quote
  ]) {
    assert.is(parseWithPositions(text), undefined, JSON.stringify(text));
    const { fast, full } = both(text);
    assert.not.ok(fast.fast, JSON.stringify(text));
    assert.equal(fast.root, full.root);
    assert.equal(fast.errors.length, full.errors.length);
  }
  // Folded blocks and multi-line flow collections are on the fast path since issue 15: the same tree.
  for (const text of ['a: >\n  folded\n  text\n\n    more\n', 'a: [1,\n  2]\n', 'a: {b: 1, # c\n  c: [x, y,],\n}\n', 'a: |2-\n    x\n  y\n']) {
    const { fast, full } = both(text);
    assert.ok(fast.fast, JSON.stringify(text));
    assert.equal(fast.root, full.root, JSON.stringify(text));
  }
  // Errors keep their codes and offsets.
  const dup = new PositionedYaml('k.yaml', 'resources: []\nresources: []\n');
  assert.equal(dup.errors[0].code, 'DUPLICATE_KEY');
  assert.equal(dup.offsetAt(dup.errors[0].pos[0]), { file: 'k.yaml', line: 2, column: 1 });
});

test('at(pointer) on the fast path', () => {
  const d = parseWithPositions('a:\n  b:\n  - x\n  - d: {c: 1}\n');
  assert.ok(d);
  assert.equal(d!.at(''), { line: 1, column: 1 });
  assert.equal(d!.at('/a/b'), { line: 2, column: 3 });
  assert.equal(d!.at('/a/b/1'), { line: 4, column: 5 });
  assert.equal(d!.at('/a/b/1/d'), { line: 4, column: 5 });
  assert.equal(d!.at('/a/b/1/d/c'), { line: 4, column: 9 });
  assert.is(d!.at('/a/zz'), undefined);
  assert.equal(d!.value, { a: { b: ['x', { d: { c: 1 } }] } });
});

test.run();
