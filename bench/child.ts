/**
 * Entry point of the bench's child processes (bundled by esbuild into bench/results/.build, run by
 * plain `node`): `node child.js <part> [json args]` prints one line `RESULT <json>`. Each part is
 * required on demand (esbuild runs a bundled module on its first require), so a streaming run's
 * process holds neither the Encryption SDK nor LocalKms.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
type Envelope = typeof import('./envelope.bench');
type Throughput = typeof import('./throughput.bench');
type Ours = typeof import('./ours');
type Cache = typeof import('./cache.bench');
type Stream = typeof import('./stream.bench');
type Invocation = typeof import('./invocation.bench');
type Fleet = typeof import('./fleet.bench');

async function main(): Promise<unknown> {
  const [part, json] = process.argv.slice(2);
  const args = json ? JSON.parse(json) as Record<string, unknown> : {};
  switch (part) {
    case 'throughput': return (require('./throughput.bench') as Throughput).throughput(args.sizes as number[] | undefined);
    case 'sdk-throughput': return (require('./envelope.bench') as Envelope).sdkThroughput(args.sizes as number[] | undefined, args.withOurs !== false);
    case 'small-rate': return (require('./envelope.bench') as Envelope).smallMessageRate(args.withOurs !== false);
    case 'small-rate-ours': return (require('./throughput.bench') as Throughput).smallRateAlone();
    case 'profile': return (require('./ours') as Ours).profileLoop(args.size as number, args.seconds as number);
    case 'invocation': return (require('./invocation.bench') as Invocation).invocation();
    case 'fleet': return (require('./fleet.bench') as Fleet).fleetCheck();
    case 'kms-calls': return (require('./cache.bench') as Cache).kmsCalls();
    case 'stream': return (require('./stream.bench') as Stream).streamRun(args.mode as Parameters<Stream['streamRun']>[0], args.bytes as number);
    default: throw new Error(`unknown bench part ${JSON.stringify(part)}`);
  }
}

main().then((result) => {
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}).catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
