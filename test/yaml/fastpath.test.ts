import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fastParse, parseComplete, parseYamlDocuments } from '../../compiler/load/yaml/index.js';
import type { Result } from '../../compiler/types.js';
import type { YamlDoc } from '../../compiler/load/yaml/index.js';
import { fixture } from '../helpers.js';

/*
 * parseYamlDocuments reads common documents with a fast line reader and hands the
 * others to the complete reader (the `yaml` package). Both must agree exactly:
 * values, document indexes, positions and, for broken input, diagnostics.
 */
function show(r: Result<YamlDoc[]>): string {
  return r.value
    ? JSON.stringify(r.value.map((d) => [d.index, d.line, d.column, d.value]))
    : 'ERROR ' + JSON.stringify(r.diagnostics.map((d) => [d.code, d.location?.line, d.location?.column]));
}

function files(dir: string): string[] {
  const out: string[] = [];
  for (const f of fs.readdirSync(dir).sort()) {
    const p = path.join(dir, f);
    if (fs.statSync(p).isDirectory()) out.push(...files(p));
    else if (f.endsWith('.yaml')) out.push(p);
  }
  return out;
}

const texts = files(fixture('yaml')).map((f) => fs.readFileSync(f, 'utf8'));

test('the fast reader handles most fixture documents itself', () => {
  let fast = 0;
  let total = 0;
  for (const t of texts) {
    const r = fastParse(t);
    assert.ok(r, 'the fast reader never gives up on a whole text without errors');
    for (const d of r!) {
      total++;
      if (d.end === undefined) fast++;
    }
  }
  assert.ok(fast / total > 0.8, `${fast}/${total}`);
});

test('fixtures: fast and complete readers agree', () => {
  for (const t of texts) assert.is(show(parseYamlDocuments(t, 'x.yaml')), show(parseComplete(t, 'x.yaml')));
});

test('mutated fixtures: fast and complete readers agree (values and diagnostics)', () => {
  let seed = 12345;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const pick = <T>(a: T[]): T => a[Math.floor(rnd() * a.length)];
  const small = texts.filter((t) => t.length < 3000);
  const inserts = [' ', '  ', ':', ': ', '#', ' #', '-', '- ', '"', "'", '\n', '\n  ', '[', ']', '{', '}', ',', '|', '|-', '>', '&a ', '*a', '!!str ', '? ', '---\n', '...\n', '\\', 'x', '0', '\t', '~'];
  for (let n = 0; n < 200; n++) {
    let t = pick(small);
    for (let k = 0; k < 2; k++) {
      const pos = Math.floor(rnd() * t.length);
      const r = rnd();
      if (r < 0.5) t = t.slice(0, pos) + pick(inserts) + t.slice(pos);
      else if (r < 0.75) t = t.slice(0, pos) + t.slice(pos + 1 + Math.floor(rnd() * 3));
      else {
        const lines = t.split('\n');
        const i = Math.floor(rnd() * lines.length);
        lines[i] = rnd() < 0.5 ? ' ' + lines[i] : lines[i].replace(/^ /, '');
        t = lines.join('\n');
      }
    }
    assert.is(show(parseYamlDocuments(t, 'x.yaml')), show(parseComplete(t, 'x.yaml')), t);
  }
});

test('multi-line quoted and plain scalars: fast and complete readers agree', () => {
  let seed = 777;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const pick = <T>(a: T[]): T => a[Math.floor(rnd() * a.length)];
  const bits = ['a', 'b c', ' ', '  ', '\t', ':', ': ', '#', ' #', "''", '\\"', '\\n', '\\t', '\\\\', '\\ ', '\\', '-', '"', "'", '日本', '😀'];
  for (let n = 0; n < 400; n++) {
    const q = pick(['"', "'", '']);
    const lines: string[] = [];
    const nl = 1 + Math.floor(rnd() * 4);
    for (let i = 0; i < nl; i++) {
      let l = i === 0 && q === '' ? 'w' : '';
      const m = Math.floor(rnd() * 4);
      for (let j = 0; j < m; j++) l += pick(bits);
      lines.push(l);
    }
    const ind = pick(['', ' ', '  ', '    ', '      ']);
    const body = lines.map((l, i) => (i === 0 ? l : (rnd() < 0.15 ? '' : ind) + l)).join('\n');
    const t = `top:\n  key: ${q}${body}${q}${pick(['', ' ', ' # c', 'x'])}\n  other: 1\n`;
    assert.is(show(parseYamlDocuments(t, 'x.yaml')), show(parseComplete(t, 'x.yaml')), t);
  }
});

test.run();
