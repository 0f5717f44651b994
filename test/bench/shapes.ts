/**
 * The shapes real repositories have (issue 15), each built by kforge and by `kubectl kustomize`
 * in the same run (kubectl's column is left out where it is not installed):
 *   small ×100      100 small separate kustomization directories (a Deployment, a Service, a
 *                   generator, an image), one process each: start-up dominates;
 *   CRD-heavy       CRDs with large openAPIV3Schema trees (deep nesting, long descriptions);
 *   flow style      the synthetic tree with its small mappings and lists written in flow style
 *                   (`{app: web}`, `[a, b]`), as hand-written manifests often are;
 *   rich style      the synthetic tree (plus a ConfigMap of files per app) written with anchors
 *                   and aliases, literal and folded blocks and multi-line flow collections,
 *                   against its block-style twin (writeStyleTwins);
 *   synthetic       the tree of writeBenchTree (tree.ts).
 * Each cell is the median of `runs` whole-process runs. kforge runs the shipped bin
 * (dist/kforge/kforge.js) when it was bundled, else dist/compiler/cli.js.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeBenchTree } from './tree.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Wall seconds of `cmd args` (stdout bytes too); throws on a non-zero exit. */
function timed(cmd: string, args: string[]): { secs: number; bytes: number } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${(r.stderr ?? '').slice(-2000)}`);
  return { secs, bytes: Buffer.byteLength(r.stdout) };
}

export function writeSmallTrees(root: string, count: number): string[] {
  const dirs: string[] = [];
  for (let i = 0; i < count; i++) {
    const dir = path.join(root, `app${String(i).padStart(3, '0')}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'kustomization.yaml'),
      `resources:\n- deployment.yaml\n- service.yaml\nconfigMapGenerator:\n- name: web-config\n  literals:\n  - LOG_LEVEL=info\n  - APP=${i}\nimages:\n- name: nginx\n  newTag: "1.27"\n`,
    );
    fs.writeFileSync(
      path.join(dir, 'deployment.yaml'),
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web${i}\n  labels:\n    app: web${i}\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: web${i}\n  template:\n    metadata:\n      labels:\n        app: web${i}\n    spec:\n      containers:\n      - name: web\n        image: nginx\n        ports:\n        - containerPort: 8080\n        envFrom:\n        - configMapRef:\n            name: web-config\n`,
    );
    fs.writeFileSync(
      path.join(dir, 'service.yaml'),
      `apiVersion: v1\nkind: Service\nmetadata:\n  name: web${i}\nspec:\n  selector:\n    app: web${i}\n  ports:\n  - port: 80\n    targetPort: 8080\n`,
    );
    dirs.push(dir);
  }
  return dirs;
}

/** A schema property tree: `depth` levels of objects, `width` properties each, with descriptions. */
function schema(depth: number, width: number, seed: number): unknown {
  if (depth === 0) {
    const kinds = [{ type: 'string' }, { type: 'integer', format: 'int32' }, { type: 'boolean' }, { type: 'array', items: { type: 'string' } }];
    return { ...kinds[seed % kinds.length], description: `Field ${seed}: a value the controller reads when it reconciles the object; see the operator's documentation for its defaults and limits.` };
  }
  const properties: Record<string, unknown> = {};
  for (let i = 0; i < width; i++) properties[`field${depth}x${i}`] = schema(depth - 1, width, seed * 7 + i);
  return { type: 'object', description: `Settings at level ${depth} (${seed}).`, properties, required: [`field${depth}x0`] };
}

/** `count` CRDs of ~`4^depth` schema leaves each, as YAML (block style). */
export function writeCrdTree(root: string, count: number): string {
  fs.mkdirSync(root, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `widgets${i}.example.com` },
      spec: {
        group: 'example.com',
        names: { kind: `Widget${i}`, listKind: `Widget${i}List`, plural: `widgets${i}`, singular: `widget${i}` },
        scope: 'Namespaced',
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: schema(4, 4, i), status: schema(3, 4, i + 1) } } } }],
      },
    };
    const f = `crd${i}.yaml`;
    fs.writeFileSync(path.join(root, f), toYaml(crd, 0, false));
    files.push(f);
  }
  fs.writeFileSync(path.join(root, 'kustomization.yaml'), `commonLabels:\n  owner: platform\nresources:\n${files.map((f) => `- ${f}\n`).join('')}`);
  return root;
}

const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;
const RESERVED = /^(true|false|yes|no|on|off|null|y|n|~)$/i;

function scalar(v: unknown): string {
  if (typeof v === 'string') return PLAIN.test(v) && !RESERVED.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v);
}

function small(v: unknown, depth = 0): boolean {
  if (v === null || typeof v !== 'object') return true;
  if (depth >= 2) return false;
  const vals = Array.isArray(v) ? v : Object.values(v);
  return vals.length <= 4 && vals.every((x) => small(x, depth + 1)) && JSON.stringify(v).length <= 70;
}

function flow(v: unknown): string {
  if (v === null || typeof v !== 'object') return scalar(v);
  if (Array.isArray(v)) return `[${v.map(flow).join(', ')}]`;
  return `{${Object.entries(v).map(([k, x]) => `${scalar(k)}: ${flow(x)}`).join(', ')}}`;
}

/** YAML of a JSON value; with `flowSmall`, small mappings and lists are written in flow style. */
export function toYaml(v: unknown, indent: number, flowSmall: boolean): string {
  const pad = ' '.repeat(indent);
  if (Array.isArray(v)) {
    return v
      .map((x) => {
        if (x !== null && typeof x === 'object' && !(flowSmall && small(x))) {
          const inner = toYaml(x, indent + 2, flowSmall);
          return `${pad}- ${inner.slice(indent + 2)}`;
        }
        return `${pad}- ${flowSmall ? flow(x) : scalar(x)}\n`;
      })
      .join('');
  }
  let out = '';
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x !== null && typeof x === 'object') {
      const empty = Array.isArray(x) ? x.length === 0 : Object.keys(x).length === 0;
      if (empty || (flowSmall && small(x))) out += `${pad}${scalar(k)}: ${flow(x)}\n`;
      else out += `${pad}${scalar(k)}:\n${toYaml(x, Array.isArray(x) ? indent : indent + 2, flowSmall)}`;
    } else out += `${pad}${scalar(k)}: ${scalar(x)}\n`;
  }
  return out;
}

/** The synthetic tree of `n` apps with its resource files rewritten with flow-style small collections. */
export function writeFlowTree(root: string, n: number, parse: (text: string) => unknown[]): string {
  const overlay = writeBenchTree(root, n);
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.yaml') && e.name !== 'kustomization.yaml') {
        const docs = parse(fs.readFileSync(p, 'utf8'));
        fs.writeFileSync(p, docs.map((x) => toYaml(x, 0, true)).join('---\n'));
      }
    }
  };
  walk(path.join(root, 'bases'));
  return overlay;
}

/** One more resource per app for the style twins: a ConfigMap with a script, a properties file and a long description. */
function appFiles(app: string): unknown {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${app}-files`, labels: { 'app.kubernetes.io/name': app, 'app.kubernetes.io/part-of': 'bench' } },
    data: {
      'start.sh': `#!/bin/sh\nset -eu\n# wait for the config to be mounted\nuntil [ -f /etc/${app}/application.properties ]; do\n  sleep 1\ndone\nexec java $JAVA_OPTS -jar /opt/${app}/app.jar\n`,
      'application.properties': `server.port=8080\nmanagement.port=8081\nspring.application.name=${app}\nlogging.level.root=INFO`,
      description: `The ${app} service answers the requests of the front end; it reads its settings from the mounted properties file and writes its logs to standard output for the collector.`,
      labels: { 'app.kubernetes.io/name': app, 'app.kubernetes.io/part-of': 'bench' },
    },
  };
}

/** Whether s reads back unchanged from a literal block (`|` or `|-`). */
function literalOk(s: string): boolean {
  return /\n/.test(s) && !/\n\n$|^[ \n]|[ \t]\n|\t|\r| $/.test(s);
}

/** Whether s (one line) reads back unchanged from a folded block (`>-`) wrapped at its spaces. */
function foldedOk(s: string): boolean {
  return s.length > 60 && !/\n|\t|  |^ | $|^[#-]/.test(s);
}

/**
 * YAML of a JSON value the way hand-written manifests use the rest of the language:
 * repeated mappings written once with an anchor and then as aliases, multi-line strings
 * as literal blocks and long sentences as folded blocks, small collections as flow
 * collections over several lines (trailing comma, a comment inside).
 */
export function toRichYaml(doc: unknown): string {
  const counts = new Map<string, number>();
  const countAll = (v: unknown, root: boolean) => {
    if (v === null || typeof v !== 'object') return;
    if (!root && !Array.isArray(v) && Object.keys(v).length > 0) {
      const j = JSON.stringify(v);
      counts.set(j, (counts.get(j) ?? 0) + 1);
    }
    for (const x of Array.isArray(v) ? v : Object.values(v)) countAll(x, false);
  };
  countAll(doc, true);
  const anchors = new Map<string, string>();
  // Repeated mappings are written in block style (with an anchor, then as aliases), so the
  // collections that hold one are not written in flow style.
  const repeats = (v: unknown): boolean =>
    v !== null && typeof v === 'object' && (Array.isArray(v) ? v : Object.values(v)).some((x) => x !== null && typeof x === 'object' && ((!Array.isArray(x) && (counts.get(JSON.stringify(x)) ?? 0) > 1) || repeats(x)));
  const flowOk = (v: unknown) => small(v) && !repeats(v) && !(!Array.isArray(v) && (counts.get(JSON.stringify(v)) ?? 0) > 1);
  // The value after `key:` or `- ` (with its leading space or line break); `pad` is the owner's indentation.
  const value = (x: unknown, pad: string, inSeq: boolean): string => {
    if (x !== null && typeof x === 'object') {
      const empty = Array.isArray(x) ? x.length === 0 : Object.keys(x).length === 0;
      let prefix = '';
      if (!Array.isArray(x) && !empty) {
        const j = JSON.stringify(x);
        const a = anchors.get(j);
        if (a) return ` *${a}\n`;
        if ((counts.get(j) ?? 0) > 1) {
          const name = `m${anchors.size}`;
          anchors.set(j, name);
          prefix = ` &${name}`;
        }
      }
      if (empty) return ` ${flow(x)}\n`;
      if (flowOk(x)) {
        const items = Array.isArray(x) ? x.map(flow) : Object.entries(x).map(([k, y]) => `${scalar(k)}: ${flow(y)}`);
        const inner = pad + '    ';
        const [open, close] = Array.isArray(x) ? ['[', ']'] : ['{', '}'];
        return `${prefix} ${open} # ${items.length} ${Array.isArray(x) ? 'items' : 'entries'}\n${items.map((i) => `${inner}${i},\n`).join('')}${inSeq ? pad + '  ' : pad}${close}\n`;
      }
      const child = Array.isArray(x) && !inSeq ? pad : pad + '  ';
      return `${prefix}\n${block(x, child)}`;
    }
    if (typeof x === 'string' && literalOk(x)) {
      const body = x.endsWith('\n') ? x.slice(0, -1) : x;
      return ` |${x.endsWith('\n') ? '' : '-'}\n${body.split('\n').map((l) => (l === '' ? '' : `${pad}  ${l}`)).join('\n')}\n`;
    }
    if (typeof x === 'string' && foldedOk(x)) {
      const words = x.split(' ');
      const lines: string[] = [];
      let cur = '';
      for (const w of words) {
        if (cur !== '' && cur.length + 1 + w.length > 48) {
          lines.push(cur);
          cur = w;
        } else cur = cur === '' ? w : `${cur} ${w}`;
      }
      lines.push(cur);
      return ` >-\n${lines.map((l) => `${pad}  ${l}`).join('\n')}\n`;
    }
    return ` ${scalar(x)}\n`;
  };
  const block = (v: unknown, pad: string): string => {
    if (Array.isArray(v)) {
      return v
        .map((x) => {
          if (x !== null && typeof x === 'object' && !Array.isArray(x) && Object.keys(x).length > 0 && !anchors.has(JSON.stringify(x)) && (counts.get(JSON.stringify(x)) ?? 0) < 2 && !flowOk(x)) {
            // a mapping item written compactly: `- key: ...`
            const inner = block(x, pad + '  ');
            return `${pad}- ${inner.slice(pad.length + 2)}`;
          }
          return `${pad}-${value(x, pad, true)}`;
        })
        .join('');
    }
    return Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${pad}${scalar(k)}:${value(x, pad, false)}`)
      .join('');
  };
  return block(doc, '');
}

/**
 * Twin trees of `n` apps (the synthetic tree plus one ConfigMap of files per app): `block`
 * in block style with plain and quoted scalars, `rich` with anchors and aliases, literal and
 * folded blocks and multi-line flow collections (toRichYaml). Same values, same output.
 */
export function writeStyleTwins(root: string, n: number, parse: (text: string) => unknown[]): { rich: string; block: string } {
  const out = { rich: '', block: '' };
  for (const style of ['rich', 'block'] as const) {
    const tree = path.join(root, style);
    out[style] = writeBenchTree(tree, n);
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name === 'kustomization.yaml') {
          fs.writeFileSync(path.join(d, 'files.yaml'), style === 'rich' ? toRichYaml(appFiles(path.basename(d))) : toYaml(appFiles(path.basename(d)), 0, false));
          fs.writeFileSync(p, fs.readFileSync(p, 'utf8').replace('- hpa.yaml\n', '- hpa.yaml\n- files.yaml\n'));
        } else if (e.name.endsWith('.yaml')) {
          const docs = parse(fs.readFileSync(p, 'utf8'));
          fs.writeFileSync(p, docs.map((x) => (style === 'rich' ? toRichYaml(x) : toYaml(x, 0, false))).join('---\n'));
        }
      }
    };
    walk(path.join(tree, 'bases'));
  }
  return out;
}

export interface ShapeRow {
  shape: string;
  output: number;
  kforge: number;
  kubectl?: number;
}

/** Runs every shape; `kforge` is the command (node + bin) to run. */
export function benchShapes(tmp: string, opts: { runs: number; kubectlRuns: number; kforge: string[]; hasKubectl: boolean; kubectlMax: number; synthetic: number; flow: number; parse: (t: string) => unknown[] }): ShapeRow[] {
  const rows: ShapeRow[] = [];
  const [node, ...bin] = opts.kforge;
  const kf = (dir: string) => timed(node, [...bin, 'build', dir]);
  const kk = (dir: string) => timed('kubectl', ['kustomize', dir]);
  const one = (shape: string, dir: string) => {
    const k = Array.from({ length: opts.runs }, () => kf(dir));
    const row: ShapeRow = { shape, output: k[0].bytes, kforge: median(k.map((x) => x.secs)) };
    if (opts.hasKubectl) row.kubectl = median(Array.from({ length: opts.kubectlRuns }, () => kk(dir).secs));
    rows.push(row);
    process.stderr.write(`${shape}: kforge ${row.kforge.toFixed(3)} s${row.kubectl !== undefined ? `, kubectl ${row.kubectl.toFixed(3)} s` : ''}\n`);
  };
  // 100 separate directories, one process each: the sum of one pass over all of them.
  const smallDirs = writeSmallTrees(path.join(tmp, 'small'), 100);
  const pass = (f: (d: string) => { secs: number; bytes: number }) => smallDirs.reduce((a, d) => ({ secs: a.secs + f(d).secs, bytes: a.bytes + 0 }), { secs: 0, bytes: 0 }).secs;
  const ks = Array.from({ length: Math.max(3, Math.min(opts.runs, 5)) }, () => pass(kf));
  const smallRow: ShapeRow = { shape: '100 small directories (one process each)', output: kf(smallDirs[0]).bytes * 100, kforge: median(ks) };
  if (opts.hasKubectl) smallRow.kubectl = median(Array.from({ length: 3 }, () => pass(kk)));
  rows.push(smallRow);
  process.stderr.write(`small: kforge ${smallRow.kforge.toFixed(2)} s${smallRow.kubectl !== undefined ? `, kubectl ${smallRow.kubectl.toFixed(2)} s` : ''}\n`);
  one('CRD-heavy (40 CRDs, deep openAPIV3Schema)', writeCrdTree(path.join(tmp, 'crds'), 40));
  // Kustomize is quadratic in the number of resources: kubectl runs on trees of at most
  // `kubectlMax` apps; larger trees get kforge's column only.
  const save = opts.hasKubectl;
  for (const n of [...new Set([Math.min(100, opts.flow), opts.flow])]) {
    opts.hasKubectl = save && n <= opts.kubectlMax;
    one(`flow style (synthetic N=${n}, small collections in flow style)`, writeFlowTree(path.join(tmp, `flow${n}`), n, opts.parse));
    one(`block style (the same synthetic N=${n})`, writeBenchTree(path.join(tmp, `block${n}`), n));
  }
  for (const n of [...new Set([Math.min(100, opts.flow), opts.flow])]) {
    opts.hasKubectl = save && n <= opts.kubectlMax;
    const twins = writeStyleTwins(path.join(tmp, `styles${n}`), n, opts.parse);
    one(`anchors, block scalars, multi-line flow (synthetic N=${n} + a ConfigMap of files per app)`, twins.rich);
    one(`block style (the same tree, N=${n})`, twins.block);
  }
  opts.hasKubectl = save && opts.synthetic <= opts.kubectlMax;
  if (opts.synthetic !== opts.flow) one(`synthetic N=${opts.synthetic}`, writeBenchTree(path.join(tmp, 'synthetic'), opts.synthetic));
  opts.hasKubectl = save;
  return rows;
}

export function shapeTable(rows: ShapeRow[]): string {
  const hasK = rows.some((r) => r.kubectl !== undefined);
  const head = hasK ? '| shape | output | kforge | kubectl kustomize | kubectl / kforge | kforge MB/s |\n|---|---:|---:|---:|---:|---:|' : '| shape | output | kforge | kforge MB/s |\n|---|---:|---:|---:|';
  const body = rows.map((r) => {
    const mb = (r.output / 1e6).toFixed(2);
    const rate = (r.output / 1e6 / r.kforge).toFixed(1);
    if (!hasK) return `| ${r.shape} | ${mb} MB | ${r.kforge.toFixed(3)} s | ${rate} |`;
    const kube = r.kubectl !== undefined ? `${r.kubectl.toFixed(3)} s` : '–';
    const ratio = r.kubectl !== undefined ? `${(r.kubectl / r.kforge).toFixed(2)}×` : '–';
    return `| ${r.shape} | ${mb} MB | ${r.kforge.toFixed(3)} s | ${kube} | ${ratio} | ${rate} |`;
  });
  return [head, ...body].join('\n');
}
