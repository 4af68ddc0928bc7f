/**
 * `npm run bench [-- options]`: every figure of issues 8 and 17 next to its baseline from the same run,
 * written to bench/results.md, bench/results.json and docs/throughput.svg. Never part of `npm test`.
 *
 *   --only a,b        run only these parts (throughput, small-rate, invocation, kms-calls, fleet, stream,
 *                     lambda, synth, profile); results then go to bench/results/partial.* and the committed files stay
 *   --stream-mib N    plaintext size of the streaming runs (default 1024)
 *   --sizes a,b       throughput sizes in bytes (default 1 KiB, 64 KiB, 1 MiB, 16 MiB)
 *   --lambda-runs N   fresh processes per side for cold start (default 15)
 *   --synth-rounds N  interleaved rounds per synth case (default 6)
 *   --render          measure nothing: write bench/results.md and docs/throughput.svg again from
 *                     bench/results.json (after a change to the report's wording or layout)
 *
 * The envelope parts run in child processes on an esbuild bundle of bench/child.ts, under plain
 * `node`: this process runs under ts-node, whose compiler in the heap would slow every GC.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { bundle } from './bundle.bench';
import type { SmallRateResult } from './envelope.bench';
import { summariseProfile } from './profile';
import { BenchResults, Machine, writeReport } from './report';
import { STREAM_MODES, StreamRun } from './stream.bench';
import { KiB, MiB } from './support';
import { synthBench } from './synth.bench';
import { mergeThroughput, SmallRateAlone, THROUGHPUT_SIZES, ThroughputResult, unpairedRatio } from './throughput.bench';

const ROOT = path.join(__dirname, '..');
const BUILD = path.join(ROOT, 'bench', 'results', '.build');
const CHILD = path.join(BUILD, 'child.js');
const PARTS = ['throughput', 'small-rate', 'invocation', 'kms-calls', 'fleet', 'stream', 'lambda', 'synth', 'profile'] as const;

/**
 * The CPU the timing children are pinned to (`taskset -c`), so the scheduler never moves them
 * between cores mid-sample: the last one. Undefined where taskset is missing.
 */
const PIN_CPU: number | undefined = spawnSync('taskset', ['-V'], { encoding: 'utf8' }).status === 0 ? os.cpus().length - 1 : undefined;

/**
 * glibc malloc settings for the timing children. At its defaults glibc hands buffers above 128 KiB
 * (a threshold it moves as it goes) straight from the kernel and gives freed memory back once more than
 * 128 KiB sits free at the top of the heap; so from call to call the same code got recycled memory
 * or fresh pages, each a minor fault (0 to 4,096 per 16 MiB call here, at about 12 us each), and
 * raw GCM into a buffer it reused took 236 faults per 1 MiB call from its own update() temporaries.
 * That decided most of the spread of every large-message figure. With these two settings freed
 * memory stays with the process and is reused: faults per call drop to 0, for every contender alike.
 * The figures under glibc's defaults are reported next to them (`defaultAllocator`); a service can
 * set the same two variables (docs/envelope-encryption.md).
 */
export const STEADY_ALLOCATOR: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: String(64 * MiB),
  MALLOC_TRIM_THRESHOLD_: String(256 * MiB),
};

/**
 * Runs one bench part in a child on the bundle. Timing children are pinned (`pin`) and get the
 * steady allocator; the others (streams, whose peak RSS is a target, KMS counts, the fleet model) run
 * at glibc's defaults unless `allocator` says otherwise.
 */
function runChild<T>(part: string, args: object = {}, nodeFlags: string[] = [], pin = false, allocator: 'steady' | 'default' = pin ? 'steady' : 'default'): T {
  const pinned = pin && PIN_CPU !== undefined;
  const command = pinned ? 'taskset' : process.execPath;
  const argv = [...(pinned ? ['-c', String(PIN_CPU), process.execPath] : []), ...nodeFlags, CHILD, part, JSON.stringify(args)];
  const child = spawnSync(command, argv, {
    cwd: BUILD,
    encoding: 'utf8',
    maxBuffer: 64 * MiB,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...withoutMallocSettings(process.env),
      ...(allocator === 'steady' ? STEADY_ALLOCATOR : {}),
      ...(pinned ? { BENCH_PINNED_CPU: String(PIN_CPU) } : {}),
    },
  });
  const line = child.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (child.status !== 0 || !line) throw new Error(`bench child "${part}" failed (exit ${child.status}): ${child.stdout.slice(-2000)}`);
  return JSON.parse(line.slice(7)) as T;
}

/** The environment without glibc malloc settings, so a child gets exactly the ones the bench chose. */
function withoutMallocSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('MALLOC_')));
}

function machine(startLoad: number[]): Machine {
  const cpus = os.cpus();
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'lambda', 'src', 'bench'], { cwd: ROOT, encoding: 'utf8' });
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
    loadAverageStart: startLoad,
    loadAverageEnd: os.loadavg(),
    commit: `${git.stdout.trim() || 'unknown'}${dirty.stdout.trim() ? ' (with uncommitted changes)' : ''}`,
  };
}

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'only': { type: 'string' },
      'stream-mib': { type: 'string', default: '1024' },
      'sizes': { type: 'string' },
      'lambda-runs': { type: 'string', default: '15' },
      'synth-rounds': { type: 'string', default: '6' },
      'render': { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  if (values.render) {
    const saved = JSON.parse(fs.readFileSync(path.join(ROOT, 'bench', 'results.json'), 'utf8')) as Partial<BenchResults> & { targets?: unknown };
    delete saved.targets; // recomputed from the figures
    const files = { markdown: path.join(ROOT, 'bench', 'results.md'), json: path.join(ROOT, 'bench', 'results.json'), svg: path.join(ROOT, 'docs', 'throughput.svg') };
    writeReport(saved, files);
    log('rendered bench/results.md, bench/results.json and docs/throughput.svg from bench/results.json (nothing measured)');
    return;
  }
  const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
  for (const p of only ?? []) {
    if (!(PARTS as readonly string[]).includes(p)) throw new Error(`--only: unknown part "${p}"; parts are ${PARTS.join(', ')}.`);
  }
  const want = (p: typeof PARTS[number]) => !only || only.includes(p);
  const positive = (name: string, v: string | undefined) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer; received ${String(v)}.`);
    return n;
  };
  const streamBytes = positive('stream-mib', values['stream-mib']) * MiB;
  const sizes = values.sizes?.split(',').map((s) => positive('sizes', s));

  const started = Date.now();
  const startLoad = os.loadavg();
  fs.mkdirSync(BUILD, { recursive: true });
  await build({
    entryPoints: [path.join(__dirname, 'child.ts')],
    outfile: CHILD,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    logLevel: 'error',
  });

  const results: Partial<BenchResults> = {};
  // Memory first, in fresh processes, while nothing else of the bench is running.
  if (want('stream')) {
    log(`stream: ${streamBytes / MiB} MiB through ${STREAM_MODES.join(', ')} (fresh process each)`);
    results.stream = STREAM_MODES.map((mode) => runChild<StreamRun>('stream', { mode, bytes: streamBytes }));
  }
  if (want('throughput')) {
    log('throughput: ours against raw GCM, interleaved (one child)');
    const ceiling = runChild<ThroughputResult>('throughput', { sizes }, [], true);
    log('throughput: ours against the Encryption SDK (two suites), interleaved (another child)');
    const sdk = runChild<ThroughputResult>('sdk-throughput', { sizes }, [], true);
    log('throughput: the Encryption SDK alone (a third child)');
    const sdkAlone = runChild<ThroughputResult>('sdk-throughput', { sizes, withOurs: false }, [], true);
    const large = (sizes ?? THROUGHPUT_SIZES).filter((n) => n >= MiB);
    let defaultAllocator: ThroughputResult | undefined;
    if (large.length > 0) {
      log(`throughput: ours against raw GCM at ${large.map((n) => `${n / MiB} MiB`).join(', ')} under glibc's default malloc settings`);
      defaultAllocator = runChild<ThroughputResult>('throughput', { sizes: large }, [], true, 'default');
    }
    results.throughput = mergeThroughput(ceiling, sdk, sdkAlone, defaultAllocator);
  }
  if (want('profile')) {
    log('profile: ours at 1 KiB, 1 MiB and 16 MiB under node --cpu-prof');
    results.profile = [KiB, 1 * MiB, 16 * MiB].map((size) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'securekey-prof-'));
      try {
        runChild('profile', { size, seconds: 3 }, ['--cpu-prof', `--cpu-prof-dir=${dir}`], false, 'steady');
        const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
        if (!file) throw new Error('node --cpu-prof wrote no profile');
        return { size, top: summariseProfile(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'))) };
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
  if (want('small-rate')) {
    log('small-message rate: 1 KiB, warm caches, ours vs the Encryption SDK caching CMM');
    const paired = runChild<SmallRateResult>('small-rate', {}, [], true);
    log('small-message rate: ours alone, then the Encryption SDK alone (a child each)');
    const oursAlone = runChild<SmallRateAlone>('small-rate-ours', {}, [], true);
    const sdkAlone = runChild<SmallRateResult>('small-rate', { withOurs: false }, [], true);
    const sdkMs = sdkAlone.cpuMs['sdk-caching'];
    results.smallRate = {
      ...paired,
      opsPerSecond: { ...paired.opsPerSecond, 'ours-alone': oursAlone.opsPerSecond, 'sdk-caching-alone': sdkAlone.opsPerSecond['sdk-caching'] },
      oursAloneVsSdkAlone: {
        encrypt: unpairedRatio(sdkMs.encrypt, oursAlone.cpuMs.encrypt),
        decrypt: unpairedRatio(sdkMs.decrypt, oursAlone.cpuMs.decrypt),
      },
    };
  }
  if (want('invocation')) {
    log('Lambda invocation: warm, in process, 1 KiB, ours vs the minimal Encryption SDK handler');
    results.invocation = runChild('invocation', {}, [], true);
  }
  if (want('kms-calls')) {
    log('KMS calls: ours vs the Encryption SDK caching CMM over a counting LocalKms');
    results.kmsCalls = runChild('kms-calls');
  }
  if (want('fleet')) {
    log('KMS at fleet scale: the model against a simulation of container caches over one LocalKms (fake time)');
    results.fleet = runChild('fleet');
  }
  if (want('lambda')) {
    log('lambda: bundle size and cold require, ours vs a minimal Encryption SDK handler');
    results.lambda = await bundle(positive('lambda-runs', values['lambda-runs']));
  }
  if (want('synth')) {
    log('synth: 100 SecureKeys vs 100 kms.Keys, with and without template validation');
    results.synth = await synthBench(positive('synth-rounds', values['synth-rounds']));
  }
  results.machine = machine(startLoad);
  results.durationSeconds = Math.round((Date.now() - started) / 1000);
  const partial = only !== undefined;
  const written = writeReport(results, {
    markdown: partial ? path.join(ROOT, 'bench', 'results', 'partial.md') : path.join(ROOT, 'bench', 'results.md'),
    json: partial ? path.join(ROOT, 'bench', 'results', 'partial.json') : path.join(ROOT, 'bench', 'results.json'),
    svg: partial ? path.join(ROOT, 'bench', 'results', 'partial-throughput.svg') : path.join(ROOT, 'docs', 'throughput.svg'),
  });
  process.stdout.write(fs.readFileSync(written.markdown, 'utf8'));
  log(`done in ${results.durationSeconds} s; wrote ${Object.values(written).map((f) => path.relative(ROOT, f)).join(', ')}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
