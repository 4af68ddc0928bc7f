import { randomBytes } from 'node:crypto';
import { isZero, manualClock, SUITE } from './support';
import { DataKeyCache } from '../../../lambda/core/data-key-cache';
import type { DecryptionMaterials, EncryptionMaterials } from '../../../lambda/core/types';

const LIMITS = { maxMessagesEncrypted: 3, maxBytesEncrypted: 100 };

function encMaterials(): EncryptionMaterials {
  return { suite: SUITE, encryptionContext: {}, plaintextDataKey: randomBytes(32), encryptedDataKeys: [] };
}
function decMaterials(): DecryptionMaterials {
  return { suite: SUITE, encryptionContext: {}, plaintextDataKey: randomBytes(32) };
}

describe('DataKeyCache', () => {
  test.each([0, -1, 1.5, NaN, undefined])('fails if capacity is %p', (capacity) => {
    expect(() => new DataKeyCache({ capacity: capacity as number })).toThrow(`DataKeyCache capacity must be a positive integer; received ${String(capacity)}.`);
  });

  test('least recently used entries go first when full, and their keys are zeroed', () => {
    const cache = new DataKeyCache({ capacity: 2 });
    const a = decMaterials(); const b = decMaterials(); const c = decMaterials();
    cache.putDecryptionMaterials('a', a, 60);
    cache.putDecryptionMaterials('b', b, 60);
    expect(cache.getDecryptionMaterials('a')).toBeDefined(); // a is now the most recent
    cache.putDecryptionMaterials('c', c, 60);
    expect(cache.getDecryptionMaterials('b')).toBeUndefined();
    expect(isZero(b.plaintextDataKey)).toBe(true);
    expect(isZero(a.plaintextDataKey)).toBe(false);
    expect(cache.stats).toMatchObject({ size: 2, evictedForCapacity: 1 });
  });

  test('entries expire at max age (injected clock) and are zeroed', () => {
    const c = manualClock();
    const cache = new DataKeyCache({ capacity: 10, clock: c.clock });
    const m = encMaterials();
    cache.putEncryptionMaterials('k', m, 30, LIMITS, { messagesEncrypted: 1, bytesEncrypted: 0 });
    c.advanceSeconds(29.999);
    expect(cache.reserveEncryptionMaterials('k', 1)).toBeDefined();
    c.advanceSeconds(0.001);
    expect(cache.reserveEncryptionMaterials('k', 1)).toBeUndefined();
    expect(isZero(m.plaintextDataKey)).toBe(true);
    expect(cache.stats.expired).toBe(1);
  });

  test('a Date clock works too', () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const cache = new DataKeyCache({ capacity: 1, clock: () => now });
    cache.putDecryptionMaterials('k', decMaterials(), 1);
    now = new Date(now.getTime() + 1000);
    expect(cache.getDecryptionMaterials('k')).toBeUndefined();
  });

  test('reservations stop at the message limit; the exhausted entry is removed and zeroed', () => {
    const cache = new DataKeyCache({ capacity: 10 });
    const m = encMaterials();
    cache.putEncryptionMaterials('k', m, 60, LIMITS, { messagesEncrypted: 1, bytesEncrypted: 10 });
    expect(cache.reserveEncryptionMaterials('k', 10)).toBeDefined();
    expect(cache.encryptionUsage('k')).toEqual({ messagesEncrypted: 2, bytesEncrypted: 20 });
    expect(cache.reserveEncryptionMaterials('k', 10)).toBeDefined(); // third message: limit reached
    expect(cache.reserveEncryptionMaterials('k', 10)).toBeUndefined();
    expect(isZero(m.plaintextDataKey)).toBe(true);
    expect(cache.stats.exhausted).toBe(1);
  });

  test('reservations never pass the byte limit', () => {
    const cache = new DataKeyCache({ capacity: 10 });
    cache.putEncryptionMaterials('k', encMaterials(), 60, { maxMessagesEncrypted: 100, maxBytesEncrypted: 100 }, { messagesEncrypted: 1, bytesEncrypted: 60 });
    expect(cache.reserveEncryptionMaterials('k', 41)).toBeUndefined();
    cache.putEncryptionMaterials('k', encMaterials(), 60, { maxMessagesEncrypted: 100, maxBytesEncrypted: 100 }, { messagesEncrypted: 1, bytesEncrypted: 60 });
    expect(cache.reserveEncryptionMaterials('k', 40)).toBeDefined();
    expect(cache.encryptionUsage('k')).toBeUndefined(); // exactly at the limit: gone
  });

  test('callers get copies: zeroing a returned key leaves the cached one intact, and eviction does not touch handed-out keys', () => {
    const cache = new DataKeyCache({ capacity: 10 });
    const m = encMaterials();
    const original = Buffer.from(m.plaintextDataKey);
    cache.putEncryptionMaterials('k', m, 60, { maxMessagesEncrypted: 10, maxBytesEncrypted: 1000 }, { messagesEncrypted: 1, bytesEncrypted: 0 });
    const first = cache.reserveEncryptionMaterials('k', 0)!;
    expect(first.plaintextDataKey).not.toBe(m.plaintextDataKey);
    first.plaintextDataKey.fill(0);
    const second = cache.reserveEncryptionMaterials('k', 0)!;
    expect(second.plaintextDataKey.equals(original)).toBe(true);
    cache.clear();
    expect(isZero(m.plaintextDataKey)).toBe(true);
    expect(second.plaintextDataKey.equals(original)).toBe(true);
    expect(cache.size).toBe(0);
  });

  test('expiry timers are unref()\'d and zero expired keys without any further access', () => {
    jest.useFakeTimers();
    try {
      const spy = jest.spyOn(global, 'setTimeout');
      const cache = new DataKeyCache({ capacity: 10 });
      const m = decMaterials();
      cache.putDecryptionMaterials('k', m, 5);
      const timer = spy.mock.results[spy.mock.results.length - 1].value as NodeJS.Timeout;
      expect(timer.hasRef()).toBe(false);
      jest.advanceTimersByTime(5001);
      expect(isZero(m.plaintextDataKey)).toBe(true);
      expect(cache.size).toBe(0);
      spy.mockRestore();
    } finally {
      jest.useRealTimers();
    }
  });

  test('replacing an entry zeroes the old key', () => {
    const cache = new DataKeyCache({ capacity: 10 });
    const a = decMaterials();
    cache.putDecryptionMaterials('k', a, 60);
    cache.putDecryptionMaterials('k', decMaterials(), 60);
    expect(isZero(a.plaintextDataKey)).toBe(true);
    expect(cache.size).toBe(1);
    expect(cache.delete('k')).toBe(true);
    expect(cache.delete('k')).toBe(false);
  });
});
