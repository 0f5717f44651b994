/**
 * The repository URL a cluster's GitOps controller clones the deploy branches from.
 * Pure helpers: credentials are never written into generated files, and Flux gets the
 * URL form its GitRepository accepts (`http(s)://` or `ssh://`, not scp-like `git@host:path`).
 */

/** `git@github.com:org/repo.git` (scp-like syntax, no scheme). */
const SCP_LIKE = /^([A-Za-z0-9._-]+@)?([A-Za-z0-9.-]+):(?!\/\/)(.+)$/;

export type RepoURLKind = 'https' | 'http' | 'ssh' | 'scp' | 'other';

export function repoURLKind(url: string): RepoURLKind {
  if (/^https:\/\//i.test(url)) return 'https';
  if (/^http:\/\//i.test(url)) return 'http';
  if (/^ssh:\/\//i.test(url)) return 'ssh';
  if (!url.includes('://') && SCP_LIKE.test(url) && !/^[A-Za-z]:[\\/]/.test(url)) return 'scp';
  return 'other';
}

/**
 * Removes credentials from an http(s) URL (`https://user:token@host/x` → `https://host/x`),
 * as CI checkouts sometimes embed a token in `origin`. SSH user names (`git@`) are kept:
 * they are not secrets and the server needs them.
 */
export function stripCredentials(url: string): string {
  const m = /^(https?:\/\/)([^/@]*@)(.*)$/i.exec(url);
  return m ? m[1] + m[3] : url;
}

/** The URL for Argo CD: credentials stripped; scp-like SSH URLs are accepted as they are. */
export function argoRepoURL(url: string): string {
  return stripCredentials(url.trim());
}

/** The URL for a Flux GitRepository (`^(http|https|ssh)://`): scp-like SSH becomes `ssh://user@host/path`. */
export function fluxRepoURL(url: string): string {
  const u = stripCredentials(url.trim());
  if (repoURLKind(u) === 'scp') {
    const m = SCP_LIKE.exec(u)!;
    const p = m[3].replace(/^\/+/, '');
    return `ssh://${m[1] ?? ''}${m[2]}/${p}`;
  }
  return u;
}
