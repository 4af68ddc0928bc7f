// The README's envelope example, kept runnable: test/readme.test.ts checks that the README shows the
// lines between the markers verbatim and runs this function. In your code import from
// 'cdk-secure-key/lambda' (the README shows that).
import { readFileSync } from 'node:fs';
import { buildClient, CommitmentPolicy, KMS, KmsKeyringNode } from '@aws-crypto/client-node';
import { CachingMaterialsManager, DataKeyCache, DefaultMaterialsManager, EnvelopeClient, LocalKms, LocalKmsKeyProvider } from '../lambda';

export async function readmeExample(file: string): Promise<{ same: boolean; messages: number; kmsCalls: number }> {
  // --- begin readme ---
  const kms = new LocalKms(); // offline KMS stand-in; use AwsKmsKeyProvider + KMSClient for real KMS
  const keyArn = (await kms.createKey({ Description: 'readme' })).KeyMetadata!.Arn!;
  const provider = new LocalKmsKeyProvider({ kms, keyId: keyArn });
  const cache = new DataKeyCache({ capacity: 10 });
  const materialsManager = new CachingMaterialsManager({ underlying: new DefaultMaterialsManager(provider), cache, maxAgeSeconds: 300 });
  const client = new EnvelopeClient({ materialsManager });
  const messages = [];
  for (let i = 0; i < 10; i++) messages.push((await client.encrypt(readFileSync(file), { encryptionContext: { purpose: 'readme' } })).message);
  const esdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT); // the AWS Encryption SDK decrypts our messages
  const { plaintext } = await esdk.decrypt(new KmsKeyringNode({ generatorKeyId: keyArn, clientProvider: () => kms as unknown as KMS }), messages[9]);
  console.log(`same: ${plaintext.equals(readFileSync(file))}; ${messages.length} messages, ${provider.calls} KMS call(s)`);
  // --- end readme ---
  return { same: plaintext.equals(readFileSync(file)), messages: messages.length, kmsCalls: provider.calls };
}

if (require.main === module) {
  readmeExample(process.argv[2] ?? __filename).catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
