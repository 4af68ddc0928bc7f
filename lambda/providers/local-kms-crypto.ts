/**
 * LocalKms cryptographic operations: Encrypt, Decrypt, data keys and key pairs, ReEncrypt, Sign and
 * Verify, MACs, GetPublicKey and GenerateRandom.
 */
import * as crypto from 'node:crypto';
import type { CallContext } from './local-kms-base';
import { err, requireBytes, requireLength, validation } from './local-kms-errors';
import { LocalKmsKeyManagement } from './local-kms-keys';
import {
  canonicalContext, ECC_CURVES, ECDSA_ALGORITHM, HMAC_SPECS, isAsymmetric, MAX_DATA_KEY_BYTES, MAX_PLAINTEXT, openSymmetric, out,
  parseSymmetricBlob, RSA_ENCRYPTION, RSA_SIGNING, RSA_SPECS, sealSymmetric, withPadding,
} from './local-kms-material';
import type { StoredKey } from './local-kms-store';
import type {
  KmsDataKeyPairSpec, KmsDecryptInput, KmsEncryptInput, KmsEncryptionAlgorithm, KmsEncryptionContext, KmsGenerateDataKeyInput,
  KmsGenerateDataKeyPairInput, KmsGenerateMacInput, KmsKeyIdInput, KmsKeySpec, KmsKeyUsage, KmsMacAlgorithm, KmsReEncryptInput,
  KmsSignInput, KmsSigningAlgorithm, KmsVerifyInput, KmsVerifyMacInput,
} from './local-kms-types';

/** Cryptographic operations over the keys that key management creates. */
export abstract class LocalKmsCryptoOperations extends LocalKmsKeyManagement {
  public async encrypt(input: KmsEncryptInput): Promise<{ CiphertextBlob: Uint8Array; KeyId: string; EncryptionAlgorithm: KmsEncryptionAlgorithm }> {
    return this.call('Encrypt', input, true, (ctx) => {
      const plaintext = requireBytes(input.Plaintext, 'plaintext');
      requireLength(plaintext, 'plaintext', 1, MAX_PLAINTEXT);
      const key = this.usableKey(input.KeyId, ctx, 'ENCRYPT_DECRYPT');
      const algorithm = input.EncryptionAlgorithm ?? 'SYMMETRIC_DEFAULT';
      const blob = this.encryptCore(key, plaintext, input.EncryptionContext, algorithm, ctx);
      return { CiphertextBlob: out(blob), KeyId: this.arnOf(key), EncryptionAlgorithm: algorithm };
    });
  }

  public async decrypt(input: KmsDecryptInput): Promise<{ KeyId: string; Plaintext: Uint8Array; EncryptionAlgorithm: KmsEncryptionAlgorithm }> {
    return this.call('Decrypt', input, true, (ctx) => {
      const { key, plaintext, algorithm } = this.decryptCore(
        input.CiphertextBlob, input.KeyId, input.EncryptionContext, input.EncryptionAlgorithm, ctx);
      return { KeyId: this.arnOf(key), Plaintext: out(plaintext), EncryptionAlgorithm: algorithm };
    });
  }

  public async generateDataKey(input: KmsGenerateDataKeyInput): Promise<{ CiphertextBlob: Uint8Array; Plaintext: Uint8Array; KeyId: string }> {
    return this.call('GenerateDataKey', input, true, (ctx) => {
      const { key, blob, dataKey } = this.dataKeyCore(input, ctx);
      const result = { CiphertextBlob: out(blob), Plaintext: out(dataKey), KeyId: this.arnOf(key) };
      dataKey.fill(0);
      return result;
    });
  }

  public async generateDataKeyWithoutPlaintext(input: KmsGenerateDataKeyInput): Promise<{ CiphertextBlob: Uint8Array; KeyId: string }> {
    return this.call('GenerateDataKeyWithoutPlaintext', input, true, (ctx) => {
      const { key, blob, dataKey } = this.dataKeyCore(input, ctx);
      dataKey.fill(0);
      return { CiphertextBlob: out(blob), KeyId: this.arnOf(key) };
    });
  }

  public async generateDataKeyPair(input: KmsGenerateDataKeyPairInput): Promise<{
    PrivateKeyCiphertextBlob: Uint8Array; PrivateKeyPlaintext: Uint8Array; PublicKey: Uint8Array; KeyId: string; KeyPairSpec: KmsDataKeyPairSpec;
  }> {
    return this.call('GenerateDataKeyPair', input, true, (ctx) => {
      const r = this.dataKeyPairCore(input, ctx);
      const result = {
        PrivateKeyCiphertextBlob: out(r.blob),
        PrivateKeyPlaintext: out(r.privateDer),
        PublicKey: out(r.publicDer),
        KeyId: this.arnOf(r.key),
        KeyPairSpec: r.spec,
      };
      r.privateDer.fill(0);
      return result;
    });
  }

  public async generateDataKeyPairWithoutPlaintext(input: KmsGenerateDataKeyPairInput): Promise<{
    PrivateKeyCiphertextBlob: Uint8Array; PublicKey: Uint8Array; KeyId: string; KeyPairSpec: KmsDataKeyPairSpec;
  }> {
    return this.call('GenerateDataKeyPairWithoutPlaintext', input, true, (ctx) => {
      const r = this.dataKeyPairCore(input, ctx);
      r.privateDer.fill(0);
      return { PrivateKeyCiphertextBlob: out(r.blob), PublicKey: out(r.publicDer), KeyId: this.arnOf(r.key), KeyPairSpec: r.spec };
    });
  }

  public async generateRandom(input: { NumberOfBytes?: number } = {}): Promise<{ Plaintext: Uint8Array }> {
    return this.call('GenerateRandom', input, true, () => {
      const n = input.NumberOfBytes;
      if (n === undefined || !Number.isInteger(n) || n < 1 || n > MAX_DATA_KEY_BYTES) {
        throw validation(`NumberOfBytes must be an integer between 1 and ${MAX_DATA_KEY_BYTES} (got ${String(n)}).`);
      }
      return { Plaintext: out(crypto.randomBytes(n)) };
    });
  }

  /** Decrypts under the source key and encrypts under the destination key; the plaintext never leaves LocalKms. */
  public async reEncrypt(input: KmsReEncryptInput): Promise<{
    CiphertextBlob: Uint8Array;
    SourceKeyId: string;
    KeyId: string;
    SourceEncryptionAlgorithm: KmsEncryptionAlgorithm;
    DestinationEncryptionAlgorithm: KmsEncryptionAlgorithm;
  }> {
    return this.call('ReEncrypt', input, true, (ctx) => {
      // KMS authorizes ReEncrypt as two permissions: ReEncryptFrom on the source key, ReEncryptTo on the destination.
      ctx.action = 'kms:ReEncryptFrom';
      ctx.encryptionContext = input.SourceEncryptionContext;
      const source = this.decryptCore(input.CiphertextBlob, input.SourceKeyId, input.SourceEncryptionContext, input.SourceEncryptionAlgorithm, ctx);
      try {
        ctx.action = 'kms:ReEncryptTo';
        ctx.encryptionContext = input.DestinationEncryptionContext;
        const destination = this.usableKey(input.DestinationKeyId, ctx, 'ENCRYPT_DECRYPT');
        const algorithm = input.DestinationEncryptionAlgorithm ?? 'SYMMETRIC_DEFAULT';
        const blob = this.encryptCore(destination, source.plaintext, input.DestinationEncryptionContext, algorithm, ctx);
        return {
          CiphertextBlob: out(blob),
          SourceKeyId: this.arnOf(source.key),
          KeyId: this.arnOf(destination),
          SourceEncryptionAlgorithm: source.algorithm,
          DestinationEncryptionAlgorithm: algorithm,
        };
      } finally {
        source.plaintext.fill(0);
      }
    });
  }

  public async sign(input: KmsSignInput): Promise<{ KeyId: string; Signature: Uint8Array; SigningAlgorithm: KmsSigningAlgorithm }> {
    return this.call('Sign', input, true, (ctx) => {
      const { key, message, algorithm, hash, padding } = this.signingSetup(input, ctx);
      const material = this.currentMaterial(key);
      const privateKey = crypto.createPrivateKey({ key: Buffer.from(material.privateKeyDer!, 'base64'), format: 'der', type: 'pkcs8' });
      const signature = crypto.sign(hash, message, withPadding(privateKey, padding));
      return { KeyId: this.arnOf(key), Signature: out(signature), SigningAlgorithm: algorithm };
    });
  }

  public async verify(input: KmsVerifyInput): Promise<{ KeyId: string; SignatureValid: true; SigningAlgorithm: KmsSigningAlgorithm }> {
    return this.call('Verify', input, true, (ctx) => {
      const signature = requireBytes(input.Signature, 'signature');
      const { key, message, algorithm, hash, padding } = this.signingSetup(input, ctx);
      const material = this.currentMaterial(key);
      const publicKey = crypto.createPublicKey({ key: Buffer.from(material.publicKeyDer!, 'base64'), format: 'der', type: 'spki' });
      let valid = false;
      try {
        valid = crypto.verify(hash, message, withPadding(publicKey, padding), signature);
      } catch {
        valid = false;
      }
      if (!valid) throw err('KMSInvalidSignatureException', 'The signature is not valid for this message, key and signing algorithm.');
      return { KeyId: this.arnOf(key), SignatureValid: true as const, SigningAlgorithm: algorithm };
    });
  }

  public async generateMac(input: KmsGenerateMacInput): Promise<{ KeyId: string; Mac: Uint8Array; MacAlgorithm: KmsMacAlgorithm }> {
    return this.call('GenerateMac', input, true, (ctx) => {
      const { key, mac, algorithm } = this.macCore(input, ctx);
      return { KeyId: this.arnOf(key), Mac: out(mac), MacAlgorithm: algorithm };
    });
  }

  public async verifyMac(input: KmsVerifyMacInput): Promise<{ KeyId: string; MacValid: true; MacAlgorithm: KmsMacAlgorithm }> {
    return this.call('VerifyMac', input, true, (ctx) => {
      const given = requireBytes(input.Mac, 'mac');
      const { key, mac, algorithm } = this.macCore(input, ctx);
      if (given.length !== mac.length || !crypto.timingSafeEqual(given, mac)) {
        throw err('KMSInvalidMacException', 'The MAC is not valid for this message, key and MAC algorithm.');
      }
      return { KeyId: this.arnOf(key), MacValid: true as const, MacAlgorithm: algorithm };
    });
  }

  public async getPublicKey(input: KmsKeyIdInput & { GrantTokens?: string[] }): Promise<{
    KeyId: string;
    PublicKey: Uint8Array;
    KeySpec: KmsKeySpec;
    CustomerMasterKeySpec: KmsKeySpec;
    KeyUsage: KmsKeyUsage;
    EncryptionAlgorithms?: KmsEncryptionAlgorithm[];
    SigningAlgorithms?: KmsSigningAlgorithm[];
  }> {
    return this.call('GetPublicKey', input, true, (ctx) => {
      const key = this.resolveKey(input.KeyId, ctx);
      this.requireState(key);
      if (!isAsymmetric(key.keySpec)) {
        throw err('UnsupportedOperationException', `${this.arnOf(key)} is a ${key.keySpec} key and has no public key. GetPublicKey needs an RSA or ECC key.`);
      }
      const meta = this.metadata(key);
      return {
        KeyId: meta.Arn,
        PublicKey: out(Buffer.from(this.currentMaterial(key).publicKeyDer!, 'base64')),
        KeySpec: key.keySpec,
        CustomerMasterKeySpec: key.keySpec,
        KeyUsage: key.keyUsage,
        ...(meta.EncryptionAlgorithms ? { EncryptionAlgorithms: meta.EncryptionAlgorithms } : {}),
        ...(meta.SigningAlgorithms ? { SigningAlgorithms: meta.SigningAlgorithms } : {}),
      };
    });
  }

  protected encryptCore(
    key: StoredKey, plaintext: Buffer, context: KmsEncryptionContext | undefined, algorithm: KmsEncryptionAlgorithm, ctx: CallContext,
  ): Buffer {
    if (key.keySpec === 'SYMMETRIC_DEFAULT') {
      if (algorithm !== 'SYMMETRIC_DEFAULT') throw err('InvalidKeyUsageException', `EncryptionAlgorithm ${algorithm} is not valid for ${this.arnOf(key)}; use SYMMETRIC_DEFAULT.`);
      const material = this.currentMaterial(key);
      ctx.keyMaterialId = material.id;
      return sealSymmetric(key.keyId, material, plaintext, canonicalContext(context));
    }
    if (!RSA_ENCRYPTION.includes(algorithm)) {
      throw err('InvalidKeyUsageException', `EncryptionAlgorithm ${algorithm} is not valid for ${this.arnOf(key)}; use one of ${RSA_ENCRYPTION.join(', ')}.`);
    }
    if (context && Object.keys(context).length > 0) throw validation('EncryptionContext is not supported with asymmetric KMS keys.');
    const material = this.currentMaterial(key);
    const publicKey = crypto.createPublicKey({ key: Buffer.from(material.publicKeyDer!, 'base64'), format: 'der', type: 'spki' });
    try {
      return crypto.publicEncrypt({ key: publicKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: algorithm === 'RSAES_OAEP_SHA_1' ? 'sha1' : 'sha256' }, plaintext);
    } catch {
      throw validation(`Plaintext is too long for ${key.keySpec} with ${algorithm}.`);
    }
  }

  protected decryptCore(
    blobInput: Uint8Array | undefined, keyIdInput: string | undefined, context: KmsEncryptionContext | undefined,
    algorithmInput: KmsEncryptionAlgorithm | undefined, ctx: CallContext,
  ): { key: StoredKey; plaintext: Buffer; algorithm: KmsEncryptionAlgorithm } {
    const blob = requireBytes(blobInput, 'ciphertextBlob');
    requireLength(blob, 'ciphertextBlob', 1, 6144);
    const algorithm = algorithmInput ?? 'SYMMETRIC_DEFAULT';
    if (algorithm !== 'SYMMETRIC_DEFAULT') {
      // Asymmetric ciphertexts carry no key reference: KMS requires the KeyId.
      if (keyIdInput === undefined) throw validation('KeyId is required to decrypt with an asymmetric KMS key.');
      const key = this.usableKey(keyIdInput, ctx, 'ENCRYPT_DECRYPT');
      if (!RSA_ENCRYPTION.includes(algorithm) || !RSA_SPECS[key.keySpec]) {
        throw err('InvalidKeyUsageException', `EncryptionAlgorithm ${algorithm} is not valid for ${this.arnOf(key)}.`);
      }
      const material = this.currentMaterial(key);
      const privateKey = crypto.createPrivateKey({ key: Buffer.from(material.privateKeyDer!, 'base64'), format: 'der', type: 'pkcs8' });
      try {
        const plaintext = crypto.privateDecrypt({ key: privateKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: algorithm === 'RSAES_OAEP_SHA_1' ? 'sha1' : 'sha256' }, blob);
        return { key, plaintext, algorithm };
      } catch {
        throw err('InvalidCiphertextException', 'The ciphertext is invalid for this key and encryption algorithm.');
      }
    }
    const parsed = parseSymmetricBlob(blob);
    if (!parsed) throw err('InvalidCiphertextException', 'The ciphertext is not a ciphertext blob made by KMS (malformed or truncated).');
    let key: StoredKey;
    if (keyIdInput !== undefined) {
      key = this.resolveKey(keyIdInput, ctx);
      if (key.keyId !== parsed.keyId) {
        throw err('IncorrectKeyException', `The key ID in the request does not identify the KMS key that encrypted the ciphertext (request: ${this.arnOf(key)}).`);
      }
    } else {
      key = this.resolveKey(parsed.keyId, ctx);
    }
    this.requireState(key);
    if (key.keyUsage !== 'ENCRYPT_DECRYPT') throw err('InvalidKeyUsageException', `${this.arnOf(key)} key usage is ${key.keyUsage}; Decrypt needs ENCRYPT_DECRYPT.`);
    const material = this.store.materials[key.materialId].find((m) => m.id === parsed.materialId);
    if (!material) throw err('InvalidCiphertextException', 'The ciphertext refers to key material this key does not have.');
    ctx.keyMaterialId = material.id;
    const plaintext = openSymmetric(parsed, material, canonicalContext(context));
    if (!plaintext) {
      throw err('InvalidCiphertextException', 'The ciphertext or its encryption context is wrong: authentication failed. Pass exactly the encryption context used to encrypt.');
    }
    return { key, plaintext, algorithm };
  }

  protected dataKeyCore(input: KmsGenerateDataKeyInput, ctx: CallContext): { key: StoredKey; blob: Buffer; dataKey: Buffer } {
    const hasSpec = input.KeySpec !== undefined;
    const hasBytes = input.NumberOfBytes !== undefined;
    if (hasSpec === hasBytes) throw validation('Please specify either number of bytes or key spec (exactly one).');
    let n: number;
    if (hasSpec) {
      if (input.KeySpec !== 'AES_128' && input.KeySpec !== 'AES_256') {
        throw validation(`1 validation error detected: Value '${String(input.KeySpec)}' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128].`);
      }
      n = input.KeySpec === 'AES_128' ? 16 : 32;
    } else {
      n = input.NumberOfBytes!;
      if (!Number.isInteger(n) || n < 1 || n > MAX_DATA_KEY_BYTES) {
        throw validation(`1 validation error detected: Value '${n}' at 'numberOfBytes' failed to satisfy constraint: Member must have value between 1 and ${MAX_DATA_KEY_BYTES}.`);
      }
    }
    const key = this.symmetricKey(this.usableKey(input.KeyId, ctx, 'ENCRYPT_DECRYPT'), ctx, 'GenerateDataKey');
    const dataKey = crypto.randomBytes(n);
    const blob = this.encryptCore(key, dataKey, input.EncryptionContext, 'SYMMETRIC_DEFAULT', ctx);
    return { key, blob, dataKey };
  }

  protected dataKeyPairCore(input: KmsGenerateDataKeyPairInput, ctx: CallContext): {
    key: StoredKey; blob: Buffer; privateDer: Buffer; publicDer: Buffer; spec: KmsDataKeyPairSpec;
  } {
    const spec = input.KeyPairSpec;
    if (spec === undefined || (!RSA_SPECS[spec] && !ECC_CURVES[spec])) {
      throw validation(`KeyPairSpec '${String(spec)}' is not one of ${[...Object.keys(RSA_SPECS), ...Object.keys(ECC_CURVES)].join(', ')}.`);
    }
    const key = this.symmetricKey(this.usableKey(input.KeyId, ctx, 'ENCRYPT_DECRYPT'), ctx, 'GenerateDataKeyPair');
    const pair = RSA_SPECS[spec]
      ? crypto.generateKeyPairSync('rsa', { modulusLength: RSA_SPECS[spec] })
      : crypto.generateKeyPairSync('ec', { namedCurve: ECC_CURVES[spec] });
    const privateDer = pair.privateKey.export({ format: 'der', type: 'pkcs8' });
    const publicDer = pair.publicKey.export({ format: 'der', type: 'spki' });
    const blob = this.encryptCore(key, privateDer, input.EncryptionContext, 'SYMMETRIC_DEFAULT', ctx);
    return { key, blob, privateDer, publicDer, spec };
  }

  protected signingSetup(input: KmsSignInput, ctx: CallContext): {
    key: StoredKey; message: Buffer; algorithm: KmsSigningAlgorithm; hash: string; padding?: number;
  } {
    const message = requireBytes(input.Message, 'message');
    requireLength(message, 'message', 1, MAX_PLAINTEXT);
    const key = this.usableKey(input.KeyId, ctx, 'SIGN_VERIFY');
    const algorithm = input.SigningAlgorithm;
    const allowed = RSA_SPECS[key.keySpec] ? RSA_SIGNING : [ECDSA_ALGORITHM[key.keySpec]];
    if (algorithm === undefined || !allowed.includes(algorithm)) {
      throw err('InvalidKeyUsageException', `SigningAlgorithm ${String(algorithm)} is not valid for ${this.arnOf(key)} (${key.keySpec}); use one of ${allowed.join(', ')}.`);
    }
    if ((input.MessageType ?? 'RAW') !== 'RAW') {
      throw err('UnsupportedOperationException', 'LocalKms signs MessageType RAW only; pass the message, not its digest.');
    }
    const hash = `sha${algorithm.slice(-3)}`;
    const padding = algorithm.startsWith('RSASSA_PSS') ? crypto.constants.RSA_PKCS1_PSS_PADDING
      : algorithm.startsWith('RSASSA_PKCS1') ? crypto.constants.RSA_PKCS1_PADDING : undefined;
    ctx.keyMaterialId = this.currentMaterial(key).id;
    return { key, message, algorithm, hash, padding };
  }

  protected macCore(input: KmsGenerateMacInput, ctx: CallContext): { key: StoredKey; mac: Buffer; algorithm: KmsMacAlgorithm } {
    const message = requireBytes(input.Message, 'message');
    requireLength(message, 'message', 1, MAX_PLAINTEXT);
    const key = this.usableKey(input.KeyId, ctx, 'GENERATE_VERIFY_MAC');
    const spec = HMAC_SPECS[key.keySpec];
    if (input.MacAlgorithm !== spec.algorithm) {
      throw err('InvalidKeyUsageException', `MacAlgorithm ${String(input.MacAlgorithm)} is not valid for ${this.arnOf(key)} (${key.keySpec}); use ${spec.algorithm}.`);
    }
    const material = this.currentMaterial(key);
    ctx.keyMaterialId = material.id;
    const mac = crypto.createHmac(spec.hash, Buffer.from(material.secret!, 'base64')).update(message).digest();
    return { key, mac, algorithm: spec.algorithm };
  }
}
