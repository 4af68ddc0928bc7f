/**
 * Writes a bench run as bench/results.json (everything measured), bench/results.md (tables, and
 * each target of issue 8 with "met" or "NOT MET" from this run's figures) and docs/throughput.svg
 * (throughput by message size, hand-written SVG).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BundleResult } from './bundle.bench';
import type { KmsCallsResult } from './cache.bench';
import type { SmallRateResult } from './envelope.bench';
import type { FleetResult } from './fleet.bench';
import type { InvocationResult } from './invocation.bench';
import type { ProfileEntry } from './profile';
import { hierarchicalFleetSection } from './report-hierarchical';
import { svg, throughputSection } from './report-throughput';
import type { StreamRun } from './stream.bench';
import { fmt, halfWidth, KiB, MiB, sizeLabel, Spread } from './support';
import type { SynthCase } from './synth.bench';
import type { ThroughputResult } from './throughput.bench';
import { ALONE } from './throughput.bench';

export interface Machine {
  readonly date: string;
  readonly node: string;
  readonly platform: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly loadAverageStart: number[];
  readonly loadAverageEnd: number[];
  readonly commit: string;
}

/** Mutable while a run fills it in. */
export interface BenchResults {
  machine: Machine;
  durationSeconds: number;
  throughput: ThroughputResult;
  profile: { size: number; top: ProfileEntry[] }[];
  smallRate: SmallRateResult;
  invocation: InvocationResult;
  kmsCalls: KmsCallsResult;
  fleet: FleetResult;
  stream: StreamRun[];
  lambda: BundleResult;
  synth: SynthCase[];
}

export interface Target {
  readonly what: string;
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
  /** Largest IQR half-width of the figures judged, relative to their medians (undefined: not a timing). */
  readonly noise?: number;
  /** How far the worst figure is from the target, relative to the target (0 when met). */
  readonly shortBy: number;
}

/** Targets of issue 17 (and those of issue 8 it keeps), judged on this run's medians. */
export const CEILING_RATIO_TARGET = 0.7;
export const SDK_1MIB_RATIO_TARGET = 4;
export const SMALL_RATE_TARGET = 10;
export const INVOCATION_RATIO_TARGET = 5;
export const STREAM_RSS_TARGET_MIB = 128;
export const BUNDLE_SIZE_TARGET = 0.5;
export const REQUIRE_TIME_TARGET = 2 / 3;
export const SYNTH_RATIO_TARGET = 1.3;
/** An interquartile range within +-15% of its median is precise enough to decide a target. */
export const NOISE_TARGET = 0.15;

const x = (n: number, digits = 2) => `${fmt(n, digits)}x`;
const iqr = (s: Spread) => `${x(s.median)} [${fmt(s.p25)}-${fmt(s.p75)}]`;
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const kib = (bytes: number) => `${int(bytes / KiB)} KiB`;
const pct = (n: number) => `${fmt(100 * n, 0)}%`;

/** A target "at least `min`" over several spreads: met when every median reaches it. */
function atLeast(what: string, target: string, min: number, parts: Array<[string, Spread]>): Target {
  const worst = Math.min(...parts.map(([, v]) => v.median));
  return {
    what,
    target,
    measured: parts.map(([label, v]) => `${label}${label ? ' ' : ''}${iqr(v)}`).join(', '),
    met: worst >= min,
    noise: Math.max(...parts.map(([, v]) => halfWidth(v))),
    shortBy: Math.max(0, (min - worst) / min),
  };
}

export function targets(r: Partial<BenchResults>): Target[] {
  const out: Target[] = [];
  const smallAlone = r.smallRate?.oursAloneVsSdkAlone;
  if (smallAlone) {
    out.push(atLeast('1 KiB ops/s with a warm cache, ours / Encryption SDK caching CMM, each in a process of its own (unpaired)',
      `>= ${SMALL_RATE_TARGET}x, encrypt and decrypt`, SMALL_RATE_TARGET, [['encrypt', smallAlone.encrypt], ['decrypt', smallAlone.decrypt]]));
  }
  const paired = r.smallRate?.oursVsSdkCaching;
  if (paired) {
    out.push(atLeast('1 KiB ops/s with a warm cache, ours / Encryption SDK caching CMM, both in one process (paired rounds)',
      `>= ${SMALL_RATE_TARGET}x, encrypt and decrypt`, SMALL_RATE_TARGET, [['encrypt', paired.encrypt], ['decrypt', paired.decrypt]]));
  }
  if (r.throughput) {
    for (const size of [MiB, 16 * MiB]) {
      const row = r.throughput.rows.find((w) => w.size === size);
      if (!row) continue;
      const v = row.oursVs.ceiling;
      const t = atLeast(`Throughput at ${sizeLabel(size)}, ours (whole-buffer API) / raw GCM ceiling`, `>= ${CEILING_RATIO_TARGET}x, encrypt and decrypt`,
        CEILING_RATIO_TARGET, [['encrypt', v.encrypt], ['decrypt', v.decrypt]]);
      // What a fresh output buffer per call allows at all: raw GCM into one (no framing, no KDF, no header).
      const fresh = (dir: 'encrypt' | 'decrypt') => row.mbps['raw-sliced-fresh'][dir] / row.mbps.ceiling[dir];
      out.push({ ...t, measured: `${t.measured}; raw GCM into a fresh buffer per call reaches encrypt ${x(fresh('encrypt'))}, decrypt ${x(fresh('decrypt'))}` });
    }
    const row = r.throughput.rows.find((w) => w.size === MiB);
    const alone = row?.oursVs[`sdk-0478${ALONE}`];
    if (alone) {
      out.push(atLeast('Throughput at 1 MiB, ours / Encryption SDK 0x0478, same frames, each in a process of its own (unpaired)',
        `>= ${SDK_1MIB_RATIO_TARGET}x, encrypt and decrypt`, SDK_1MIB_RATIO_TARGET, [['encrypt', alone.encrypt], ['decrypt', alone.decrypt]]));
    }
    if (row?.oursVs['sdk-0478']) {
      const v = row.oursVs['sdk-0478'];
      out.push(atLeast('Throughput at 1 MiB, ours / Encryption SDK 0x0478, same frames, both in one process (paired rounds)', `>= ${SDK_1MIB_RATIO_TARGET}x, encrypt and decrypt`,
        SDK_1MIB_RATIO_TARGET, [['encrypt', v.encrypt], ['decrypt', v.decrypt]]));
    }
    const lowest = Math.min(...r.throughput.rows.flatMap((w) => ['sdk-0478', 'sdk-default']
      .flatMap((sdk) => (w.oursVs[sdk] ? [w.oursVs[sdk].encrypt.median, w.oursVs[sdk].decrypt.median] : []))));
    out.push({
      what: 'Throughput, ours / Encryption SDK (both suites), every size',
      target: 'ahead at every size, encrypt and decrypt',
      measured: `lowest ${x(lowest, 1)}`,
      met: lowest > 1,
      shortBy: Math.max(0, 1 - lowest),
    });
  }
  if (r.invocation) {
    const v = r.invocation.oursVs.esdk;
    out.push(atLeast('Lambda warm invocation, 1 KiB, in process: SDK handler CPU us / ours', `>= ${INVOCATION_RATIO_TARGET}x fewer us, encrypt and decrypt`,
      INVOCATION_RATIO_TARGET, [['encrypt', v.encrypt], ['decrypt', v.decrypt]]));
  }
  if (r.lambda) {
    const l = r.lambda;
    const size = l.ours.bytes / l.esdk.bytes;
    const gzip = l.ours.gzipBytes / l.esdk.gzipBytes;
    out.push({
      what: 'Lambda bundle the envelope path loads (index.js), ours / minimal Encryption SDK handler',
      target: `<= ${BUNDLE_SIZE_TARGET}x (bytes and gzip)`,
      measured: `${x(size)} bytes, ${x(gzip)} gzip`,
      met: size <= BUNDLE_SIZE_TARGET && gzip <= BUNDLE_SIZE_TARGET,
      shortBy: Math.max(0, (Math.max(size, gzip) - BUNDLE_SIZE_TARGET) / BUNDLE_SIZE_TARGET),
    });
    out.push({
      what: 'Lambda cold require time, ours / Encryption SDK handler',
      target: `< ${fmt(REQUIRE_TIME_TARGET)}x`,
      measured: iqr(l.requireRatio),
      met: l.requireRatio.median < REQUIRE_TIME_TARGET,
      noise: halfWidth(l.requireRatio),
      shortBy: Math.max(0, (l.requireRatio.median - REQUIRE_TIME_TARGET) / REQUIRE_TIME_TARGET),
    });
  }
  for (const sy of r.synth ?? []) {
    out.push({
      what: `Synth, 100 SecureKeys / 100 kms.Keys, template validation ${sy.validation ? 'on (default)' : 'off'}`,
      target: `<= ${SYNTH_RATIO_TARGET}x`,
      measured: `${iqr(sy.ratio)}${sy.sameTemplateRatio && sy.ownWorkRatio
        ? `; kms.Keys writing SecureKey's template byte for byte: ${iqr(sy.sameTemplateRatio)}, SecureKey over them ${iqr(sy.ownWorkRatio)}`
        : ''}`,
      met: sy.ratio.median <= SYNTH_RATIO_TARGET,
      noise: halfWidth(sy.ratio),
      shortBy: Math.max(0, (sy.ratio.median - SYNTH_RATIO_TARGET) / SYNTH_RATIO_TARGET),
    });
  }
  if (r.kmsCalls) {
    for (const c of r.kmsCalls.cases) {
      out.push({
        what: `GenerateDataKey calls: ${c.what}`,
        target: `${c.windows} (one per cache window)`,
        measured: `ours ${c.calls.ours}, Encryption SDK ${c.calls['sdk-caching']}`,
        met: c.calls.ours === c.windows,
        shortBy: c.calls.ours === c.windows ? 0 : Math.abs(c.calls.ours - c.windows) / c.windows,
      });
    }
  }
  if (r.stream) {
    for (const st of r.stream.filter((m) => m.mode !== 'baseline')) {
      out.push({
        what: `Peak RSS, streaming ${sizeLabel(st.bytes)} (${st.mode === 'encrypt' ? 'encrypt' : 'encrypt -> decrypt'})`,
        target: `< ${STREAM_RSS_TARGET_MIB} MiB`,
        measured: `${fmt(st.peakRssMiB, 0)} MiB`,
        met: st.peakRssMiB < STREAM_RSS_TARGET_MIB,
        shortBy: Math.max(0, (st.peakRssMiB - STREAM_RSS_TARGET_MIB) / STREAM_RSS_TARGET_MIB),
      });
    }
  }
  return out;
}

function verdict(t: Target): string {
  const noise = t.noise === undefined ? '' : t.noise <= NOISE_TARGET ? '' : ` (noise +-${pct(t.noise)}: above +-${pct(NOISE_TARGET)})`;
  return `${t.met ? 'met' : `**NOT MET**, short by ${pct(t.shortBy)}`}${noise}`;
}

export function markdown(r: Partial<BenchResults>): string {
  const m = r.machine;
  const out: string[] = ['# Benchmark results', ''];
  out.push('Written by `npm run bench` (bench/index.ts); do not edit by hand. Every figure is a median of');
  out.push('interleaved rounds after a warm-up, next to its baseline measured in the same run; ratios are');
  out.push('medians of per-round ratios, with the interquartile range in brackets as the noise. Timings of the');
  out.push('envelope parts (throughput, small-message rate, invocation) are CPU time (user + system, all threads');
  out.push('of the process) in children pinned to one CPU, so time spent waiting for a core on this shared');
  out.push('machine is not counted, and the work is. Those children run with glibc malloc settings that keep');
  out.push('freed memory with the process (no contender takes page faults; see section 1 for the defaults),');
  out.push('and ours is timed in processes without the Encryption SDK as well as beside it.');
  out.push('');
  if (m) {
    out.push(`- Machine: ${m.cpus} x ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.platform}; shared with other workloads`);
    out.push(`- Node.js ${m.node}; load average (1, 5, 15 min) ${m.loadAverageStart.map((l) => fmt(l)).join(', ')} at start, ${m.loadAverageEnd.map((l) => fmt(l)).join(', ')} at end`);
    out.push(`- Commit ${m.commit}, ${m.date}; whole run ${r.durationSeconds ?? '?'} s`);
    out.push('');
  }
  const all = targets(r);
  if (all.length > 0) {
    out.push('## Targets (issue 17, and those of issue 8 it keeps)', '');
    out.push(`Medians with the interquartile range in brackets; "noise" is flagged where the range is wider than +-${pct(NOISE_TARGET)}`);
    out.push('of the median. A miss says how far the worst median is from the target.');
    out.push('', '| what | target | this run | verdict |', '| --- | --- | --- | --- |');
    for (const t of all) out.push(`| ${t.what} | ${t.target} | ${t.measured} | ${verdict(t)} |`);
    out.push('');
  }
  if (r.throughput) out.push(...throughputSection(r.throughput));
  if (r.profile) {
    out.push('### Where ours spends its time (node --cpu-prof, encrypt + decrypt round trips, self time)', '');
    out.push('| size | top functions |', '| --- | --- |');
    for (const p of r.profile) out.push(`| ${sizeLabel(p.size)} | ${p.top.map((e) => `${e.name} ${fmt(e.percent, 1)}%`).join('; ')} |`);
    out.push('');
    out.push('`update`/`final` (node:internal/crypto/cipher) are OpenSSL\'s AES-GCM, the work raw GCM does too; `Hmac`/`digest`');
    out.push('are the per-message key derivation (one HKDF extract, two one-block expands); `createCipherBase` is one GCM context');
    out.push('per frame plus one for the header tag. Through node:crypto\'s API every `update()` returns a new buffer, so each');
    out.push('64 KiB slice is copied into the message (`_copyActual`) and each decrypted slice into the plaintext and its temporary');
    out.push('wiped (`_fill`). The profile before issue 17 is in docs/envelope-encryption.md.');
    out.push('');
  }
  if (r.smallRate) {
    const s = r.smallRate;
    out.push('## 2. Small-message rate', '');
    out.push(`${sizeLabel(s.size)} messages, suite ${s.suite}, warm caches (${s.limits}); ours: CachingMaterialsManager over a LocalKms`);
    out.push('provider; SDK: NodeCachingMaterialsManager + getLocalCryptographicMaterialsCache over KmsKeyringNode on the same LocalKms.');
    out.push('');
    out.push(`Method: ${s.method}; ${s.rounds} rounds.`);
    out.push('');
    out.push('| | ours ops/s, one process | SDK caching CMM ops/s, one process | ours / SDK, paired [IQR] | ours ops/s alone | SDK ops/s alone | ours / SDK, each alone [range] |');
    out.push('| --- | ---: | ---: | --- | ---: | ---: | --- |');
    const ops = (name: string, dir: 'encrypt' | 'decrypt') => (s.opsPerSecond[name] ? int(s.opsPerSecond[name][dir]) : '-');
    for (const dir of ['encrypt', 'decrypt'] as const) {
      out.push(`| ${dir} | ${ops('ours', dir)} | ${ops('sdk-caching', dir)} | ${s.oursVsSdkCaching ? iqr(s.oursVsSdkCaching[dir]) : '-'} | `
        + `${ops('ours-alone', dir)} | ${ops('sdk-caching-alone', dir)} | ${s.oursAloneVsSdkAlone ? iqr(s.oursAloneVsSdkAlone[dir]) : '-'} |`);
    }
    out.push('');
    out.push('As with throughput, ours runs slower in a process where the SDK runs (its garbage keeps V8 collecting); "each alone" is');
    out.push('ours in a child without the SDK over the SDK in a child without ours, unpaired (quartile over quartile).');
    out.push('');
  }
  if (r.kmsCalls) {
    out.push('## 3. KMS calls', '');
    out.push(`GenerateDataKey calls counted by the LocalKms both sides call (${r.kmsCalls.latencyMs} ms simulated latency per call),`);
    out.push('1 KiB encrypts, suite 0x0478; the SDK side is NodeCachingMaterialsManager with the same limits.');
    out.push('');
    out.push('| case | limits | target | ours | Encryption SDK caching CMM |', '| --- | --- | ---: | ---: | ---: |');
    for (const c of r.kmsCalls.cases) out.push(`| ${c.what} | ${c.limits} | ${c.windows} | ${c.calls.ours} | ${c.calls['sdk-caching']} |`);
    out.push('');
  }
  if (r.invocation) {
    const v = r.invocation;
    out.push('## 3b. Lambda invocation cost, warm, in process', '');
    out.push(`${sizeLabel(v.size)} events (base64 in and out, as Lambda delivers them), ${v.rounds} interleaved rounds, CPU time per invocation.`);
    out.push(`Our handler wrote ${v.logLinesPerCall} JSON log line per call. Contenders:`);
    for (const [name, what] of Object.entries(v.contenders)) out.push(`- \`${name}\`: ${what}`);
    out.push('');
    out.push('| | ours us | SDK handler us | SDK handler + caching CMM us | SDK handler / ours [IQR] | SDK + caching / ours [IQR] |', '| --- | ---: | ---: | ---: | --- | --- |');
    for (const dir of ['encrypt', 'decrypt'] as const) {
      out.push(`| ${dir} | ${fmt(v.microseconds.ours[dir], 0)} | ${fmt(v.microseconds.esdk[dir], 0)} | ${fmt(v.microseconds['esdk-caching'][dir], 0)} | ${iqr(v.oursVs.esdk[dir])} | ${iqr(v.oursVs['esdk-caching'][dir])} |`);
    }
    out.push('');
    out.push('The SDK handler\'s KMS call goes to an in-process LocalKms here; against real KMS each of its invocations also waits');
    out.push('10-300 ms for the network, which ours (warm cache) does not.');
    out.push('');
  }
  if (r.fleet) out.push(...fleetSection(r.fleet));
  if (r.stream) {
    out.push('## 4. Streaming memory', '');
    out.push('Each row is a fresh `node` process; peak RSS is the kernel\'s high-water mark for the whole process (Node itself');
    out.push('included). The source yields 64 KiB chunks; ours uses its default 256 KiB frames. The baseline pipes the same');
    out.push('source through a PassThrough.');
    out.push('');
    out.push('| pipeline | bytes | MB/s | RSS at start MiB | peak RSS MiB |', '| --- | ---: | ---: | ---: | ---: |');
    for (const s of r.stream) out.push(`| ${s.mode} | ${sizeLabel(s.bytes)} | ${int(s.mbps)} | ${fmt(s.startRssMiB, 0)} | ${fmt(s.peakRssMiB, 0)} |`);
    out.push('');
  }
  if (r.lambda) {
    const l = r.lambda;
    out.push('## 5. Lambda bundle and cold start', '');
    out.push(`Fresh \`node\` processes, ours and the SDK's alternating, ${l.runs} each; "ready" adds a first invocation with a bad`);
    out.push('event (no network). Ratios are per run, ours / SDK.');
    out.push('');
    out.push('| bundle | bytes | gzip -9 | require ms | ready ms |', '| --- | ---: | ---: | ---: | ---: |');
    for (const side of [l.ours, l.esdk]) out.push(`| ${side.description} | ${kib(side.bytes)} | ${kib(side.gzipBytes)} | ${fmt(side.requireMs, 1)} | ${fmt(side.readyMs, 1)} |`);
    if (l.oursDirectory) {
      out.push(`| our whole function directory as deployed (index.js and the lazy chunks ${l.oursDirectory.files.filter((f) => f !== 'index.js').join(', ')}) | ${kib(l.oursDirectory.bytes)} | ${kib(l.oursDirectory.gzipBytes)} | | |`);
    }
    out.push(`| ours / SDK | ${x(l.ours.bytes / l.esdk.bytes)} | ${x(l.ours.gzipBytes / l.esdk.gzipBytes)} | ${iqr(l.requireRatio)} | ${iqr(l.readyRatio)} |`);
    out.push('');
    out.push('What the bytes are (esbuild metafile, minified bytes per package, 8 KiB and up):');
    out.push('');
    for (const [name, side] of [['ours', l.ours], ['SDK handler', l.esdk]] as const) {
      out.push(`- ${name}: ${Object.entries(side.packages).map(([p, n]) => `${p} ${kib(n)}`).join(', ')}`);
    }
    out.push('');
  }
  if (r.synth) {
    out.push('## 6. Synth', '');
    out.push('100 SecureKeys (administrator, user, alias each) against 100 kms.Keys with the same administrator, grant and alias,');
    out.push('alternating in one process (aws-cdk-lib validates templates at synth unless `CDK_VALIDATION=false`). A third contender,');
    out.push('kms.Keys written to produce SecureKey\'s template byte for byte, splits the ratio: what the larger template costs');
    out.push('aws-cdk-lib (same template / kms.Key) and what SecureKey\'s own work costs (SecureKey / same template).');
    out.push('');
    out.push('| template validation | rounds | kms.Key ms | same-template kms.Key ms | SecureKey ms | SecureKey / kms.Key [IQR] | same template / kms.Key | SecureKey / same template |',
      '| --- | ---: | ---: | ---: | ---: | --- | --- | --- |');
    for (const s of r.synth) {
      const same = s.sameTemplateMs === undefined ? '-' : int(s.sameTemplateMs);
      out.push(`| ${s.validation ? 'on (default)' : 'off'} | ${s.rounds} | ${int(s.kmsKeyMs)} | ${same} | ${int(s.secureKeyMs)} | ${iqr(s.ratio)} | `
        + `${s.sameTemplateRatio ? iqr(s.sameTemplateRatio) : '-'} | ${s.ownWorkRatio ? iqr(s.ownWorkRatio) : '-'} |`);
    }
    const on = r.synth.find((c) => c.validation);
    if (on?.sameTemplateRatio && on.sameTemplateRatio.median > SYNTH_RATIO_TARGET) {
      out.push('');
      out.push(`With validation on, the same template written by plain kms.Keys already costs ${x(on.sameTemplateRatio.median)} the plain kms.Keys: the`);
      out.push(`${SYNTH_RATIO_TARGET}x target cannot be met while SecureKey writes what it writes by design (a key policy of exact actions and`);
      out.push('principals, exact IAM grants instead of `kms:*` to the account, the compliance map in metadata). What SecureKey itself');
      out.push('adds on top of that template is the last column.');
    }
    out.push('');
  }
  return out.join('\n');
}

function fleetSection(f: FleetResult): string[] {
  const out: string[] = ['## 3c. KMS at fleet scale', ''];
  out.push('The model (bench/fleet-model.ts, explained in docs/scaling.md) against a simulation: one real cache stack per');
  out.push('container over one counting LocalKms, seeded Poisson traffic, fake time, concurrent requests per 10 ms tick; KMS calls');
  out.push('counted after a warm-up of 1.2 x maxAge.');
  out.push('');
  out.push('| case | containers | req/s each | encrypt share | contexts | maxAge s | max messages | capacity | requests simulated | simulated KMS req/s (GDK + Decrypt) | model KMS req/s | error |');
  out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const s of f.simulations) {
    const w = s.workload;
    out.push(`| ${s.name} | ${int(w.containers)} | ${w.requestsPerSecond} | ${w.encryptShare} | ${w.contexts} | ${w.cache.maxAgeSeconds} | ${w.cache.maxMessagesEncrypted >= 2 ** 32 ? '2^32' : int(w.cache.maxMessagesEncrypted)} | ${w.cache.capacity} | ${int(s.requests)} | `
      + `${fmt(s.simulated.kmsRequestsPerSecond, 2)} (${fmt(s.simulated.generateDataKeyPerSecond, 2)} + ${fmt(s.simulated.decryptPerSecond, 2)}) | ${fmt(s.model.kmsRequestsPerSecond, 2)} | ${s.relativeError >= 0 ? '+' : ''}${pct(s.relativeError)} |`);
  }
  out.push('', `Largest error of the model: ${pct(f.largestError)}.`, '');
  const w = f.tableWorkload;
  out.push(`The model for 1 to 2,000 containers, each serving ${w.requestsPerSecond} requests/s (${pct(w.encryptShare)} encrypts), ${w.contexts} encryption contexts;`);
  out.push(`cost at USD 0.03 per 10,000 requests, 30-day month; quota share against the Region tiers ${f.quotas.map((q) => int(q)).join(', ')} requests/s`);
  out.push('(symmetric cryptographic operations, shared by Decrypt, Encrypt, GenerateDataKey and the rest in the account and Region).');
  out.push('');
  out.push(`| containers | cache | KMS req/s | requests served without KMS | USD per month | share of ${int(f.quotas[0])} / ${int(f.quotas[f.quotas.length - 1])} req/s quota |`);
  out.push('| ---: | --- | ---: | ---: | ---: | --- |');
  for (const row of f.table) {
    const e = row.estimate;
    out.push(`| ${int(row.containers)} | ${row.setting} | ${e.kmsRequestsPerSecond < 10 ? fmt(e.kmsRequestsPerSecond, 2) : int(e.kmsRequestsPerSecond)} | ${pct(e.cacheHitRatio)} | ${int(e.monthlyCostUsd)} | `
      + `${pct(e.quotaShare[String(f.quotas[0])])} / ${pct(e.quotaShare[String(f.quotas[f.quotas.length - 1])])} |`);
  }
  out.push('', ...hierarchicalFleetSection(f.hierarchical));
  return out;
}

export function writeReport(
  r: Partial<BenchResults>,
  files: { markdown: string; json: string; svg: string },
): { markdown: string; json: string; svg?: string } {
  for (const f of Object.values(files)) fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(files.json, JSON.stringify({ ...r, targets: targets(r) }, null, 2) + '\n');
  let md = markdown(r);
  if (r.throughput) {
    const m = r.machine;
    const caption = `npm run bench, ${m ? `${m.date.slice(0, 10)}, Node.js ${m.node}, ${m.cpus} x ${m.cpuModel}` : ''}; medians of interleaved rounds (bench/results.md)`;
    fs.writeFileSync(files.svg, svg(r.throughput.rows, caption));
    md = md.replace('](../docs/throughput.svg)', `](${path.relative(path.dirname(files.markdown), files.svg)})`);
    fs.writeFileSync(files.markdown, md + '\n');
    return files;
  }
  fs.writeFileSync(files.markdown, md + '\n');
  return { markdown: files.markdown, json: files.json };
}
