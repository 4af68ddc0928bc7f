/**
 * The envelope Lambda's handler, run offline against the LocalKms stand-in (no AWS account):
 * encrypts and decrypts a few payloads for two tenants, asks for a data key, re-wraps a message
 * under another key, sends a bad event, then runs the same workload with the cache turned off and
 * prints the KMS calls the cache saved, and finally reports who used the key (the usage report).
 *
 *   npm run demo            (or: npx ts-node --transpile-only --project examples/tsconfig.json examples/envelope-demo.ts)
 */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../lambda/handler/config';
import {
  createHandler, type DecryptResponse, type EncryptResponse, type EnvelopeHandler, type EnvelopeResponse,
} from '../lambda/handler/create-handler';
import { localCloudTrail } from '../lambda/handler/local-cloudtrail';
import type { CallLogRecord } from '../lambda/handler/logger';
import { AwsKmsKeyProvider } from '../lambda/providers/aws-kms';
import { LocalKms } from '../lambda/providers/local-kms';
import type { KeyUsageReport } from '../lambda/usage-report/summarize';

const ACCOUNT = '111122223333';
const FUNCTION_ROLE = `arn:aws:iam::${ACCOUNT}:role/EnvelopeFunctionRole`;
const ADMIN = `arn:aws:iam::${ACCOUNT}:user/KeyAdmin`;
const STRANGER = `arn:aws:iam::${ACCOUNT}:user/intern`;
const b64 = (b: Buffer): string => b.toString('base64');

interface Run {
  readonly handler: EnvelopeHandler;
  readonly provider: AwsKmsKeyProvider;
  readonly lines: CallLogRecord[];
}

function functionHandler(kms: LocalKms, keyArn: string, destinationArn: string, env: Record<string, string>): Run {
  // The function's calls appear in CloudTrail as its role's session, as in Lambda.
  const asFunction = kms.withCaller(`arn:aws:sts::${ACCOUNT}:assumed-role/EnvelopeFunctionRole/envelope-demo`);
  const provider = new AwsKmsKeyProvider({ client: asFunction, keyId: keyArn });
  const lines: CallLogRecord[] = [];
  const handler = createHandler({
    config: loadConfig({
      SECUREKEY_KEY_ARN: keyArn,
      SECUREKEY_REENCRYPT_DESTINATION_KEY_ARNS: destinationArn,
      SECUREKEY_USAGE_REPORT_EXPECTED_PRINCIPALS: `${FUNCTION_ROLE},${ADMIN}`,
      ...env,
    }),
    keyProvider: provider,
    cloudTrail: localCloudTrail(kms),
    logSink: (line) => lines.push(JSON.parse(line) as CallLogRecord),
  });
  return { handler, provider, lines };
}

/** Encrypt 24 payloads (1 KiB to 256 KiB, two tenants), decrypt each once, one data key, one re-wrap, one bad event. */
async function workload(run: Run, destinationArn: string): Promise<EnvelopeResponse[]> {
  const responses: EnvelopeResponse[] = [];
  let n = 0;
  const call = async (event: unknown): Promise<EnvelopeResponse> => {
    const r = await run.handler(event, { awsRequestId: `demo-${++n}` });
    responses.push(r);
    return r;
  };
  const messages: Array<{ message: string; tenant: string }> = [];
  for (let i = 0; i < 24; i++) {
    const tenant = i % 2 === 0 ? 'acme' : 'globex';
    const plaintext = randomBytes(1024 * 2 ** (i % 9));
    const r = await call({ operation: 'encrypt', plaintext: b64(plaintext), encryptionContext: { tenant, purpose: 'invoices' } }) as EncryptResponse;
    messages.push({ message: r.message, tenant });
  }
  for (const m of messages) await call({ operation: 'decrypt', message: m.message, encryptionContext: { tenant: m.tenant } });
  await call({ operation: 'generateDataKey', encryptionContext: { tenant: 'acme' } });
  await call({ operation: 'reEncrypt', message: messages[0].message, destinationKeyArn: destinationArn });
  await call({ operation: 'decrypt', message: messages[0].message, encryptionContext: { tenant: 'globex' } });
  return responses;
}

function summary(lines: readonly CallLogRecord[]): string[] {
  const byOp = new Map<string, { calls: number; errors: number; hits: number; kms: number }>();
  for (const l of lines) {
    const s = byOp.get(l.operation) ?? { calls: 0, errors: 0, hits: 0, kms: 0 };
    s.calls++;
    if (l.outcome === 'error') s.errors++;
    if (l.cache === 'hit') s.hits++;
    s.kms += l.kmsCalls ?? 0;
    byOp.set(l.operation, s);
  }
  const rows = [['operation', 'calls', 'errors', 'cache hits', 'KMS calls']];
  for (const [op, s] of byOp) rows.push([op, String(s.calls), String(s.errors), String(s.hits), String(s.kms)]);
  return rows.map((r) => `    ${r[0].padEnd(16)}${r.slice(1).map((c) => c.padStart(12)).join('')}`);
}

async function main(): Promise<void> {
  const started = Date.now();
  const kms = new LocalKms({ accountId: ACCOUNT, callerArn: ADMIN });
  const keyArn = (await kms.createKey({ Description: 'envelope demo' })).KeyMetadata.Arn!;
  const destinationArn = (await kms.createKey({ Description: 'archive' })).KeyMetadata.Arn!;
  console.log('\nEnvelope Lambda demo (offline: LocalKms stands in for AWS KMS and CloudTrail)');
  console.log(`  key         ${keyArn}`);
  console.log(`  reEncrypt → ${destinationArn}\n`);

  const cached = functionHandler(kms, keyArn, destinationArn, { SECUREKEY_CACHE_MAX_AGE_SECONDS: '300', SECUREKEY_CACHE_MAX_MESSAGES: '1000' });
  const responses = await workload(cached, destinationArn);
  const roundTrips = responses.filter((r): r is DecryptResponse => 'plaintext' in r && 'encryptionContext' in r).length;
  console.log(`With the data-key cache (max age 300 s, 1000 messages per key): ${cached.lines.length} invocations, ${roundTrips} decrypted`);
  console.log(summary(cached.lines).join('\n'));

  console.log('\n  A few of its log lines (never plaintext, data keys or context values; context keys only):');
  const shown = [cached.lines[0], cached.lines[1], cached.lines.find((l) => l.operation === 'generateDataKey'), cached.lines[cached.lines.length - 1]];
  for (const l of shown) {
    if (!l) continue;
    const { timestamp: _t, keyArn: _k, type: _y, ...rest } = l;
    console.log(`    ${JSON.stringify(rest)}`);
  }
  const bad = responses[responses.length - 1];
  console.log(`\n  The bad event's answer: ${JSON.stringify(bad)}`);

  const uncached = functionHandler(kms, keyArn, destinationArn, { SECUREKEY_CACHE_CAPACITY: '0' });
  await workload(uncached, destinationArn);
  const withCache = cached.provider.calls;
  const without = uncached.provider.calls;
  console.log(`\nKMS calls: ${withCache} with cache vs ${without} without (${Math.round(100 * (1 - withCache / without))}% fewer)`);

  // Someone else uses the key directly; the usage report flags them.
  await kms.withCaller(STRANGER).generateDataKey({ KeyId: keyArn, KeySpec: 'AES_256' });
  const report = await cached.handler({ operation: 'usageReport', lookbackMinutes: 60 }) as KeyUsageReport;
  console.log(`\nUsage report of the last hour (${report.totals.events} CloudTrail events, ${report.complete ? 'complete' : 'incomplete'}): who used the key`);
  for (const p of report.principals) {
    const ops = Object.entries(p.operations).map(([op, u]) => `${op} ${u.count}`).join(', ');
    console.log(`  ${p.expected === false ? '!' : ' '} ${p.principal.padEnd(52)} ${String(p.count).padStart(4)} calls  (${ops})`);
  }
  console.log(report.unexpectedPrincipals.length > 0
    ? `  ! unexpected: ${report.unexpectedPrincipals.join(', ')}`
    : '  no unexpected principals');
  console.log(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
