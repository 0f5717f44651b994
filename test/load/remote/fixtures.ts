/**
 * Remote-base fixtures: a directory of files becomes a throw-away git repository (reached
 * over file://), a directory is served over HTTP on 127.0.0.1 (an ephemeral port), and a
 * local tree is copied with its placeholders filled in: @REPO@ (the repository's file://
 * URL without the scheme's slashes: `file://@REPO@` is written in fixtures), @COMMIT@ (the
 * tagged commit), @HTTP@ (host:port of the server). Used by the tests and by
 * goldens.ts, which writes the expected outputs with kubectl.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { git, commitAll, tmp } from '../../publish/helpers.js';

export function copyTree(from: string, to: string, vars: Record<string, string> = {}): void {
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    const s = path.join(from, e.name);
    const d = path.join(to, e.name);
    if (e.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(s), d);
    else if (e.isDirectory()) copyTree(s, d, vars);
    else {
      let text = fs.readFileSync(s, 'utf8');
      for (const [k, v] of Object.entries(vars)) text = text.split(`@${k}@`).join(v);
      fs.writeFileSync(d, text);
    }
  }
}

/** A git repository holding `src`'s files on main, tagged v1. */
export function remoteRepo(src: string): { dir: string; commit: string } {
  const dir = tmp('kforge-remote-');
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'commit.gpgSign', 'false');
  copyTree(src, dir);
  const commit = commitAll(dir, 'v1');
  git(dir, 'tag', 'v1');
  return { dir, commit };
}

export interface Server {
  host: string;
  hits: string[];
  close(): Promise<void>;
}

/** Serves `root`'s files (404 for anything else) on 127.0.0.1, an ephemeral port. */
export function serve(root: string): Promise<Server> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    const p = path.join(root, decodeURIComponent((req.url ?? '/').split('?')[0]));
    if (p.startsWith(root + path.sep) && fs.existsSync(p) && fs.statSync(p).isFile()) {
      res.writeHead(200, { 'content-type': 'application/yaml' });
      res.end(fs.readFileSync(p));
    } else {
      res.writeHead(404);
      res.end('not found');
    }
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({ host: `127.0.0.1:${port}`, hits, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

export interface Materialized {
  /** The local kustomization to build. */
  dir: string;
  repo: { dir: string; commit: string };
  server?: Server;
}

/** A fixture case (repo/, local/, optionally http/) ready to build. */
export async function materialize(caseDir: string): Promise<Materialized> {
  const repo = fs.existsSync(path.join(caseDir, 'repo')) ? remoteRepo(path.join(caseDir, 'repo')) : { dir: '', commit: '' };
  const server = fs.existsSync(path.join(caseDir, 'http')) ? await serve(path.join(caseDir, 'http')) : undefined;
  const dir = path.join(tmp('kforge-local-'), 'local');
  copyTree(path.join(caseDir, 'local'), dir, { REPO: repo.dir, COMMIT: repo.commit, HTTP: server?.host ?? '' });
  return { dir, repo, ...(server ? { server } : {}) };
}
