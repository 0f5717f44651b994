/**
 * The parts of Argo CD's source-hydrator contract that are defined byte for byte (pure, no IO).
 * Behaviour learnt from Argo CD's commit server (`commitserver/commit/hydratorhelper.go`,
 * `util/hydrator/hydrator.go`, `util/git/client.go` GetReferences) and read back by the GitOps
 * Promoter (`internal/git/git.go`), which decodes hydrator.metadata and the git note with Go's
 * encoding/json (unknown keys such as `x-kforge` are ignored there).
 *
 *   hydratorJson(v)        Go's json.Encoder with SetIndent("", "  ") and SetEscapeHTML(false)
 *   utcDate(iso)           Go's time.Format(time.RFC3339) of a UTC time ("2024-01-02T03:04:05Z"), "" when invalid
 *   commitMetadata(…)      the root metadata fields in Argo's order, empty ones left out (omitempty)
 *   references(subject, body)  `Argocd-reference-commit-*` trailers → `references`, and the body without them
 *   GITATTRIBUTES          Argo's .gitattributes, byte for byte (no final newline)
 */

/** Argo CD writes exactly this (`gitAttributesContents`): README.md and hydrator.metadata, at any depth. */
export const GITATTRIBUTES = '**/README.md linguist-generated=true\n**/hydrator.metadata linguist-generated=true';

/** A commit another commit refers to (Argo CD's `CommitMetadata` JSON: author, date, subject, body, sha, repoUrl). */
export interface ReferenceCommit {
  author?: string;
  date?: string;
  subject?: string;
  body?: string;
  sha?: string;
  repoUrl?: string;
}

export interface RevisionReference {
  commit?: ReferenceCommit;
}

/** JSON as Go's encoder writes it with two-space indent and no HTML escaping (U+2028/U+2029 still escaped), plus "\n". */
export function hydratorJson(v: unknown): string {
  return JSON.stringify(v, null, 2).replace(/[\u2028\u2029]/g, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029')) + '\n';
}

/** RFC 3339 in UTC, seconds precision, "Z" (Go: t.UTC().Format(time.RFC3339)); "" when not a date. */
export function utcDate(iso: string | undefined): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  const s = new Date(ms).toISOString();
  if (!/^\d{4}-/.test(s)) return '';
  return s.replace(/\.\d{3}Z$/, 'Z');
}

/** Drops keys whose value is "" / undefined / an empty array (Go's omitempty on strings and slices). */
export function omitEmpty<T extends Record<string, unknown>>(o: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out as Partial<T>;
}

// ── trailers ───────────────────────────────────────────────────────────────────────

const GIT_GENERATED = ['Signed-off-by: ', '(cherry picked from commit '];

/** `Token: value` when `line` is a trailer line as git reads one (token of letters, digits and '-'). */
function trailerLine(line: string): { key: string; value: string } | undefined {
  const m = /^([A-Za-z0-9-]+)[ \t]*:(.*)$/.exec(line);
  return m ? { key: m[1], value: m[2] } : undefined;
}

/**
 * The trailers of a commit message, as `git interpret-trailers --parse` prints them: the last
 * paragraph (never the subject) when all its lines are trailers or continuation lines, or when at
 * least a quarter are and one is git-generated (Signed-off-by, cherry picked); continuation lines
 * unfolded, values trimmed.
 */
export function parseMessageTrailers(message: string): { key: string; value: string }[] {
  const lines = message.replace(/\r\n/g, '\n').replace(/\s+$/, '').split('\n');
  // the subject paragraph is never a trailer block
  let start = 0;
  while (start < lines.length && lines[start].trim() !== '') start++;
  let blockStart = lines.length;
  while (blockStart > start && lines[blockStart - 1].trim() !== '') blockStart--;
  if (blockStart <= start) return [];
  const block = lines.slice(blockStart);
  let trailers = 0;
  let others = 0;
  let recognized = false;
  let prevTrailer = false;
  for (const l of block) {
    if (l.startsWith('#')) continue;
    if (/^[ \t]/.test(l) && prevTrailer) continue; // continuation line
    if (GIT_GENERATED.some((p) => l.startsWith(p))) {
      recognized = true;
      trailers++;
      prevTrailer = true;
    } else if (trailerLine(l)) {
      trailers++;
      prevTrailer = true;
    } else {
      others++;
      prevTrailer = false;
    }
  }
  if (!(trailers > 0 && (others === 0 || (recognized && trailers * 3 >= others)))) return [];
  const out: { key: string; value: string }[] = [];
  for (const l of block) {
    if (l.startsWith('#')) continue;
    if (/^[ \t]/.test(l) && out.length) {
      out[out.length - 1].value = `${out[out.length - 1].value} ${l.trim()}`.trim();
      continue;
    }
    const t = trailerLine(l);
    if (t) out.push({ key: t.key, value: t.value.trim() });
  }
  return out;
}

// ── Argocd-reference-commit-* ──────────────────────────────────────────────────────

const REF_PREFIX = 'Argocd-reference-commit-';

/** Whether Go's url.Parse accepts the value (the checks that matter for a repository URL). */
export function goUrlParses(v: string): boolean {
  if (/[\x00-\x1f\x7f]/.test(v)) return false;
  const badEscape = (s: string) => /%(?![0-9A-Fa-f]{2})/.test(s);
  const hash = v.indexOf('#');
  let rest = hash >= 0 ? v.slice(0, hash) : v;
  if (hash >= 0 && badEscape(v.slice(hash + 1))) return false;
  if (rest === '*') return true;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(rest);
  if (rest.startsWith(':')) return false; // missing protocol scheme
  if (scheme) rest = rest.slice(scheme[0].length);
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q);
  if (!scheme && !rest.startsWith('/')) {
    const seg = rest.split('/')[0];
    if (seg.includes(':')) return false; // first path segment in URL cannot contain colon
  }
  if (rest.startsWith('//')) {
    const auth = rest.slice(2).split('/')[0];
    const at = auth.lastIndexOf('@');
    const host = at >= 0 ? auth.slice(at + 1) : auth;
    if (badEscape(auth)) return false;
    if (host.startsWith('[')) {
      const close = host.indexOf(']');
      if (close < 0) return false;
      const port = host.slice(close + 1);
      if (port && !/^:\d*$/.test(port)) return false;
    } else {
      const colon = host.lastIndexOf(':');
      if (colon >= 0 && !/^\d*$/.test(host.slice(colon + 1))) return false;
      if (/[^A-Za-z0-9\-_.~!$&'()*+,;=:%\x80-\uffff]/.test(colon >= 0 ? host.slice(0, colon) : host)) return false;
    }
    rest = rest.slice(2 + auth.length);
  }
  return !badEscape(rest);
}

/** RFC 3339 as Go's time.Parse reads it, re-written by Format(time.RFC3339) (offset kept, "Z" for zero, no fraction). */
export function goRfc3339(v: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,]\d+)?(Z|[+-](\d{2}):(\d{2}))$/.exec(v);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number);
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (mo < 1 || mo > 12 || d < 1 || d > days[mo - 1] || h > 23 || mi > 59 || s > 59) return undefined;
  let zone = 'Z';
  if (m[7] !== 'Z') {
    if (Number(m[8]) > 23 || Number(m[9]) > 59) return undefined;
    zone = Number(m[8]) === 0 && Number(m[9]) === 0 ? 'Z' : m[7];
  }
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${zone}`;
}

// RFC 5322 address as Go's net/mail parses and prints it

const ATEXT_SPECIAL = "!#$%&'*+-/=?^_`{|}~";
const isAtext = (c: string, dot: boolean) => (c === '.' ? dot : /[A-Za-z0-9]/.test(c) || ATEXT_SPECIAL.includes(c) || c.codePointAt(0)! > 0x7f);
const isVchar = (c: string) => (c >= '!' && c <= '~') || c.codePointAt(0)! > 0x7f;
const isWsp = (c: string) => c === ' ' || c === '\t';

function goQuote(s: string): string {
  let out = '"';
  for (const c of s) out += (isVchar(c) && c !== '"' && c !== '\\') || isWsp(c) ? c : `\\${c}`;
  return out + '"';
}

class AddrParser {
  i = 0;
  constructor(readonly s: string) {}
  skipSpace(): void {
    while (this.i < this.s.length && isWsp(this.s[this.i])) this.i++;
  }
  quoted(): string | undefined {
    if (this.s[this.i] !== '"') return undefined;
    let out = '';
    for (let j = this.i + 1; j < this.s.length; j++) {
      const c = this.s[j];
      if (c === '"') {
        this.i = j + 1;
        return out;
      }
      if (c === '\\') {
        const n = this.s[++j];
        if (n === undefined || !(isVchar(n) || isWsp(n))) return undefined;
        out += n;
      } else if (isVchar(c) || isWsp(c)) out += c;
      else return undefined;
    }
    return undefined;
  }
  atom(dot: boolean, permissive: boolean): string | undefined {
    let j = this.i;
    while (j < this.s.length && isAtext(this.s[j], dot)) j++;
    const a = this.s.slice(this.i, j);
    if (!a) return undefined;
    if (!permissive && (a.startsWith('.') || a.endsWith('.') || a.includes('..'))) return undefined;
    this.i = j;
    return a;
  }
  addrSpec(): string | undefined {
    const save = this.i;
    this.skipSpace();
    const local = this.s[this.i] === '"' ? this.quoted() : this.atom(true, false);
    if (local === undefined || this.s[this.i] !== '@') {
      this.i = save;
      return undefined;
    }
    this.i++;
    this.skipSpace();
    let domain: string | undefined;
    if (this.s[this.i] === '[') {
      const close = this.s.indexOf(']', this.i);
      domain = close > 0 ? this.s.slice(this.i, close + 1) : undefined;
      if (domain) this.i = close + 1;
    } else domain = this.atom(true, false);
    if (domain === undefined) {
      this.i = save;
      return undefined;
    }
    return `${local}@${domain}`;
  }
}

/**
 * Go's mail.ParseAddress followed by Address.String(): `"Name" <local@domain>`, `<local@domain>`,
 * a non-ASCII name as an RFC 2047 encoded word; undefined when Go would refuse the address.
 * (Encoded words and comments in the input are not decoded: such values are refused.)
 */
export function goMailAddress(v: string): string | undefined {
  const p = new AddrParser(v);
  let name = '';
  let addr = p.addrSpec();
  if (addr === undefined) {
    const words: string[] = [];
    for (;;) {
      p.skipSpace();
      const w = p.s[p.i] === '"' ? p.quoted() : p.atom(true, true);
      if (w === undefined) break;
      words.push(w);
    }
    name = words.join(' ');
    p.skipSpace();
    if (p.s[p.i] !== '<') return undefined;
    p.i++;
    addr = p.addrSpec();
    p.skipSpace();
    if (addr === undefined || p.s[p.i] !== '>') return undefined;
    p.i++;
  }
  p.skipSpace();
  if (p.i !== p.s.length) return undefined;
  const at = addr.lastIndexOf('@');
  let local = addr.slice(0, at);
  const domain = addr.slice(at + 1);
  const chars = [...local];
  const plainLocal = chars.every((c, k) => isAtext(c, false) || (c === '.' && k > 0 && chars[k - 1] !== '.' && k < chars.length - 1));
  if (!plainLocal) local = goQuote(local);
  const s = `<${local}@${domain}>`;
  if (!name) return s;
  if ([...name].every((c) => (c >= '!' && c <= '~') || isWsp(c))) return `${goQuote(name)} ${s}`;
  return `${/["#$%&'(),.:;<>@[\]^`{|}~]/.test(name) ? mimeB(name) : mimeQ(name)} ${s}`;
}

const MAX_CONTENT = 75 - '=?UTF-8?q?'.length - '?='.length; // 63

function mimeB(s: string): string {
  const b = Buffer.from(s, 'utf-8');
  if (Math.ceil(b.length / 3) * 4 <= MAX_CONTENT) return `=?utf-8?b?${b.toString('base64')}?=`;
  const maxBytes = Math.floor(MAX_CONTENT / 4) * 3; // 45
  const words: string[] = [];
  let cur: Buffer[] = [];
  let len = 0;
  for (const c of s) {
    const cb = Buffer.from(c, 'utf-8');
    if (len + cb.length > maxBytes) {
      words.push(Buffer.concat(cur).toString('base64'));
      cur = [];
      len = 0;
    }
    cur.push(cb);
    len += cb.length;
  }
  words.push(Buffer.concat(cur).toString('base64'));
  return words.map((w) => `=?utf-8?b?${w}?=`).join(' ');
}

function mimeQ(s: string): string {
  const words: string[] = [];
  let cur = '';
  let len = 0;
  for (const c of s) {
    const plain = c.length === 1 && c >= ' ' && c <= '~' && c !== '=' && c !== '?' && c !== '_';
    const enc = plain ? (c === ' ' ? '_' : c) : [...Buffer.from(c, 'utf-8')].map((x) => `=${x.toString(16).toUpperCase().padStart(2, '0')}`).join('');
    if (len + enc.length > MAX_CONTENT) {
      words.push(cur);
      cur = '';
      len = 0;
    }
    cur += enc;
    len += enc.length;
  }
  words.push(cur);
  return words.map((w) => `=?utf-8?q?${w}?=`).join(' ');
}

/** One `Argocd-reference-commit-*` line applied to `c` (Argo's updateCommitMetadata); false when not a valid one. */
function applyReferenceLine(c: ReferenceCommit, line: string): boolean {
  if (!line.startsWith(REF_PREFIX)) return false;
  const sep = line.indexOf(': ');
  if (sep < 0) return false;
  const key = line.slice(0, sep);
  const value = line.slice(sep + 2);
  switch (key) {
    case `${REF_PREFIX}repourl`:
      if (!goUrlParses(value)) return false;
      c.repoUrl = value;
      return true;
    case `${REF_PREFIX}author`: {
      const a = goMailAddress(value);
      if (a === undefined) return false;
      c.author = a;
      return true;
    }
    case `${REF_PREFIX}date`: {
      const d = goRfc3339(value);
      if (d === undefined) return false;
      c.date = d;
      return true;
    }
    case `${REF_PREFIX}subject`:
      c.subject = value;
      return true;
    case `${REF_PREFIX}body`: {
      let b: unknown;
      try {
        b = JSON.parse(value);
      } catch {
        return false;
      }
      if (b !== null && typeof b !== 'string') return false;
      c.body = b ?? '';
      return true;
    }
    case `${REF_PREFIX}sha`:
      if (!/^[0-9a-f]{5,40}$/.test(value)) return false;
      c.sha = value;
      return true;
    default:
      return false;
  }
}

/** Argo's JSON field order for a reference commit, empty fields left out. */
function orderedCommit(c: ReferenceCommit): ReferenceCommit {
  return omitEmpty({ author: c.author, date: c.date, subject: c.subject, body: c.body, sha: c.sha, repoUrl: c.repoUrl });
}

/**
 * What Argo CD derives from a source commit message (subject = `%s`, body = `%b`):
 *   references: one commit built from the valid `Argocd-reference-commit-*` trailers of the
 *               message's trailer block (none → []),
 *   body:       the body with every valid such line removed, each kept line ending in "\n"
 *               ("" when nothing is left).
 */
export function references(subject: string, body: string): { references: RevisionReference[]; body: string } {
  const trimmed = body.replace(/\s+$/, '');
  const message = trimmed ? `${subject}\n\n${trimmed}` : subject;
  const ref: ReferenceCommit = {};
  for (const t of parseMessageTrailers(message)) applyReferenceLine(ref, `${t.key}: ${t.value}`);
  let kept = '';
  if (trimmed) {
    const scratch: ReferenceCommit = {};
    for (const raw of trimmed.split('\n')) {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (!applyReferenceLine(scratch, line)) kept += `${line}\n`;
    }
  }
  const c = orderedCommit(ref);
  return { references: Object.keys(c).length ? [{ commit: c }] : [], body: kept };
}
