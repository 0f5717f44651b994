/**
 * `kforge edit`: kustomize edit's everyday subcommands on a kustomization, keeping its comments
 * and layout (see compiler/edit/kustomization.ts):
 *   kforge edit set image NAME=NEWNAME:TAG|NAME=NEWNAME@DIGEST|NAME:TAG|NAME@DIGEST … [--env ENV | DIR]
 *   kforge edit add resource PATH… [--no-verify] [--env ENV | DIR]
 *   kforge edit set namespace NS [--env ENV | DIR]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { diag, formatDiagnostic } from '../diagnostics.js';
import { EXIT, parseArgs, flagStr, checkUnknownFlags, printDiagnostics, type Io } from '../cli-util.js';
import { loadKustomization, setImages, setNamespace, addResources, parseImageArg, verifyEdit, type Edit, type ImageEntry } from '../edit/kustomization.js';

export const EDIT_USAGE = `usage: kforge edit set image NAME=NEWNAME:TAG|NAME=NEWNAME@DIGEST|NAME:TAG|NAME@DIGEST… [--env ENV | --dir DIR]
       kforge edit add resource PATH… [--no-verify] [--env ENV | --dir DIR]
       kforge edit set namespace NS [--env ENV | --dir DIR]

Edits the kustomization of overlays/ENV (--env), of DIR (--dir DIR; for set image and set
namespace also DIR as the first argument when it is a folder), else of the current folder, as
kustomize edit does, keeping comments and layout. NAME=*:TAG keeps the new name already set
(* works for the new name, tag and digest). add resource takes globs relative to the
kustomization's folder.

options:
  --env ENV     edit overlays/ENV/kustomization.yaml
  --dir DIR     edit DIR/kustomization.yaml
  --no-verify   add resource: add paths as written, without checking they exist
  -h, --help    this help
`;

function usageError(io: Io, message: string): number {
  io.err(formatDiagnostic(diag('KF1006', message, { hint: 'kforge edit --help' }), io.color) + '\n');
  return EXIT.usage;
}

export async function cmdEdit(argv: string[], io: Io): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') {
    io.out(EDIT_USAGE);
    return EXIT.ok;
  }
  const { flags, rest } = parseArgs(argv, ['env', 'dir']);
  if (!checkUnknownFlags(flags, ['env', 'dir', 'no-verify'], io, 'edit')) return EXIT.usage;
  for (const f of ['env', 'dir']) if (flags.get(f) === true) return usageError(io, `--${f} needs a value`);
  const [verb, what, ...args] = rest;
  const sub = `${verb ?? ''} ${what ?? ''}`.trim();
  if (!['set image', 'add resource', 'set namespace'].includes(sub)) {
    io.err(`error KF1006: ${sub ? `unknown edit "${sub}"` : 'kforge edit needs a subcommand'}; set image, add resource or set namespace\n\n${EDIT_USAGE}`);
    return EXIT.usage;
  }
  let dir = process.cwd();
  const env = flagStr(flags, 'env');
  const dirFlag = flagStr(flags, 'dir');
  if (env && dirFlag) return usageError(io, '--env and --dir name the same thing: give one');
  if (env) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(env) || !fs.existsSync(path.join(process.cwd(), 'overlays', env))) {
      const have = fs.existsSync('overlays') ? fs.readdirSync('overlays').filter((d) => fs.existsSync(path.join('overlays', d, 'kustomization.yaml'))).sort() : [];
      io.err(formatDiagnostic(diag('KF4002', `no environment "${env}": overlays/${env} does not exist`, { hint: have.length ? `environments: ${have.join(', ')}` : 'run kforge from the repository root' }), io.color) + '\n');
      return EXIT.usage;
    }
    dir = path.join(process.cwd(), 'overlays', env);
  } else if (dirFlag) dir = path.resolve(dirFlag);
  else if (args.length > 1 && fs.existsSync(args[0]) && fs.statSync(args[0]).isDirectory() && sub !== 'add resource') dir = path.resolve(args.shift()!);
  const loaded = loadKustomization(dir);
  if (!loaded.value) {
    printDiagnostics(loaded.diagnostics, io);
    return EXIT.usage;
  }
  const k = loaded.value;
  let edit: Edit;
  if (sub === 'set image') {
    if (args.length === 0) return usageError(io, 'set image needs at least one image, e.g. nginx=ghcr.io/acme/nginx:1.27');
    const images: ImageEntry[] = [];
    for (const a of args) {
      const p = parseImageArg(a);
      if (!p.value) return usageError(io, p.error!);
      images.push(p.value);
    }
    edit = setImages(k, images);
  } else if (sub === 'set namespace') {
    if (args.length !== 1) return usageError(io, 'set namespace needs exactly one namespace');
    edit = setNamespace(k, args[0]);
  } else {
    if (args.length === 0) return usageError(io, 'add resource needs at least one path');
    edit = addResources(k, args, { noVerify: flags.has('no-verify') });
  }
  printDiagnostics(edit.diagnostics, io);
  if (edit.diagnostics.some((d) => d.severity === 'error')) return EXIT.usage;
  if (edit.text !== undefined) {
    if (!verifyEdit(edit.text)) throw new Error(`kforge edit produced invalid YAML for ${k.rel}`);
    fs.writeFileSync(k.file, edit.text);
  }
  for (const n of edit.notes) io.out(n + '\n');
  if (edit.text === undefined && edit.notes.length === 0) io.out(`${k.rel}: unchanged\n`);
  return EXIT.ok;
}
