import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fastParse, parseComplete, parseWithPositions, parseYamlDocuments, resetBuildBudget } from '../../compiler/load/yaml/index.js';
import { locateWithYaml } from '../../compiler/load/yaml/locate.js';
import { PositionedYaml } from '../../compiler/load/kfile.js';
import type { Json, Result } from '../../compiler/types.js';
import type { YamlDoc } from '../../compiler/load/yaml/index.js';

/*
 * Differential test of the fast reader against the complete reader (issue 15, goal 2):
 * many documents in each common YAML style (block scalars with every header, anchors,
 * aliases and merge keys, multi-line flow collections, comments everywhere), generated
 * from a fixed seed. For each: the same values (with the bare-null and folded-annotation
 * marks), the same document positions, the same positions of every value where the fast
 * reader records them, and the fast reader must have taken the document itself (a style
 * that silently fell back to the complete reader fails the test).
 */

/** Values with the readers' hidden marks (symbol-keyed properties) made visible. */
function withMarks(v: unknown): string {
  return JSON.stringify(v, function (_k, x) {
    if (x && typeof x === 'object' && !Array.isArray(x)) {
      const marks: Record<string, unknown> = {};
      for (const s of Object.getOwnPropertySymbols(x)) marks[String(s)] = (x as Record<symbol, unknown>)[s];
      if (Object.keys(marks).length > 0) return { ...x, '(marks)': marks };
    }
    return x;
  });
}

function show(r: Result<YamlDoc[]>): string {
  return r.value
    ? withMarks(r.value.map((d) => [d.index, d.line, d.column, d.value]))
    : 'ERROR ' + JSON.stringify(r.diagnostics.map((d) => [d.code, d.message, d.location?.line, d.location?.column]));
}

/** KFORGE_YAML_SOAK=n runs n times as many documents, from other seeds (a longer search). */
const SOAK = Number(process.env.KFORGE_YAML_SOAK ?? 0);
const SCALE = SOAK > 0 ? SOAK : 1;

function rng(seed: number) {
  let s = seed + SOAK * 7919;
  const rnd = () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(a: readonly T[]): T => a[int(a.length)];
  return { rnd, int, pick };
}

/** Every JSON pointer of a value (maps' keys and sequences' indexes). */
function pointers(v: Json, at = ''): string[] {
  const out = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...pointers(x, `${at}/${i}`)));
  else if (v && typeof v === 'object') for (const k of Object.keys(v)) out.push(...pointers(v[k], `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`));
  return out;
}

interface Tally {
  n: number;
  fast: number;
  positioned: number;
}

/**
 * Checks one text: same result from both readers, taken by the fast reader; when
 * `positions`, the fast reader's recorded positions equal the `yaml` package's.
 */
/** Texts the style tests made, mutated by the last test. */
const made: string[] = [];

function check(t: string, tally: Tally, positions: boolean): void {
  if (made.length < 2000 * SCALE) made.push(t);
  const complete = parseComplete(t, 'x.yaml');
  assert.is(show(parseYamlDocuments(t, "x.yaml")), show(complete), JSON.stringify(t));
  if (!complete.value) return; // invalid by accident: both readers refuse it alike
  tally.n++;
  const f = fastParse(t);
  if (f && f.every((d) => d.end === undefined)) tally.fast++;
  else assert.unreachable(`the fast reader left this document to the complete reader: ${JSON.stringify(t)}`);
  if (!positions || complete.value.length !== 1) return;
  const p = parseWithPositions(t);
  assert.ok(p, `positions recorded for:\n${t}`);
  tally.positioned++;
  for (const ptr of pointers(complete.value[0].value)) assert.equal(p!.at(ptr), locateWithYaml(t, 0, ptr), `${ptr} in:\n${t}`);
  // kfile.ts's positioned trees (kforge's own inputs): the same from the fast reader as from the
  // `yaml` package, except where go-yaml reads a block scalar differently (the fast reader's
  // value): a last line the file does not end, kept (`+`) blank lines before a comment.
  if (!t.endsWith('\n') || /[|>][1-9]?\+/.test(t)) return;
  const full = new PositionedYaml('k.yaml', t, { fast: false });
  const fast = new PositionedYaml('k.yaml', t);
  if (full.errors.length > 0) assert.not.ok(fast.fast, `the fast reader took a text the yaml package refuses: ${JSON.stringify(t)}`);
  else assert.equal(fast.root, full.root, JSON.stringify(t));
}

const WORDS = ['a', 'b c', 'x: y', '# not a comment', '- item', 'key: "v"', '日本', 'tail ', '{x}', 'end.', "it's", 'z'];

test('block scalars: | and >, every chomping and indentation indicator, more-indented and blank lines', () => {
  const { rnd, int, pick } = rng(20261207);
  const tally: Tally = { n: 0, fast: 0, positioned: 0 };
  for (let k = 0; k < 400 * SCALE; k++) {
    const context = pick(['map', 'nested', 'seq', 'compact', 'annotation', 'data'] as const);
    // the owning collection's indentation, and the lines before the scalar's header
    let base: number;
    let head: string;
    if (context === 'map') [base, head] = [0, 'k: '];
    else if (context === 'nested') [base, head] = [2, 'top:\n  k: '];
    else if (context === 'seq') [base, head] = [2, 'list:\n  - '];
    else if (context === 'compact') [base, head] = [4, 'list:\n  - name: x\n    k: '];
    else if (context === 'annotation') [base, head] = [4, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  annotations:\n    a: '];
    else [base, head] = [2, 'apiVersion: v1\nkind: ConfigMap\ndata:\n  script.sh: '];
    const indicator = rnd() < 0.35 ? 1 + int(3) : 0;
    const chomp = pick(['', '', '-', '+']);
    const ind = indicator > 0 ? String(indicator) : '';
    const header = pick(['|', '>']) + (rnd() < 0.5 ? chomp + ind : ind + chomp) + pick(['', '', ' # note', ' ']);
    const ci = indicator > 0 ? base + indicator : base + pick([1, 2, 2, 4]);
    const lines: string[] = [];
    const nLines = rnd() < 0.1 ? 0 : 1 + int(6);
    // leading blank lines (more spaces than the content only with an indicator)
    // (an empty block whose blank lines are more indented than an indicator says is left to the complete reader)
    const blank = nLines === 0 ? () => ' '.repeat(int(base + 2)) : undefined;
    for (let i = int(3); i > 0; i--) lines.push(blank ? blank() : ' '.repeat(indicator > 0 ? int(ci + 3) : int(ci + 1)));
    for (let i = 0; i < nLines; i++) {
      const r = rnd();
      const first = i === 0;
      if (!first && r < 0.15) lines.push('');
      else if (!first && r < 0.25) lines.push(' '.repeat(int(ci + 4)));
      else if ((!first || indicator > 0) && r < 0.45) lines.push(' '.repeat(ci + 1 + int(3)) + pick(WORDS));
      else lines.push(' '.repeat(ci) + pick(WORDS) + (rnd() < 0.3 ? ' ' + pick(WORDS) : ''));
    }
    for (let i = int(3); i > 0; i--) lines.push(blank ? blank() : ' '.repeat(int(ci + 3)));
    const after = pick(['', `${' '.repeat(base)}next: 1\n`, '# a comment\n', `${' '.repeat(base)}# indented comment\n`, '---\nb: 2\n']);
    let t = head + header + '\n' + lines.join('\n') + '\n' + after;
    if (after === '' && rnd() < 0.2) t = t.replace(/\n+$/, ''); // no final line break
    check(t, tally, context !== 'annotation');
  }
  assert.ok(tally.n > 300 * SCALE, `valid block scalar documents: ${tally.n}`);
  assert.is(tally.fast, tally.n);
});

test('anchors, aliases and << merge keys', () => {
  const { rnd, int, pick } = rng(4242);
  const tally: Tally = { n: 0, fast: 0, positioned: 0 };
  for (let k = 0; k < 400 * SCALE; k++) {
    const anchors: { name: string; map: boolean }[] = [];
    let next = 0;
    const scalar = () => pick(['1', 'web', '"quoted"', "'single'", 'true', '~', '8080', 'a b', 'null']);
    // a value written after `key:` (or `- `) at a collection indented `ind`
    const value = (ind: number, depth: number): string => {
      const r = rnd();
      if (anchors.length > 0 && r < 0.25) return ' *' + pick(anchors).name + pick(['', ' # alias']);
      let anchor = '';
      let isMap = false;
      let body: string;
      const r2 = rnd();
      if (depth > 2 || r2 < 0.35) body = ' ' + scalar();
      else if (r2 < 0.5) {
        body = ' {' + ['p', 'q', 'r'].slice(0, 1 + int(3)).map((x) => `${x}: ${scalar()}`).join(', ') + '}';
        isMap = true;
      } else if (r2 < 0.6) body = ' [' + [scalar(), scalar()].join(', ') + ']';
      else if (r2 < 0.85) {
        body = '\n' + block(ind + 2, depth + 1);
        isMap = true;
      } else body = '\n' + [0, 1].map(() => ' '.repeat(ind + 2) + '-' + value(ind + 4, depth + 1)).join('\n');
      if (rnd() < 0.4) {
        const name = pick(['base', 'img', 'x-1', 'a.b', 'port', 'defaults']) + next++;
        anchor = ' &' + name;
        // an anchor applies once its value is read
        const v = anchor + body;
        anchors.push({ name, map: isMap });
        return v;
      }
      return body;
    };
    const block = (ind: number, depth: number): string => {
      const pad = ' '.repeat(ind);
      const keys = ['name', 'image', 'port', 'labels', 'env', 'args'].slice(0, 2 + int(4));
      const out: string[] = [];
      const maps = anchors.filter((a) => a.map);
      const mergeAt = maps.length > 0 && rnd() < 0.5 ? int(keys.length + 1) : -1;
      keys.forEach((key, i) => {
        if (i === mergeAt) {
          out.push(pad + '<<:' + (rnd() < 0.6 ? ' *' + pick(maps).name : ' [' + [pick(maps), pick(maps)].map((a) => '*' + a.name).join(', ') + ']'));
        }
        out.push(pad + key + ':' + value(ind, depth));
      });
      if (mergeAt === keys.length) out.push(pad + '<<: *' + pick(maps).name);
      return out.join('\n');
    };
    const t = block(0, 0) + '\n';
    check(t, tally, false);
  }
  assert.ok(tally.n > 300 * SCALE, `valid anchor documents: ${tally.n}`);
  assert.is(tally.fast, tally.n);
});

test('multi-line flow collections with comments inside', () => {
  const { rnd, int, pick } = rng(99);
  const tally: Tally = { n: 0, fast: 0, positioned: 0 };
  for (let k = 0; k < 400 * SCALE; k++) {
    const base = pick([0, 2]);
    const cont = base + 1 + int(4); // continuation lines are indented more than the owner
    const brk = () => {
      const r = rnd();
      if (r < 0.3) return '\n' + ' '.repeat(cont);
      if (r < 0.4) return ' # c\n' + ' '.repeat(cont);
      if (r < 0.45) return '\n\n' + ' '.repeat(cont);
      return ' ';
    };
    const scalar = () => pick(['a', '1', '"q, r"', "'s'", 'true', 'x-y', '~', 'http://h', '2.5', 'a b']);
    const flow = (depth: number): string => {
      const isMap = rnd() < 0.5;
      const n = int(4);
      const items: string[] = [];
      for (let i = 0; i < n; i++) {
        const v = depth < 2 && rnd() < 0.3 ? flow(depth + 1) : scalar();
        items.push(isMap ? `${pick(['k', 'name', '"quoted key"', 'app.kubernetes.io/name'])}${i}: ${v}` : v);
      }
      if (n === 0) return isMap ? '{' + pick(['', ' ', brk().replace(/ # c/, '')]) + '}' : '[]';
      const close = rnd() < 0.3 ? '\n' + ' '.repeat(pick([cont, base])) : rnd() < 0.5 ? brk().replace(/ # c\n.*/, ' ') : '';
      return (isMap ? '{' : '[') + brk().replace(/^ $/, '') + items.map((x, i) => (i === 0 ? x : ',' + brk() + x)).join('') + (rnd() < 0.2 ? ',' : '') + close + (isMap ? '}' : ']');
    };
    const f = flow(0);
    const t = pick([
      `${' '.repeat(base)}key: ${f}${pick(['', ' # after'])}\n${' '.repeat(base)}other: 1\n`,
      `list:\n${' '.repeat(base)}- ${f}\n${' '.repeat(base)}- x\n`,
    ]).replace(/^list:\n {2}/, 'list:\n  ').replace(/^ {2}key/, 'top:\n  key');
    check(t, tally, true);
  }
  assert.ok(tally.n > 250 * SCALE, `valid flow documents: ${tally.n}`);
  assert.is(tally.fast, tally.n);
});

test('comments after values, between items, after headers and at any indentation', () => {
  const { rnd, pick } = rng(7);
  const tally: Tally = { n: 0, fast: 0, positioned: 0 };
  const c = () => pick(['', '', ' # c', '  #c: x', ' #']);
  const line = () => pick(['', '# top', '  # two', '    # four', '      # deep']);
  for (let k = 0; k < 200 * SCALE; k++) {
    const ls = [
      `apiVersion: v1${c()}`,
      line(),
      `kind: ConfigMap${c()}`,
      `metadata:${c()}`,
      line(),
      `  name: web${c()}`,
      `  labels: {app: web, tier: front}${c()}`,
      `data:`,
      line(),
      `  a: "1"${c()}`,
      `  list:`,
      line(),
      `  - x${c()}`,
      line(),
      `  - [y, z]${c()}`,
      `  script: |${c()}`,
      `    echo hi # not a comment`,
      `    exit 0`,
      line(),
      `  last: ${pick(['v', "'v'", '[v]', '{v: w}'])}${c()}`,
      line(),
    ];
    check(ls.join('\n') + '\n', tally, true);
  }
  assert.is(tally.fast, tally.n);
  assert.ok(tally.positioned > 0);
});

/** Documents written the way real repositories write them. */
const REAL: Record<string, string> = {
  'Helm-rendered manifests': `---
# Source: web/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: release-web
  labels:
    helm.sh/chart: web-1.2.3
    app.kubernetes.io/name: web
    app.kubernetes.io/instance: release
    app.kubernetes.io/version: "1.16.0"
    app.kubernetes.io/managed-by: Helm
spec:
  type: ClusterIP
  ports:
    - port: 80
      targetPort: http
      protocol: TCP
      name: http
  selector:
    app.kubernetes.io/name: web
    app.kubernetes.io/instance: release
---
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: release-web
  annotations:
    checksum/config: 8f4e3c1d
    description: >-
      The web front end, rendered by Helm;
      one replica per zone.
spec:
  replicas: 1
  template:
    spec:
      securityContext:
        {}
      containers:
        - name: web
          securityContext:
            {}
          image: "nginx:1.16.0"
          args: [
            "--port=8080",   # the container port
            "--log-level=info",
          ]
          resources:
            {}
`,
  'CRD with folded descriptions': `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        description: >
          Widget is the Schema for the widgets API.
          It holds a size and a color.

          Fields marked required must be set.
        type: object
        properties:
          spec:
            description: |-
              WidgetSpec defines the desired state.
                Indented example line.
            type: object
            required: [size]
            properties:
              size:
                description: >-
                  Size in centimetres; at least 1
                  and at most 100.
                type: integer
                minimum: 1
              color:
                type: string
                enum: [
                  red, green,
                  blue,   # the default
                ]
`,
  'ConfigMap with scripts and config files': `apiVersion: v1
kind: ConfigMap
metadata:
  name: scripts
data:
  entrypoint.sh: |
    #!/bin/sh
    set -eu
    # wait for the database
    until nc -z db 5432; do
      sleep 1
    done

    exec "$@"
  nginx.conf: |+
    server {
      listen 8080;
      location / { return 200 'ok'; }
    }

  app.properties: |2-
      indented.key=1
    plain.key=2
  motd: >
    Welcome.
    Second sentence of the same paragraph.

      an indented line
    last line
`,
  'plugin config with merge keys': `apiVersion: builtin
kind: LabelTransformer
metadata:
  name: labels
x-defaults: &defaults
  kind: Deployment
  create: true
fieldSpecs:
- <<: *defaults
  path: spec/selector/matchLabels
- <<: *defaults
  path: spec/template/metadata/labels
- <<: [*defaults, {group: apps}]
  path: metadata/labels
  create: false
labels: {app: web, team: core}
`,
  'Deployment reusing anchors': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: &labels
    app: web
    tier: front
spec:
  selector:
    matchLabels: *labels
  template:
    metadata:
      labels: *labels
    spec:
      containers:
      - name: web
        image: &image registry.example.com/web:1.4.2
        env: &env
        - {name: MODE, value: production}
        - name: LOG_LEVEL   # overridden per environment
          value: info
        resources: &res
          limits: {cpu: 500m, memory: 256Mi}
      - name: sidecar
        image: *image
        env: *env
        resources: *res
`,
};

test('documents written like real repositories stay on the fast path, same values and positions', () => {
  for (const [what, t] of Object.entries(REAL)) {
    for (let k = 0; k < 50; k++) made.push(t); // mutated by the next test too
    const f = fastParse(t);
    assert.ok(f && f.length > 0 && f.every((d) => d.end === undefined), `${what}: read by the fast reader`);
    assert.is(show(parseYamlDocuments(t, 'x.yaml')), show(parseComplete(t, 'x.yaml')), what);
  }
  for (const what of ['CRD with folded descriptions', 'ConfigMap with scripts and config files']) {
    const t = REAL[what];
    const p = parseWithPositions(t);
    assert.ok(p, what);
    for (const ptr of pointers(p!.value)) assert.equal(p!.at(ptr), locateWithYaml(t, 0, ptr), `${what}: ${ptr}`);
  }
});

test('a null written on the line after its key is not a bare null (the fast reader marked it so before)', () => {
  for (const t of ['port: \n  null\n', 'port:\n  ~\n', 'a: &x\nb: *x\n', 'a: # c\nb:\n', 'a:\n  b:\nc: 1\n']) {
    const f = fastParse(t);
    assert.ok(f && f.every((d) => d.end === undefined), JSON.stringify(t));
    assert.is(show(parseYamlDocuments(t, 'x.yaml')), show(parseComplete(t, 'x.yaml')), JSON.stringify(t));
  }
});

test('mutated documents of every style: both readers agree, on values and on errors', () => {
  const { rnd, int, pick } = rng(31337);
  const inserts = [' ', '  ', ':', ': ', '#', ' #', '-', '- ', '"', "'", '\n', '\n  ', '[', ']', '{', '}', ',', '|', '|2', '>-', '>', '&a ', '*a', '&b', '*b ', '<<: ', '!!str ', '? ', '\\', 'x', '0', '\t', '~', '+', '9'];
  let fast = 0;
  for (let n = 0; n < 1000 * SCALE; n++) {
    let t = made[int(made.length)];
    for (let k = 1 + int(2); k > 0; k--) {
      const pos = int(t.length + 1);
      const r = rnd();
      if (r < 0.55) t = t.slice(0, pos) + pick(inserts) + t.slice(pos);
      else if (r < 0.8) t = t.slice(0, pos) + t.slice(pos + 1 + int(3));
      else {
        const lines = t.split('\n');
        const i = int(lines.length);
        lines[i] = rnd() < 0.5 ? ' ' + lines[i] : lines[i].replace(/^ /, '');
        t = lines.join('\n');
      }
    }
    const got = show(parseYamlDocuments(t, 'x.yaml'));
    // (a `---x` line is refused before either reader runs: Kustomize's separator rule)
    if (!got.includes('invalid document separator')) assert.is(got, show(parseComplete(t, 'x.yaml')), JSON.stringify(t));
    const f = fastParse(t);
    if (f && f.every((d) => d.end === undefined)) fast++;
  }
  assert.ok(fast > 250 * SCALE, `mutated documents the fast reader took: ${fast}`);
});

test('aliases on the fast path count against the file limit and the build limit (KF1012), as on the complete reader', () => {
  const bomb = (n: number) => {
    const ls = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < n; i++) ls.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    return ls.join('\n') + '\n';
  };
  const t = bomb(7); // about 12 million values
  const f = parseYamlDocuments(t, 'x.yaml');
  assert.is(f.value, undefined);
  assert.is(show(f), show(parseComplete(t, 'x.yaml')));
  assert.match(show(f), /KF1012/);
  // Within a build: each file under the file limit, the third beyond the build's.
  const one = bomb(5); // 123,440 values made by aliases per file
  const fast = fastParse(one);
  assert.ok(fast && fast.every((d) => d.end === undefined), 'the fast reader reads the aliases itself');
  resetBuildBudget();
  let refused = -1;
  for (let i = 0; i < 12 && refused < 0; i++) {
    const r = parseYamlDocuments(one, `f${i}.yaml`);
    if (!r.value) {
      refused = i;
      assert.match(r.diagnostics[0].message, /aliases of this build/);
    }
  }
  assert.is(refused, 8, 'the build budget (1,000,000 alias values) is spent by the ninth file');
});

test.run();
