import { randomBytes } from 'node:crypto';
// eslint-disable-next-line import/no-extraneous-dependencies
import { kdfCounterMode } from '@aws-crypto/kdf-ctr-mode-node';
import { serializeEncryptionContext } from '../../../lambda/core/encryption-context';
import { InvalidMessageError } from '../../../lambda/core/errors';
import {
  bytesToUuid, ContextSortOrder, parseWrappedKey, serializeContextForAad, sortOrdersDiffer, unwrapDataKey, uuidToBytes, wrapDataKey,
} from '../../../lambda/hierarchy/branch-key-wrapping';
import { kdfCounterModeSha256 } from '../../../lambda/hierarchy/kdf-counter-mode';

const branch = { branchKeyId: 'tenant-1', branchKeyVersion: '83eec007-5659-4554-bf11-699b90f41ac6', branchKey: randomBytes(32) };

describe('KDF in counter mode', () => {
  test.each([16, 32])('matches the Encryption SDK implementation for a %i-byte salt', (saltLength) => {
    for (let i = 0; i < 20; i++) {
      const key = randomBytes(32);
      const salt = randomBytes(saltLength);
      const label = Buffer.from('aws-kms-hierarchy');
      const theirs = kdfCounterMode({ digestAlgorithm: 'sha256', ikm: key, nonce: salt, purpose: label, expectedLength: 32 });
      expect(kdfCounterModeSha256(key, label, salt, 32).equals(theirs)).toBe(true);
    }
  });
  test('a 64-byte output takes two blocks and starts with the 32-byte output of another length field', () => {
    const key = randomBytes(32);
    const theirs = kdfCounterMode({ digestAlgorithm: 'sha256', ikm: key, nonce: randomBytes(16).fill(1), purpose: Buffer.from('x'), expectedLength: 64 });
    expect(kdfCounterModeSha256(key, Buffer.from('x'), Buffer.alloc(16, 1), 64).equals(theirs)).toBe(true);
  });
  test('fails if the length is out of range', () => {
    expect(() => kdfCounterModeSha256(randomBytes(32), Buffer.alloc(0), Buffer.alloc(16), 0)).toThrow(/received 0/);
  });
});

describe('wrapping a data key under a branch key', () => {
  const context = { tenant: 'a', purpose: 'test' };

  test('lays out salt, IV, version, wrapped key and tag, and unwraps with the same context', () => {
    const dataKey = randomBytes(32);
    const ciphertext = wrapDataKey(dataKey, branch, context);
    expect(ciphertext.length).toBe(16 + 12 + 16 + 32 + 16);
    expect(ciphertext.subarray(28, 44).equals(uuidToBytes(branch.branchKeyVersion))).toBe(true);
    const parsed = parseWrappedKey(ciphertext, 32);
    expect(parsed.branchKeyVersion).toBe(branch.branchKeyVersion);
    expect(unwrapDataKey(parsed, branch, context, [ContextSortOrder.UTF8_BYTES]).equals(dataKey)).toBe(true);
  });

  test('fails if the context, the branch key id or one byte differs', () => {
    const ciphertext = wrapDataKey(randomBytes(32), branch, context);
    const parsed = parseWrappedKey(ciphertext, 32);
    expect(() => unwrapDataKey(parsed, branch, { ...context, tenant: 'b' }, [ContextSortOrder.UTF8_BYTES])).toThrow(InvalidMessageError);
    expect(() => unwrapDataKey(parsed, { ...branch, branchKeyId: 'tenant-2' }, context, [ContextSortOrder.UTF8_BYTES])).toThrow(/does not authenticate/);
    const flipped = Buffer.from(ciphertext);
    flipped[50] = 255 - flipped[50];
    expect(() => unwrapDataKey(parseWrappedKey(flipped, 32), branch, context, [ContextSortOrder.UTF8_BYTES])).toThrow(InvalidMessageError);
    expect(() => parseWrappedKey(ciphertext.subarray(1), 32)).toThrow(/are expected/);
  });

  test('UTF-8 order is the message header order; locale order differs for mixed case keys', () => {
    const mixed = { 'b': '1', 'B': '2', 'a': '3', 'a-b': '4', 'aB': '5' };
    expect(serializeContextForAad(mixed, ContextSortOrder.UTF8_BYTES).equals(serializeEncryptionContext(mixed))).toBe(true);
    expect(sortOrdersDiffer(mixed)).toBe(true);
    expect(sortOrdersDiffer({ a: '1', b: '2' })).toBe(false);
    const dataKey = randomBytes(32);
    const localeWrapped = parseWrappedKey(wrapDataKey(dataKey, branch, mixed, ContextSortOrder.LOCALE), 32);
    expect(() => unwrapDataKey(localeWrapped, branch, mixed, [ContextSortOrder.UTF8_BYTES])).toThrow(InvalidMessageError);
    expect(unwrapDataKey(localeWrapped, branch, mixed, [ContextSortOrder.UTF8_BYTES, ContextSortOrder.LOCALE]).equals(dataKey)).toBe(true);
  });

  test('UUID bytes round-trip and non-UUID versions are refused', () => {
    expect(bytesToUuid(uuidToBytes(branch.branchKeyVersion))).toBe(branch.branchKeyVersion);
    expect(() => uuidToBytes('not-a-uuid')).toThrow(/is not a UUID/);
  });
});
