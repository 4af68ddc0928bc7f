import { CountingMaterialsManager, isZero, manualClock, SUITE, throttling } from './support';
import { CachingMaterialsManager, type CachingMaterialsManagerOptions } from '../../../lambda/core/caching-materials-manager';
import { DataKeyCache } from '../../../lambda/core/data-key-cache';
import { ConfigurationError, KmsError } from '../../../lambda/core/errors';
import { AlgorithmSuiteId, type EncryptedDataKey } from '../../../lambda/core/types';

function setup(options: Partial<CachingMaterialsManagerOptions> = {}, clock?: () => number) {
  const underlying = new CountingMaterialsManager();
  const cache = new DataKeyCache({ capacity: 100, clock });
  const cmm = new CachingMaterialsManager({ underlying, cache, maxAgeSeconds: 60, ...options });
  return { underlying, cache, cmm };
}
const req = (plaintextLength = 10, encryptionContext: Record<string, string> = { a: '1' }) =>
  ({ suite: SUITE, encryptionContext, plaintextLength });
/** A stream of unknown length: no plaintextLength. */
const streamReq = () => ({ suite: SUITE, encryptionContext: { a: '1' } });
const hex = (b: Buffer) => b.toString('hex');

describe('options', () => {
  test.each([
    [{ maxAgeSeconds: undefined }, 'maxAgeSeconds must be a positive number of seconds; received undefined.'],
    [{ maxAgeSeconds: 0 }, 'maxAgeSeconds must be a positive number of seconds; received 0.'],
    [{ maxAgeSeconds: Infinity }, 'maxAgeSeconds must be a positive number of seconds; received Infinity.'],
    [{ maxMessagesEncrypted: 0 }, 'maxMessagesEncrypted must be an integer from 1 to 4294967296 (2^32); received 0.'],
    [{ maxMessagesEncrypted: 2 ** 32 + 1 }, 'maxMessagesEncrypted must be an integer from 1 to 4294967296 (2^32); received 4294967297.'],
    [{ maxBytesEncrypted: 0 }, `maxBytesEncrypted must be an integer from 1 to ${Number.MAX_SAFE_INTEGER}; received 0.`],
    [{ partition: '' }, 'partition must be a non-empty string.'],
  ])('fails if %j', (bad, message) => {
    const underlying = new CountingMaterialsManager();
    const cache = new DataKeyCache({ capacity: 1 });
    const options = { underlying, cache, maxAgeSeconds: 60, ...bad } as CachingMaterialsManagerOptions;
    expect(() => new CachingMaterialsManager(options)).toThrow(new ConfigurationError(message));
  });

  test('2^32 messages is allowed', () => {
    expect(setup({ maxMessagesEncrypted: 2 ** 32 }).cmm.maxMessagesEncrypted).toBe(2 ** 32);
  });
});

describe('encryption materials', () => {
  test('a miss calls the underlying manager once; later requests are hits with the same data key', async () => {
    const { underlying, cmm } = setup();
    const first = await cmm.getEncryptionMaterials(req());
    const second = await cmm.getEncryptionMaterials(req());
    expect(first.cacheHit).toBe(false);
    expect(second.cacheHit).toBe(true);
    expect(hex(second.plaintextDataKey)).toBe(hex(first.plaintextDataKey));
    expect(second.encryptedDataKeys).toEqual(first.encryptedDataKeys);
    expect(underlying.encryptCalls).toBe(1);
    expect(cmm.counters).toMatchObject({ encryptHits: 1, encryptMisses: 1 });
    expect([cmm.cacheHits, cmm.cacheMisses]).toEqual([1, 1]);
  });

  test('the cache key covers the suite and the encryption context (in any order)', async () => {
    const { underlying, cmm } = setup();
    await cmm.getEncryptionMaterials(req(10, { a: '1', b: '2' }));
    await cmm.getEncryptionMaterials(req(10, { b: '2', a: '1' }));
    expect(underlying.encryptCalls).toBe(1);
    await cmm.getEncryptionMaterials(req(10, { a: '1', b: '3' }));
    await cmm.getEncryptionMaterials({ ...req(10, { a: '1', b: '2' }), suite: AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384 });
    expect(underlying.encryptCalls).toBe(3);
  });

  test('partitions: managers share entries only with the same partition and the same underlying key', async () => {
    const underlying = new CountingMaterialsManager();
    const cache = new DataKeyCache({ capacity: 10 });
    const a = new CachingMaterialsManager({ underlying, cache, maxAgeSeconds: 60, partition: 'p' });
    const b = new CachingMaterialsManager({ underlying, cache, maxAgeSeconds: 60, partition: 'p' });
    const c = new CachingMaterialsManager({ underlying, cache, maxAgeSeconds: 60, partition: 'q' });
    const d = new CachingMaterialsManager({ underlying, cache, maxAgeSeconds: 60 });
    const other = new CachingMaterialsManager({ underlying: new CountingMaterialsManager(), cache, maxAgeSeconds: 60, partition: 'p' });
    await a.getEncryptionMaterials(req());
    expect((await b.getEncryptionMaterials(req())).cacheHit).toBe(true);
    expect((await c.getEncryptionMaterials(req())).cacheHit).toBe(false);
    expect((await d.getEncryptionMaterials(req())).cacheHit).toBe(false);
    expect((await other.getEncryptionMaterials(req())).cacheHit).toBe(false);
  });

  test('limit by age: a data key is not used past maxAgeSeconds', async () => {
    const c = manualClock();
    const { underlying, cmm } = setup({ maxAgeSeconds: 300 }, c.clock);
    await cmm.getEncryptionMaterials(req());
    c.advanceSeconds(299);
    expect((await cmm.getEncryptionMaterials(req())).cacheHit).toBe(true);
    c.advanceSeconds(1);
    expect((await cmm.getEncryptionMaterials(req())).cacheHit).toBe(false);
    expect(underlying.encryptCalls).toBe(2);
    expect(isZero(underlying.issued[0])).toBe(true);
  });

  test('limit by messages: each data key encrypts at most maxMessagesEncrypted messages', async () => {
    const { underlying, cmm } = setup({ maxMessagesEncrypted: 3 });
    const keys: string[] = [];
    for (let i = 0; i < 7; i++) keys.push(hex((await cmm.getEncryptionMaterials(req())).plaintextDataKey));
    expect(underlying.encryptCalls).toBe(3);
    const uses = [...keys.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>()).values()];
    expect(uses).toEqual([3, 3, 1]);
  });

  test('limit by bytes: a data key never encrypts more than maxBytesEncrypted in total', async () => {
    const { underlying, cmm } = setup({ maxBytesEncrypted: 100 });
    const a = await cmm.getEncryptionMaterials(req(60));
    const b = await cmm.getEncryptionMaterials(req(40));
    const c = await cmm.getEncryptionMaterials(req(1));
    expect(b.cacheHit).toBe(true);
    expect(hex(b.plaintextDataKey)).toBe(hex(a.plaintextDataKey));
    expect(c.cacheHit).toBe(false);
    expect(underlying.encryptCalls).toBe(2);
  });

  test('a message larger than maxBytesEncrypted, or of unknown length, is never served from or put in the cache', async () => {
    const { underlying, cache, cmm } = setup({ maxBytesEncrypted: 100 });
    expect((await cmm.getEncryptionMaterials(req(101))).cacheHit).toBe(false);
    expect((await cmm.getEncryptionMaterials(streamReq())).cacheHit).toBe(false);
    expect((await cmm.getEncryptionMaterials(streamReq())).cacheHit).toBe(false);
    expect(underlying.encryptCalls).toBe(3);
    expect(cache.size).toBe(0);
    expect(cmm.counters.encryptBypassed).toBe(3);
    await expect(cmm.getEncryptionMaterials(req(-1))).rejects.toThrow(/plaintextLength must be a non-negative integer; received -1/);
  });

  test('materials handed out stay intact when the entry is evicted while they are in use', async () => {
    const { underlying, cache, cmm } = setup();
    const inUse = await cmm.getEncryptionMaterials(req());
    const hit = await cmm.getEncryptionMaterials(req());
    const copy = Buffer.from(inUse.plaintextDataKey);
    cache.clear();
    expect(isZero(underlying.issued[0])).toBe(true); // the cache's own copy is zeroed
    expect(inUse.plaintextDataKey.equals(copy)).toBe(true);
    expect(hit.plaintextDataKey.equals(copy)).toBe(true);
  });
});

describe('concurrency', () => {
  test('a burst of concurrent encrypts with a cold cache makes one underlying call', async () => {
    const { underlying, cmm } = setup();
    underlying.hold();
    const burst = Array.from({ length: 50 }, () => cmm.getEncryptionMaterials(req()));
    underlying.open();
    const results = await Promise.all(burst);
    expect(underlying.encryptCalls).toBe(1);
    expect(new Set(results.map((r) => hex(r.plaintextDataKey))).size).toBe(1);
    expect(results.filter((r) => !r.cacheHit)).toHaveLength(1);
    expect(cmm.counters).toMatchObject({ encryptHits: 49, encryptMisses: 1 });
  });

  test('usage is reserved before use: a burst never pushes a data key past its message or byte limit', async () => {
    const { underlying, cmm } = setup({ maxMessagesEncrypted: 10, maxBytesEncrypted: 1000 });
    underlying.hold();
    const burst = Array.from({ length: 45 }, (_, i) => cmm.getEncryptionMaterials(req(i % 2 === 0 ? 150 : 10)));
    underlying.open();
    const results = await Promise.all(burst);
    const usage = new Map<string, { messages: number; bytes: number }>();
    results.forEach((r, i) => {
      const u = usage.get(hex(r.plaintextDataKey)) ?? { messages: 0, bytes: 0 };
      usage.set(hex(r.plaintextDataKey), { messages: u.messages + 1, bytes: u.bytes + (i % 2 === 0 ? 150 : 10) });
    });
    for (const u of usage.values()) {
      expect(u.messages).toBeLessThanOrEqual(10);
      expect(u.bytes).toBeLessThanOrEqual(1000);
    }
    expect(underlying.encryptCalls).toBe(usage.size);
    expect(underlying.encryptCalls).toBeGreaterThan(1);
  });

  test('a throttled underlying call fails every waiter with the typed error, once, and leaves the cache usable', async () => {
    const { underlying, cache, cmm } = setup();
    underlying.failWith = throttling();
    underlying.hold();
    const burst = Array.from({ length: 10 }, () => cmm.getEncryptionMaterials(req()).then(() => 'ok', (e: unknown) => e));
    underlying.open();
    const outcomes = await Promise.all(burst);
    expect(underlying.encryptCalls).toBe(1);
    for (const o of outcomes) {
      expect(o).toBeInstanceOf(KmsError);
      expect(o).toMatchObject({ kmsErrorName: 'ThrottlingException', retryable: true });
    }
    expect(cache.size).toBe(0);
    underlying.failWith = undefined;
    expect((await cmm.getEncryptionMaterials(req())).cacheHit).toBe(false);
    expect((await cmm.getEncryptionMaterials(req())).cacheHit).toBe(true);
    expect(underlying.encryptCalls).toBe(2);
  });
});

describe('decryption materials', () => {
  const edk = (info: string): EncryptedDataKey => ({ providerId: 'fake', providerInfo: info, encryptedDataKey: Buffer.from(info) });
  const dreq = (edks: EncryptedDataKey[], ctx: Record<string, string> = { a: '1' }) => ({ suite: SUITE, encryptionContext: ctx, encryptedDataKeys: edks });

  test('cache keys cover the encrypted data keys (in any order) and the context', async () => {
    const { underlying, cmm } = setup();
    const first = await cmm.decryptMaterials(dreq([edk('x'), edk('y')]));
    const again = await cmm.decryptMaterials(dreq([edk('y'), edk('x')]));
    expect(first.cacheHit).toBe(false);
    expect(again.cacheHit).toBe(true);
    expect(hex(again.plaintextDataKey)).toBe(hex(first.plaintextDataKey));
    await cmm.decryptMaterials(dreq([edk('z')]));
    await cmm.decryptMaterials(dreq([edk('x'), edk('y')], { a: '2' }));
    expect(underlying.decryptCalls).toBe(3);
    expect(cmm.counters).toMatchObject({ decryptHits: 1, decryptMisses: 3 });
  });

  test('concurrent decrypts of one data key make one call; failures are typed and not cached', async () => {
    const { underlying, cache, cmm } = setup();
    underlying.hold();
    const burst = Array.from({ length: 20 }, () => cmm.decryptMaterials(dreq([edk('x')])));
    underlying.open();
    await Promise.all(burst);
    expect(underlying.decryptCalls).toBe(1);
    underlying.failWith = new KmsError('AccessDeniedException', 'not allowed');
    await expect(cmm.decryptMaterials(dreq([edk('other')]))).rejects.toMatchObject({ kmsErrorName: 'AccessDeniedException' });
    expect(cache.size).toBe(1);
  });

  test('decrypt entries expire at max age', async () => {
    const c = manualClock();
    const { underlying, cmm } = setup({ maxAgeSeconds: 10 }, c.clock);
    await cmm.decryptMaterials(dreq([edk('x')]));
    c.advanceSeconds(10);
    expect((await cmm.decryptMaterials(dreq([edk('x')]))).cacheHit).toBe(false);
    expect(underlying.decryptCalls).toBe(2);
  });
});
