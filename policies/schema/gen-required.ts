/**
 * Generates policies/schema/required-fields.json: for each @kubernetes/client-node model class,
 * the JSON names of the fields its .d.ts declares non-optional (`'name': string;` rather than
 * `'name'?: string;`). The runtime attributeTypeMap has no such flag, so the table is derived once
 * from the declarations and committed; rerun after upgrading client-node:
 *   npx tsc ... policies/schema/gen-required.ts && node .../gen-required.js
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as models from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';

type Attr = { name: string; baseName: string; type: string; format: string };

export function generateRequiredFields(modelsDir: string): Record<string, string[]> {
  const table: Record<string, string[]> = {};
  const reg = models as unknown as Record<string, { attributeTypeMap?: Attr[] } | undefined>;
  for (const file of fs.readdirSync(modelsDir).filter((f) => f.endsWith('.d.ts')).sort()) {
    const text = fs.readFileSync(path.join(modelsDir, file), 'utf8');
    const cls = /export declare class (\w+)\s*\{/.exec(text);
    if (!cls) continue;
    const attrs = reg[cls[1]]?.attributeTypeMap ?? [];
    const byTsName = new Map(attrs.map((a) => [a.name, a.baseName]));
    const required: string[] = [];
    for (const m of text.matchAll(/^\s*'([^']+)'(\?)?\s*:/gm)) {
      if (m[2]) continue;
      const json = byTsName.get(m[1]);
      if (json) required.push(json);
    }
    if (required.length) table[cls[1]] = required.sort();
  }
  return table;
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1]);
if (isMain) {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@kubernetes/client-node/package.json');
  const dir = path.join(path.dirname(pkg), 'dist', 'gen', 'models');
  const out = process.argv[2] ?? path.join(process.cwd(), 'policies', 'schema', 'required-fields.json');
  const table = generateRequiredFields(dir);
  fs.writeFileSync(out, JSON.stringify(table, null, 1) + '\n');
  console.log(`${Object.keys(table).length} models with required fields -> ${out}`);
}
