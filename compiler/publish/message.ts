/**
 * Commit messages of the deploy branch (subject, change summary, trailers) and the
 * comparison of a plan with the previous deploy commit. Pure.
 */
import type { PlanApp, RenderPlan } from '../emit/plan.js';

export const TRAILERS = ['Source-Commit', 'Source-Ref', 'Render-Env', 'Render-Tool', 'Render-Digest'] as const;

/** What the previous deploy commit says about itself (its x-kforge metadata). */
export interface PreviousApp {
  name: string;
  digest: string;
  resources: number;
  /** resIdKey → digest; undefined when not loaded (app unchanged) or unreadable. */
  resourceDigests?: Record<string, string>;
}

export interface ChangeSet {
  apps: { added: string[]; changed: string[]; removed: string[]; unchanged: number };
  resources: {
    added: number;
    changed: number;
    removed: number;
    /** A few examples per category: `+ Deployment ns/name`, `~ …`, `- …`. */
    samples: string[];
  };
}

/** `group/version/kind/ns/name` (resIdKey) → `Kind ns/name`. */
export function describeKey(key: string): string {
  const [group, version, kind, ns, ...rest] = key.split('/');
  void group;
  void version;
  const name = rest.join('/');
  return `${kind} ${ns ? `${ns}/` : ''}${name}`;
}

export function compare(plan: RenderPlan, previous: PreviousApp[] | undefined, maxSamples = 20): ChangeSet {
  const prevByName = new Map((previous ?? []).map((a) => [a.name, a]));
  const cs: ChangeSet = { apps: { added: [], changed: [], removed: [], unchanged: 0 }, resources: { added: 0, changed: 0, removed: 0, samples: [] } };
  const sample = (s: string) => {
    if (cs.resources.samples.length < maxSamples) cs.resources.samples.push(s);
  };
  const planNames = new Set(plan.apps.map((a) => a.name));
  for (const app of plan.apps) {
    const prev = prevByName.get(app.name);
    if (!prev) {
      cs.apps.added.push(app.name);
      cs.resources.added += app.resources;
      for (const k of Object.keys(app.resourceDigests)) sample(`+ ${describeKey(k)} (${app.name})`);
      continue;
    }
    if (prev.digest === app.digest) {
      cs.apps.unchanged++;
      continue;
    }
    cs.apps.changed.push(app.name);
    diffApp(app, prev, cs, sample);
  }
  for (const prev of previous ?? []) {
    if (planNames.has(prev.name)) continue;
    cs.apps.removed.push(prev.name);
    cs.resources.removed += prev.resources;
    for (const k of Object.keys(prev.resourceDigests ?? {})) sample(`- ${describeKey(k)} (${prev.name})`);
  }
  return cs;
}

function diffApp(app: PlanApp, prev: PreviousApp, cs: ChangeSet, sample: (s: string) => void): void {
  const before = prev.resourceDigests;
  if (!before) {
    // previous ids unknown: count the whole app as changed
    cs.resources.changed += app.resources;
    return;
  }
  for (const [k, d] of Object.entries(app.resourceDigests)) {
    const b = before[k];
    if (b === undefined) {
      cs.resources.added++;
      sample(`+ ${describeKey(k)} (${app.name})`);
    } else if (b !== d) {
      cs.resources.changed++;
      sample(`~ ${describeKey(k)} (${app.name})`);
    }
  }
  for (const k of Object.keys(before)) {
    if (!(k in app.resourceDigests)) {
      cs.resources.removed++;
      sample(`- ${describeKey(k)} (${app.name})`);
    }
  }
}

function list(names: string[], max = 10): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')}, … (${names.length - max} more)`;
}

/** What a repair commit records: the head it replaced, why, and the paths it removed. */
export interface RepairNote {
  head: string;
  kind: string;
  problems: string[];
  removed: string[];
}

export function commitMessage(plan: RenderPlan, changes: ChangeSet, kforgeVersion: string, previousSource: string | undefined, repair?: RepairNote): string {
  const s = plan.source;
  const subject = (s.subject || '(no subject)').split('\n')[0];
  const total = plan.apps.reduce((n, a) => n + a.resources, 0);
  const lines: string[] = [`${s.sha.slice(0, 7)}: ${subject}`, ''];
  lines.push(
    `Rendered ${plan.environment} from ${s.sha.slice(0, 7)}${s.ref ? ` (${s.ref})` : ''}${previousSource ? `, previous render from ${previousSource.slice(0, 7)}` : ''}: ${plan.apps.length} apps, ${total} resources.`,
  );
  if (s.dirty) lines.push('Rendered from a dirty working tree (--allow-dirty): not reproducible from the source commit.');
  lines.push('');
  const a = changes.apps;
  const appLines: string[] = [];
  if (a.added.length) appLines.push(`Apps added (${a.added.length}): ${list(a.added)}`);
  if (a.changed.length) appLines.push(`Apps changed (${a.changed.length}): ${list(a.changed)}`);
  if (a.removed.length) appLines.push(`Apps removed (${a.removed.length}): ${list(a.removed)}`);
  appLines.push(`Apps unchanged: ${a.unchanged}`);
  lines.push(...appLines);
  const r = changes.resources;
  lines.push(`Resources: ${r.added} added, ${r.changed} changed, ${r.removed} removed.`);
  if (r.samples.length) {
    lines.push('');
    for (const x of r.samples) lines.push(`  ${x}`);
    const shown = r.samples.length;
    const all = r.added + r.changed + r.removed;
    if (all > shown) lines.push(`  … and ${all - shown} more`);
  }
  if (repair) {
    lines.push('');
    lines.push(`Repair (--repair): ${repair.head.slice(0, 7)} was not provably kforge's (${repair.kind}); this commit's tree under the deploy path is a fresh render.`);
    for (const p of repair.problems.slice(0, 10)) lines.push(`  ${p}`);
    if (repair.removed.length) lines.push(`Removed (${repair.removed.length}): ${list(repair.removed)}`);
  }
  lines.push('');
  lines.push(`Source-Commit: ${s.sha}`);
  lines.push(`Source-Ref: ${s.ref || '(detached)'}`);
  lines.push(`Render-Env: ${plan.environment}`);
  lines.push(`Render-Tool: kforge ${kforgeVersion}`);
  lines.push(`Render-Digest: ${plan.digest}`);
  if (s.dirty) lines.push('Render-Dirty: true');
  if (repair) lines.push(`Render-Repair: ${repair.head}`);
  return lines.join('\n') + '\n';
}

/** Trailers of the last paragraph of a commit message (`Key: value` lines). */
export function parseTrailers(message: string): Record<string, string> {
  const paragraphs = message.trimEnd().split(/\n\s*\n/);
  const last = paragraphs[paragraphs.length - 1] ?? '';
  const out: Record<string, string> = {};
  for (const line of last.split('\n')) {
    const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
    if (m) out[m[1]] = m[2].trim();
  }
  return out;
}
