import { parseEncryptionContext, serializeEncryptionContext } from '../../../lambda/core/encryption-context';
import { InvalidMessageError } from '../../../lambda/core/errors';

describe('encryption context serialization', () => {
  test('is empty for an empty context', () => {
    expect(serializeEncryptionContext({}).length).toBe(0);
    expect(parseEncryptionContext(Buffer.alloc(0))).toEqual({});
  });

  test('sorts by UTF-8 key bytes, not UTF-16 code units', () => {
    // U+FF61 (EF BD A1) sorts before U+1F600 (F0 9F 98 80) in UTF-8, after it in UTF-16 (D83D...).
    const bytes = serializeEncryptionContext({ '\u{1F600}': 'b', '\uFF61': 'a' });
    const firstKeyLength = bytes.readUInt16BE(2);
    expect(bytes.subarray(4, 4 + firstKeyLength).toString('utf8')).toBe('\uFF61');
    expect(parseEncryptionContext(bytes)).toEqual({ '\uFF61': 'a', '\u{1F600}': 'b' });
  });

  test('rejects duplicates, trailing bytes and invalid UTF-8', () => {
    const one = serializeEncryptionContext({ k: 'v' });
    const dup = Buffer.concat([Buffer.from([0, 2]), one.subarray(2), one.subarray(2)]);
    expect(() => parseEncryptionContext(dup)).toThrow('duplicate key');
    expect(() => parseEncryptionContext(Buffer.concat([one, Buffer.from([0])]))).toThrow('trailing bytes');
    const bad = Buffer.from(one);
    bad[4] = 0xff;
    expect(() => parseEncryptionContext(bad)).toThrow(InvalidMessageError);
  });
});
