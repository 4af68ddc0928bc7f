/** `encrypt` and `decrypt`: streaming, through the envelope core, with any backend. */
import type { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { contextPairs, flag, integer, parse, required, str, type OptionSpec, type Parsed } from './args';
import { checkBackendOptions, openBackend, type BackendOptions } from './backend';
import { CliError, EXIT } from './errors';
import { openInput, prepareOutput, type Output } from './io';
import { printable } from './printable';
import { formatBytes, Progress } from './progress';
import { EnvelopeClient, type MessageHeaderInfo } from '../lambda/core/envelope-client';
import { AlgorithmSuiteId, type KeyProvider } from '../lambda/core/types';

export interface Console {
  info(line: string): void;
}

const BACKEND: OptionSpec = {
  'local': { type: 'boolean' },
  'key-store': { type: 'string' },
  'region': { type: 'string' },
  'profile': { type: 'string' },
  'endpoint': { type: 'string' },
};

const COMMON: OptionSpec = {
  ...BACKEND,
  key: { type: 'string', short: 'k' },
  context: { type: 'string', short: 'c', multiple: true },
  output: { type: 'string', short: 'o' },
  force: { type: 'boolean', short: 'f' },
  quiet: { type: 'boolean', short: 'q' },
};

const ENCRYPT: OptionSpec = { ...COMMON, 'signed': { type: 'boolean' }, 'frame-length': { type: 'string' } };

export function backendOptions(parsed: Parsed, command: string): BackendOptions {
  const v = parsed.values;
  const options: BackendOptions = {
    local: flag(v, 'local'),
    keyStore: str(v, 'key-store'),
    region: str(v, 'region'),
    profile: str(v, 'profile'),
    endpoint: str(v, 'endpoint'),
  };
  checkBackendOptions(options, command);
  return options;
}

function say(quiet: boolean, line: string): void {
  if (!quiet) process.stderr.write(`cdk-secure-key: ${line}\n`);
}

/** Runs input -> progress -> crypto -> output; the output reaches its place only if all of it succeeded. */
async function run(input: Readable, transforms: Transform[], output: Output, progress: Progress): Promise<void> {
  try {
    await pipeline([input, ...transforms, output.stream as Writable]);
    progress.clear();
    await output.commit();
  } catch (err) {
    progress.clear();
    output.abort();
    throw err;
  }
}

function contextKeys(header: MessageHeaderInfo | undefined): string {
  const keys = Object.keys(header?.encryptionContext ?? {}).filter((k) => !k.startsWith('aws-crypto-'));
  return keys.length > 0 ? `context keys ${keys.map((k) => printable(k, 64)).join(', ')}` : 'no encryption context';
}

/** The keys a new message's data key is wrapped under. */
function keysOf(header: MessageHeaderInfo | undefined): string {
  return header?.encryptedDataKeys.map((k) => printable(k.providerInfo)).join(', ') ?? 'unknown key';
}

/**
 * Wraps a key provider to remember which of the message's encrypted data keys it decrypted, so the
 * summary names that key rather than every key the message lists.
 */
export function recordDecryptingKey(inner: KeyProvider): { provider: KeyProvider; decryptedWith: () => string | undefined } {
  let used: string | undefined;
  const provider: KeyProvider = {
    get providerId() { return inner.providerId; },
    get keyId() { return inner.keyId; },
    generateDataKey: (input) => inner.generateDataKey(input),
    reEncryptDataKey: (input) => inner.reEncryptDataKey(input),
    canDecrypt: (edk) => inner.canDecrypt(edk),
    decryptDataKey: async (input) => {
      const key = await inner.decryptDataKey(input);
      used = input.encryptedDataKey.providerInfo;
      return key;
    },
  };
  return { provider, decryptedWith: () => used };
}

export async function encryptCommand(argv: readonly string[], help: (topic: string) => number): Promise<number> {
  const parsed = parse(argv, ENCRYPT, 'encrypt', 1);
  if (flag(parsed.values, 'help')) return help('encrypt');
  const v = parsed.values;
  const keyId = required(v, 'key', 'encrypt');
  const encryptionContext = contextPairs(v, 'encrypt');
  const frameLength = integer(v, 'frame-length', 'encrypt', 1, 2 ** 32 - 1);
  const quiet = flag(v, 'quiet');
  const backendOpts = backendOptions(parsed, 'encrypt');
  const outputPath = str(v, 'output');
  if ((outputPath === undefined || outputPath === '-') && process.stdout.isTTY) {
    throw new CliError(EXIT.USAGE, 'refusing to write a binary message to a terminal: pass -o FILE or redirect standard output');
  }

  const input = openInput(parsed.positionals[0]);
  const output = prepareOutput(outputPath, { force: flag(v, 'force'), mode: 0o666, what: 'ciphertext' });
  try {
    const backend = await openBackend(backendOpts, keyId);
    // Always said, even with --quiet: which service protects the data is never left implicit.
    process.stderr.write(`cdk-secure-key: ${backend.description}\n`);
    const client = new EnvelopeClient({
      keyProvider: backend.provider(keyId),
      suite: flag(v, 'signed') ? AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384 : AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
      ...(frameLength !== undefined ? { frameLength } : {}),
    });
    const stream = client.encryptStream({ encryptionContext });
    const progress = new Progress({ label: 'encrypt', total: input.size, target: process.stderr, quiet });
    await run(input.stream, [progress, stream], output, progress);
    const header = (stream as unknown as { header?: MessageHeaderInfo }).header;
    say(quiet, `encrypted ${formatBytes(progress.bytes)} from ${input.name} to ${output.name} under ${keysOf(header)} (suite 0x${(header?.suite ?? 0).toString(16).padStart(4, '0')}, ${contextKeys(header)})`);
    return EXIT.OK;
  } catch (err) {
    output.abort();
    input.stream.destroy();
    throw err;
  }
}

export async function decryptCommand(argv: readonly string[], help: (topic: string) => number): Promise<number> {
  const parsed = parse(argv, COMMON, 'decrypt', 1);
  if (flag(parsed.values, 'help')) return help('decrypt');
  const v = parsed.values;
  const keyId = required(v, 'key', 'decrypt');
  const expected = contextPairs(v, 'decrypt');
  const quiet = flag(v, 'quiet');
  const backendOpts = backendOptions(parsed, 'decrypt');

  const input = openInput(parsed.positionals[0]);
  const output = prepareOutput(str(v, 'output'), { force: flag(v, 'force'), mode: 0o600, what: 'plaintext' });
  try {
    const backend = await openBackend(backendOpts, keyId);
    process.stderr.write(`cdk-secure-key: ${backend.description}\n`);
    const recorded = recordDecryptingKey(backend.provider(keyId));
    const client = new EnvelopeClient({ keyProvider: recorded.provider });
    const stream = client.decryptStream({ expectedEncryptionContext: Object.keys(expected).length > 0 ? expected : undefined });
    const progress = new Progress({ label: 'decrypt', total: input.size, target: process.stderr, quiet });
    // Counts the plaintext bytes (never drawn).
    const counter = new Progress({ label: 'plaintext', target: process.stderr, quiet: true });
    await run(input.stream, [progress, stream, counter], output, progress);
    const header = (stream as unknown as { header?: MessageHeaderInfo }).header;
    const usedKey = recorded.decryptedWith();
    say(quiet, `decrypted ${formatBytes(counter.bytes)} from ${input.name} to ${output.name}: verified, under ${usedKey === undefined ? 'a key from the data-key cache' : printable(usedKey)} (${contextKeys(header)})`);
    return EXIT.OK;
  } catch (err) {
    output.abort();
    input.stream.destroy();
    throw err;
  }
}
