/* eslint-disable no-bitwise */ // flipping and mixing bits is what these tests do
import { hkdfSync, randomBytes } from 'node:crypto';
import * as fc from 'fast-check';
import { CommitmentMismatchError } from '../../../lambda/core/errors';
import { assertCommitment, deriveKeys } from '../../../lambda/core/key-derivation';
import { AlgorithmSuiteId } from '../../../lambda/core/types';

describe('deriveKeys', () => {
  test('content key info is the big-endian suite id then DERIVEKEY; commitment info is COMMITKEY', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.constantFrom(AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY, AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384),
      (key, id, suite) => {
        const { contentKey, commitment } = deriveKeys(key, id, suite);
        const info = Buffer.concat([Buffer.from([suite >> 8, suite & 0xff]), Buffer.from('DERIVEKEY')]);
        expect(contentKey.equals(Buffer.from(hkdfSync('sha512', key, id, info, 32)))).toBe(true);
        expect(commitment.equals(Buffer.from(hkdfSync('sha512', key, id, 'COMMITKEY', 32)))).toBe(true);
      }), { numRuns: 50 });
  });

  test('rejects a data key of the wrong length', () => {
    expect(() => deriveKeys(randomBytes(16), randomBytes(32), AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY)).toThrow('The data key is 16 bytes');
  });

  test('assertCommitment accepts equal and rejects different commitments', () => {
    const a = randomBytes(32);
    expect(() => assertCommitment(a, Buffer.from(a))).not.toThrow();
    const b = Buffer.from(a);
    b[31] ^= 1;
    expect(() => assertCommitment(a, b)).toThrow(CommitmentMismatchError);
    expect(() => assertCommitment(a, a.subarray(0, 31))).toThrow(CommitmentMismatchError);
  });
});
