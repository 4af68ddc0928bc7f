import { randomUUID } from 'node:crypto';
import { PUBLIC_KEY_CONTEXT_KEY, RESERVED_CONTEXT_PREFIX } from './encryption-context';
import { ConfigurationError, InvalidMessageError, KmsError, NoDecryptableDataKeyError, SecureKeyError } from './errors';
import { generateSigningKeyPair, verificationKeyFromContext } from './signature';
import { DATA_KEY_LENGTH, suiteInfo } from './suites';
import {
  DecryptionMaterials, DecryptionMaterialsRequest, EncryptionContext, EncryptionMaterials,
  EncryptionMaterialsRequest, KeyProvider, MaterialsManager,
} from './types';

/** A KMS key or alias ARN: names one key (or alias) in one partition, Region and account. */
const FULL_KMS_ARN = /^arn:[a-z0-9-]+:kms:[a-z0-9-]+:\d{12}:(key|alias)\/./;
const providerScopes = new WeakMap<KeyProvider, string>();

/**
 * What a data-key cache may treat as "the same key". A key or alias ARN names one key wherever it
 * is used. An alias name or bare key id does not: `alias/app` is a different key in every account
 * and Region, resolved by whichever credentials and Region the provider's client has. Such a key is
 * scoped to the provider object (one client), so two providers with the same alias in different
 * accounts never share cached data keys, even in a shared cache partition.
 */
function resolvedKeyIdentity(keyProvider: KeyProvider): string {
  if (FULL_KMS_ARN.test(keyProvider.keyId)) return `${keyProvider.providerId}:${keyProvider.keyId}`;
  let scope = providerScopes.get(keyProvider);
  if (!scope) {
    scope = randomUUID();
    providerScopes.set(keyProvider, scope);
  }
  return `${keyProvider.providerId}:${keyProvider.keyId}@provider:${scope}`;
}

/**
 * Materials straight from a KeyProvider: one GenerateDataKey per encrypted message and one
 * Decrypt per decrypted message (wrap it in a caching manager to share data keys).
 */
export class DefaultMaterialsManager implements MaterialsManager {
  public readonly keyIdentity: string;

  constructor(public readonly keyProvider: KeyProvider) {
    if (!keyProvider) throw new ConfigurationError('DefaultMaterialsManager needs a keyProvider.');
    this.keyIdentity = resolvedKeyIdentity(keyProvider);
  }

  public async getEncryptionMaterials(request: EncryptionMaterialsRequest): Promise<EncryptionMaterials> {
    const signed = suiteInfo(request.suite).signed;
    for (const key of Object.keys(request.encryptionContext)) {
      if (key.startsWith(RESERVED_CONTEXT_PREFIX)) {
        throw new ConfigurationError(`Encryption context key "${key}" uses the reserved prefix "${RESERVED_CONTEXT_PREFIX}"; rename it.`);
      }
    }
    let encryptionContext: EncryptionContext = request.encryptionContext;
    let signingKey;
    if (signed) {
      const pair = generateSigningKeyPair();
      signingKey = pair.privateKey;
      encryptionContext = Object.freeze({ ...request.encryptionContext, [PUBLIC_KEY_CONTEXT_KEY]: pair.publicKeyBase64 });
    }
    const { plaintextDataKey, encryptedDataKey } = await this.keyProvider.generateDataKey({
      numberOfBytes: DATA_KEY_LENGTH,
      encryptionContext,
    });
    if (plaintextDataKey.length !== DATA_KEY_LENGTH) {
      plaintextDataKey.fill(0);
      throw new ConfigurationError(`The key provider returned a ${plaintextDataKey.length}-byte data key; ${DATA_KEY_LENGTH} bytes are needed.`);
    }
    return { suite: request.suite, encryptionContext, plaintextDataKey, encryptedDataKeys: [encryptedDataKey], signingKey, cacheHit: false };
  }

  public async decryptMaterials(request: DecryptionMaterialsRequest): Promise<DecryptionMaterials> {
    const signed = suiteInfo(request.suite).signed;
    const publicKey = request.encryptionContext[PUBLIC_KEY_CONTEXT_KEY];
    if (signed && publicKey === undefined) {
      throw new InvalidMessageError(`A signed message has no ${PUBLIC_KEY_CONTEXT_KEY} in its encryption context: the message is corrupt.`);
    }
    if (!signed && publicKey !== undefined) {
      throw new InvalidMessageError(`An unsigned message carries ${PUBLIC_KEY_CONTEXT_KEY}: the message is corrupt or was altered.`);
    }
    const verificationKey = signed ? verificationKeyFromContext(publicKey) : undefined;
    const candidates = request.encryptedDataKeys.filter((edk) => this.keyProvider.canDecrypt(edk));
    if (candidates.length === 0) {
      throw new NoDecryptableDataKeyError(`None of the message's ${request.encryptedDataKeys.length} encrypted data keys belongs to key provider "${this.keyProvider.providerId}" with key ${this.keyProvider.keyId}; decrypt with a provider for the key that encrypted it.`);
    }
    const causes: unknown[] = [];
    for (const edk of candidates) {
      try {
        const plaintextDataKey = await this.keyProvider.decryptDataKey({ encryptedDataKey: edk, encryptionContext: request.encryptionContext });
        if (plaintextDataKey.length !== DATA_KEY_LENGTH) {
          plaintextDataKey.fill(0);
          causes.push(new InvalidMessageError(`The key provider returned a ${plaintextDataKey.length}-byte data key.`));
          continue;
        }
        return { suite: request.suite, encryptionContext: request.encryptionContext, plaintextDataKey, verificationKey, cacheHit: false };
      } catch (err) {
        causes.push(err);
      }
    }
    // A transient KMS failure (throttling, an outage) says nothing about the message: surface it as
    // the retryable KmsError it is, so callers retry instead of discarding a good message.
    const transient = causes.find((c): c is KmsError => c instanceof KmsError && c.retryable);
    if (transient) throw transient;
    const reasons = causes.map((c) => (c instanceof KmsError ? c.kmsErrorName : c instanceof SecureKeyError ? c.errorType : c instanceof Error ? c.name : 'Error'));
    throw new NoDecryptableDataKeyError(
      `Could not decrypt any of the ${candidates.length} matching encrypted data keys (${reasons.join(', ')}); check the key is enabled, the caller may use it, and the encryption context is right.`,
      { cause: causes.length === 1 ? causes[0] : new AggregateError(causes, 'Key provider failures') },
    );
  }
}
