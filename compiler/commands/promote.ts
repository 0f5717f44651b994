/**
 * `kforge promote FROM TO [--image NAME] [--dry-run] [--format text|markdown|json]`: writes FROM's
 * rendered image references (and the ConfigMap keys environment.ts lists in `promote`) into TO's
 * kustomization, as `kforge edit set image` would, and prints the rendered diff of TO it makes.
 */
import * as fs from 'node:fs';
import { diag, formatDiagnostic, hasErrors } from '../diagnostics.js';
import { EXIT, parseArgs, flagStr, checkUnknownFlags, printDiagnostics, today, useColor, type Io } from '../cli-util.js';
import { formatTerminal, formatMarkdown, formatJson } from '../diff/format.js';
import { redactKeyFor } from '../diff/sources.js';
import { planPromotion } from '../promote/index.js';

export const PROMOTE_USAGE = `usage: kforge promote FROM TO [--image NAME[,NAME…]] [--dry-run] [--format text|markdown|json]

Writes the image references FROM renders (name, tag or digest) into TO's kustomization images:
(and the ConfigMap keys listed in environment.ts promote:), keeping comments and layout, and
prints the rendered diff of TO that results. Nothing else that differs by design moves.

options:
  --image NAME  promote only these images (as TO's images: entry, or the image name either renders)
  --dry-run     print the diff, write nothing
  --format F    text (default), markdown or json
  -h, --help    this help
`;

export async function cmdPromote(argv: string[], io: Io): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(PROMOTE_USAGE);
    return EXIT.ok;
  }
  const { flags, rest } = parseArgs(argv, ['image', 'format']);
  if (!checkUnknownFlags(flags, ['image', 'dry-run', 'format'], io, 'promote')) return EXIT.usage;
  const bad = (m: string) => {
    io.err(formatDiagnostic(diag('KF1006', m, { hint: 'kforge promote --help' }), io.color) + '\n');
    return EXIT.usage;
  };
  for (const f of ['image', 'format']) if (flags.get(f) === true) return bad(`--${f} needs a value`);
  const format = flagStr(flags, 'format') ?? 'text';
  if (!['text', 'markdown', 'json'].includes(format)) return bad(`unknown format ${format}; text, markdown or json`);
  if (rest.length !== 2) return bad(`kforge promote needs two environments, FROM and TO (got ${rest.length})`);
  const [from, to] = rest;
  const images = flagStr(flags, 'image')?.split(',').filter(Boolean);
  const plan = await planPromotion(process.cwd(), from, to, { today: today(), redactKey: redactKeyFor(process.cwd()), ...(images ? { images } : {}) });
  printDiagnostics(plan.diagnostics, io);
  if (!plan.value || hasErrors(plan.diagnostics)) return EXIT.usage;
  const p = plan.value;
  const dry = flags.has('dry-run');
  if (!dry && p.after !== p.before) fs.writeFileSync(p.file, p.after);
  if (format === 'json') io.out(formatJson([p.diff]));
  else {
    for (const n of p.notes) io.out(`${dry ? 'would set ' : ''}${n}\n`);
    if (p.notes.length === 0) io.out(`${to} already has ${from}'s promotable values: nothing to promote\n`);
    io.out(format === 'markdown' ? formatMarkdown([p.diff]) : formatTerminal([p.diff], useColor(process.stdout)));
  }
  return EXIT.ok;
}
