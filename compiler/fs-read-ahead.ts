/**
 * Reading ahead (issue 15). A kustomization that lists hundreds of bases or patch files makes
 * the build open and read thousands of small files one after another: at N = 5,000 apps,
 * 25,000 files and about half a second of the main thread's time in open, read and close.
 * Once such a list is known, a worker thread walks it in order, as the build will: a
 * directory is listed and the YAML and JSON files in it read, a listed file is read. The
 * answers travel back in batches; the build takes them synchronously (receiveMessageOnPort)
 * when it reaches a path, and waits (Atomics.wait) only if it has caught up with the worker.
 *
 * Each answer is what nodeFs' own lstat and open-first read would have given (a file and its
 * bytes; a directory; a symlink; something else; missing; or "undecided", which leaves the
 * path to nodeFs), so the build is the same with or without it. Each listed path is claimed
 * once, by whichever thread gets to it first: the build never waits for a path the worker has
 * not started, nor for a worker that is not running (it could not start, stalled, or has
 * ended, having nothing left to do).
 */
import type * as WorkerThreads from 'node:worker_threads';
import { workerThreads } from './deps.js';

export type Kind = 'file' | 'dir' | 'link' | 'other';

/** Where the answers go: nodeFs' memo tables. */
export interface ReadAheadSink {
  /**
   * lstat's answer for `p` (undefined: missing), the bytes of a file that was read, and for a
   * file of a directory other than its kustomization file, the YAML documents in those bytes
   * as JSON text (load/yaml/pre-parse.ts), when the worker could read them.
   */
  known(p: string, kind: Kind | undefined, bytes: Uint8Array | undefined, parsed?: string): void;
  /** Whether lstat's answer for `p` is already known. */
  has(p: string): boolean;
}

/** A list shorter than this is read by the build itself: starting a worker costs about 5 ms. */
export const READ_AHEAD_MIN = 200;

// Answer codes, shared with the worker through workerData.
const CODES = { undecided: 0, file: 1, dir: 2, link: 3, other: 4, missing: 5 } as const;
const KINDS: (Kind | undefined | null)[] = [null, 'file', 'dir', 'link', 'other', undefined];
// The state of a listed path, in the list's shared array.
const FREE = 0;
const BY_MAIN = 2;
/** The longest the build waits for a path the worker is reading: then it reads it itself. */
const STEAL_MS = 2;

/** One listed path: its list's shared states, its index there, its place among all listed paths, and whether it is settled. */
interface Entry {
  states: Int32Array;
  i: number;
  seq: number;
  done: boolean;
}

/**
 * How far (in listed paths) the worker may get ahead of the build: what it has read waits in
 * memory until the build takes it (about 2.5 MB at N = 5,000, against the whole tree's 13 MB).
 */
const WINDOW = 1024;
/** The build tells the worker how far it has got every this many paths. */
const PROGRESS_STEP = 32;

/** One path's answer, as the worker posts it. */
interface Answer {
  id: number;
  i: number;
  /** The path's answer code, and the bytes when it is a file that was read. */
  code: number;
  bytes?: ArrayBuffer;
  /** A directory: all its names, each name's answer code, and the bytes of those read. */
  names?: string[];
  codes?: Uint8Array;
  data?: (ArrayBuffer | null)[];
  /** The YAML documents of each file read (not the kustomization file), as JSON text (preParse). */
  parsed?: (string | null)[];
}

/** How far (in listed paths) the worker must be ahead of the build to read a directory's YAML too. */
export const PARSE_AHEAD = 128;

/** The module the worker reads YAML with (its preParse), beside this one in dist/compiler/. */
const PRE_PARSE_URL = new URL('./load/yaml/pre-parse.js', import.meta.url).href;

export class ReadAhead {
  private worker: WorkerThreads.Worker | undefined;
  /** Where answers arrive: one port per worker started (an ended one's last answers may still wait there). */
  private readonly ports: WorkerThreads.MessagePort[] = [];
  /**
   * [0]: batches the worker has posted; [1]: 1 while the build waits for one; [2]: paths it
   * has answered; [3]: 1 once it has ended (idle), and a later list needs a new one; [4]:
   * bytes of files it has read; [5]: how far the build has got (the place of the last listed
   * path it reached), which the worker stays within WINDOW of.
   */
  private readonly flag = new Int32Array(new SharedArrayBuffer(24));
  /** Paths listed so far (the next one's place). */
  private seq = 0;
  private readonly entries = new Map<string, Entry>();
  private readonly lists: { paths: string[]; entries: Entry[] }[] = [];
  /** Directories read ahead: the lower-cased names in each. */
  private readonly listings = new Map<string, Set<string>>();
  private off = false;

  /**
   * @param parser the module whose preParse the worker reads YAML with (tests pass another, or
   *   none: the worker then only reads)
   */
  constructor(
    private readonly sink: ReadAheadSink,
    private readonly parser: string | undefined = PRE_PARSE_URL,
  ) {}

  /**
   * The build will ask about these absolute paths, in this order. A directory is listed, and
   * the YAML and JSON files in it read: with `kustomizationFiles`, only the first of those
   * names it holds and the files that file's text mentions (a folder's other files are not
   * held in memory for nothing); without, all of them.
   */
  request(paths: readonly string[], kustomizationFiles?: readonly string[]): void {
    if (this.off) return;
    const fresh = [...new Set(paths)].filter((p) => !this.entries.has(p));
    if (fresh.length < READ_AHEAD_MIN) return;
    if (!this.start()) return;
    const states = new Int32Array(new SharedArrayBuffer(4 * fresh.length));
    const base = this.seq;
    const entries = fresh.map((p, i) => {
      const e: Entry = { states, i, seq: base + i, done: false };
      this.entries.set(p, e);
      return e;
    });
    this.seq += fresh.length;
    this.lists.push({ paths: fresh, entries });
    this.worker!.postMessage({ id: this.lists.length - 1, base, paths: fresh, states, kfiles: kustomizationFiles });
  }

  /** How many listed paths the worker has answered (posted; the build takes them when it reaches them), and the bytes it read. */
  stats(): { answered: number; bytes: number } {
    return { answered: Atomics.load(this.flag, 2), bytes: Atomics.load(this.flag, 4) };
  }

  /**
   * Before the file system answers about `p`: what was read ahead for it, or its directory, is
   * applied. A name its directory's listing lacks, in any case (a case-insensitive file system
   * finds `Kustomization.yaml` as `kustomization.yaml`), is missing without asking.
   */
  settle(p: string): void {
    const slash = p.lastIndexOf('/');
    const dir = slash < 0 ? undefined : slash === 0 ? '/' : p.slice(0, slash);
    const e = this.entries.get(p) ?? (dir === undefined ? undefined : this.entries.get(dir));
    if (e !== undefined) this.take(e);
    if (dir === undefined || this.sink.has(p)) return;
    const names = this.listings.get(dir);
    if (names !== undefined && !names.has(p.slice(slash + 1).toLowerCase())) this.sink.known(p, undefined, undefined);
  }

  /** The answers for listed path `e`: already taken, the worker's (waited for), or none (the build reads it). */
  private take(e: Entry): void {
    if (e.seq >= Atomics.load(this.flag, 5) + PROGRESS_STEP) {
      Atomics.store(this.flag, 5, e.seq);
      Atomics.notify(this.flag, 5);
    }
    if (e.done) return;
    if (this.off || Atomics.compareExchange(e.states, e.i, FREE, BY_MAIN) === FREE) {
      // the worker has not started it (nor will): the build reads it itself
      e.done = true;
      return;
    }
    this.await(e);
  }

  private start(): boolean {
    if (this.worker && Atomics.load(this.flag, 3) === 0) return true;
    Atomics.store(this.flag, 3, 0);
    try {
      const wt = workerThreads();
      const { port1, port2 } = new wt.MessageChannel();
      this.worker = new wt.Worker(`(${readAheadWorker})(require, ${readInto}, ${openFirstRead}, ${lstatKind})`, {
        eval: true,
        // none of the parent's flags: `--input-type=module` would read this CommonJS source as a module
        execArgv: [],
        workerData: { port: port2, flag: this.flag, codes: CODES, data: DATA_FILE.source, window: WINDOW, parser: this.parser, parseAhead: PARSE_AHEAD },
        transferList: [port2],
        stdout: true,
        stderr: true,
      });
      // an error in the worker (it catches its own per path) ends the read-ahead, not the build
      this.worker.on('error', () => {
        this.off = true;
      });
      this.worker.unref();
      port1.unref();
      this.ports.push(port1);
      return true;
    } catch {
      this.off = true;
      return false;
    }
  }

  private await(e: Entry): void {
    const rx = workerThreads().receiveMessageOnPort;
    const until = performance.now() + STEAL_MS;
    for (;;) {
      const seen = Atomics.load(this.flag, 0);
      for (const port of this.ports) for (let m = rx(port); m !== undefined; m = rx(port)) this.apply(m.message as Answer[]);
      if (e.done) return;
      const left = until - performance.now();
      if (left <= 0) {
        // the worker is slow with it (descheduled, a slow disk): the build reads it itself,
        // and the worker's answers, when they come, fill in only what the build has not asked
        e.done = true;
        return;
      }
      Atomics.store(this.flag, 1, 1);
      Atomics.wait(this.flag, 0, seen, left);
    }
  }

  private apply(batch: Answer[]): void {
    for (const a of batch) {
      const list = this.lists[a.id];
      const p = list.paths[a.i];
      list.entries[a.i].done = true;
      const kind = KINDS[a.code];
      if (kind !== null) this.sink.known(p, kind, a.bytes && Buffer.from(a.bytes));
      if (a.names === undefined) continue;
      this.listings.set(p, new Set(a.names.map((n) => n.toLowerCase())));
      const prefix = p.endsWith('/') ? p : p + '/';
      for (let j = 0; j < a.names.length; j++) {
        const k = KINDS[a.codes![j]];
        if (k === null) continue;
        const bytes = a.data![j];
        this.sink.known(prefix + a.names[j], k, bytes ? Buffer.from(bytes) : undefined, a.parsed?.[j] ?? undefined);
      }
    }
  }
}

/** The names nodeFs (and the worker) open before anything else: what resources, patches and kustomization files are called. */
export const DATA_FILE = /\.(?:ya?ml|json)$/i;

// The file-system primitives nodeFs and the worker share. The worker runs them from their
// source text: each uses only its arguments.

/** Reads `fd` into `buf` from `at` until `buf` is full or the file ends: how much of `buf` is filled. */
export function readInto(fsm: typeof import('node:fs'), fd: number, buf: Buffer, at: number): number {
  while (at < buf.length) {
    const n = fsm.readSync(fd, buf, at, buf.length - at, null);
    if (n === 0) break;
    at += n;
  }
  return at;
}

/** openFirstRead's answers other than a byte count. */
export const OPENED = { link: -1, missing: -2, undecided: -3 } as const;

/**
 * Opens `p` without following a final symlink or blocking on a FIFO, and reads it into
 * `scratch`: the number of bytes read when that is the whole file (1 to scratch.length - 1);
 * else what opening it told: a symlink (ELOOP, OPENED.link), missing (OPENED.missing), or
 * anything else (OPENED.undecided: a directory, an empty or a large file, a device, an error;
 * lstat decides).
 */
export function openFirstRead(fsm: typeof import('node:fs'), scratch: Buffer, p: string, fill: typeof readInto): number {
  let fd: number;
  try {
    fd = fsm.openSync(p, fsm.constants.O_RDONLY | fsm.constants.O_NOFOLLOW | fsm.constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ELOOP' ? -1 : code === 'ENOENT' || code === 'ENOTDIR' ? -2 : -3;
  }
  try {
    const got = fill(fsm, fd, scratch, 0);
    return got === 0 || got === scratch.length ? -3 : got;
  } catch {
    return -3; // a directory (EISDIR), a device that would block (EAGAIN)
  } finally {
    try {
      fsm.closeSync(fd);
    } catch {
      /* closed */
    }
  }
}

/** lstat's answer: what `p` is, not following a final symlink; undefined when missing (or lstat fails). */
export function lstatKind(fsm: typeof import('node:fs'), p: string): Kind | undefined {
  try {
    // no exception (and its stack) for a missing path: a build asks about many
    const l = fsm.lstatSync(p, { throwIfNoEntry: false });
    return l === undefined ? undefined : l.isSymbolicLink() ? 'link' : l.isDirectory() ? 'dir' : l.isFile() ? 'file' : 'other';
  } catch {
    return undefined;
  }
}

/**
 * The worker. It runs from its source text (an eval worker), so it uses nothing from this
 * module: Node's modules come through `req`, the shared primitives as arguments, the rest
 * through workerData.
 */
function readAheadWorker(req: NodeJS.Require, fill: typeof readInto, openFirst0: typeof openFirstRead, lstatOf: typeof lstatKind): void {
  const fs = req('node:fs') as typeof import('node:fs');
  const { workerData, parentPort } = req('node:worker_threads') as typeof WorkerThreads;
  const port = workerData.port as WorkerThreads.MessagePort;
  const flag = workerData.flag as Int32Array;
  const C = workerData.codes as typeof CODES;
  const DATA = new RegExp(workerData.data as string, 'i');
  const scratch = Buffer.allocUnsafeSlow(64 * 1024);
  // bytes read and not yet taken are held by the build: at most this much in all, and this
  // many files per directory, and no directory of more names than this
  let budget = 64 * 1024 * 1024;
  // The YAML reader (load/yaml/pre-parse.ts), loaded while the first list waits; without it
  // (it failed to load) files are only read.
  let preParse: ((bytes: Uint8Array) => string | undefined) | undefined;
  const ready: Promise<void> =
    typeof workerData.parser === 'string'
      ? import(workerData.parser).then(
          (m: { preParse?: typeof preParse }) => {
            preParse = m.preParse;
          },
          () => undefined,
        )
      : Promise.resolve();
  const MAX_READS = 256;
  const MAX_NAMES = 4096;
  const IDLE_MS = 50;
  const PARSE_AHEAD = workerData.parseAhead as number;
  let batch: Answer[] = [];
  let transfer: ArrayBuffer[] = [];
  let idle: ReturnType<typeof setTimeout> | undefined;

  /** nodeFs' openFirst: a file's code and bytes, or the code of what opening it told. */
  const openFirst = (p: string): { code: number; bytes?: ArrayBuffer } => {
    const got = openFirst0(fs, scratch, p, fill);
    if (got === -1) return { code: C.link };
    if (got === -2) return { code: C.missing };
    if (got < 0) return { code: C.undecided };
    budget -= got;
    Atomics.add(flag, 4, got);
    const bytes = scratch.buffer.slice(scratch.byteOffset, scratch.byteOffset + got) as ArrayBuffer;
    transfer.push(bytes);
    return { code: C.file, bytes };
  };
  const lstatCode = (p: string): number => {
    const k = lstatOf(fs, p);
    return k === undefined ? C.missing : C[k];
  };
  const direntCode = (d: import('node:fs').Dirent): number =>
    d.isFile() ? C.file : d.isDirectory() ? C.dir : d.isSymbolicLink() ? C.link : d.isFIFO() || d.isSocket() || d.isCharacterDevice() || d.isBlockDevice() ? C.other : C.undecided;

  const answer = (id: number, i: number, p: string, kfiles: readonly string[] | undefined, parse: boolean): Answer => {
    let a: Answer = { id, i, code: C.undecided };
    if (DATA.test(p) && budget > 0) a = { id, i, ...openFirst(p) };
    if (a.code === C.undecided) a.code = lstatCode(p);
    let isDir = a.code === C.dir;
    if (a.code === C.link) {
      try {
        isDir = fs.statSync(p).isDirectory();
      } catch {
        isDir = false;
      }
    }
    if (!isDir) return a;
    let ents: import('node:fs').Dirent[];
    try {
      ents = fs.readdirSync(p, { withFileTypes: true });
    } catch {
      return a;
    }
    if (ents.length > MAX_NAMES) return a;
    const prefix = p.endsWith('/') ? p : p + '/';
    const names: string[] = [];
    const codes = new Uint8Array(ents.length);
    const data: (ArrayBuffer | null)[] = [];
    const parsed: (string | null)[] = [];
    let reads = 0;
    // the kustomization file first: its text says which of the other files to read
    let kIndex = -1;
    let mentions: string | undefined;
    for (const kn of kfiles ?? []) {
      kIndex = ents.findIndex((d) => d.name === kn);
      if (kIndex >= 0) break;
    }
    const read = (j: number): void => {
      reads++;
      const got = openFirst(prefix + ents[j].name);
      // undecided (empty, large, unreadable): lstat's "file" stands, the build reads it
      if (got.code !== C.undecided) codes[j] = got.code;
      if (got.bytes) data[j] = got.bytes;
      if (j === kIndex && got.bytes) mentions = Buffer.from(got.bytes).toString('utf8');
      else if (parse && got.bytes && preParse !== undefined && budget > 0) {
        let json: string | undefined;
        try {
          json = preParse(new Uint8Array(got.bytes));
        } catch {
          json = undefined; // the build reads it, and reports what there is to report
        }
        if (json !== undefined) {
          parsed[j] = json;
          budget -= json.length;
        }
      }
    };
    for (let j = 0; j < ents.length; j++) {
      names.push(ents[j].name);
      codes[j] = direntCode(ents[j]);
      data.push(null);
      parsed.push(null);
    }
    if (kIndex >= 0 && codes[kIndex] === C.file && budget > 0) read(kIndex);
    for (let j = 0; j < ents.length; j++) {
      if (j === kIndex || codes[j] !== C.file || !DATA.test(names[j]) || reads >= MAX_READS || budget <= 0) continue;
      if (kfiles === undefined || (mentions !== undefined && mentions.includes(names[j]))) read(j);
    }
    return { ...a, names, codes, data, ...(preParse !== undefined ? { parsed } : {}) };
  };

  const flush = (): void => {
    if (batch.length === 0) return;
    port.postMessage(batch, transfer);
    Atomics.add(flag, 2, batch.length);
    batch = [];
    transfer = [];
    Atomics.store(flag, 1, 0);
    Atomics.add(flag, 0, 1);
    Atomics.notify(flag, 0);
  };

  /** Waits while `seq` is more than `window` ahead of the build; false when the build has not moved for 2 s (it is done, or stuck). */
  const within = (seq: number, window: number): boolean => {
    let still = 0;
    for (let at = Atomics.load(flag, 5); seq > at + window; at = Atomics.load(flag, 5)) {
      flush();
      if (Atomics.wait(flag, 5, at, 100) === 'timed-out' && (still += 100) >= 2000) return false;
    }
    return true;
  };

  parentPort!.on('message', async (m: { id: number; base: number; paths: string[]; states: Int32Array; kfiles?: string[] }) => {
    if (idle) clearTimeout(idle);
    await ready;
    if (idle) clearTimeout(idle);
    for (let i = 0; i < m.paths.length; i++) {
      // the rest of a list the build no longer asks about is left to it
      if (!within(m.base + i, workerData.window as number)) break;
      if (Atomics.compareExchange(m.states, i, 0, 1) !== 0) continue; // the build took it
      let a: Answer;
      try {
        // reading YAML costs the worker more than reading files: only while well ahead of the
        // build, so that the build does not wait for a file while the worker reads YAML
        a = answer(m.id, i, m.paths[i], m.kfiles, m.base + i - Atomics.load(flag, 5) >= PARSE_AHEAD);
      } catch {
        a = { id: m.id, i, code: C.undecided };
      }
      batch.push(a);
      if (batch.length >= 16 || Atomics.load(flag, 1) === 1) flush();
    }
    flush();
    // nothing more to read: the thread ends soon (its memory is freed before the build's peak,
    // which comes at the end), and a later list starts another
    idle = setTimeout(() => {
      Atomics.store(flag, 3, 1);
      process.exit(0);
    }, IDLE_MS);
  });
}
