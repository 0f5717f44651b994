/**
 * firstDocument (load/loader.ts): the text of a kustomization file's first document, as
 * Kustomize reads only that one. Its shortcut for texts with no line starting `---` or `...`
 * must give what the line-by-line scan gives: checked against that scan (firstDocumentByLines)
 * on generated texts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { firstDocument, firstDocumentByLines as byLines } from '../../compiler/load/loader.js';

test('firstDocument: texts without separators are whole; with them, the first document (generated texts against the line scan)', () => {
  const pieces = ['---', '--- # c', '----', '...', '... ', '.... x', 'resources:', '- a.yaml', '  x: ---', 'a: "..."', '# ---', '%YAML 1.2', '', ' ---', '\t...'];
  let seed = 7;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 16) % n;
  };
  let withSep = 0;
  for (let i = 0; i < 5000; i++) {
    const lines: string[] = [];
    for (let j = rnd(8); j >= 0; j--) lines.push(pieces[rnd(pieces.length)]);
    const text = lines.join(rnd(4) === 0 ? '\r\n' : '\n') + (rnd(2) ? '\n' : '');
    if (firstDocument(text) !== text) withSep++;
    assert.is(firstDocument(text), byLines(text), JSON.stringify(text));
  }
  assert.ok(withSep > 500, `cut texts: ${withSep}`);
  assert.is(firstDocument('resources:\n- a.yaml\n---\nresources:\n- b.yaml\n'), 'resources:\n- a.yaml\n');
  assert.is(firstDocument('resources:\n- a.yaml\n'), 'resources:\n- a.yaml\n');
});

test.run();
