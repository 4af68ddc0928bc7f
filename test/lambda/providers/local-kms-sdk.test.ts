/**
 * LocalKms as a drop-in for KMSClient: real @aws-sdk/client-kms command objects through send(),
 * and the AWS Encryption SDK's KMS keyrings with clientProvider returning a LocalKms.
 */
import {
  AwsKmsMrkAwareSymmetricKeyringNode, buildClient, CommitmentPolicy, KMS, KmsKeyringNode,
} from '@aws-crypto/client-node';
import {
  CreateAliasCommand, CreateKeyCommand, DecryptCommand, DescribeKeyCommand, DisableKeyCommand, EncryptCommand,
  GenerateDataKeyCommand, ListAliasesCommand, ReplicateKeyCommand, ScheduleKeyDeletionCommand, SignCommand, TagResourceCommand,
  VerifyCommand, KMSClient,
} from '@aws-sdk/client-kms';
import { AwsKmsKeyProvider } from '../../../lambda/providers/aws-kms';
import { LocalKms } from '../../../lambda/providers/local-kms';

describe('send() with the SDK\'s own command objects', () => {
  test('create, alias, describe, encrypt, decrypt, data keys, sign and verify', async () => {
    const kms = new LocalKms();
    const created = await kms.send(new CreateKeyCommand({ Description: 'sdk' })) as { KeyMetadata: { KeyId: string; Arn: string } };
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/sdk', TargetKeyId: created.KeyMetadata.KeyId }));
    const described = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/sdk' })) as { KeyMetadata: { Arn: string }; $metadata: { httpStatusCode: number } };
    expect(described.KeyMetadata.Arn).toBe(created.KeyMetadata.Arn);
    expect(described.$metadata.httpStatusCode).toBe(200);
    const enc = await kms.send(new EncryptCommand({ KeyId: 'alias/sdk', Plaintext: Buffer.from('hi'), EncryptionContext: { a: 'b' } })) as { CiphertextBlob: Uint8Array };
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { a: 'b' } })) as { Plaintext: Uint8Array };
    expect(Buffer.from(dec.Plaintext).toString()).toBe('hi');
    const dk = await kms.send(new GenerateDataKeyCommand({ KeyId: created.KeyMetadata.Arn, KeySpec: 'AES_128' })) as { Plaintext: Uint8Array };
    expect(dk.Plaintext).toHaveLength(16);
    const aliases = await kms.send(new ListAliasesCommand({})) as { Aliases: { AliasName: string }[] };
    expect(aliases.Aliases.map((a) => a.AliasName)).toEqual(['alias/sdk']);
    const signer = await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })) as { KeyMetadata: { KeyId: string } };
    const sig = await kms.send(new SignCommand({ KeyId: signer.KeyMetadata.KeyId, Message: Buffer.from('m'), SigningAlgorithm: 'ECDSA_SHA_256', MessageType: 'RAW' })) as { Signature: Uint8Array };
    await expect(kms.send(new VerifyCommand({ KeyId: signer.KeyMetadata.KeyId, Message: Buffer.from('m'), Signature: sig.Signature, SigningAlgorithm: 'ECDSA_SHA_256' })))
      .resolves.toMatchObject({ SignatureValid: true });
  });

  test('errors carry the SDK exception names; lifecycle and replica commands work', async () => {
    const kms = new LocalKms();
    const k = await kms.send(new CreateKeyCommand({ MultiRegion: true })) as { KeyMetadata: { KeyId: string } };
    await kms.send(new ReplicateKeyCommand({ KeyId: k.KeyMetadata.KeyId, ReplicaRegion: 'eu-north-1' }));
    await kms.send(new DisableKeyCommand({ KeyId: k.KeyMetadata.KeyId }));
    await expect(kms.send(new GenerateDataKeyCommand({ KeyId: k.KeyMetadata.KeyId, NumberOfBytes: 32 }))).rejects.toMatchObject({ name: 'DisabledException', $fault: 'client' });
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyMetadata.KeyId, PendingWindowInDays: 7 }));
    await expect(kms.send(new EncryptCommand({ KeyId: k.KeyMetadata.KeyId, Plaintext: Buffer.from('x') }))).rejects.toMatchObject({ name: 'KMSInvalidStateException' });
    expect((await kms.forRegion('eu-north-1').send(new DescribeKeyCommand({ KeyId: k.KeyMetadata.KeyId })) as { KeyMetadata: { KeyState: string } }).KeyMetadata.KeyState).toBe('Enabled');
  });

  test('an operation LocalKms does not implement fails clearly', async () => {
    const kms = new LocalKms();
    await expect(kms.send(new TagResourceCommand({ KeyId: 'x', Tags: [] })))
      .rejects.toMatchObject({ name: 'UnsupportedOperationException', message: expect.stringMatching(/does not implement the KMS operation 'TagResource'/) });
  });

  test('dispatch does not depend on the command class name (minified bundles)', async () => {
    const kms = new LocalKms();
    const command = new CreateKeyCommand({ Description: 'minified' });
    Object.defineProperty(command, 'constructor', { value: { name: 'a' } });
    await expect(kms.send(command)).resolves.toMatchObject({ KeyMetadata: { Description: 'minified' } });
  });

  test('fits where a KMSClient is expected, by type', () => {
    const asClient: ConstructorParameters<typeof AwsKmsKeyProvider>[0]['client'] = new LocalKms();
    const real: ConstructorParameters<typeof AwsKmsKeyProvider>[0]['client'] = new KMSClient({ region: 'us-east-1' });
    expect(typeof asClient.send).toBe('function');
    expect(typeof real.send).toBe('function');
  });
});

describe('AWS Encryption SDK keyrings over LocalKms', () => {
  const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

  test('KmsKeyringNode with clientProvider: () => localKms encrypts and decrypts a message', async () => {
    const kms = new LocalKms();
    const { KeyMetadata } = await kms.createKey({});
    const keyring = new KmsKeyringNode({ generatorKeyId: KeyMetadata.Arn, clientProvider: () => kms as unknown as KMS });
    const { result, messageHeader } = await encrypt(keyring, 'interop plaintext', { encryptionContext: { stage: 'test' } });
    expect(messageHeader.encryptedDataKeys[0]).toMatchObject({ providerId: 'aws-kms', providerInfo: KeyMetadata.Arn });
    const { plaintext, messageHeader: h2 } = await decrypt(keyring, result);
    expect(plaintext.toString()).toBe('interop plaintext');
    expect(h2.encryptionContext).toMatchObject({ stage: 'test' });
    const names = kms.cloudTrailEvents().map((e) => e.eventName);
    expect(names).toEqual(['CreateKey', 'GenerateDataKey', 'Decrypt']);
  });

  test('the MRK-aware keyring decrypts in the replica region what was encrypted under the primary', async () => {
    const east = new LocalKms({ region: 'us-east-1' });
    const west = east.forRegion('us-west-2');
    const { KeyMetadata } = await east.createKey({ MultiRegion: true });
    const { ReplicaKeyMetadata } = await east.replicateKey({ KeyId: KeyMetadata.KeyId, ReplicaRegion: 'us-west-2' });
    const writer = new AwsKmsMrkAwareSymmetricKeyringNode({ keyId: KeyMetadata.Arn, client: east as unknown as KMS });
    const reader = new AwsKmsMrkAwareSymmetricKeyringNode({ keyId: ReplicaKeyMetadata.Arn, client: west as unknown as KMS });
    const { result } = await encrypt(writer, Buffer.from('across regions'));
    expect((await decrypt(reader, result)).plaintext.toString()).toBe('across regions');
  });
});
