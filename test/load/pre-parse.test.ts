/**
 * compiler/load/yaml/pre-parse.ts: the read-ahead worker reads a base's resource files as YAML
 * and hands the documents over as JSON text. What it hands over must be exactly what the
 * build's own reading gives (values, key order, document index, line and column), and what
 * would not survive the trip (aliases, bare and folded marks, -0) or holds anything to report
 * must not be handed over at all: the build reads those bytes itself.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nodeFs } from '../../compiler/fs.js';
import { PARSE_AHEAD } from '../../compiler/fs-read-ahead.js';
import { build } from '../../compiler/transform/index.js';
import { emitYaml } from '../../compiler/emit/yaml.js';
import { parseYamlDocuments } from '../../compiler/load/yaml/index.js';
import { fromPreParsed, plainJson, preParse } from '../../compiler/load/yaml/pre-parse.js';
import { writeFiles } from '../helpers.js';

const enc = (s: string) => new TextEncoder().encode(s);

/** Texts the worker hands over: each must come back as the build reads it. */
const HANDED: Record<string, string> = {
  plain: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: "1"\n',
  'several documents, empty ones and comments': '# c\n---\napiVersion: v1\nkind: A\n---\n---\n# only a comment\n---\napiVersion: v1\nkind: B # trailing\n...\n',
  'a List': 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- {apiVersion: v1, kind: Secret, metadata: {name: b}}\n',
  'CRLF and a BOM': '\ufeffapiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: a\r\n',
  'flow style': 'a: {b: [1, 2, {c: d}], e: "f"}\ng: [h, i]\n',
  'block scalars': 'a: |\n  line 1\n  line 2\nb: >-\n  folded\n  text\nc: |+\n  kept\n\n',
  'scalars of every type': 'i: 12\nbig: 12345678901234567890\nf: 1.5\ne: 1e3\nneg: -7\nzero: 0\nt: true\nn: null\ntilde: ~\no: 0o17\nx: 0x1F\nts: 2001-12-14\ns: "0123"\nq: \'it\'\'s\'\nesc: "tab\\there \\u00e9"\n',
  'keys in the order JavaScript keeps': '"10": a\n"2": b\nz: c\n"1": d\n__proto__: e\n',
  'nesting and an empty map and list': 'a:\n  b:\n    c:\n    - d: {}\n      e: []\n',
  'annotations written plainly': 'metadata:\n  annotations:\n    a: "x"\n    b: plain\n',
};

/** Texts the worker must leave to the build (diagnostics, aliases, marks kept on the side, -0). */
const LEFT: Record<string, Uint8Array | string> = {
  'an alias': 'a: &x {b: 1}\nc: *x\n',
  'a bare key': 'a:\nb: 1\n',
  'a folded annotation': 'metadata:\n  annotations:\n    a: >\n      folded\n      value\n',
  'a NUL byte': new Uint8Array([0x61, 0x3a, 0x20, 0x00, 0x0a]),
  'bytes that are not UTF-8': new Uint8Array([0x61, 0x3a, 0x20, 0xff, 0x0a]),
  'a duplicate key': 'a: 1\na: 2\n',
  'a syntax error': 'a: [1, 2\n',
  'an infinity': 'a: .inf\n',
  'a control character': 'a: "\u0001"\n',
};

test('what the worker hands over is what the build reads: values, key order, document index, line, column', () => {
  for (const [what, text] of Object.entries(HANDED)) {
    const json = preParse(enc(text));
    assert.ok(json !== undefined, `${what}: handed over`);
    const got = fromPreParsed(json!);
    const want = parseYamlDocuments(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, 'x.yaml');
    assert.equal(want.diagnostics, [], what);
    assert.equal(got, want.value, what);
    // key order too (assert.equal does not compare it), and nothing but plain objects
    assert.is(JSON.stringify(got), JSON.stringify(want.value), what);
  }
});

test('what the worker leaves to the build: aliases, bare keys, folded annotations, -0, and anything with a diagnostic', () => {
  for (const [what, input] of Object.entries(LEFT)) assert.is(preParse(typeof input === 'string' ? enc(input) : input), undefined, what);
  // the aliases were read within a budget of their own: the worker's counting leaves none behind
  assert.is(preParse(enc(HANDED.plain)) !== undefined, true);
  // and values JSON would change, should the reader ever make one
  const marked: Record<string | symbol, unknown> = { a: 1 };
  marked[Symbol('mark')] = ['a'];
  const odd: [string, unknown][] = [['-0', -0], ['NaN', NaN], ['Infinity', Infinity], ['undefined', undefined], ['a marked object', marked], ['a list of one', [marked]], ['a Date', new Date(0)], ['no prototype', Object.create(null)], ['a hole', [1, , 3]]];
  for (const [what, v] of odd) assert.is(plainJson(v as never), false, what);
  assert.is(plainJson({ a: [1, 'b', null, true, { c: 0 }] }), true);
});

test('a build of 300 bases takes the resource files the worker read, reads the odd ones itself, and prints what a build without the worker prints', async () => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-preparse-')));
  try {
    const files: Record<string, string> = {};
    const bases: string[] = [];
    for (let i = 0; i < 300; i++) {
      const app = `app${i}`;
      // every tenth base has a file the worker leaves to the build (a folded annotation, a bare key, an alias)
      const extra = i % 10 === 0;
      files[`bases/${app}/kustomization.yaml`] = `resources:\n- deploy.yaml\n- cm.yaml\n${extra ? '- odd.yaml\n' : ''}`;
      files[`bases/${app}/deploy.yaml`] = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${app}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: main, image: "nginx:1.${i}"}\n`;
      files[`bases/${app}/cm.yaml`] = `apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: ${app}}\n  data: {"10": a, "2": b, n: "${i}"}\n`;
      if (extra) files[`bases/${app}/odd.yaml`] = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${app}-odd\n  annotations:\n    a: >\n      folded\n      value\ndata:\n  bare:\n  x: &x "1"\n  y: *x\n`;
      bases.push(`- ../bases/${app}`);
    }
    writeFiles(root, files);
    writeFiles(root, { 'overlay/kustomization.yaml': `namePrefix: p-\nresources:\n${bases.join('\n')}\n` });
    const overlay = path.join(root, 'overlay');
    const plain = nodeFs();
    delete plain.readAhead;
    const want = build(overlay, { fs: plain });
    assert.is(want.value?.resources.length, 300 * 2 + 30, JSON.stringify(want.diagnostics.slice(0, 3)));
    for (const primed of [true, false]) {
      const f = nodeFs();
      let handed = 0;
      let left = 0;
      const take = f.parsedAhead!.bind(f);
      f.parsedAhead = (p) => {
        const json = take(p);
        if (json === undefined) left++;
        else handed++;
        return json;
      };
      if (primed) {
        const list = bases.map((b) => path.join(overlay, b.slice(2)));
        f.readAhead!(list, ['kustomization.yaml', 'kustomization.yml', 'Kustomization']);
        for (let waited = 0; f.readAheadStats().answered < list.length; waited += 20) {
          if (waited > 20_000) assert.unreachable('the read-ahead worker did not answer in 20 s');
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      const got = build(overlay, { fs: f });
      assert.equal(got.diagnostics, want.diagnostics);
      assert.is(emitYaml(got.value!.resources.map((r) => r.object)), emitYaml(want.value!.resources.map((r) => r.object)));
      if (primed) {
        // the two plain files of every base the worker read well ahead of the build were handed
        // over (the first PARSE_AHEAD it only read: the build would soon need those); the build
        // read the rest, the 30 odd files among them
        assert.ok(PARSE_AHEAD < 300);
        assert.is(handed, 2 * (300 - PARSE_AHEAD), 'handed over');
        assert.is(left, 630 - handed, 'read by the build');
      }
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test.run();
