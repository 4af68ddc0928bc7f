/**
 * The handler with a branch key store (SECUREKEY_BRANCH_KEY_*): its configuration, and encrypt and
 * decrypt through a HierarchicalKeyProvider over an in-memory branch key table and a LocalKms.
 */
import { KEY_ARN } from './support';
import { EnvelopeClient } from '../../../lambda/core/envelope-client';
import { branchKeyProvider } from '../../../lambda/handler/branch-key-store';
import { loadConfig } from '../../../lambda/handler/config';
import { createHandler, type DecryptResponse, type EncryptResponse } from '../../../lambda/handler/create-handler';
import { dependenciesFromEnvironment } from '../../../lambda/handler/environment';
import type { ErrorResponse } from '../../../lambda/handler/errors';
import type { CallLogRecord } from '../../../lambda/handler/logger';
import { branchKeyIdFromContext, HierarchicalKeyProvider } from '../../../lambda/hierarchy/hierarchical-key-provider';
import { inMemoryStore, LOGICAL, TABLE } from '../hierarchy/support';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const STORE_ENV = { SECUREKEY_BRANCH_KEY_TABLE: TABLE, SECUREKEY_BRANCH_KEY_STORE_NAME: LOGICAL };

describe('configuration with a branch key store', () => {
  test('the table, the store name and one way to choose the branch key; the data-key cache is off', () => {
    const config = loadConfig({ SECUREKEY_KEY_ARN: KEY_ARN, ...STORE_ENV, SECUREKEY_BRANCH_KEY_ID_CONTEXT_KEY: 'tenant', SECUREKEY_BRANCH_KEY_CACHE_TTL_SECONDS: '60' });
    expect(config.branchKeyStore).toEqual({
      tableName: TABLE, logicalKeyStoreName: LOGICAL, branchKeyIdContextKey: 'tenant', cacheTtlSeconds: 60, cacheCapacity: 1000,
    });
    expect(config.cache).toMatchObject({ enabled: false, capacity: 0 });
    expect(config.generateDataKeyEnabled).toBe(false);
    expect(loadConfig({ SECUREKEY_KEY_ARN: KEY_ARN }).branchKeyStore).toBeUndefined();
  });

  test.each([
    ['no way to choose the branch key', {}, /Set exactly one of SECUREKEY_BRANCH_KEY_ID .* and SECUREKEY_BRANCH_KEY_ID_CONTEXT_KEY .*; neither is set\./],
    ['both ways', { SECUREKEY_BRANCH_KEY_ID: 'b', SECUREKEY_BRANCH_KEY_ID_CONTEXT_KEY: 'tenant' }, /; both are set\./],
    ['no store name', { SECUREKEY_BRANCH_KEY_STORE_NAME: '', SECUREKEY_BRANCH_KEY_ID: 'b' }, /SECUREKEY_BRANCH_KEY_STORE_NAME is not set; set it to the logical key store name of "branch-keys"/],
    ['the data-key cache and reEncrypt', { SECUREKEY_BRANCH_KEY_ID: 'b', SECUREKEY_CACHE_MAX_AGE_SECONDS: '60', SECUREKEY_REENCRYPT_DESTINATION_KEY_ARNS: KEY_ARN },
      /SECUREKEY_CACHE_MAX_AGE_SECONDS, SECUREKEY_REENCRYPT_DESTINATION_KEY_ARNS apply only to data keys from KMS/],
    ['generateDataKey turned on', { SECUREKEY_BRANCH_KEY_ID: 'b', SECUREKEY_GENERATE_DATA_KEY: 'true' }, /SECUREKEY_GENERATE_DATA_KEY is "true", but with a branch key store/],
    ['a cache TTL of 0', { SECUREKEY_BRANCH_KEY_ID: 'b', SECUREKEY_BRANCH_KEY_CACHE_TTL_SECONDS: '0' }, /SECUREKEY_BRANCH_KEY_CACHE_TTL_SECONDS is "0"; expected a whole number of seconds from 1 to 86400 \(default 300\)/],
  ])('fails with %s', (_name, extra, message) => {
    expect(() => loadConfig({ SECUREKEY_KEY_ARN: KEY_ARN, ...STORE_ENV, ...extra })).toThrow(message);
  });

  test('fails if branch key settings come without the table', () => {
    expect(() => loadConfig({ SECUREKEY_KEY_ARN: KEY_ARN, SECUREKEY_BRANCH_KEY_ID: 'b', SECUREKEY_BRANCH_KEY_CACHE_CAPACITY: '10' }))
      .toThrow(/SECUREKEY_BRANCH_KEY_ID, SECUREKEY_BRANCH_KEY_CACHE_CAPACITY need SECUREKEY_BRANCH_KEY_TABLE, the branch key store's table; set it, or remove them\./);
  });

  test('dependenciesFromEnvironment builds the hierarchical provider (loading the DynamoDB client), without calling AWS', async () => {
    const deps = await dependenciesFromEnvironment({ SECUREKEY_KEY_ARN: KEY_ARN, ...STORE_ENV, SECUREKEY_BRANCH_KEY_ID: 'orders' });
    expect(deps.keyProvider.providerId).toBe('aws-kms-hierarchy');
    expect(deps.keyProvider.keyId).toBe('orders');
    expect(deps.keyProvider.calls).toBe(0);
  });
});

describe('the handler over a branch key store (in-memory table, LocalKms)', () => {
  async function fixture(env: Record<string, string>) {
    const s = await inMemoryStore();
    for (const tenant of ['acme', 'globex']) await s.store.createKey({ branchKeyId: tenant, encryptionContext: { tenant } });
    let now = Date.parse('2026-01-01T00:00:00Z');
    const config = loadConfig({ SECUREKEY_KEY_ARN: s.keyArn, ...STORE_ENV, ...env });
    const keyProvider = branchKeyProvider({
      store: config.branchKeyStore!,
      kmsKeyArn: s.keyArn,
      table: s.table,
      decrypt: (input) => { s.calls.decrypt++; return s.kms.decrypt(input as never); },
      clock: () => now,
    });
    const lines: CallLogRecord[] = [];
    const handler = createHandler({ config, keyProvider, clock: () => now, logSink: (l) => lines.push(JSON.parse(l) as CallLogRecord) });
    return { ...s, handler, lines, keyProvider, advance: (ms: number) => { now += ms; } };
  }

  test('a branch key per tenant from the encryption context; one KMS Decrypt per branch key per cache window', async () => {
    const f = await fixture({ SECUREKEY_BRANCH_KEY_ID_CONTEXT_KEY: 'tenant', SECUREKEY_BRANCH_KEY_CACHE_TTL_SECONDS: '60' });
    const messages: Record<string, string> = {};
    for (const tenant of ['acme', 'globex', 'acme', 'globex', 'acme']) {
      const r = await f.handler({ operation: 'encrypt', plaintext: b64(`for ${tenant}`), encryptionContext: { tenant } }) as EncryptResponse;
      expect(r.message).toEqual(expect.any(String));
      messages[tenant] = r.message;
    }
    expect(f.calls.decrypt).toBe(2);
    expect(f.lines.map((l) => l.kmsCalls)).toEqual([1, 1, 0, 0, 0]);
    expect(f.lines.every((l) => l.cache === 'disabled')).toBe(true);
    for (const tenant of ['acme', 'globex']) {
      const d = await f.handler({ operation: 'decrypt', message: messages[tenant], encryptionContext: { tenant } }) as DecryptResponse;
      expect(Buffer.from(d.plaintext, 'base64').toString()).toBe(`for ${tenant}`);
    }
    // Decrypt reads the version named in the message (its own cache entry), once per branch key.
    expect(f.calls.decrypt).toBe(4);
    f.advance(61_000);
    await f.handler({ operation: 'encrypt', plaintext: b64('later'), encryptionContext: { tenant: 'acme' } });
    expect(f.calls.decrypt).toBe(5);
    expect(f.keyProvider.calls).toBe(5);
  });

  test('every message gets its own data key, wrapped by the tenant\'s branch key, readable by the library\'s provider', async () => {
    const f = await fixture({ SECUREKEY_BRANCH_KEY_ID_CONTEXT_KEY: 'tenant' });
    const one = await f.handler({ operation: 'encrypt', plaintext: b64('same'), encryptionContext: { tenant: 'acme' } }) as EncryptResponse;
    const two = await f.handler({ operation: 'encrypt', plaintext: b64('same'), encryptionContext: { tenant: 'acme' } }) as EncryptResponse;
    const edk = (m: string) => new EnvelopeClient({ keyProvider: f.keyProvider }).decrypt(Buffer.from(m, 'base64')).then((r) => r.header.encryptedDataKeys[0]);
    const [a, b] = [await edk(one.message), await edk(two.message)];
    expect(a.providerId).toBe('aws-kms-hierarchy');
    expect(a.providerInfo).toBe('acme');
    expect(Buffer.compare(a.encryptedDataKey, b.encryptedDataKey)).not.toBe(0);
    const library = new EnvelopeClient({ keyProvider: new HierarchicalKeyProvider({ keyStore: f.store, branchKeyIdSupplier: branchKeyIdFromContext('tenant'), cacheTtlSeconds: 1 }) });
    expect((await library.decrypt(Buffer.from(one.message, 'base64'))).plaintext.toString()).toBe('same');
  });

  test('a message cannot be moved to another tenant: decrypt with another tenant\'s context is refused', async () => {
    const f = await fixture({ SECUREKEY_BRANCH_KEY_ID_CONTEXT_KEY: 'tenant' });
    const m = await f.handler({ operation: 'encrypt', plaintext: b64('acme only'), encryptionContext: { tenant: 'acme' } }) as EncryptResponse;
    const wrong = await f.handler({ operation: 'decrypt', message: m.message, encryptionContext: { tenant: 'globex' } }) as ErrorResponse;
    expect(wrong.errorType).toBe('EncryptionContextMismatchError');
  });

  test('refuses encrypt without the tenant key, and generateDataKey and reEncrypt, before any KMS call', async () => {
    const f = await fixture({ SECUREKEY_BRANCH_KEY_ID_CONTEXT_KEY: 'tenant' });
    expect(await f.handler({ operation: 'encrypt', plaintext: b64('x'), encryptionContext: { purpose: 'orders' } })).toEqual({
      errorType: 'InvalidRequestError',
      message: 'encryptionContext["tenant"] is missing or empty: it names the branch key of the message (SECUREKEY_BRANCH_KEY_ID_CONTEXT_KEY). Add it, e.g. the tenant\'s id.',
    });
    for (const event of [{ operation: 'generateDataKey' }, { operation: 'reEncrypt', message: 'AAAA', destinationKeyArn: KEY_ARN }]) {
      expect(await f.handler(event)).toEqual({
        errorType: 'InvalidRequestError',
        message: `${event.operation} is not offered by this function: its data keys are wrapped by branch keys of the key store ${LOGICAL} (SECUREKEY_BRANCH_KEY_TABLE), not by KMS. Use encrypt and decrypt.`,
      });
    }
    expect(f.calls.decrypt).toBe(0);
  });

  test('a fixed branch key serves every message; an unknown branch key is a typed error naming it', async () => {
    const f = await fixture({ SECUREKEY_BRANCH_KEY_ID: 'acme' });
    const m = await f.handler({ operation: 'encrypt', plaintext: b64('fixed') }) as EncryptResponse;
    const d = await f.handler({ operation: 'decrypt', message: m.message }) as DecryptResponse;
    expect(Buffer.from(d.plaintext, 'base64').toString()).toBe('fixed');
    const missing = await fixture({ SECUREKEY_BRANCH_KEY_ID: 'nobody' });
    const r = await missing.handler({ operation: 'encrypt', plaintext: b64('x') }) as ErrorResponse;
    expect(r.errorType).not.toBe('InternalError');
    expect(r.message).toContain('nobody');
  });
});
