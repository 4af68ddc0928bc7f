import { randomBytes } from 'node:crypto';
import { KmsError } from '../../../lambda/core/errors';
import {
  AlgorithmSuiteId, DecryptionMaterials, DecryptionMaterialsRequest, EncryptionMaterials, EncryptionMaterialsRequest, MaterialsManager,
} from '../../../lambda/core/types';

/**
 * A counting fake MaterialsManager (plain object, no mocking): fresh random data keys, an optional
 * gate to hold calls in flight, and an optional failure.
 */
export class CountingMaterialsManager implements MaterialsManager {
  public encryptCalls = 0;
  public decryptCalls = 0;
  /** Every data key handed out, to check the cache zeroes its copies. */
  public readonly issued: Buffer[] = [];
  public failWith?: Error;
  private gate?: Promise<void>;
  private release?: () => void;

  /** Holds every call until `open()`. */
  public hold(): void {
    this.gate = new Promise((resolve) => { this.release = resolve; });
  }
  public open(): void {
    this.release?.();
    this.gate = undefined;
  }

  public async getEncryptionMaterials(request: EncryptionMaterialsRequest): Promise<EncryptionMaterials> {
    this.encryptCalls++;
    await this.gate;
    if (this.failWith) throw this.failWith;
    const plaintextDataKey = randomBytes(32);
    this.issued.push(plaintextDataKey);
    return {
      suite: request.suite,
      encryptionContext: request.encryptionContext,
      plaintextDataKey,
      encryptedDataKeys: [{ providerId: 'fake', providerInfo: `key-${this.encryptCalls}`, encryptedDataKey: randomBytes(48) }],
      cacheHit: false,
    };
  }

  public async decryptMaterials(request: DecryptionMaterialsRequest): Promise<DecryptionMaterials> {
    this.decryptCalls++;
    await this.gate;
    if (this.failWith) throw this.failWith;
    const plaintextDataKey = randomBytes(32);
    this.issued.push(plaintextDataKey);
    return { suite: request.suite, encryptionContext: request.encryptionContext, plaintextDataKey, cacheHit: false };
  }
}

export const SUITE = AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY;

export function throttling(): KmsError {
  return new KmsError('ThrottlingException', 'Rate exceeded.', { retryable: true });
}

/** A clock the test moves by hand, in epoch ms. */
export function manualClock(start = 1_700_000_000_000) {
  let now = start;
  return { clock: () => now, advanceSeconds: (s: number) => { now += s * 1000; } };
}

export function isZero(buf: Buffer): boolean {
  return buf.every((b) => b === 0);
}
