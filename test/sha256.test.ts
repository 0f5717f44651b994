/** compiler/sha256.ts: the plain JavaScript SHA-256 gives node:crypto's digest (issue 15). */
import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SHORT_INPUT, sha256Hex, sha256HexJs } from '../compiler/sha256.js';
import { mulberry32 } from './helpers.js';

const native = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

test('known digests', () => {
  assert.is(sha256HexJs(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.is(sha256HexJs('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.is(sha256HexJs('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'), '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
});

test('every length around the block boundaries, and multi-byte UTF-8, as node:crypto', () => {
  for (let n = 0; n <= 200; n++) {
    const s = 'x'.repeat(n);
    assert.is(sha256HexJs(s), native(s), `length ${n}`);
  }
  const rnd = mulberry32(15);
  const alphabet = ['a', 'Z', '0', '\n', '"', 'é', '€', '𝄞', '\u2028', '\0', '日本'];
  for (let k = 0; k < 300; k++) {
    let s = '';
    const len = Math.floor(rnd() * 3000);
    for (let i = 0; i < len; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    assert.is(sha256HexJs(s), native(s));
    assert.is(sha256Hex(s), native(s));
  }
  const long = '{"data":{"k":"' + 'v'.repeat(SHORT_INPUT * 2) + '"}}';
  assert.is(sha256Hex(long), native(long));
  assert.is(sha256HexJs(long), native(long));
});

test.run();
