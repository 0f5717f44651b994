/*
 * The module graph of compiler/ and policies/ has no cycles: no module imports (even for
 * types only) a module that imports it back, directly or through others. Read from the
 * TypeScript sources (not dist/, which may hold files of renamed modules), with the
 * compiler's own import scanner. A failure names each cycle as a path of files.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { repoRoot } from '../helpers.js';

const ROOTS = ['compiler', 'policies'];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The repository files a source file imports (relative specifiers: `./x.js` is `./x.ts`). */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
  const out: string[] = [];
  for (const ref of info.importedFiles) {
    if (!ref.fileName.startsWith('.')) continue;
    const target = path.resolve(path.dirname(file), ref.fileName).replace(/\.js$/, '.ts');
    if (fs.existsSync(target)) out.push(target);
  }
  return out;
}

/** The import graph of every .ts file under `roots` (paths relative to `root`, '/'-separated). */
function importGraph(root: string, roots: readonly string[]): Map<string, string[]> {
  const rel = (p: string) => path.relative(root, p).split(path.sep).join('/');
  const graph = new Map<string, string[]>();
  for (const r of roots) {
    for (const f of sourceFiles(path.join(root, r)).sort()) graph.set(rel(f), [...new Set(importsOf(f).map(rel))].sort());
  }
  return graph;
}

/**
 * One cycle per strongly connected component of more than one module (or a module that
 * imports itself), as a path that starts and ends at the same file: Tarjan's algorithm,
 * then a shortest way back to the component's first file.
 */
function findCycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1 || (graph.get(v) ?? []).includes(v)) components.push(c.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return components
    .map((c) => {
      const inC = new Set(c);
      const start = c[0];
      // breadth first from start, inside the component, to a module that imports start
      const prev = new Map<string, string>();
      const queue = [start];
      const seen = new Set(queue);
      let last: string | undefined;
      for (let i = 0; i < queue.length && last === undefined; i++) {
        const v = queue[i];
        for (const w of graph.get(v) ?? []) {
          if (w === start) {
            last = v;
            break;
          }
          if (!inC.has(w) || seen.has(w)) continue;
          seen.add(w);
          prev.set(w, v);
          queue.push(w);
        }
      }
      const cycle = [start];
      for (let v = last; v !== undefined && v !== start; v = prev.get(v)) cycle.splice(1, 0, v);
      cycle.push(start);
      return cycle;
    })
    .sort((a, b) => a[0].localeCompare(b[0]));
}

test('no import cycles in compiler/ and policies/', () => {
  const graph = importGraph(repoRoot(), ROOTS);
  assert.ok(graph.size > 50, `only ${graph.size} modules found`);
  const cycles = findCycles(graph);
  assert.equal(cycles.map((c) => c.join(' → ')), [], `import cycles:\n${cycles.map((c) => '  ' + c.join(' → ')).join('\n')}`);
});

test('findCycles names the cycle as a path of files', () => {
  const g = new Map<string, string[]>([
    ['a.ts', ['b.ts']],
    ['b.ts', ['c.ts']],
    ['c.ts', ['a.ts', 'd.ts']],
    ['d.ts', []],
    ['e.ts', ['e.ts']],
  ]);
  assert.equal(findCycles(g), [
    ['a.ts', 'b.ts', 'c.ts', 'a.ts'],
    ['e.ts', 'e.ts'],
  ]);
  assert.equal(findCycles(new Map([['a.ts', ['b.ts']], ['b.ts', []]])), []);
});

test.run();
