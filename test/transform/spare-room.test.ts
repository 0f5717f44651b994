// A built resource's lists hold no spare room. V8 gives an array that is pushed to room for 16
// more elements (152 bytes for one entry); every resource carries its histories (previous
// names and ids, prefixes, field sources, kustomizations) to the end of the build, and the
// lists a strategic-merge patch rebuilds go to the output. At 20,000 resources that spare
// room was a fifth of the heap, copied and marked by the garbage collector for nothing.
//
// The check reads a heap snapshot of a child process that built a small tree: for each array
// reachable from the built resources under one of the names below, its length (its element
// edges) against its capacity (the size of its backing store).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeFiles } from '../helpers.js';

const NAMES = ['previousNames', 'previousNamespaces', 'previousIds', 'prefixes', 'suffixes', 'storedIds', 'kustomizations', 'fieldSources', 'containers', 'env', 'ports'];

const CHILD = `
import v8 from 'node:v8';
const [, url, dir, names] = process.argv;
const { build } = await import(url);
const res = build(dir);
if (!res.value) { console.log(JSON.stringify({ diagnostics: res.diagnostics })); process.exit(0); }
globalThis.__kforgeProbe = res.value.resources;
const chunks = [];
for await (const c of v8.getHeapSnapshot()) chunks.push(c);
const snap = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const m = snap.snapshot.meta, nf = m.node_fields.length, ef = m.edge_fields.length;
const nodes = snap.nodes, edges = snap.edges, strings = snap.strings;
const nType = m.node_types[0], eType = m.edge_types[0];
const iType = m.node_fields.indexOf('type'), iName = m.node_fields.indexOf('name'), iSize = m.node_fields.indexOf('self_size'), iEc = m.node_fields.indexOf('edge_count');
const N = nodes.length / nf, first = new Int32Array(N + 1);
for (let n = 0, e = 0; n < N; n++) { first[n] = e; e += nodes[n * nf + iEc] * ef; }
first[N] = edges.length;
const out = (n) => { const r = []; for (let e = first[n]; e < first[n + 1]; e += ef) r.push({ type: eType[edges[e]], name: edges[e + 1], to: edges[e + 2] / nf }); return r; };
const edgeName = (x) => (x.type === 'element' || x.type === 'hidden' ? x.name : strings[x.name]);
let probe = -1;
for (let n = 0; n < N && probe < 0; n++) for (const x of out(n)) if (x.type === 'property' && strings[x.name] === '__kforgeProbe') { probe = x.to; break; }
const want = new Set(names.split(','));
const seen = new Uint8Array(N), found = [];
const stack = [probe];
seen[probe] = 1;
while (stack.length) {
  const n = stack.pop();
  for (const x of out(n)) {
    if (x.type !== 'property' && x.type !== 'element') continue;
    if (x.type === 'property' && strings[x.name] === '__proto__') continue;
    const t = x.to;
    if (x.type === 'property' && want.has(strings[x.name]) && strings[nodes[t * nf + iName]] === 'Array') {
      const es = out(t);
      const length = es.filter((y) => y.type === 'element').length;
      const store = es.find((y) => y.type === 'internal' && edgeName(y) === 'elements');
      const capacity = store ? (nodes[store.to * nf + iSize] - 16) / 8 : 0;
      found.push({ name: strings[x.name], length, capacity });
    }
    if (!seen[t] && nType[nodes[t * nf + iType]] === 'object') { seen[t] = 1; stack.push(t); }
  }
}
console.log(JSON.stringify({ probe, found }));
`;

test('the histories and rebuilt lists of built resources are exactly as long as their entries', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-spare-'));
  try {
    writeFiles(root, {
      'base/kustomization.yaml': [
        'resources: [deployment.yaml, service.yaml]',
        'namePrefix: base-',
        'configMapGenerator:',
        '- name: web-config',
        '  literals: [LEVEL=info]',
        '',
      ].join('\n'),
      'base/deployment.yaml': [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: {name: web}',
        'spec:',
        '  template:',
        '    spec:',
        '      containers:',
        '      - name: main',
        '        image: nginx:1.25',
        '        ports: [{name: http, containerPort: 8080}]',
        '        env: [{name: A, value: "1"}]',
        '        envFrom: [{configMapRef: {name: web-config}}]',
        '',
      ].join('\n'),
      // Lists as the reader makes them: block style here, flow style in the Deployment.
      'base/service.yaml': 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports:\n  - port: 80\n',
      'overlay/kustomization.yaml': [
        'resources: [../base]',
        'namespace: prod',
        'namePrefix: prod-',
        'nameSuffix: -v2',
        'images: [{name: nginx, newTag: "1.27"}]',
        'replicas: [{name: base-web, count: 3}]',
        'patches:',
        '- patch: |-',
        '    apiVersion: apps/v1',
        '    kind: Deployment',
        '    metadata: {name: base-web}',
        '    spec:',
        '      template:',
        '        spec:',
        '          containers:',
        '          - name: main',
        '            env: [{name: B, value: "2"}]',
        '',
      ].join('\n'),
    });
    const here = path.dirname(fileURLToPath(import.meta.url));
    const url = pathToFileURL(path.join(here, '..', '..', 'compiler', 'transform', 'index.js')).href;
    const p = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD, url, path.join(root, 'overlay'), NAMES.join(',')], { encoding: 'utf8', maxBuffer: 16 << 20 });
    assert.is(p.status, 0, p.stderr);
    const r = JSON.parse(p.stdout) as { probe: number; found: { name: string; length: number; capacity: number }[]; diagnostics?: unknown };
    assert.is(r.diagnostics, undefined, JSON.stringify(r.diagnostics));
    assert.ok(r.probe >= 0, 'the built resources are in the snapshot');
    const nonEmpty = r.found.filter((f) => f.length > 0);
    // Every kind of list is there with entries, so the check below is not vacuous.
    for (const name of NAMES) assert.ok(nonEmpty.some((f) => f.name === name), `a built resource has a non-empty ${name} list`);
    assert.ok(nonEmpty.some((f) => f.name === 'previousNames' && f.length >= 2), 'a history of several names');
    assert.ok(nonEmpty.some((f) => f.name === 'env' && f.length === 2), 'the env list the patch rebuilt');
    const roomy = nonEmpty.filter((f) => f.capacity > f.length);
    assert.equal(roomy, [], 'lists with spare room');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test.run();
