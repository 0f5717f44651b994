/**
 * Promotion: what moves from environment FROM to environment TO, and nothing that differs by
 * design. Promotable are the image references FROM renders (name, tag, digest) and the ConfigMap
 * keys either environment lists in `promote` (environment.ts). The plan is an edit of TO's
 * kustomization (`images:` entries as `kforge edit set image` writes them, configMapGenerator
 * literals) and the rendered diff of TO it makes: TO is built before and after, the after build
 * reading the edited kustomization from memory.
 *
 * The `images:` entry for a container is named as the image arrives at TO's overlay (the name
 * TO already maps, else the name TO renders), so Kustomize's image transformer matches it.
 */
import * as path from 'node:path';
import type { Diagnostic, JsonObject, Json, PromotableValue, Resource } from '../types.js';
import { diag, hasErrors } from '../diagnostics.js';
import { nodeFs, type FileSystem } from '../fs.js';
import { buildWithRemotes } from '../load/remote/build.js';
import { applyTypedPatches } from '../patch/apply.js';
import { renderEnvironment, groupApps, type RenderedEnvironment } from '../render.js';
import { diffRenderings, type DiffResource } from '../diff/engine.js';
import { toDiffResources } from '../diff/sources.js';
import type { EnvDiff } from '../diff/format.js';
import { loadKustomization, setImages, setGeneratorLiteral, reload, splitImage, type ImageEntry, type Loaded } from '../edit/kustomization.js';

export interface PromotionPlan {
  from: string;
  to: string;
  /** TO's kustomization file and its text before and after (after === before: nothing to promote). */
  file: string;
  before: string;
  after: string;
  /** One line per change made to the kustomization. */
  notes: string[];
  diff: EnvDiff;
}

/** Every container image of a rendered resource: `kind/name/container` → image. */
function containerImages(rs: readonly Resource[]): Map<string, string> {
  const out = new Map<string, string>();
  const podSpecs = (o: JsonObject): JsonObject[] => {
    const at = (...p: string[]): Json | undefined => p.reduce<Json | undefined>((c, k) => (c && typeof c === 'object' && !Array.isArray(c) ? c[k] : undefined), o);
    return [at('spec', 'template', 'spec'), at('spec', 'jobTemplate', 'spec', 'template', 'spec'), o.kind === 'Pod' ? at('spec') : undefined].filter((s): s is JsonObject => !!s && typeof s === 'object' && !Array.isArray(s));
  };
  for (const r of rs) {
    for (const spec of podSpecs(r.object)) {
      for (const field of ['initContainers', 'containers']) {
        const cs = spec[field];
        if (!Array.isArray(cs)) continue;
        for (const c of cs) {
          if (c && typeof c === 'object' && !Array.isArray(c) && typeof c.image === 'string') out.set(`${r.originalId.kind}/${r.originalId.name}/${String(c.name ?? '')}`, c.image);
        }
      }
    }
  }
  return out;
}

/** The `images:` entries that make TO render FROM's references (for the images `only` names, when given). */
export function imageEntries(fromRs: readonly Resource[], toRs: readonly Resource[], toImages: readonly ImageEntry[], only?: readonly string[]): { entries: ImageEntry[]; unmatched: string[] } {
  const fromImgs = containerImages(fromRs);
  const toImgs = containerImages(toRs);
  const entries = new Map<string, ImageEntry>();
  const seen = new Set<string>();
  for (const [key, toImage] of [...toImgs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const fromImage = fromImgs.get(key);
    if (fromImage === undefined) continue;
    const t = splitImage(toImage);
    const f = splitImage(fromImage);
    // the name the image has when it reaches TO's overlay
    const name = toImages.find((e) => (e.newName ?? e.name) === t.name)?.name ?? t.name;
    for (const n of [name, t.name, f.name]) seen.add(n);
    if (fromImage === toImage) continue;
    if (only && !only.some((o) => o === name || o === t.name || o === f.name)) continue;
    if (entries.has(name)) continue; // the first container (sorted) decides
    const e: ImageEntry = { name };
    if (f.name !== name) e.newName = f.name;
    if (f.tag) e.newTag = f.tag;
    if (f.digest) e.digest = f.digest;
    entries.set(name, e);
  }
  return { entries: [...entries.values()], unmatched: (only ?? []).filter((o) => !seen.has(o)) };
}

/** A ConfigMap's data value, found by the name written in the kustomization (before the hash suffix). */
function configValue(rs: readonly Resource[], v: PromotableValue): string | undefined {
  const cm = rs.find((r) => r.id.kind === v.kind && r.originalId.name === v.name);
  const data = cm?.object.data;
  const x = data && typeof data === 'object' && !Array.isArray(data) ? data[v.key] : undefined;
  return typeof x === 'string' ? x : undefined;
}

/** A file system that reads one file from memory (TO's edited kustomization). */
function withFile(base: FileSystem, file: string, text: string): FileSystem {
  return { ...base, readFile: (p) => (p === file ? new TextEncoder().encode(text) : base.readFile(p)), stat: (p) => (p === file ? 'file' : base.stat(p)) };
}

/** Plans promoting FROM's values into TO (nothing is written). */
export async function planPromotion(repoRoot: string, from: string, to: string, opts: { today: string; redactKey: string; images?: string[] }): Promise<{ value?: PromotionPlan; diagnostics: Diagnostic[] }> {
  const ds: Diagnostic[] = [];
  const a = await renderEnvironment(repoRoot, from, { today: opts.today, checks: false });
  const b = await renderEnvironment(repoRoot, to, { today: opts.today, checks: false });
  ds.push(...a.diagnostics.filter((d) => d.severity === 'error'), ...b.diagnostics.filter((d) => d.severity === 'error'));
  if (!a.value || !b.value || hasErrors(ds)) return { diagnostics: ds };
  const loaded = loadKustomization(b.value.overlayDir);
  if (!loaded.value) return { diagnostics: loaded.diagnostics };
  let k: Loaded = loaded.value;
  const toImages = ((k.root.toJSON() as { images?: unknown }).images ?? []) as ImageEntry[];
  const { entries, unmatched } = imageEntries(a.value.resources, b.value.resources, Array.isArray(toImages) ? toImages : [], opts.images);
  if (unmatched.length) {
    const names = [...new Set([...containerImages(a.value.resources).values()].map((i) => splitImage(i).name))].sort();
    return { diagnostics: [diag('KF6005', `--image ${unmatched.join(', ')}: no container of ${to} that ${from} also renders uses it`, { hint: `images ${from} renders: ${names.join(', ')}` })] };
  }
  const notes: string[] = [];
  if (entries.length) {
    const e = setImages(k, entries);
    ds.push(...e.diagnostics);
    notes.push(...e.notes);
    if (e.text !== undefined) k = reload(k, e.text);
  }
  // declared configuration: both environments' lists (TO accepts what FROM says moves, and its own)
  const declared = [...(b.value.definition.environment.promote ?? []), ...(a.value.definition.environment.promote ?? [])];
  const seenCfg = new Set<string>();
  if (!opts.images) {
    for (const v of declared) {
      const id = `${v.kind}/${v.name}/${v.key}`;
      if (seenCfg.has(id)) continue;
      seenCfg.add(id);
      const value = configValue(a.value.resources, v);
      if (value === undefined) {
        ds.push(diag('KF6005', `${from} renders no ${v.kind} ${v.name} with key ${v.key} to promote`, { severity: 'warning', hint: 'check the promote: list in environment.ts' }));
        continue;
      }
      if (configValue(b.value.resources, v) === value) continue;
      const e = setGeneratorLiteral(k, v.name, v.key, value);
      ds.push(...e.diagnostics);
      notes.push(...e.notes);
      if (e.text !== undefined) k = reload(k, e.text);
    }
  }
  if (hasErrors(ds)) return { diagnostics: ds };
  const before = toDiffResources(b.value);
  let after: DiffResource[] = before;
  if (k.text !== loaded.value.text) {
    // with the same remote bases (lock file and cache) as the render of TO above
    const built = await buildWithRemotes(b.value.overlayDir, { fs: withFile(nodeFs(), path.resolve(k.file), k.text) });
    ds.push(...built.diagnostics.filter((d) => d.severity === 'error'));
    if (!built.value || hasErrors(ds)) return { diagnostics: ds };
    ds.push(...applyTypedPatches(built.value.resources, b.value.definition.patches).filter((d) => d.severity === 'error'));
    if (hasErrors(ds)) return { diagnostics: ds };
    after = toDiffResources({ ...b.value, resources: built.value.resources, apps: groupApps(built.value.resources) } satisfies RenderedEnvironment);
  }
  const env = b.value.definition.environment;
  const changes = diffRenderings(before, after, {
    redactKey: opts.redactKey,
    ignoreFields: env.diffIgnore?.fields ?? [],
    ...(env.diffIgnore?.resources ? { ignoreResources: env.diffIgnore.resources.map((r) => ({ ...(r.kind ? { kind: r.kind } : {}), ...(r.name ? { name: r.name } : {}), ...(r.namespace ? { namespace: r.namespace } : {}) })) } : {}),
  });
  return {
    value: {
      from,
      to,
      file: k.file,
      before: loaded.value.text,
      after: k.text,
      notes,
      diff: { env: `${from} → ${to}`, base: `${to} (working tree)`, head: `${to} with ${from}'s images${declared.length ? ' and promoted configuration' : ''}`, changes },
    },
    diagnostics: ds,
  };
}
