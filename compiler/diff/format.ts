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

/** One environment's risks as list items (high first); `keep` cuts the list and says so. */
function riskLines(d: EnvDiff, keep = Infinity): string[] {
  const rs = d.changes.risks.filter((r) => r.level !== 'info');
  const out = rs.slice(0, keep).map((r) => `- ${r.level === 'high' ? '🔴' : '🟠'} \`${d.env}\` ${r.message}`);
  if (rs.length > keep) out.push(`- … and ${rs.length - keep} more risks in \`${d.env}\``);
  return out;
}

function imageLines(d: EnvDiff): string[] {
  return d.changes.risks.filter((r) => r.level === 'info').map((r) => `- \`${d.env}\` ${r.message}`);
}

/**
 * Risks of every environment (high first within each), then image changes of the
 * environments in `images`; `keep` caps each environment's risk list.
 */
function risksSection(diffs: EnvDiff[], keep = Infinity, images: (d: EnvDiff) => boolean = () => true): string[] {
  const rs = diffs.flatMap((d) => riskLines(d, keep));
  const imgs = diffs.flatMap((d) => (images(d) ? imageLines(d) : []));
  const out: string[] = [];
  if (rs.length) out.push('', '### Risks', '', ...rs);
  if (imgs.length) out.push('', '### Image changes', '', ...imgs);
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
 * How much of one environment a truncated comment shows: level 0 every resource; 1 the first
 * `k` resource blocks; 2 the list of changed resources; 3 no section (its summary row and
 * risks stay). `images`: its image changes are listed (they are also in its resource blocks).
 */
interface EnvPlan {
  level: 0 | 1 | 2 | 3;
  k: number;
  images: boolean;
}

/** From most to least shown; an environment gets the first that fits its share. */
const LADDER: readonly Pick<EnvPlan, 'level' | 'images'>[] = [
  { level: 0, images: true },
  { level: 1, images: true },
  { level: 2, images: true },
  { level: 0, images: false },
  { level: 3, images: true },
  { level: 1, images: false },
  { level: 2, images: false },
  { level: 3, images: false },
];

const NOTHING: EnvPlan = { level: 3, k: 0, images: false };

/** Length of LINES appended to a text joined by newlines (one newline before each). */
function cost(lines: readonly string[]): number {
  let n = 0;
  for (const l of lines) n += l.length + 1;
  return n;
}

/** The parts of one environment's section, measured once. */
class EnvParts {
  readonly heading: string[];
  readonly blocks: string[];
  /** prefix[k]: the cost of the heading and the first k blocks. */
  readonly prefix: number[];
  readonly list: string[];
  readonly images: string[];
  readonly total: number;
  constructor(readonly d: EnvDiff) {
    this.heading = ['', `### \`${d.env}\`: ${d.base} → ${d.head}`, ''];
    this.blocks = [];
    let app: string | undefined;
    for (const ch of d.changes.changes) {
      this.blocks.push([...appHeading(app, ch), ...resourceBlock(ch)].join('\n'));
      app = ch.app;
    }
    this.prefix = [cost(this.heading)];
    for (const b of this.blocks) this.prefix.push(this.prefix[this.prefix.length - 1] + b.length + 1);
    this.list = [];
    app = undefined;
    for (const ch of d.changes.changes) {
      if (ch.app !== app) this.list.push(`- **${ch.app ?? 'other'}**`);
      app = ch.app;
      this.list.push(`  - ${SYMBOL[ch.action]} ${title(ch)}`);
    }
    this.images = imageLines(d);
    this.total = d.changes.changes.length;
  }
  /** The section's lines for a plan. */
  section(p: EnvPlan): string[] {
    if (p.level === 0) return [...this.heading, ...(this.total === 0 ? ['No changes.'] : this.blocks)];
    if (p.level === 1) return [...this.heading, ...this.blocks.slice(0, p.k)];
    if (p.level === 2) return [...this.heading, ...this.list];
    return [];
  }
  /** What the section and the image changes of a plan cost. */
  cost(p: EnvPlan): number {
    const img = p.images ? cost(this.images) : 0;
    if (p.level === 0) return img + (this.total === 0 ? cost([...this.heading, 'No changes.']) : this.prefix[this.blocks.length]);
    if (p.level === 1) return img + this.prefix[p.k];
    if (p.level === 2) return img + cost(this.heading) + cost(this.list);
    return img;
  }
  /** STEP of the ladder within BUDGET characters (level 1: as many whole blocks as fit, at least one, fewer than all). */
  fit(step: Pick<EnvPlan, 'level' | 'images'>, budget: number): EnvPlan | undefined {
    if (step.level === 1) {
      const img = step.images ? cost(this.images) : 0;
      let lo = 0;
      let hi = this.blocks.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (img + this.prefix[mid] <= budget) lo = mid;
        else hi = mid - 1;
      }
      return lo >= 1 ? { level: 1, k: lo, images: step.images } : undefined;
    }
    const p: EnvPlan = { ...step, k: step.level === 0 ? this.total : 0 };
    return this.cost(p) <= budget ? p : undefined;
  }
  /** The most this environment shows within BUDGET characters. */
  best(budget: number): EnvPlan {
    for (const step of LADDER) {
      const p = this.fit(step, budget);
      if (p) return p;
    }
    return NOTHING;
  }
}

const rank = (p: EnvPlan) => LADDER.findIndex((s) => s.level === p.level && s.images === p.images);

/** What a truncated comment shows of each environment, in the words of its note. */
function shownText(parts: EnvParts[], plans: EnvPlan[]): string {
  const say = (e: EnvParts, p: EnvPlan) =>
    p.level === 0 ? `all ${e.total} changed resources are shown in full` : p.level === 1 ? `${p.k} of ${e.total} changed resources are shown in full` : p.level === 2 ? `only the list of ${e.total} changed resources is shown` : `only the summary is shown (${e.total} changed resources)`;
  if (parts.length === 1) return say(parts[0], plans[0]);
  return parts
    .map((e, i) => [e, plans[i]] as const)
    .filter(([e]) => e.total > 0)
    .map(([e, p]) => `\`${e.d.env}\`: ${say(e, p)}`)
    .join('; ');
}

/**
 * One sticky PR comment under GitHub's limit. When everything does not fit, every
 * environment keeps its summary row and its risks, and the rest of the budget is shared:
 * each environment, smallest first, gets an equal share of what is left (what it does not
 * use goes to the next), and shows as much as fits in it: all its resources, the first whole
 * resources (fences closed), the list of changed resources, or only its summary row and
 * image changes, then not even those. The note says what each shows. If even the summary
 * rows and risks are too long, every environment keeps an equal number of its first (highest)
 * risks; past that, only the counts.
 */
export function formatMarkdown(diffs: EnvDiff[], limit = GITHUB_COMMENT_LIMIT): string {
  const core = [COMMENT_MARKER, '## kforge: rendered changes', '', ...summaryTable(diffs)];
  const total = diffs.reduce((n, d) => n + d.changes.changes.length, 0);
  const note = (s: string) => ['', `> **Note:** ${s}`];
  const local = 'Run `npm run diff -- <env>` locally for the full diff.';
  const parts = diffs.map((d) => new EnvParts(d));
  const assemble = (plans: readonly EnvPlan[], keep = Infinity, noteText?: string) => {
    const lines = [...core, ...risksSection(diffs, keep, (d) => plans[diffs.indexOf(d)].images)];
    parts.forEach((e, i) => lines.push(...e.section(plans[i])));
    if (noteText) lines.push(...note(noteText));
    return lines.join('\n') + '\n';
  };

  const fullPlans = parts.map((e): EnvPlan => ({ level: 0, k: e.total, images: true }));
  const fullText = assemble(fullPlans);
  if (fullText.length <= limit) return fullText;

  // Share what the summary rows and the risks leave, with room for the note.
  const changed = parts.filter((e) => e.total > 0).length;
  const reserve = Math.max(400, 150 + 120 * changed);
  const none = parts.map(() => NOTHING);
  const fixed = assemble(none).length + reserve + 40; // 40: the image changes heading
  if (fixed <= limit) {
    const plans: EnvPlan[] = [...none];
    let left = limit - fixed;
    // Smallest first: an equal share of what is left; what one does not use goes to the next.
    const order = parts.map((_e, i) => i).sort((a, b) => parts[a].cost(fullPlans[a]) - parts[b].cost(fullPlans[b]) || a - b);
    order.forEach((i, n) => {
      plans[i] = parts[i].best(Math.floor(left / (order.length - n)));
      left -= parts[i].cost(plans[i]);
    });
    // What is still left (an environment could not use its whole share) goes round once more.
    for (const i of order) {
      const used = parts[i].cost(plans[i]);
      plans[i] = parts[i].best(used + left);
      left -= parts[i].cost(plans[i]) - used;
    }
    const noteText = () => `the diff is too large for one comment: ${shownText(parts, plans)}. ${local}`;
    // The estimate is exact but for the note: should the text still be long, the
    // environment that uses most gives up one step, until it fits.
    for (;;) {
      const text = assemble(plans, Infinity, noteText());
      if (text.length <= limit) {
        // The shares kept room for the note: where the exact text allows, an environment
        // moves up to a better step of the ladder (not to more blocks of the same step).
        for (const i of order) {
          for (let r = 0; r < rank(plans[i]); r++) {
            const room = limit - assemble(plans, Infinity, noteText()).length;
            const was = plans[i];
            const cand = parts[i].fit(LADDER[r], parts[i].cost(was) + room);
            if (!cand) continue;
            plans[i] = cand;
            if (assemble(plans, Infinity, noteText()).length <= limit) break;
            plans[i] = was;
          }
        }
        return assemble(plans, Infinity, noteText());
      }
      const i = order.filter((j) => parts[j].cost(plans[j]) > 0).sort((a, b) => parts[b].cost(plans[b]) - parts[a].cost(plans[a]))[0];
      if (i === undefined) break;
      plans[i] = parts[i].best(parts[i].cost(plans[i]) - 1);
    }
  }

  // The summary rows and every environment's first KEEP risks; no sections, no image changes.
  const summaryNote = `the diff is too large for one comment: only the summary is shown (${total} changed resources). ${local}`;
  if (assemble(none, 0, summaryNote).length <= limit) {
    // the largest KEEP that fits: every environment keeps the same number of its highest risks
    let lo = 0;
    let hi = Math.max(0, ...diffs.map((d) => d.changes.risks.filter((r) => r.level !== 'info').length));
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (assemble(none, mid, summaryNote).length <= limit) lo = mid;
      else hi = mid - 1;
    }
    return assemble(none, lo, summaryNote);
  }
  const counts = [...core, ...note(`the diff is too large for one comment: only the counts are shown. ${local}`)].join('\n') + '\n';
  return counts.slice(0, limit);
}
