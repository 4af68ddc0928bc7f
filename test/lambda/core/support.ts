/* eslint-disable no-bitwise */ // flipping and mixing bits is what these tests do
import { randomBytes } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DecryptionMaterials, DecryptionMaterialsRequest, EncryptedDataKey, EncryptionMaterials, EncryptionMaterialsRequest,
  GenerateDataKeyInput, GenerateDataKeyOutput, KeyProvider, MaterialsManager,
} from '../../../lambda/core/types';

/** A MaterialsManager that always hands out one fixed data key (for vectors). */
export class StaticKeyMaterialsManager implements MaterialsManager {
  public decryptCalls = 0;
  constructor(private readonly dataKey: Buffer) {}
  public async getEncryptionMaterials(): Promise<EncryptionMaterials> {
    throw new Error('not used');
  }
  public async decryptMaterials(request: DecryptionMaterialsRequest): Promise<DecryptionMaterials> {
    this.decryptCalls++;
    return { suite: request.suite, encryptionContext: request.encryptionContext, plaintextDataKey: Buffer.from(this.dataKey) };
  }
}

/**
 * An offline KeyProvider that "wraps" data keys by XOR with a fixed secret, bound to the context
 * by a hash. Enough to exercise the materials manager and the client without KMS.
 */
export class FakeKeyProvider implements KeyProvider {
  public readonly providerId = 'fake';
  public generateCalls = 0;
  public decryptCalls = 0;
  public lastContext?: Record<string, string>;
  private readonly secret = randomBytes(32);
  constructor(public readonly keyId = 'fake-key-1') {}

  public async generateDataKey(input: GenerateDataKeyInput): Promise<GenerateDataKeyOutput> {
    this.generateCalls++;
    this.lastContext = { ...input.encryptionContext };
    const plaintextDataKey = randomBytes(input.numberOfBytes);
    return { plaintextDataKey, encryptedDataKey: this.wrap(plaintextDataKey, input.encryptionContext) };
  }

  public async decryptDataKey(input: { encryptedDataKey: EncryptedDataKey; encryptionContext: Record<string, string> }): Promise<Buffer> {
    this.decryptCalls++;
    const blob = input.encryptedDataKey.encryptedDataKey;
    const ctx = Buffer.from(JSON.stringify(Object.entries(input.encryptionContext).sort()));
    if (!blob.subarray(32).equals(ctx)) throw new Error('InvalidCiphertextException');
    const out = Buffer.alloc(32);
    for (let i = 0; i < 32; i++) out[i] = blob[i] ^ this.secret[i];
    return out;
  }

  public async reEncryptDataKey(): Promise<EncryptedDataKey> {
    throw new Error('not used');
  }

  public canDecrypt(edk: EncryptedDataKey): boolean {
    return edk.providerId === this.providerId && edk.providerInfo === this.keyId;
  }

  private wrap(key: Buffer, context: Record<string, string>): EncryptedDataKey {
    const x = Buffer.alloc(32);
    for (let i = 0; i < 32; i++) x[i] = key[i] ^ this.secret[i];
    const ctx = Buffer.from(JSON.stringify(Object.entries(context).sort()));
    return { providerId: this.providerId, providerInfo: this.keyId, encryptedDataKey: Buffer.concat([x, ctx]) };
  }
}

export type { EncryptionMaterialsRequest };

/** A KeyProvider with one fixed data key, so tests know the key (and can build wrong-key cases). */
export class StaticKeyProvider implements KeyProvider {
  public readonly providerId = 'static';
  public readonly keyId = 'static-key';
  constructor(public readonly dataKey: Buffer = randomBytes(32)) {}
  public async generateDataKey(): Promise<GenerateDataKeyOutput> {
    return {
      plaintextDataKey: Buffer.from(this.dataKey),
      encryptedDataKey: { providerId: this.providerId, providerInfo: this.keyId, encryptedDataKey: Buffer.from('wrapped') },
    };
  }
  public async decryptDataKey(): Promise<Buffer> {
    return Buffer.from(this.dataKey);
  }
  public async reEncryptDataKey(): Promise<EncryptedDataKey> {
    throw new Error('not used');
  }
  public canDecrypt(edk: EncryptedDataKey): boolean {
    return edk.providerId === this.providerId;
  }
}

/**
 * Wraps a MaterialsManager and keeps a reference to every materials object it hands out, with a
 * copy of each data key as it was then, so tests can check the client wiped the very buffers it
 * was given (and that they were not all-zero to begin with). `gate`, when set, holds every call
 * until it resolves (to destroy a stream while its data key is on the way).
 */
export class RecordingMaterialsManager implements MaterialsManager {
  public readonly handedOut: Array<{ readonly key: Buffer; readonly original: Buffer }> = [];
  public encryptCalls = 0;
  public decryptCalls = 0;
  public gate?: Promise<void>;
  constructor(private readonly inner: MaterialsManager) {}

  public async getEncryptionMaterials(request: EncryptionMaterialsRequest): Promise<EncryptionMaterials> {
    this.encryptCalls++;
    const m = await this.inner.getEncryptionMaterials(request);
    await this.gate;
    this.handedOut.push({ key: m.plaintextDataKey, original: Buffer.from(m.plaintextDataKey) });
    return m;
  }

  public async decryptMaterials(request: DecryptionMaterialsRequest): Promise<DecryptionMaterials> {
    this.decryptCalls++;
    const m = await this.inner.decryptMaterials(request);
    await this.gate;
    this.handedOut.push({ key: m.plaintextDataKey, original: Buffer.from(m.plaintextDataKey) });
    return m;
  }
}

export function isAllZero(b: Uint8Array): boolean {
  return b.every((x) => x === 0);
}

/** Runs `input` through `stream`, returning what came out and the error, if any. */
export async function drain(stream: Transform, input: Readable): Promise<{ out: Buffer; error?: unknown }> {
  const out: Buffer[] = [];
  stream.on('data', (c: Buffer) => out.push(c));
  try {
    await pipeline(input, stream);
    return { out: Buffer.concat(out) };
  } catch (error) {
    return { out: Buffer.concat(out), error };
  }
}
