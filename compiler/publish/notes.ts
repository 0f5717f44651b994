/**
 * The git note of Argo CD's source hydrator: `refs/notes/hydrator.metadata`, on a hydrated commit,
 * holding `{"drySha":"<source commit>"}` (Go's json.Marshal of Argo's CommitNote; `git notes add -m`
 * stores it with a final newline). Argo CD's commit server adds it to every commit it hydrates and,
 * when a new dry commit changes no manifest, to the existing head; the GitOps Promoter fetches
 * `+refs/notes/hydrator.metadata` and prefers the note's drySha over hydrator.metadata's to learn
 * that an environment is hydrated for a dry commit (without it, it waits forever).
 *
 * API
 *   noteText(drySha)                         the note's content, byte for byte
 *   readNote(git, notesRef, commit)          the note's drySha ('' when unreadable), undefined without a note
 *   hydratorNote(opts): Promise<NoteResult>  adds or updates the note on opts.commit; never moves a note
 *                                            backwards (a note naming a newer source commit stays)
 *     opts.push   also on the remote: fetch its notes ref, add the note on top, push with an exact lease
 *                 (`--force-with-lease=refs/notes/hydrator.metadata:<fetched>`), retry on a race
 *                 (2 × retry.attempts, default 16: every environment shares the one notes ref)
 *
 * Writes go through git's own notes code on a temporary ref under refs/notes/kforge/ (so fan-out is
 * git's), then the real ref moves by compare-and-swap (`update-ref REF NEW OLD`): two renders writing
 * notes at once do not lose one another's note. The notes commit takes author, committer and dates
 * from the source commit, so the same input gives the same notes commit.
 */
import type { Diagnostic } from '../types.js';
import { diag } from '../diagnostics.js';
import type { SourceInfo } from '../emit/plan.js';
import { Git, GitCommandError, type GitEnvExtra } from './git.js';
import { sourcePersonEnv } from './objects.js';
import { isRefRace } from './planner.js';

export const NOTES_REF = 'refs/notes/hydrator.metadata';

/** `{"drySha":"…"}` as Go's json.Marshal writes Argo's CommitNote (git adds the final newline). */
export function noteText(drySha: string): string {
  return JSON.stringify({ drySha });
}

/** Where the remote's notes ref is fetched to (kforge's, never pushed). */
export function trackingNotesRef(remote: string): string {
  return `refs/notes/kforge/remotes/${remote}/hydrator.metadata`;
}

export interface NoteOptions {
  git: Git;
  /** The hydrated commit (the deploy head). */
  commit: string;
  source: SourceInfo;
  push?: boolean;
  remote?: string;
  retry?: { attempts?: number; minDelayMs?: number; maxDelayMs?: number; random?: () => number; sleep?: (ms: number) => Promise<void> };
}

export interface NoteResult {
  /**
   * added: a note was written (and pushed); present: it was already there; newer: a newer source's
   * note was kept; skipped: a render of a dirty working tree gets no note.
   */
  status: 'added' | 'present' | 'newer' | 'skipped' | 'failed';
  /** The notes commit the (remote, with push) notes ref points at afterwards. */
  notesCommit?: string;
  diagnostics: Diagnostic[];
}

export async function readNote(git: Git, notesRef: string, commit: string): Promise<string | undefined> {
  const out = await git.tryRun(['notes', `--ref=${notesRef}`, 'show', commit]);
  if (out === undefined) return undefined;
  try {
    const v = JSON.parse(out.trim()) as { drySha?: unknown };
    return typeof v?.drySha === 'string' ? v.drySha : '';
  } catch {
    return '';
  }
}

/** Whether a note naming `existing` must be replaced by one naming `drySha` (not when equal or newer). */
async function shouldWrite(git: Git, existing: string | undefined, drySha: string): Promise<'write' | 'present' | 'newer'> {
  if (existing === drySha) return 'present';
  if (existing && /^[0-9a-f]{40,64}$/.test(existing) && (await git.relation(drySha, existing)) === 'ancestor') return 'newer';
  return 'write';
}

let seq = 0;

/** A notes commit: `base` (or nothing) plus the note on `commit`; no ref but a temporary one is touched. */
async function noteCommit(git: Git, base: string | undefined, commit: string, text: string, env: GitEnvExtra): Promise<string> {
  const tmp = `refs/notes/kforge/tmp-${process.pid}-${++seq}`;
  try {
    if (base) await git.run(['update-ref', '--no-deref', tmp, base]);
    else await git.tryRun(['update-ref', '-d', tmp]);
    await git.run(['notes', `--ref=${tmp}`, 'add', '-f', '-m', text, commit], env);
    const id = await git.resolve(tmp);
    if (!id) throw new GitCommandError(`git notes wrote no commit on ${tmp}`, 1, ['notes', 'add']);
    return id;
  } finally {
    await git.tryRun(['update-ref', '-d', tmp]);
  }
}

/** Adds the note to the local notes ref by compare-and-swap. */
async function addLocal(git: Git, opts: NoteOptions, attempts: number): Promise<NoteResult> {
  const env = sourcePersonEnv(opts.source);
  const drySha = opts.source.sha;
  for (let i = 1; ; i++) {
    const old = await git.resolve(NOTES_REF);
    const decision = await shouldWrite(git, old ? await readNote(git, NOTES_REF, opts.commit) : undefined, drySha);
    if (decision !== 'write') return { status: decision, ...(old ? { notesCommit: old } : {}), diagnostics: [] };
    const next = await noteCommit(git, old, opts.commit, noteText(drySha), env);
    try {
      await git.run(['update-ref', '-m', `kforge: note ${opts.commit.slice(0, 7)} hydrated from ${drySha.slice(0, 7)}`, NOTES_REF, next, old ?? '']);
      return { status: 'added', notesCommit: next, diagnostics: [] };
    } catch (e) {
      const msg = (e as Error).message;
      if (!(e instanceof GitCommandError) || !isRefRace(msg) || i >= attempts) {
        return { status: 'failed', diagnostics: [diag('KF5005', `cannot move ${NOTES_REF}`, { notes: msg.split('\n').filter(Boolean).slice(0, 10) })] };
      }
    }
  }
}

/**
 * Adds `{"drySha": source.sha}` as the hydrator note of `commit`: locally, and with `push` on the
 * remote's notes ref too (the local ref then follows the remote's when it can fast-forward, and
 * gets the note on its own history otherwise).
 */
export async function hydratorNote(opts: NoteOptions): Promise<NoteResult> {
  // never throws for a git failure (the caller's branch is already published): a failed result instead
  try {
    return await noteOnce(opts);
  } catch (e) {
    if (!(e instanceof GitCommandError)) throw e;
    return { status: 'failed', diagnostics: [diag('KF5005', `cannot write the hydrator note (${NOTES_REF}) on ${opts.commit.slice(0, 7)}`, { notes: e.message.split('\n').filter(Boolean).slice(0, 10) })] };
  }
}

async function noteOnce(opts: NoteOptions): Promise<NoteResult> {
  const git = opts.git;
  // a dirty working tree is not the source commit: claim nothing about it
  if (opts.source.dirty) return { status: 'skipped', diagnostics: [] };
  // one notes ref for every environment (renders of several environments race for it): twice the branch's attempts
  const attempts = Math.max(1, 2 * (opts.retry?.attempts ?? 8));
  if (!opts.push) return addLocal(git, opts, attempts);

  const remote = opts.remote ?? 'origin';
  const track = trackingNotesRef(remote);
  const minDelay = opts.retry?.minDelayMs ?? 50;
  const maxDelay = opts.retry?.maxDelayMs ?? 2000;
  const random = opts.retry?.random ?? Math.random;
  const sleep = opts.retry?.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const drySha = opts.source.sha;
  let result: NoteResult | undefined;
  for (let i = 1; !result; i++) {
    let remoteOld: string | undefined;
    try {
      if ((await git.fetchRefs(remote, [`+${NOTES_REF}:${track}`])) === 'fetched') remoteOld = await git.resolve(track);
      else await git.tryRun(['update-ref', '-d', track]);
    } catch (e) {
      const msg = (e as Error).message;
      return { status: 'failed', diagnostics: [diag('KF5003', `cannot fetch ${NOTES_REF} from ${remote}`, { notes: msg.split('\n').filter(Boolean).slice(0, 10) })] };
    }
    const decision = await shouldWrite(git, remoteOld ? await readNote(git, track, opts.commit) : undefined, drySha);
    if (decision !== 'write') {
      result = { status: decision, ...(remoteOld ? { notesCommit: remoteOld } : {}), diagnostics: [] };
      break;
    }
    const next = await noteCommit(git, remoteOld, opts.commit, noteText(drySha), sourcePersonEnv(opts.source));
    try {
      await git.run(['push', '--porcelain', `--force-with-lease=${NOTES_REF}:${remoteOld ?? ''}`, remote, `${next}:${NOTES_REF}`]);
      await git.tryRun(['update-ref', track, next, remoteOld ?? '']);
      result = { status: 'added', notesCommit: next, diagnostics: [] };
    } catch (e) {
      const msg = (e as Error).message;
      if (!(e instanceof GitCommandError) || !isRefRace(msg)) {
        return {
          status: 'failed',
          diagnostics: [
            diag('KF5003', `${remote} rejected the push of ${NOTES_REF} (the note that ${opts.commit.slice(0, 7)} is hydrated from ${drySha.slice(0, 7)})`, {
              hint: 'allow pushes to refs/notes/hydrator.metadata, then render again: the GitOps Promoter reads the note',
              notes: msg.split('\n').filter(Boolean).slice(0, 10),
            }),
          ],
        };
      }
      if (i >= attempts) {
        return { status: 'failed', diagnostics: [diag('KF5003', `another writer kept winning the race for ${NOTES_REF}; gave up after ${i} attempts`, { notes: [msg] })] };
      }
      const d = Math.min(maxDelay, minDelay * 2 ** (i - 1));
      await sleep(Math.round(d / 2 + random() * (d / 2)));
    }
  }
  // the local notes ref follows the remote's (forward only), or gets the note on its own history
  const target = result.notesCommit;
  const localOld = await git.resolve(NOTES_REF);
  if (target && localOld !== target) {
    const rel = localOld ? await git.relation(localOld, target) : 'ancestor';
    const moved = rel === 'ancestor' && (await git.tryRun(['update-ref', '-m', 'kforge: follow the remote hydrator notes', NOTES_REF, target, localOld ?? ''])) !== undefined;
    if (!moved) {
      const local = await addLocal(git, opts, attempts);
      result.diagnostics.push(...local.diagnostics.map((d) => ({ ...d, severity: 'warning' as const })));
    }
  }
  return result;
}
