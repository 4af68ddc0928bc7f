/**
 * The comparison Lambda for the bundle benchmark: a minimal envelope handler on the AWS Encryption
 * SDK for JavaScript with its KMS keyring (encrypt and decrypt of base64 payloads). Bundled by
 * bench/bundle.bench.ts with the same esbuild settings as our Lambda. Never shipped.
 */
import { buildClient, CommitmentPolicy, KmsKeyringNode } from '@aws-crypto/client-node';

const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
let keyring: KmsKeyringNode | undefined;

interface Event {
  readonly operation?: string;
  readonly plaintext?: string;
  readonly message?: string;
}

export async function handler(event: Event): Promise<object> {
  // Built on the first invocation, as our handler builds its clients.
  keyring ??= new KmsKeyringNode({ generatorKeyId: process.env.SECUREKEY_KEY_ARN });
  if (event.operation === 'encrypt' && typeof event.plaintext === 'string') {
    const { result } = await encrypt(keyring, Buffer.from(event.plaintext, 'base64'));
    return { message: result.toString('base64') };
  }
  if (event.operation === 'decrypt' && typeof event.message === 'string') {
    const { plaintext } = await decrypt(keyring, Buffer.from(event.message, 'base64'));
    return { plaintext: plaintext.toString('base64') };
  }
  return { errorType: 'InvalidRequestError', message: 'operation must be encrypt (with plaintext) or decrypt (with message).' };
}
