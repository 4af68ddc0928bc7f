/**
 * The one behaviour suite every KMS key provider must pass. Each provider test file calls
 * `keyProviderSuite` with a fixture factory; the suite knows nothing about how KMS is reached.
 */
import { randomUUID } from 'node:crypto';
import { ConfigurationError, KmsError } from '../../../lambda/core/errors';
import type { EncryptedDataKey } from '../../../lambda/core/types';
import type { KmsKeyProviderBase, KmsKeyProviderCommonOptions } from '../../../lambda/providers/kms-key-provider-base';

/** What the suite needs to set up keys on the backend under test (LocalKms, or a KMS endpoint). */
export interface KeyAdmin {
  /** Creates a symmetric encryption key; returns its key id and ARN. */
  createKey(description: string): Promise<{ keyId: string; arn: string }>;
  createAlias(aliasName: string, keyId: string): Promise<void>;
  disableKey(keyId: string): Promise<void>;
  /** Schedules deletion with the shortest window (7 days). */
  scheduleKeyDeletion(keyId: string): Promise<void>;
}

export interface ProviderFixture {
  /** ARN of a usable symmetric key. */
  readonly keyArn: string;
  /** ARN of a second usable key (may equal keyArn when only one key is available). */
  readonly otherKeyArn: string;
  /** Creates keys and aliases on the same backend. */
  readonly admin: KeyAdmin;
  /** A provider of the kind under test. */
  provider(options: KmsKeyProviderCommonOptions): KmsKeyProviderBase;
}

/**
 * What the backend does with a disabled or pending-deletion key: `enforced` (KMS and LocalKms refuse
 * it), or `ignored` with the reason (moto 5 uses such keys as if enabled; the suite pins that, so a
 * moto that starts enforcing key state shows up here).
 */
export type KeyStateBehaviour = { readonly enforced: true } | { readonly enforced: false; readonly reason: string };

const CONTEXT = { purpose: 'provider-suite', tenant: 'secret-tenant-value' };

export function keyProviderSuite(name: string, setup: () => Promise<ProviderFixture>, keyState: KeyStateBehaviour): void {
  describe(`KeyProvider suite: ${name}`, () => {
    let f: ProviderFixture;
    beforeAll(async () => {
      f = await setup();
    });

    test('generates a data key of the asked size, wrapped under the key ARN as provider info', async () => {
      const p = f.provider({ keyId: f.keyArn });
      const out = await p.generateDataKey({ numberOfBytes: 32, encryptionContext: CONTEXT });
      expect(out.plaintextDataKey).toHaveLength(32);
      expect(out.encryptedDataKey.providerId).toBe('aws-kms');
      expect(out.encryptedDataKey.providerInfo).toBe(f.keyArn);
      expect(out.encryptedDataKey.encryptedDataKey.length).toBeGreaterThan(32);
      expect(p.providerId).toBe('aws-kms');
      expect(p.keyId).toBe(f.keyArn);
    });

    test('decrypts what it generated, and counts its calls', async () => {
      const p = f.provider({ keyId: f.keyArn });
      const out = await p.generateDataKey({ numberOfBytes: 32, encryptionContext: CONTEXT });
      expect(p.canDecrypt(out.encryptedDataKey)).toBe(true);
      const plain = await p.decryptDataKey({ encryptedDataKey: out.encryptedDataKey, encryptionContext: { ...CONTEXT } });
      expect(plain.equals(out.plaintextDataKey)).toBe(true);
      expect(p.stats).toEqual({ generateDataKey: 1, decrypt: 1, reEncrypt: 0, failures: 0 });
      expect(p.calls).toBe(2);
    });

    test('encryption context order does not matter; a different context fails with InvalidCiphertextException and no values in the message', async () => {
      const p = f.provider({ keyId: f.keyArn });
      const out = await p.generateDataKey({ numberOfBytes: 16, encryptionContext: CONTEXT });
      const reordered = { tenant: CONTEXT.tenant, purpose: CONTEXT.purpose };
      await expect(p.decryptDataKey({ encryptedDataKey: out.encryptedDataKey, encryptionContext: reordered })).resolves.toHaveLength(16);
      const error = await p.decryptDataKey({ encryptedDataKey: out.encryptedDataKey, encryptionContext: { ...CONTEXT, tenant: 'other' } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KmsError);
      expect((error as KmsError).kmsErrorName).toBe('InvalidCiphertextException');
      expect((error as KmsError).retryable).toBe(false);
      expect((error as KmsError).message).not.toContain('secret-tenant-value');
      expect(p.stats.failures).toBe(1);
    });

    test('a tampered encrypted data key fails with InvalidCiphertextException', async () => {
      const p = f.provider({ keyId: f.keyArn });
      const out = await p.generateDataKey({ numberOfBytes: 32, encryptionContext: CONTEXT });
      const bytes = Buffer.from(out.encryptedDataKey.encryptedDataKey);
      bytes[bytes.length - 5] = (bytes[bytes.length - 5] + 1) % 256;
      const tampered: EncryptedDataKey = { ...out.encryptedDataKey, encryptedDataKey: bytes };
      await expect(p.decryptDataKey({ encryptedDataKey: tampered, encryptionContext: CONTEXT }))
        .rejects.toMatchObject({ errorType: 'KmsError', kmsErrorName: 'InvalidCiphertextException' });
    });

    test('canDecrypt only accepts aws-kms data keys of its own key', async () => {
      const p = f.provider({ keyId: f.keyArn });
      const out = await p.generateDataKey({ numberOfBytes: 32, encryptionContext: CONTEXT });
      expect(p.canDecrypt({ ...out.encryptedDataKey, providerId: 'raw-aes' })).toBe(false);
      expect(p.canDecrypt({ ...out.encryptedDataKey, providerInfo: f.keyArn.replace(/key\/.*$/, `key/${randomUUID()}`) })).toBe(false);
      expect(p.canDecrypt({ ...out.encryptedDataKey, providerInfo: 'not-an-arn' })).toBe(false);
      await expect(p.decryptDataKey({ encryptedDataKey: { ...out.encryptedDataKey, providerId: 'raw-aes' }, encryptionContext: CONTEXT }))
        .rejects.toBeInstanceOf(ConfigurationError);
    });

    test('re-encrypts a data key under another key without exposing it', async () => {
      const p = f.provider({ keyId: f.keyArn });
      const out = await p.generateDataKey({ numberOfBytes: 32, encryptionContext: CONTEXT });
      const moved = await p.reEncryptDataKey({ encryptedDataKey: out.encryptedDataKey, encryptionContext: CONTEXT, destinationKeyId: f.otherKeyArn });
      expect(moved.providerInfo).toBe(f.otherKeyArn);
      const other = f.provider({ keyId: f.otherKeyArn });
      expect((await other.decryptDataKey({ encryptedDataKey: moved, encryptionContext: CONTEXT })).equals(out.plaintextDataKey)).toBe(true);
      expect(p.stats.reEncrypt).toBe(1);
    });

    test('passes grant tokens and still works', async () => {
      const p = f.provider({ keyId: f.keyArn, grantTokens: ['grant-token-1'] });
      const out = await p.generateDataKey({ numberOfBytes: 32, encryptionContext: {} });
      await expect(p.decryptDataKey({ encryptedDataKey: out.encryptedDataKey, encryptionContext: {} })).resolves.toHaveLength(32);
    });

    test('an unknown key fails with NotFoundException', async () => {
      const missing = f.keyArn.replace(/key\/.*$/, `key/${randomUUID()}`);
      const p = f.provider({ keyId: missing });
      await expect(p.generateDataKey({ numberOfBytes: 32, encryptionContext: {} }))
        .rejects.toMatchObject({ kmsErrorName: 'NotFoundException', retryable: false });
    });

    test('takes the key as a key id, key ARN, alias name or alias ARN, and records the key ARN', async () => {
      const keyId = f.keyArn.split('/').pop()!;
      const aliasName = `alias/provider-suite-${randomUUID()}`;
      await f.admin.createAlias(aliasName, keyId);
      const aliasArn = f.keyArn.replace(/:key\/.*$/, `:${aliasName}`);
      for (const ref of [keyId, f.keyArn, aliasName, aliasArn]) {
        const p = f.provider({ keyId: ref });
        const out = await p.generateDataKey({ numberOfBytes: 32, encryptionContext: CONTEXT });
        const seen = { ref, providerInfo: out.encryptedDataKey.providerInfo, keyArn: p.keyArn };
        expect(seen).toEqual({ ref, providerInfo: f.keyArn, keyArn: f.keyArn });
        expect(p.canDecrypt(out.encryptedDataKey)).toBe(true);
        const plain = await p.decryptDataKey({ encryptedDataKey: out.encryptedDataKey, encryptionContext: CONTEXT });
        expect(plain.equals(out.plaintextDataKey)).toBe(true);
      }
    });

    if (keyState.enforced) {
      test('a disabled key fails with DisabledException, a key pending deletion with KMSInvalidStateException', async () => {
        const disabled = await f.admin.createKey('provider-suite disabled key');
        await f.admin.disableKey(disabled.keyId);
        await expect(f.provider({ keyId: disabled.arn }).generateDataKey({ numberOfBytes: 32, encryptionContext: {} }))
          .rejects.toMatchObject({ kmsErrorName: 'DisabledException', retryable: false });
        const pending = await f.admin.createKey('provider-suite pending-deletion key');
        await f.admin.scheduleKeyDeletion(pending.keyId);
        await expect(f.provider({ keyId: pending.arn }).generateDataKey({ numberOfBytes: 32, encryptionContext: {} }))
          .rejects.toMatchObject({ kmsErrorName: 'KMSInvalidStateException', retryable: false });
      });
    } else {
      test(`key state is not enforced here (${keyState.reason}): disabled and pending-deletion keys still give data keys`, async () => {
        const disabled = await f.admin.createKey('provider-suite disabled key');
        await f.admin.disableKey(disabled.keyId);
        const pending = await f.admin.createKey('provider-suite pending-deletion key');
        await f.admin.scheduleKeyDeletion(pending.keyId);
        for (const k of [disabled, pending]) {
          const out = await f.provider({ keyId: k.arn }).generateDataKey({ numberOfBytes: 32, encryptionContext: {} });
          expect(out.encryptedDataKey.providerInfo).toBe(k.arn);
        }
      });
    }

    test('rejects a bad data key size and a missing key id before calling KMS', async () => {
      const p = f.provider({ keyId: f.keyArn });
      await expect(p.generateDataKey({ numberOfBytes: 0, encryptionContext: {} })).rejects.toThrow(/numberOfBytes must be an integer from 1 to 1024; received 0/);
      await expect(p.generateDataKey({ numberOfBytes: 1025, encryptionContext: {} })).rejects.toBeInstanceOf(ConfigurationError);
      expect(p.calls).toBe(0);
      expect(() => f.provider({ keyId: '' })).toThrow(/needs keyId/);
      expect(() => f.provider({ keyId: 'arn:aws:s3:::bucket' })).toThrow(/not a KMS key or alias ARN/);
    });
  });
}
