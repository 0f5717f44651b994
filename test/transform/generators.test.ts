import { test } from 'uvu';
import { emptyKustomization } from '../../compiler/load/loader.js';
import * as assert from 'uvu/assert';
import * as nodefs from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { mergeOptions, runGenerators } from '../../compiler/transform/generators.js';
import { applyHashSuffixes } from '../../compiler/transform/hash.js';
import { fixNameReferences } from '../../compiler/transform/name-reference.js';
import { isClusterScoped } from '../../compiler/schema/cluster-scoped.js';
import { ResourceMap, idFromObject } from '../../compiler/resource-map.js';
import { memFs, nodeFs } from '../../compiler/fs.js';
import type { FileSystem } from '../../compiler/fs.js';
import type { GeneratorArgs, GeneratorOptions, Kustomization } from '../../compiler/load/kustomization.js';
import type { Diagnostic, JsonObject, Resource } from '../../compiler/types.js';
import { storePreviousId } from '../../compiler/types.js';
import { fixture } from '../helpers.js';

// ---------------------------------------------------------------------------
// A deliberately tiny stand-in for the transform stage (resources, generators, namespace,
// namePrefix/nameSuffix; then hash suffixes and name references at the root), so the
// goldens produced by `kubectl kustomize` (Kustomize v5.5.0) exercise this module's
// files end to end without depending on the other stages.

type Raw = Record<string, unknown>;

function loc(file: string) {
  return { file, line: 1, column: 1 };
}

function genArgs(list: unknown, file: string): GeneratorArgs[] {
  return ((list as Raw[] | undefined) ?? []).map((g) => ({
    name: g.name as string,
    ...(g.namespace ? { namespace: g.namespace as string } : {}),
    behavior: (g.behavior as GeneratorArgs['behavior']) ?? 'create',
    literals: ((g.literals as unknown[]) ?? []).map(String),
    files: ((g.files as unknown[]) ?? []).map(String),
    envs: [...(((g.envs as unknown[]) ?? []) as string[]), ...(g.env ? [g.env as string] : [])],
    ...(g.type ? { type: g.type as string } : {}),
    ...(g.options ? { options: g.options as GeneratorOptions } : {}),
    location: loc(file),
  }));
}

function kustomization(dir: string, raw: Raw): Kustomization {
  const file = path.join(dir, 'kustomization.yaml');
  return {
    ...emptyKustomization(dir, file),
    configMapGenerator: genArgs(raw.configMapGenerator, file),
    secretGenerator: genArgs(raw.secretGenerator, file),
    ...(raw.generatorOptions ? { generatorOptions: raw.generatorOptions as GeneratorOptions } : {}),
  };
}

function fileResources(file: string): Resource[] {
  const docs = parseAllDocuments(nodefs.readFileSync(file, 'utf8'), { version: '1.1' });
  return (Array.isArray(docs) ? docs : [docs])
    .map((d) => d.toJS() as JsonObject | null)
    .filter((o): o is JsonObject => o !== null)
    .map((object) => {
      const id = idFromObject(object);
      return { id, originalId: { ...id }, previousNames: [], previousNamespaces: [], previousIds: [], prefixes: [], suffixes: [], object, origin: { location: loc(file), kustomizations: [], fieldSources: [] } };
    });
}

function miniBuild(dir: string, fs: FileSystem, ds: Diagnostic[]): ResourceMap {
  const raw = parse(nodefs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as Raw;
  const rm = new ResourceMap();
  for (const entry of (raw.resources as string[] | undefined) ?? []) {
    const abs = path.resolve(dir, entry);
    const found = nodefs.statSync(abs).isDirectory() ? miniBuild(abs, fs, ds).all() : fileResources(abs);
    for (const r of found) assert.is(rm.add(r), undefined, `duplicate ${r.id.name}`);
  }
  ds.push(...runGenerators(kustomization(dir, raw), rm, fs));
  const meta = (r: Resource) => r.object.metadata as JsonObject;
  if (typeof raw.namespace === 'string') {
    for (const r of rm.all()) {
      storePreviousId(r); // as Kustomize's namespace step, for every resource
      if (isClusterScoped(r.id.group, r.id.kind, r.id.version) || r.id.namespace === raw.namespace) continue;
      r.previousNamespaces.push(r.id.namespace);
      r.id = { ...r.id, namespace: raw.namespace };
      meta(r).namespace = raw.namespace;
    }
  }
  const prefix = (raw.namePrefix as string | undefined) ?? '';
  const suffix = (raw.nameSuffix as string | undefined) ?? '';
  if (prefix || suffix) {
    for (const r of rm.all()) {
      if (r.id.kind === 'CustomResourceDefinition') continue;
      storePreviousId(r);
      r.previousNames.push(r.id.name);
      r.id = { ...r.id, name: prefix + r.id.name + suffix };
      meta(r).name = r.id.name;
      r.prefixes.push(prefix);
      r.suffixes.push(suffix);
    }
  }
  rm.reindex();
  return rm;
}

function keyOf(o: JsonObject): string {
  const m = o.metadata as JsonObject;
  return `${o.kind}/${m.namespace ?? ''}/${m.name}`;
}

const goldens = [
  'ref-03',
  'ref-04',
  'ref-05',
  'ref-16',
  'ref-17',
  'ref-18',
  'ref-19',
  'kx-h1',
  'kx-h2',
  'kx-t',
  'kx-env',
  'kx-m',
  'kx-m2',
  'kx-n',
  'kx-n2',
  'kx-twice',
  'kx-twice2',
];

for (const name of goldens) {
  test(`golden ${name}: generated objects, names and references equal kubectl kustomize`, () => {
    const root = fixture('generators', name);
    const bp = nodefs.existsSync(path.join(root, 'build-path')) ? nodefs.readFileSync(path.join(root, 'build-path'), 'utf8').trim() : '.';
    const ds: Diagnostic[] = [];
    const rm = miniBuild(path.join(root, 'input', bp), nodeFs(), ds);
    assert.equal(ds.filter((d) => d.severity === 'error'), []);
    applyHashSuffixes(rm);
    ds.push(...fixNameReferences(rm, []));
    const got = new Map(rm.all().map((r) => [keyOf(r.object), r.object]));
    const want = parseAllDocuments(nodefs.readFileSync(path.join(root, 'expected.yaml'), 'utf8')).map((d) => d.toJS() as JsonObject);
    assert.equal([...got.keys()].sort(), want.map(keyOf).sort());
    for (const w of want) assert.equal(got.get(keyOf(w)), w, keyOf(w));
  });
}

// ---------------------------------------------------------------------------
// Diagnostics, with in-memory trees.

function gen(over: Partial<GeneratorArgs>, line = 3): GeneratorArgs {
  return { name: 'cfg', behavior: 'create', literals: [], files: [], envs: [], location: { file: 'k/kustomization.yaml', line, column: 3 }, ...over };
}

function run(cm: GeneratorArgs[], sec: GeneratorArgs[] = [], files: Record<string, string | Uint8Array> = {}, rm = new ResourceMap(), opts?: GeneratorOptions) {
  const k = kustomization('/k', {});
  k.configMapGenerator = cm;
  k.secretGenerator = sec;
  if (opts) k.generatorOptions = opts;
  const ds = runGenerators(k, rm, memFs({ '/k/kustomization.yaml': '', ...files }));
  return { ds, rm };
}

test('KF2005: a key set twice (literal and file) is reported at the entry', () => {
  const { ds, rm } = run([gen({ literals: ['a.txt=1'], files: ['a.txt'] }, 7)], [], { '/k/a.txt': 'x' });
  assert.equal(ds.map((d) => [d.code, d.location?.line]), [['KF2005', 7]]);
  assert.is(rm.size, 0);
});

test('KF2005: duplicate keys within one env file', () => {
  const { ds } = run([gen({ envs: ['dup.env'] })], [], { '/k/dup.env': 'A=1\nA=2\n' });
  assert.equal(ds.map((d) => d.code), ['KF2005']);
});

test('KF2004: env lines without "=" or without key warn with file and line; output matches Kustomize', () => {
  const { ds, rm } = run([gen({ envs: ['e.env'] })], [], { '/k/e.env': '# c\nA=1\n\n  NOVALUE\n=v\n' });
  assert.equal(
    ds.map((d) => [d.code, d.severity, d.location?.file.endsWith('e.env'), d.location?.line, d.location?.column]),
    [
      ['KF2004', 'warning', true, 4, 3],
      ['KF2004', 'warning', true, 5, 1],
    ],
  );
  assert.equal(rm.all()[0].object.data, { A: '1', NOVALUE: '' });
});

test('KF2002: literal without "=" or with empty key; file source without key', () => {
  const { ds } = run([gen({ literals: ['novalue', '=v'], files: ['=a.txt'] })], [], { '/k/a.txt': 'x' });
  assert.equal(ds.map((d) => d.code), ['KF2002', 'KF2002', 'KF2002']);
});

test('KF2002: a data key Kustomize cannot write back (a timestamp, a merge key, a number), checked with kubectl', () => {
  for (const key of ['2001-01-01', '<<', '0o17']) {
    const { ds, rm } = run([gen({ literals: [`${key}=v`] }, 5)]);
    assert.equal(ds.map((d) => [d.code, d.location?.line]), [['KF2002', 5]], key);
    assert.is(rm.size, 0);
  }
  assert.equal(run([gen({ literals: ['y=v', '1:20=v'] })]).ds, []);
});

test('KF1002 / KF1006 / KF1008: missing file, directory, file outside the kustomization', () => {
  const { ds } = run([gen({ files: ['nope.txt', 'sub', '../outside.txt'] })], [], { '/k/sub/x.txt': 'x', '/outside.txt': 'x' });
  assert.equal(ds.map((d) => d.code), ['KF1002', 'KF1006', 'KF1008']);
});

test('KF2001: create of an existing name; KF2003: merge/replace without a base object', () => {
  const { ds } = run([gen({ literals: ['a=1'] }), gen({ literals: ['b=1'] }, 9), gen({ name: 'ghost', behavior: 'merge', literals: ['a=1'] }, 12)], [
    gen({ name: 'ghost', behavior: 'replace', literals: ['a=1'] }, 20),
  ]);
  assert.equal(
    ds.map((d) => [d.code, d.location?.line]),
    [
      ['KF2001', 9],
      ['KF2003', 12],
      ['KF2003', 20],
    ],
  );
});

test('merge needs the same namespace (a generator namespace, or the original one)', () => {
  const first = run([gen({ namespace: 'foo', literals: ['a=1'] })]);
  const again = run([gen({ behavior: 'merge', literals: ['b=1'] })], [], {}, first.rm);
  assert.equal(again.ds.map((d) => d.code), ['KF2003']);
  const ok = run([gen({ namespace: 'foo', behavior: 'merge', literals: ['b=1'] })], [], {}, first.rm);
  assert.equal(ok.ds, []);
  assert.equal(first.rm.all()[0].object.data, { a: '1', b: '1' });
});

test('origin: generator entry location, generated info, hashed unless disabled', () => {
  const { rm } = run([gen({ literals: ['a=1'] }, 4), gen({ name: 'fixed', literals: ['a=1'], options: { disableNameSuffixHash: true } }, 8)]);
  const [a, b] = rm.all();
  assert.equal(a.origin.location, { file: 'k/kustomization.yaml', line: 4, column: 3 });
  assert.equal(a.origin.generated, { kind: 'ConfigMap', behavior: 'create', hashed: true });
  assert.equal(b.origin.generated, { kind: 'ConfigMap', behavior: 'create', hashed: false });
});

test('mergeOptions: labels/annotations merged (entry wins); disableNameSuffixHash and immutable ORed', () => {
  assert.equal(mergeOptions({ labels: { a: '1', b: '1' }, disableNameSuffixHash: true }, { labels: { b: '2' }, disableNameSuffixHash: false, immutable: true }), {
    labels: { a: '1', b: '2' },
    disableNameSuffixHash: true,
    immutable: true,
  });
  assert.equal(mergeOptions(undefined, undefined), {});
});

test('secret: type default Opaque, empty data kept as {}, binary file base64; configmap binary → binaryData', () => {
  const bin = new Uint8Array([0xff, 0x00]);
  const { rm } = run([gen({ name: 'c', files: ['b.dat'] })], [gen({ name: 's' }), gen({ name: 't', type: 'kubernetes.io/tls', files: ['b.dat'] })], { '/k/b.dat': bin });
  const [c, s, t] = rm.all().map((r) => r.object);
  assert.equal(c.binaryData, { 'b.dat': '/wA=' });
  assert.is(c.data, undefined);
  assert.equal([s.data, s.type], [{}, 'Opaque']);
  assert.equal([t.data, t.type], [{ 'b.dat': '/wA=' }, 'kubernetes.io/tls']);
});

test.run();
