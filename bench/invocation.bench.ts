/**
 * Warm Lambda invocation cost, in process: our envelope handler (createHandler, as the entry point
 * wires it, data-key cache on with its defaults) against the minimal Encryption SDK handler of the
 * bundle benchmark (bench/esdk-handler.ts, KMS keyring, no cache), both over one LocalKms (no
 * network latency, so the SDK handler's KMS call per invocation costs only LocalKms's own work; real
 * KMS adds 10-300 ms to each). A third contender gives the SDK handler its caching materials manager,
 * so the ratio without KMS calls on either side is there too. 1 KiB events, encrypt and decrypt,
 * base64 in and out, as Lambda hands them over. Runs in the bench child.
 */
import { randomBytes } from 'node:crypto';
import { getLocalCryptographicMaterialsCache, KMS, KmsKeyringNode, NodeCachingMaterialsManager } from '@aws-crypto/client-node';
import { createEsdkHandler } from './esdk-handler';
import { batchFor, Contender, interleave, KiB, median, pairedRatio, Spread } from './support';
import { loadConfig } from '../lambda/handler/config';
import { createHandler } from '../lambda/handler/create-handler';
import { AwsKmsKeyProvider } from '../lambda/providers/aws-kms';
import { LocalKms } from '../lambda/providers/local-kms';

type ClientProvider = NonNullable<ConstructorParameters<typeof KmsKeyringNode>[0]>['clientProvider'];
type Handler = (event: Record<string, unknown>) => Promise<unknown>;

export interface InvocationResult {
  readonly size: number;
  readonly rounds: number;
  readonly contenders: Record<string, string>;
  /** Median microseconds of CPU per invocation. */
  readonly microseconds: Record<string, { encrypt: number; decrypt: number }>;
  /** Paired per-round ratios, the other handler's CPU time over ours (above 1 = ours cheaper). */
  readonly oursVs: Record<string, { encrypt: Spread; decrypt: Spread }>;
  /** Log lines our handler wrote per invocation (to a sink that keeps them in memory). */
  readonly logLinesPerCall: number;
}

export async function invocation(): Promise<InvocationResult> {
  const size = KiB;
  const kms = new LocalKms();
  const keyArn = (await kms.createKey({ Description: 'bench' })).KeyMetadata.Arn;
  let lines = 0;
  const ours = createHandler({
    config: loadConfig({ SECUREKEY_KEY_ARN: keyArn }),
    keyProvider: new AwsKmsKeyProvider({ client: kms, keyId: keyArn }),
    logSink: () => { lines++; },
  }) as Handler;
  const clientProvider = (() => kms as unknown as KMS) as unknown as ClientProvider;
  const keyring = () => new KmsKeyringNode({ generatorKeyId: keyArn, clientProvider });
  const esdk = createEsdkHandler(keyring) as Handler;
  const esdkCaching = createEsdkHandler(() => new NodeCachingMaterialsManager({
    backingMaterials: keyring(),
    cache: getLocalCryptographicMaterialsCache(100),
    maxAge: 300_000,
  })) as Handler;
  const plaintext = randomBytes(size).toString('base64');
  const handlers: Record<string, Handler> = { 'ours': ours, 'esdk': esdk, 'esdk-caching': esdkCaching };
  const list: Contender[] = [];
  for (const [name, h] of Object.entries(handlers)) {
    const encrypted = await h({ operation: 'encrypt', plaintext }) as { message?: string };
    if (typeof encrypted.message !== 'string') throw new Error(`${name} handler did not encrypt: ${JSON.stringify(encrypted)}`);
    const decrypted = await h({ operation: 'decrypt', message: encrypted.message }) as { plaintext?: string };
    if (decrypted.plaintext !== plaintext) throw new Error(`${name} handler did not round-trip`);
    const enc = () => h({ operation: 'encrypt', plaintext });
    const dec = () => h({ operation: 'decrypt', message: encrypted.message });
    list.push({ name: `${name}:encrypt`, run: enc, batch: await batchFor(enc, 40) });
    list.push({ name: `${name}:decrypt`, run: dec, batch: await batchFor(dec, 40) });
  }
  const before = lines;
  await ours({ operation: 'encrypt', plaintext });
  const logLinesPerCall = lines - before;
  const rounds = 31;
  const t = await interleave(list, rounds);
  const cpu = (name: string) => t.get(name)!.cpuMs;
  const us = (name: string) => median(cpu(name)) * 1000;
  return {
    size,
    rounds,
    contenders: {
      'ours': 'our envelope handler (createHandler over AwsKmsKeyProvider -> LocalKms), data-key cache with its defaults, JSON log line per call to an in-memory sink',
      'esdk': 'minimal Encryption SDK handler (bench/esdk-handler.ts), KmsKeyringNode over the same LocalKms: one GenerateDataKey or Decrypt per call',
      'esdk-caching': 'the same handler with NodeCachingMaterialsManager (capacity 100, maxAge 300 s): no KMS call when warm',
    },
    microseconds: Object.fromEntries(Object.keys(handlers).map((n) => [n, { encrypt: us(`${n}:encrypt`), decrypt: us(`${n}:decrypt`) }])),
    oursVs: Object.fromEntries(['esdk', 'esdk-caching'].map((n) => [n, {
      encrypt: pairedRatio(cpu(`${n}:encrypt`), cpu('ours:encrypt')),
      decrypt: pairedRatio(cpu(`${n}:decrypt`), cpu('ours:decrypt')),
    }])),
    logLinesPerCall,
  };
}
