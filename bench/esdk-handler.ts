/**
 * The comparison Lambda for the bundle and invocation benchmarks: a minimal envelope handler on the
 * AWS Encryption SDK for JavaScript with its KMS keyring (encrypt and decrypt of base64 payloads).
 * Bundled by bench/bundle.bench.ts with the same esbuild settings as our Lambda; called in process
 * by bench/invocation.bench.ts over a LocalKms. Never shipped.
 */
import { buildClient, CommitmentPolicy, KmsKeyringNode, NodeMaterialsManager } from '@aws-crypto/client-node';

const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

interface Event {
  readonly operation?: string;
  readonly plaintext?: string;
  readonly message?: string;
}

/** The handler over a keyring or materials manager made by `materials` on the first invocation. */
export function createEsdkHandler(materials: () => KmsKeyringNode | NodeMaterialsManager): (event: Event) => Promise<object> {
  let keyring: KmsKeyringNode | NodeMaterialsManager | undefined;
  return async (event) => {
    // Built on the first invocation, as our handler builds its clients.
    keyring ??= materials();
    if (event.operation === 'encrypt' && typeof event.plaintext === 'string') {
      const { result } = await encrypt(keyring, Buffer.from(event.plaintext, 'base64'));
      return { message: result.toString('base64') };
    }
    if (event.operation === 'decrypt' && typeof event.message === 'string') {
      const { plaintext } = await decrypt(keyring, Buffer.from(event.message, 'base64'));
      return { plaintext: plaintext.toString('base64') };
    }
    return { errorType: 'InvalidRequestError', message: 'operation must be encrypt (with plaintext) or decrypt (with message).' };
  };
}

export const handler = createEsdkHandler(() => new KmsKeyringNode({ generatorKeyId: process.env.SECUREKEY_KEY_ARN }));
