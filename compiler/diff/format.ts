/**
 * Renders change sets: terminal text, one sticky Markdown PR comment, JSON.
 * Secret values arrive here already redacted (engine.ts).
 */
import type { Json } from '../types.js';
import { emitYamlDocument } from '../emit/yaml.js';
import type { ChangeSet, FieldChange, ResourceChange } from './engine.js';

export interface EnvDiff {
  env: string;
  /** What was compared: "environments/prod@1a2b3c4" or "main@…". */
  base: string;
  head: string;
  changes: ChangeSet;
  policy?: { errors: number; warnings: number; waived: number };
  /** JSON `base` when set (sources.ts DiffBase: ref, commit, source, label); else the `base` label. */
  baseInfo?: object;
  /** Lines under the environment's header in text (which ref and commit were compared). */
  notes?: string[];
}

/** The HTML marker that lets CI update one comment in place. */
export const COMMENT_MARKER = '<!-- kforge-diff -->';
/** GitHub's limit for a comment body. */
export const GITHUB_COMMENT_LIMIT = 65536;

function scalar(v: Json | undefined): string {
  if (v === undefined) return '∅';
  if (typeof v === 'string') return /^[\w./:@‹›· -]*$/.test(v) && v !== '' ? v : JSON.stringify(v);
  return JSON.stringify(v);
}

function fieldLines(f: FieldChange): string[] {
  const complex = (v: Json | undefined) => typeof v === 'object' && v !== null;
  const block = (sign: string, v: Json | undefined) =>
    complex(v)
      ? emitYamlDocument(v as Json)
          .trimEnd()
          .split('\n')
          .map((l) => `${sign}   ${l}`)
      : [];
  if (f.kind === 'added') return complex(f.after) ? [`+ ${f.path}:`, ...block('+', f.after)] : [`+ ${f.path}: ${scalar(f.after)}`];
  if (f.kind === 'removed') return complex(f.before) ? [`- ${f.path}:`, ...block('-', f.before)] : [`- ${f.path}: ${scalar(f.before)}`];
  if (complex(f.before) || complex(f.after)) return [`- ${f.path}:`, ...block('-', f.before), `+ ${f.path}:`, ...block('+', f.after)];
  return [`- ${f.path}: ${scalar(f.before)}`, `+ ${f.path}: ${scalar(f.after)}`];
}

/** The body of one resource's change, as diff lines. */
export function changeBody(c: ResourceChange): string[] {
  if (c.action === 'added' || c.action === 'removed') {
    const sign = c.action === 'added' ? '+' : '-';
    return c.object ? emitYamlDocument(c.object).trimEnd().split('\n').map((l) => `${sign} ${l}`) : [];
  }
  const lines: string[] = [];
  if (c.previousApiVersion) lines.push(`- apiVersion: ${c.previousApiVersion}`, `+ apiVersion: ${c.apiVersion}`);
  if (c.previousName) lines.push(`- metadata.name: ${c.previousName}`, `+ metadata.name: ${c.name}`);
  for (const f of c.fields) lines.push(...fieldLines(f));
  if (c.followers?.length) lines.push(`  # followed by ${c.followers.length} workload(s): ${c.followers.join(', ')}`);
  return lines;
}

function title(c: ResourceChange): string {
  const what = c.action === 'changed' && c.previousName ? `${c.previousName} → ${c.name}` : c.name;
  return `${c.kind} ${c.namespace ? `${c.namespace}/` : ''}${what}`;
}

const SYMBOL = { added: '+', removed: '-', changed: '~' } as const;

export function formatTerminal(diffs: EnvDiff[], color: boolean): string {
  const c = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const out: string[] = [];
  for (const d of diffs) {
    const k = d.changes.counts;
    out.push(c('1', `${d.env}: ${d.base} → ${d.head}`) + `  (+${k.added} ~${k.changed} -${k.removed}, ${k.unchanged} unchanged)`);
    for (const n of d.notes ?? []) out.push(`  ${n}`);
    for (const r of d.changes.risks) out.push(`  ${r.level === 'high' ? c('31;1', 'risk') : r.level === 'medium' ? c('33', 'risk') : c('36', 'note')}: ${r.message}`);
    let app: string | undefined;
    for (const ch of d.changes.changes) {
      if (ch.app !== app) {
        app = ch.app;
        out.push(c('1', `  [${app ?? 'other'}]`));
      }
      out.push(`  ${c(ch.action === 'added' ? '32' : ch.action === 'removed' ? '31' : '33', SYMBOL[ch.action])} ${title(ch)}`);
      for (const l of changeBody(ch)) out.push(`      ${l.startsWith('+') ? c('32', l) : l.startsWith('-') ? c('31', l) : l}`);
    }
    if (d.changes.changes.length === 0) out.push('  no changes');
    out.push('');
  }
  return out.join('\n');
}

export function formatJson(diffs: EnvDiff[]): string {
  return JSON.stringify(
    diffs.map((d) => ({ environment: d.env, base: d.baseInfo ?? d.base, head: d.head, counts: d.changes.counts, policy: d.policy ?? null, risks: d.changes.risks, changes: d.changes.changes })),
    null,
    2,
  ) + '\n';
}

function summaryTable(diffs: EnvDiff[]): string[] {
  const lines = ['| environment | added | changed | removed | unchanged | risks | policy |', '|---|---:|---:|---:|---:|---:|---|'];
  for (const d of diffs) {
    const k = d.changes.counts;
    const high = d.changes.risks.filter((r) => r.level === 'high').length;
    const medium = d.changes.risks.filter((r) => r.level === 'medium').length;
    const followers = k.followers ? ` (+${k.followers} following a rename)` : '';
    const pol = d.policy ? `${d.policy.errors ? `❌ ${d.policy.errors} error(s)` : '✅'} ${d.policy.warnings} warning(s)${d.policy.waived ? `, ${d.policy.waived} waived` : ''}` : '–';
    lines.push(`| \`${d.env}\` | ${k.added} | ${k.changed}${followers} | ${k.removed} | ${k.unchanged} | ${high ? `⚠️ ${high + medium}` : medium} | ${pol} |`);
  }
  return lines;
}

/** Risks (high first), then image changes; `maxRisks`/`images` shorten it for the last tiers. */
function risksSection(diffs: EnvDiff[], maxRisks = Infinity, images = true): string[] {
  const rs = diffs.flatMap((d) => d.changes.risks.filter((r) => r.level !== 'info').map((r) => ({ ...r, env: d.env })));
  const imgs = diffs.flatMap((d) => d.changes.risks.filter((r) => r.level === 'info').map((r) => ({ ...r, env: d.env })));
  const out: string[] = [];
  if (rs.length) {
    out.push('', '### Risks', '');
    for (const r of rs.slice(0, maxRisks)) out.push(`- ${r.level === 'high' ? '🔴' : '🟠'} \`${r.env}\` ${r.message}`);
    if (rs.length > maxRisks) out.push(`- … and ${rs.length - maxRisks} more`);
  }
  if (imgs.length && images) {
    out.push('', '### Image changes', '');
    for (const r of imgs) out.push(`- \`${r.env}\` ${r.message}`);
  }
  return out;
}

/** An app heading before the first change of each app (changes are sorted by app). */
function appHeading(prev: string | undefined, ch: ResourceChange): string[] {
  if (ch.app === prev) return [];
  return prev === undefined ? [`#### ${ch.app ?? 'other'}`, ''] : ['', `#### ${ch.app ?? 'other'}`, ''];
}

function fence(lines: string[]): string[] {
  // A fence longer than any run of backticks inside keeps the block closed.
  let ticks = '```';
  while (lines.some((l) => l.includes(ticks))) ticks += '`';
  return [`${ticks}diff`, ...lines, ticks];
}

function resourceBlock(ch: ResourceChange): string[] {
  return ['<details>', `<summary>${SYMBOL[ch.action]} ${escapeHtml(title(ch))}</summary>`, '', ...fence(changeBody(ch)), '', '</details>'];
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * One sticky PR comment. Tiers, to stay under GitHub's limit: full; truncated at resource
 * boundaries (fences closed); list of changed resources only; summary only. Says which.
 */
export function formatMarkdown(diffs: EnvDiff[], limit = GITHUB_COMMENT_LIMIT): string {
  const head = [COMMENT_MARKER, '## kforge: rendered changes', '', ...summaryTable(diffs), ...risksSection(diffs)];
  const total = diffs.reduce((n, d) => n + d.changes.changes.length, 0);
  const note = (s: string) => ['', `> **Note:** ${s}`];
  const local = 'Run `npm run diff -- <env>` locally for the full diff.';

  const full: string[] = [...head];
  for (const d of diffs) {
    full.push('', `### \`${d.env}\`: ${d.base} → ${d.head}`, '');
    if (d.changes.changes.length === 0) full.push('No changes.');
    let app: string | undefined;
    for (const ch of d.changes.changes) {
      const b = [...appHeading(app, ch), ...resourceBlock(ch)];
      app = ch.app;
      full.push(...b);
    }
  }
  const fullText = full.join('\n') + '\n';
  if (fullText.length <= limit) return fullText;

  // Tier 2: whole resources until the budget runs out.
  const budget = limit - 400;
  const t2: string[] = [...head];
  let shown = 0;
  let size = t2.join('\n').length;
  let stopped = false;
  for (const d of diffs) {
    const h = ['', `### \`${d.env}\`: ${d.base} → ${d.head}`, ''];
    if (size + h.join('\n').length > budget) {
      stopped = true;
      break;
    }
    t2.push(...h);
    size += h.join('\n').length + 1;
    let app: string | undefined;
    for (const ch of d.changes.changes) {
      const b = [...appHeading(app, ch), ...resourceBlock(ch)].join('\n');
      app = ch.app;
      if (size + b.length + 1 > budget) {
        stopped = true;
        break;
      }
      t2.push(b);
      size += b.length + 1;
      shown++;
    }
    if (stopped) break;
  }
  if (shown > 0) {
    const text = [...t2, ...note(`the diff is too large for one comment: ${shown} of ${total} changed resources are shown in full. ${local}`)].join('\n') + '\n';
    if (text.length <= limit) return text;
  }

  // Tier 3: the list of changed resources, no bodies.
  const t3: string[] = [...head];
  for (const d of diffs) {
    t3.push('', `### \`${d.env}\`: ${d.base} → ${d.head}`, '');
    let app: string | undefined;
    for (const ch of d.changes.changes) {
      if (ch.app !== app) t3.push(`- **${ch.app ?? 'other'}**`);
      app = ch.app;
      t3.push(`  - ${SYMBOL[ch.action]} ${title(ch)}`);
    }
  }
  const t3text = [...t3, ...note(`the diff is too large for one comment: only the list of ${total} changed resources is shown. ${local}`)].join('\n') + '\n';
  if (t3text.length <= limit) return t3text;

  // Tier 4: the summary alone; if even that is too long, image notes go first, then the
  // risk list is cut (high risks come first, so they stay).
  const summaryNote = note(`the diff is too large for one comment: only the summary is shown (${total} changed resources). ${local}`);
  let t4 = [...head, ...summaryNote].join('\n') + '\n';
  for (let keep = 200; t4.length > limit && keep >= 0; keep = keep > 10 ? Math.floor(keep / 2) : keep - 5) {
    t4 = [COMMENT_MARKER, '## kforge: rendered changes', '', ...summaryTable(diffs), ...risksSection(diffs, Math.max(keep, 0), false), ...summaryNote].join('\n') + '\n';
  }
  if (t4.length > limit) {
    t4 = [COMMENT_MARKER, '## kforge: rendered changes', '', ...summaryTable(diffs), ...note(`the diff is too large for one comment: only the counts are shown. ${local}`)].join('\n') + '\n';
  }
  return t4.slice(0, limit);
}
