import * as fs from 'node:fs';
import { StaticKeyMaterialsManager } from './support';
import { EnvelopeClient } from '../../../lambda/core/envelope-client';
import { CommitmentMismatchError } from '../../../lambda/core/errors';
import { parseHeader } from '../../../lambda/core/header';
import { fixturePath } from '../../support/fixtures';

interface Vector {
  'ciphertext': string;
  'decrypted-dek': string;
  'message-id': string;
  'encryption-context': Record<string, string>;
  'plaintext-frames'?: string[];
  'status': boolean;
  'exception': string | null;
  'comment': string;
}

const vectors = (JSON.parse(fs.readFileSync(fixturePath('vectors', 'esdk-v2-compat-vectors.json'), 'utf8')) as { tests: Vector[] }).tests;

describe('AWS Encryption SDK message format v2 vectors', () => {
  test('there are 46 vectors: 41 to decrypt and 5 to reject', () => {
    expect(vectors).toHaveLength(46);
    expect(vectors.filter((v) => v.status)).toHaveLength(41);
  });

  test.each(vectors.filter((v) => v.status).map((v) => [v.comment, v] as const))('decrypts %s', async (_name, v) => {
    const mm = new StaticKeyMaterialsManager(Buffer.from(v['decrypted-dek'], 'base64'));
    const client = new EnvelopeClient({ materialsManager: mm, maxEncryptedDataKeys: 100 });
    const { plaintext, header } = await client.decrypt(Buffer.from(v.ciphertext, 'base64'), {
      expectedEncryptionContext: v['encryption-context'],
    });
    const expected = Buffer.concat((v['plaintext-frames'] ?? []).map((f) => Buffer.from(f, 'utf8')));
    expect(plaintext.equals(expected)).toBe(true);
    expect(header.messageId.toString('base64')).toBe(v['message-id']);
    expect(mm.decryptCalls).toBe(1);
  });

  test.each(vectors.filter((v) => !v.status).map((v) => [v.comment, v] as const))('rejects %s', async (_name, v) => {
    const mm = new StaticKeyMaterialsManager(Buffer.from(v['decrypted-dek'], 'base64'));
    const client = new EnvelopeClient({ materialsManager: mm, maxEncryptedDataKeys: 100 });
    expect(v.exception).toMatch(/commitment/i);
    await expect(client.decrypt(Buffer.from(v.ciphertext, 'base64'))).rejects.toBeInstanceOf(CommitmentMismatchError);
  });

  test('parses every vector header with its encryption context', () => {
    for (const v of vectors) {
      const { header } = parseHeader(Buffer.from(v.ciphertext, 'base64'), { maxEncryptedDataKeys: 100 });
      const { 'aws-crypto-public-key': pub, ...rest } = header.encryptionContext;
      expect(rest).toEqual(Object.fromEntries(Object.entries(v['encryption-context']).filter(([k]) => k !== 'aws-crypto-public-key')));
      expect(pub === undefined).toBe(header.suite === 0x0478);
    }
  });
});
