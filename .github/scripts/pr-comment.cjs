// Posts or updates the one sticky pull-request comment that carries kforge's rendered diff.
// Called by actions/github-script in .github/workflows/kforge.yml:
//   await require('./.github/scripts/pr-comment.cjs')({ github, context, core })
// and by test/bootstrap/workflow.test.ts with a fake `github` client and `context`.
//
// - The body is kforge's Markdown as it is: `kforge diff --format markdown` already keeps it
//   under GitHub's 65,536 characters, closing every fence and <details>; cutting it again
//   would break it. Should it ever be longer, a short notice is posted instead of a cut.
// - The comment to update is the bot's own (author `github-actions[bot]`, type Bot) that
//   carries the marker, never a human's comment that happens to quote the marker.
'use strict';

const fs = require('node:fs');

const MARKER = '<!-- kforge-diff -->';
const LIMIT = 65536;
const BOT = 'github-actions[bot]';

/** The comment body for kforge's Markdown TEXT. */
function commentBody(text) {
  if (text.trim() === '') return `${MARKER}\nkforge printed no diff: see the job log.\n`;
  const body = text.startsWith(MARKER) ? text : `${MARKER}\n${text}`;
  if (body.length <= LIMIT) return body;
  return `${MARKER}\nThe rendered diff (${body.length} characters) is over GitHub's comment limit: it is in the job summary.\n`;
}

/** True for the comment this workflow wrote earlier: the bot's, with the marker. */
function isOurs(comment, author = BOT) {
  const user = comment.user || {};
  return user.login === author && user.type === 'Bot' && typeof comment.body === 'string' && comment.body.includes(MARKER);
}

/**
 * Creates the sticky comment, or updates the bot's existing one.
 * Returns { action: 'created' | 'updated', id }.
 */
async function postComment({ github, context, core, file = 'diff.md', author = BOT }) {
  const body = commentBody(fs.readFileSync(file, 'utf8'));
  const { owner, repo } = context.repo;
  const issue_number = context.issue.number;
  const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });
  const existing = comments.find((c) => isOurs(c, author));
  if (existing) {
    await github.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body });
    if (core) core.info(`updated comment ${existing.id}`);
    return { action: 'updated', id: existing.id };
  }
  const created = await github.rest.issues.createComment({ owner, repo, issue_number, body });
  const id = created && created.data ? created.data.id : undefined;
  if (core) core.info(`created comment ${id}`);
  return { action: 'created', id };
}

module.exports = postComment;
module.exports.postComment = postComment;
module.exports.commentBody = commentBody;
module.exports.isOurs = isOurs;
module.exports.MARKER = MARKER;
