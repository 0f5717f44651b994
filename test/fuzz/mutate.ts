/**
 * A seeded, deterministic mutation engine over real Kustomize trees (issue 7, part 3).
 *
 * The corpus is the repository's own bases/ + overlays/ and every conformance case input.
 * One iteration = (seed) → pick a tree, apply 1–3 text mutations to its files, build the
 * result in memory (memFs + buildDir), classify the outcome. The same seed always gives the
 * same tree and the same mutations, so a crash is reproduced by its seed alone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildDir } from '../../compiler/index.js';
import { memFs } from '../../compiler/fs.js';
import { CODES } from '../../compiler/diagnostics.js';
import type { Diagnostic } from '../../compiler/types.js';

export { mulberry32 } from '../helpers.js';
import { mulberry32 } from '../helpers.js';

export class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** A tree to build: files by absolute in-memory path, and the directory to build. */
export interface Corpus {
  name: string;
  entry: string;
  files: Record<string, string>;
}

const TEXT_EXT = /\.(ya?ml|env|properties|conf|cnf|json|txt|sh|ini)$|(^|\/)(Kustomization|enabled_plugins|[^./]+)$/;

function readTree(root: string, under: string[], prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (abs: string, rel: string) => {
    if (!fs.existsSync(abs)) return;
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const a = path.join(abs, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(a, r);
      else if (e.isFile() && TEXT_EXT.test(e.name) && !e.name.endsWith('.ts') && !e.name.endsWith('.md')) out[`${prefix}/${r}`] = fs.readFileSync(a, 'utf8');
    }
  };
  for (const u of under) walk(path.join(root, u), u);
  return out;
}

/** The repository's overlays (each one a corpus entry) and every conformance case input. */
export function loadCorpus(repoRoot: string): Corpus[] {
  const out: Corpus[] = [];
  const repo = readTree(repoRoot, ['bases', 'overlays'], '/repo');
  for (const env of ['dev', 'staging', 'prod']) {
    if (repo[`/repo/overlays/${env}/kustomization.yaml`] !== undefined) out.push({ name: `overlays/${env}`, entry: `/repo/overlays/${env}`, files: repo });
  }
  const casesDir = path.join(repoRoot, 'test', 'fixtures', 'conformance', 'cases');
  if (fs.existsSync(casesDir)) {
    for (const c of fs.readdirSync(casesDir).sort()) {
      const input = path.join(casesDir, c, 'input');
      if (!fs.existsSync(input)) continue;
      const bp = path.join(casesDir, c, 'build-path');
      const rel = fs.existsSync(bp) ? fs.readFileSync(bp, 'utf8').trim() : '.';
      const files = readTree(input, [''], `/case`);
      const clean: Record<string, string> = {};
      for (const [k, v] of Object.entries(files)) clean[k.replace('/case//', '/case/')] = v;
      out.push({ name: `conformance/${c}`, entry: path.posix.normalize(`/case/${rel}`), files: clean });
    }
  }
  return out;
}

/** Values that break types and sizes. */
const NASTY = [
  '',
  '""',
  'null',
  '~',
  '[]',
  '{}',
  '[a, b]',
  '{a: 1}',
  '99999999999999999999999999999',
  '-1',
  '1e400',
  '0x7fffffffffffffff',
  '.nan',
  'true',
  '"\\u0000"',
  "'it''s'",
  '!!binary aGVsbG8=',
  '&anchor x',
  '*nothere',
  '<<: *nothere',
  '|',
  '>-',
  '- x',
  'a: b: c',
  '"unterminated',
  "'unterminated",
  '%YAML 1.2',
  '---',
  '...',
  '../../../../etc/passwd',
  '/etc/passwd',
  'https://example.com/x.yaml',
  'git::https://github.com/x/y//z',
  '$(VAR)',
  '${VAR}',
  'ÿ€😀',
  '\\',
  '=',
  'a=b=c',
  'x'.repeat(300),
  '-',
  '*',
  '[[[[[[[[[[',
  '{{{{{{{{{{',
];

const KEYS = [
  'resources', 'components', 'bases', 'patches', 'patchesStrategicMerge', 'patchesJson6902', 'namePrefix', 'nameSuffix', 'namespace',
  'commonLabels', 'labels', 'commonAnnotations', 'images', 'replicas', 'configMapGenerator', 'secretGenerator', 'generatorOptions',
  'replacements', 'vars', 'configurations', 'crds', 'sortOptions', 'apiVersion', 'kind', 'metadata', 'name', 'spec', 'data',
  'target', 'path', 'op', 'value', 'from', 'behavior', 'literals', 'files', 'envs', 'options', 'fieldPaths', 'select', 'source',
  'helmCharts', 'openapi', 'items', 'containers', 'image', 'newTag', 'newName', 'digest', 'count', 'selector', 'template',
];

export interface Mutation {
  file: string;
  op: string;
  detail?: string;
}

function lines(t: string): string[] {
  return t.split('\n');
}

/** One mutation of one file's text; returns the new text (undefined = delete the file). */
function mutateText(rng: Rng, text: string): { text: string | undefined; op: string; detail?: string } {
  const ls = lines(text);
  const li = rng.int(Math.max(1, ls.length));
  const line = ls[li] ?? '';
  const kv = /^(\s*-?\s*)([^:#\s][^:#]*?):(\s+|$)(.*)$/.exec(line);
  const op = rng.int(22);
  const set = (i: number, s: string) => {
    ls[i] = s;
    return ls.join('\n');
  };
  switch (op) {
    case 0:
      return { text: ls.filter((_, i) => i !== li).join('\n'), op: 'delete-line', detail: `${li + 1}` };
    case 1:
      ls.splice(li, 0, line);
      return { text: ls.join('\n'), op: 'duplicate-line', detail: `${li + 1}` };
    case 2: {
      const n = rng.int(text.length + 1);
      return { text: text.slice(0, n), op: 'truncate', detail: `${n}` };
    }
    case 3: {
      const m = /^\s*/.exec(line)![0].length;
      return { text: set(li, '\t' + line.slice(Math.min(m, 1))), op: 'insert-tab', detail: `${li + 1}` };
    }
    case 4:
      return { text: set(li, ' '.repeat(1 + rng.int(3)) + line), op: 'indent-more', detail: `${li + 1}` };
    case 5:
      return { text: set(li, line.replace(/^ {1,2}/, '')), op: 'indent-less', detail: `${li + 1}` };
    case 6:
    case 7: {
      if (!kv) return { text: set(li, line + ' ' + rng.pick(NASTY)), op: 'append-junk', detail: `${li + 1}` };
      const v = op === 7 ? randomValue(rng) : rng.pick(NASTY);
      return { text: set(li, `${kv[1]}${kv[2]}: ${v}`), op: 'replace-value', detail: `${li + 1}: ${v}` };
    }
    case 8: {
      if (!kv) break;
      const k = rng.pick(KEYS);
      return { text: set(li, `${kv[1]}${k}:${kv[3]}${kv[4]}`), op: 'rename-key', detail: `${li + 1}: ${kv[2]} → ${k}` };
    }
    case 9: {
      if (!kv) break;
      // retype: scalar ↔ list ↔ mapping
      const forms = [`[${kv[4] || 'x'}]`, `{k: ${kv[4] || 'x'}}`, `\n${kv[1].replace(/-/, ' ')}  - ${kv[4] || 'x'}`, `\n${kv[1].replace(/-/, ' ')}  k: ${kv[4] || 'x'}`, '42', 'null'];
      const f = rng.pick(forms);
      return { text: set(li, `${kv[1]}${kv[2]}: ${f}`), op: 'retype-value', detail: `${li + 1}: ${f.replace(/\n/g, '⏎')}` };
    }
    case 10: {
      // swap two scalar values
      const others = ls.map((l, i) => [i, /^(\s*-?\s*)([^:#\s][^:#]*?):\s+(\S.*)$/.exec(l)] as const).filter(([, m]) => m);
      if (others.length < 2) break;
      const [ia, ma] = rng.pick(others);
      const [ib, mb] = rng.pick(others);
      ls[ia] = `${ma![1]}${ma![2]}: ${mb![3]}`;
      ls[ib] = `${mb![1]}${mb![2]}: ${ma![3]}`;
      return { text: ls.join('\n'), op: 'swap-values', detail: `${ia + 1} ↔ ${ib + 1}` };
    }
    case 11: {
      const s = rng.int(ls.length);
      const e = Math.min(ls.length, s + 1 + rng.int(6));
      const block = ls.slice(s, e);
      ls.splice(e, 0, ...block);
      return { text: ls.join('\n'), op: 'duplicate-block', detail: `${s + 1}-${e}` };
    }
    case 12: {
      const n = rng.int(text.length + 1);
      const c = rng.pick(['"', "'", '[', ']', '{', '}', ':', '- ', '#', '&a ', '*a', '|', '>', '\0', '\r', '\u00ff', '\ufeff', '%', '@', '`', '!']);
      return { text: text.slice(0, n) + c + text.slice(n), op: 'insert-char', detail: `${n}: ${JSON.stringify(c)}` };
    }
    case 13: {
      const n = rng.int(Math.max(1, text.length));
      return { text: text.slice(0, n) + text.slice(n + 1 + rng.int(20)), op: 'delete-chars', detail: `${n}` };
    }
    case 14:
      return { text: text + '\n---\n' + rng.pick(['', 'null', '- a', 'x', 'apiVersion: v1', 'kind: X\nmetadata: {name: y}\napiVersion: v1']) + '\n', op: 'append-document' };
    case 15:
      return { text: undefined, op: 'delete-file' };
    case 16:
      return { text: '', op: 'empty-file' };
    case 17: {
      if (!kv) break;
      const n = rng.pick(['9'.repeat(40), '-9999999999', '1.5', '0', '1e309', '2147483648']);
      return { text: set(li, `${kv[1]}${kv[2]}: ${n}`), op: 'huge-number', detail: `${li + 1}: ${n}` };
    }
    case 18: {
      // rename a resource / file reference everywhere on this line
      const m = /([A-Za-z0-9_.-]+)\.(ya?ml)/.exec(line);
      if (!m) break;
      return { text: set(li, line.replace(m[0], `${m[1]}-renamed.${m[2]}`)), op: 'rename-reference', detail: `${li + 1}: ${m[0]}` };
    }
    case 19:
      return { text: text.replace(/\n/g, '\r\n'), op: 'crlf' };
    case 20:
      return { text: set(li, line.replace(/:\s/, ' ')), op: 'drop-colon', detail: `${li + 1}` };
    case 21: {
      if (!kv) break;
      return { text: set(li, `${kv[1]}${kv[2]}: *alias${rng.int(3)}`), op: 'undefined-alias', detail: `${li + 1}` };
    }
  }
  return { text: set(li, line + rng.pick([' #', ':', ' - x', ' [', ' {'])), op: 'append-junk', detail: `${li + 1}` };
}

/** A random YAML flow value, up to `depth` levels deep, built from kustomization-ish keys and nasty scalars. */
export function randomValue(rng: Rng, depth = 3): string {
  const r = rng.int(depth > 0 ? 6 : 3);
  if (r === 0) return rng.pick(['x', '1', '-1', 'true', 'null', '""', '"a=b"', '/spec/x', 'web.yaml', '../x', '9'.repeat(25), '"*"', '"[a-"', 'ConfigMap', 'v1', 'apps/v1', 'merge', 'replace', 'create', 'add', 'remove']);
  if (r === 1) return rng.pick(NASTY.filter((n) => !/^[-|>%]|^\.\.\.$|^---$|: |^\*|^&|^!!/.test(n) && !n.includes('\n')).map((n) => JSON.stringify(n)));
  if (r === 2) return rng.pick(['[]', '{}', 'null']);
  if (r === 3 || r === 4) {
    const n = rng.int(4);
    const parts: string[] = [];
    for (let i = 0; i < n; i++) parts.push(`${rng.pick(KEYS)}: ${randomValue(rng, depth - 1)}`);
    return `{${parts.join(', ')}}`;
  }
  const n = rng.int(4);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(randomValue(rng, depth - 1));
  return `[${parts.join(', ')}]`;
}

/** Applies 1–3 mutations to a copy of the corpus entry; deterministic in `seed`. */
export function mutate(corpus: readonly Corpus[], seed: number): { corpus: Corpus; files: Record<string, string>; mutations: Mutation[] } {
  const rng = new Rng(seed);
  const c = corpus[rng.int(corpus.length)];
  const files: Record<string, string> = { ...c.files };
  // Prefer files the build actually reads: those under the entry's tree and kustomizations.
  const names = Object.keys(files).sort();
  const kusts = names.filter((n) => /(^|\/)(kustomization\.ya?ml|Kustomization)$/.test(n));
  const mutations: Mutation[] = [];
  const n = 1 + rng.int(3);
  for (let i = 0; i < n; i++) {
    const live = Object.keys(files).sort();
    if (live.length === 0) break;
    const pool = rng.chance(0.45) ? kusts.filter((k) => files[k] !== undefined) : live;
    const file = rng.pick(pool.length ? pool : live);
    if (rng.chance(0.04) && /kustomization/i.test(file)) {
      delete files[file];
      mutations.push({ file, op: 'drop-kustomization' });
      continue;
    }
    if (rng.chance(0.25) && /kustomization/i.test(file)) {
      // Structured: a top-level field with a random value of the wrong (or right) shape.
      const k = rng.pick(KEYS);
      const v = randomValue(rng);
      files[file] = `${files[file].replace(new RegExp(`^${k}:.*(\\n[ -].*)*`, 'm'), '')}\n${k}: ${v}\n`;
      mutations.push({ file, op: 'set-field', detail: `${k}: ${v}` });
      continue;
    }
    const r = mutateText(rng, files[file]);
    if (r.text === undefined) delete files[file];
    else files[file] = r.text;
    mutations.push({ file, op: r.op, ...(r.detail !== undefined ? { detail: r.detail } : {}) });
  }
  return { corpus: c, files, mutations };
}

export type Outcome =
  | { kind: 'ok' }
  | { kind: 'errors'; codes: string[] }
  | { kind: 'crash'; error: string; stack?: string }
  | { kind: 'violation'; problem: string };

/** Builds one mutated tree and checks the contract: output xor errors, known codes, located errors, no exception. */
export function runOne(files: Record<string, string>, entry: string): Outcome {
  let res: { output?: string; diagnostics: Diagnostic[] };
  try {
    res = buildDir(entry, { fs: memFs(files) });
  } catch (e) {
    return { kind: 'crash', error: (e as Error)?.message ?? String(e), ...((e as Error)?.stack ? { stack: (e as Error).stack } : {}) };
  }
  return classify(res, entry);
}

/**
 * The contract. An error needs a location, except the one about the directory given on the
 * command line itself (KF1001/KF1002 naming `entry`): there is no file to point at.
 */
export function classify(res: { output?: string; diagnostics: Diagnostic[] }, entry = ''): Outcome {
  for (const d of res.diagnostics) {
    if (!(d.code in CODES)) return { kind: 'violation', problem: `unknown code ${d.code}: ${d.message}` };
    if (d.code.startsWith('KF9')) return { kind: 'crash', error: `${d.code}: ${d.message}` };
  }
  const errs = res.diagnostics.filter((d) => d.severity === 'error');
  if (errs.length === 0) {
    if (typeof res.output !== 'string') return { kind: 'violation', problem: 'no error and no output' };
    return { kind: 'ok' };
  }
  if (res.output !== undefined) return { kind: 'violation', problem: `output despite errors ${errs.map((e) => e.code).join(',')}` };
  for (const e of errs) {
    const l = e.location;
    if (!l && (e.code === 'KF1001' || e.code === 'KF1002') && entry && e.message.includes(entry)) continue;
    if (!l || !l.file || !(l.line >= 1) || !(l.column >= 1)) return { kind: 'violation', problem: `${e.code} without a location: ${e.message}` };
  }
  return { kind: 'errors', codes: [...new Set(errs.map((e) => e.code))].sort() };
}

/** A human-readable reproducer: the seed, the corpus entry, the mutations and the mutated files. */
export function describe(seed: number, m: ReturnType<typeof mutate>): string {
  const lines = [`seed ${seed}: ${m.corpus.name} (build ${m.corpus.entry})`];
  for (const x of m.mutations) lines.push(`  ${x.op} ${x.file}${x.detail ? ` @ ${x.detail}` : ''}`);
  return lines.join('\n');
}

/** Writes the mutated tree to disk (a reproducer fixture), paths relative to the corpus root. */
export function writeTree(dir: string, files: Record<string, string>): void {
  for (const [abs, text] of Object.entries(files)) {
    const rel = abs.replace(/^\/(repo|case)\//, '');
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
  }
}
