import { randomBytes } from 'node:crypto';
import { BranchKeyCache } from '../../../lambda/hierarchy/branch-key-cache';
import type { BranchKeyMaterials } from '../../../lambda/hierarchy/branch-key-store-client';

function materials(id: string): BranchKeyMaterials {
  return { branchKeyId: id, branchKeyVersion: '83eec007-5659-4554-bf11-699b90f41ac6', branchKey: randomBytes(32), encryptionContext: {} };
}

describe('branch key cache', () => {
  test('serves hits until the TTL ends, then loads again and zeroes the expired key', async () => {
    let now = 0;
    const cache = new BranchKeyCache({ ttlSeconds: 5, clock: () => now });
    const loaded: BranchKeyMaterials[] = [];
    const load = async () => { const m = materials('a'); loaded.push(m); return m; };
    const first = await cache.get('a', load);
    now = 4_999;
    const second = await cache.get('a', load);
    expect(loaded.length).toBe(1);
    expect(second.branchKey.equals(first.branchKey)).toBe(true);
    expect(second.branchKey).not.toBe(first.branchKey);
    now = 5_000;
    await cache.get('a', load);
    expect(loaded.length).toBe(2);
    expect(cache.stats).toMatchObject({ hits: 1, misses: 2, evictions: 1 });
  });

  test('concurrent misses share one load', async () => {
    const cache = new BranchKeyCache({ ttlSeconds: 60 });
    let loads = 0;
    const load = async () => { loads++; await new Promise((r) => setTimeout(r, 10)); return materials('a'); };
    const all = await Promise.all(Array.from({ length: 50 }, () => cache.get('a', load)));
    expect(loads).toBe(1);
    expect(cache.stats.joined).toBe(49);
    expect(new Set(all.map((m) => m.branchKey.toString('hex'))).size).toBe(1);
  });

  test('evicts the least recently used entry over capacity and zeroes it', async () => {
    const cache = new BranchKeyCache({ ttlSeconds: 60, capacity: 2 });
    const held: Record<string, BranchKeyMaterials> = {};
    const loader = (id: string) => async () => { held[id] = materials(id); return held[id]; };
    await cache.get('a', loader('a'));
    await cache.get('b', loader('b'));
    await cache.get('a', loader('a'));
    await cache.get('c', loader('c'));
    expect(cache.size).toBe(2);
    await cache.get('a', loader('a'));
    expect(cache.stats.misses).toBe(3); // a, b, c; a stayed (recently used), b was evicted
    await new Promise((r) => setImmediate(r));
    for (const m of Object.values(held)) expect(m.branchKey.equals(Buffer.alloc(32))).toBe(true);
  });

  test('a failed load is not cached', async () => {
    const cache = new BranchKeyCache({ ttlSeconds: 60 });
    await expect(cache.get('a', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    await expect(cache.get('a', async () => materials('a'))).resolves.toMatchObject({ branchKeyId: 'a' });
  });

  test.each([0, -1, Number.NaN, 1e12])('fails if ttlSeconds is %p', (ttl) => {
    expect(() => new BranchKeyCache({ ttlSeconds: ttl })).toThrow(`BranchKeyCache ttlSeconds must be a number of seconds above 0 and at most 31536000; received ${String(ttl)}.`);
  });
});
