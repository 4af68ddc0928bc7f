/**
 * Writes a bench run as bench/results.json (everything measured), bench/results.md (tables, and
 * each target of issue 8 with "met" or "NOT MET" from this run's figures) and docs/throughput.svg
 * (throughput by message size, hand-written SVG).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BundleResult } from './bundle.bench';
import type { KmsCallsResult } from './cache.bench';
import type { SmallRateResult, ThroughputResult, ThroughputRow } from './envelope.bench';
import type { ProfileEntry } from './profile';
import type { StreamRun } from './stream.bench';
import { fmt, KiB, MiB, sizeLabel, Spread } from './support';
import type { SynthCase } from './synth.bench';

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
  kmsCalls: KmsCallsResult;
  stream: StreamRun[];
  lambda: BundleResult;
  synth: SynthCase[];
}

export interface Target {
  readonly what: string;
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

/** Targets of issue 8, judged on this run's medians. */
export const RAW_RATIO_TARGET = 0.7;
export const SMALL_RATE_TARGET = 10;
export const STREAM_RSS_TARGET_MIB = 128;
export const BUNDLE_SIZE_TARGET = 0.5;
export const REQUIRE_TIME_TARGET = 2 / 3;
export const SYNTH_RATIO_TARGET = 1.5;

const x = (n: number, digits = 2) => `${fmt(n, digits)}x`;
const iqr = (s: Spread) => `${x(s.median)} [${fmt(s.p25)}-${fmt(s.p75)}]`;
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const kib = (bytes: number) => `${int(bytes / KiB)} KiB`;

export function targets(r: Partial<BenchResults>): Target[] {
  const out: Target[] = [];
  if (r.throughput) {
    for (const size of [MiB, 16 * MiB]) {
      const row = r.throughput.rows.find((w) => w.size === size);
      if (!row) continue;
      const v = row.oursVs.raw;
      out.push({
        what: `Throughput at ${sizeLabel(size)}, ours / raw AES-256-GCM`,
        target: `>= ${RAW_RATIO_TARGET}x, encrypt and decrypt`,
        measured: `encrypt ${x(v.encrypt.median)}, decrypt ${x(v.decrypt.median)}`,
        met: v.encrypt.median >= RAW_RATIO_TARGET && v.decrypt.median >= RAW_RATIO_TARGET,
      });
    }
    const behind = r.throughput.rows.flatMap((row) => ['sdk-0478', 'sdk-default'].flatMap((sdk) => (['encrypt', 'decrypt'] as const)
      .filter((dir) => row.oursVs[sdk] && row.oursVs[sdk][dir].median <= 1)
      .map((dir) => `${sizeLabel(row.size)} ${sdk} ${dir}`)));
    const lowest = Math.min(...r.throughput.rows.flatMap((row) => ['sdk-0478', 'sdk-default']
      .flatMap((sdk) => (row.oursVs[sdk] ? [row.oursVs[sdk].encrypt.median, row.oursVs[sdk].decrypt.median] : []))));
    out.push({
      what: 'Throughput, ours / Encryption SDK (both suites)',
      target: 'ahead at every size, encrypt and decrypt',
      measured: behind.length === 0 ? `ahead everywhere, by at least ${x(lowest, 1)}` : `behind at ${behind.join(', ')}`,
      met: behind.length === 0,
    });
  }
  if (r.smallRate) {
    const v = r.smallRate.oursVsSdkCaching;
    out.push({
      what: '1 KiB ops/s with a warm cache, ours / Encryption SDK caching CMM',
      target: `>= ${SMALL_RATE_TARGET}x`,
      measured: `encrypt ${x(v.encrypt.median, 1)}, decrypt ${x(v.decrypt.median, 1)}`,
      met: v.encrypt.median >= SMALL_RATE_TARGET && v.decrypt.median >= SMALL_RATE_TARGET,
    });
  }
  if (r.kmsCalls) {
    for (const c of r.kmsCalls.cases) {
      out.push({
        what: `GenerateDataKey calls: ${c.what}`,
        target: `${c.windows} (one per cache window)`,
        measured: `ours ${c.calls.ours}, Encryption SDK ${c.calls['sdk-caching']}`,
        met: c.calls.ours === c.windows,
      });
    }
  }
  if (r.stream) {
    for (const s of r.stream.filter((m) => m.mode !== 'baseline')) {
      out.push({
        what: `Peak RSS, streaming ${sizeLabel(s.bytes)} (${s.mode === 'encrypt' ? 'encrypt' : 'encrypt -> decrypt'})`,
        target: `< ${STREAM_RSS_TARGET_MIB} MiB`,
        measured: `${fmt(s.peakRssMiB, 0)} MiB`,
        met: s.peakRssMiB < STREAM_RSS_TARGET_MIB,
      });
    }
  }
  if (r.lambda) {
    const l = r.lambda;
    const size = l.ours.bytes / l.esdk.bytes;
    const gzip = l.ours.gzipBytes / l.esdk.gzipBytes;
    out.push({
      what: 'Lambda bundle size, ours / Encryption SDK handler',
      target: `< ${BUNDLE_SIZE_TARGET}x (bytes and gzip)`,
      measured: `${x(size)} bytes, ${x(gzip)} gzip`,
      met: size < BUNDLE_SIZE_TARGET && gzip < BUNDLE_SIZE_TARGET,
    });
    out.push({
      what: 'Lambda cold require time, ours / Encryption SDK handler',
      target: `< ${fmt(REQUIRE_TIME_TARGET)}x`,
      measured: iqr(l.requireRatio),
      met: l.requireRatio.median < REQUIRE_TIME_TARGET,
    });
  }
  for (const s of r.synth ?? []) {
    out.push({
      what: `Synth, 100 SecureKeys / 100 kms.Keys, template validation ${s.validation ? 'on (default)' : 'off'}`,
      target: `<= ${SYNTH_RATIO_TARGET}x`,
      measured: iqr(s.ratio),
      met: s.ratio.median <= SYNTH_RATIO_TARGET,
    });
  }
  return out;
}

function throughputTable(t: ThroughputResult): string[] {
  const lines = [
    '| size | dir | raw GCM MB/s | framed floor MB/s | ours MB/s | SDK 0x0478 MB/s | SDK default MB/s | ours / raw [IQR] | ours / framed floor | ours / SDK 0x0478 | ours / SDK default | faults per call raw / floor / ours |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | --- | --- |',
  ];
  for (const row of t.rows) {
    for (const dir of ['encrypt', 'decrypt'] as const) {
      const m = (name: string) => (row.mbps[name][dir] < 10 ? fmt(row.mbps[name][dir], 1) : int(row.mbps[name][dir]));
      lines.push(`| ${sizeLabel(row.size)} | ${dir} | ${m('raw')} | ${m('raw-framed')} | ${m('ours')} | ${m('sdk-0478')} | ${m('sdk-default')} | `
        + `${iqr(row.oursVs.raw[dir])} | ${iqr(row.oursVs['raw-framed'][dir])} | ${iqr(row.oursVs['sdk-0478'][dir])} | ${iqr(row.oursVs['sdk-default'][dir])} | `
        + `${int(row.faults.raw[dir])} / ${int(row.faults['raw-framed'][dir])} / ${int(row.faults.ours[dir])} |`);
    }
  }
  return lines;
}

export function markdown(r: Partial<BenchResults>): string {
  const m = r.machine;
  const out: string[] = ['# Benchmark results', ''];
  out.push('Written by `npm run bench` (bench/index.ts); do not edit by hand. Every figure is a median of');
  out.push('interleaved rounds after a warm-up, next to its baseline measured in the same run; ratios are');
  out.push('medians of per-round ratios, with the interquartile range in brackets as the noise.');
  out.push('');
  if (m) {
    out.push(`- Machine: ${m.cpus} x ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.platform}; shared with other workloads`);
    out.push(`- Node.js ${m.node}; load average (1, 5, 15 min) ${m.loadAverageStart.map((l) => fmt(l)).join(', ')} at start, ${m.loadAverageEnd.map((l) => fmt(l)).join(', ')} at end`);
    out.push(`- Commit ${m.commit}, ${m.date}; whole run ${r.durationSeconds ?? '?'} s`);
    out.push('');
  }
  const all = targets(r);
  if (all.length > 0) {
    out.push('## Targets (issue 8)', '', '| what | target | this run | |', '| --- | --- | --- | --- |');
    for (const t of all) out.push(`| ${t.what} | ${t.target} | ${t.measured} | ${t.met ? 'met' : '**NOT MET**'} |`);
    out.push('');
  }
  if (r.throughput) {
    out.push('## 1. Throughput', '');
    out.push('MB/s = 10^6 bytes of plaintext per second, one direction. Contenders:');
    for (const [name, what] of Object.entries(r.throughput.contenders)) out.push(`- \`${name}\`: ${what}`);
    out.push('');
    out.push(...throughputTable(r.throughput));
    out.push('');
    out.push(`Rounds per size: ${r.throughput.rows.map((row) => `${sizeLabel(row.size)} ${row.rounds}`).join(', ')}. "Faults" are minor page faults`);
    out.push('per call (memory the kernel had to hand out and zero).');
    out.push('');
    out.push('![throughput by message size](../docs/throughput.svg)');
    out.push('');
  }
  if (r.profile) {
    out.push('### Where ours spends its time (node --cpu-prof, encrypt + decrypt round trips, self time)', '');
    out.push('| size | top functions |', '| --- | --- |');
    for (const p of r.profile) out.push(`| ${sizeLabel(p.size)} | ${p.top.map((e) => `${e.name} ${fmt(e.percent, 1)}%`).join('; ')} |`);
    out.push('');
    out.push('`update (node:internal/crypto/cipher)` is OpenSSL\'s AES-GCM, the work raw GCM does too. Everything else is');
    out.push('what the message format costs on top through node:crypto\'s API: `Cipher.update()` always returns a new buffer, so');
    out.push('each 64 KiB slice of a frame is encrypted into a temporary and copied into the message (`_copyActual`, Buffer copy),');
    out.push('and each decrypted slice is copied into the plaintext and its temporary wiped (`_fill`); slices stay under glibc\'s');
    out.push('mmap threshold so the temporaries are reused, not faulted in; each message derives two keys (`hkdfSync`) and');
    out.push('authenticates a header.');
    out.push('');
  }
  if (r.smallRate) {
    const s = r.smallRate;
    out.push('## 2. Small-message rate', '');
    out.push(`${sizeLabel(s.size)} messages, suite ${s.suite}, warm caches (${s.limits}); ours: CachingMaterialsManager over a LocalKms`);
    out.push('provider; SDK: NodeCachingMaterialsManager + getLocalCryptographicMaterialsCache over KmsKeyringNode on the same LocalKms.');
    out.push('');
    out.push('| | ours ops/s | SDK caching CMM ops/s | ours / SDK [IQR] |', '| --- | ---: | ---: | --- |');
    for (const dir of ['encrypt', 'decrypt'] as const) {
      out.push(`| ${dir} | ${int(s.opsPerSecond.ours[dir])} | ${int(s.opsPerSecond['sdk-caching'][dir])} | ${iqr(s.oursVsSdkCaching[dir])} |`);
    }
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
    out.push('alternating in one process (aws-cdk-lib validates templates at synth unless `CDK_VALIDATION=false`).');
    out.push('');
    out.push('| template validation | rounds | kms.Key ms | SecureKey ms | SecureKey / kms.Key [IQR] |', '| --- | ---: | ---: | ---: | --- |');
    for (const s of r.synth) out.push(`| ${s.validation ? 'on (default)' : 'off'} | ${s.rounds} | ${int(s.kmsKeyMs)} | ${int(s.secureKeyMs)} | ${iqr(s.ratio)} |`);
    out.push('');
  }
  return out.join('\n');
}

const SERIES: { name: string; label: string; color: string; dash?: string }[] = [
  { name: 'raw', label: 'raw AES-256-GCM (node:crypto)', color: '#555555', dash: '5 4' },
  { name: 'raw-framed', label: 'framed floor (GCM per 256 KiB frame + copy)', color: '#999999', dash: '2 3' },
  { name: 'ours', label: 'cdk-secure-key (0x0478, 256 KiB frames)', color: '#1f77b4' },
  { name: 'sdk-0478', label: 'Encryption SDK 0x0478, 256 KiB frames', color: '#ff7f0e' },
  { name: 'sdk-default', label: 'Encryption SDK defaults (0x0578, 4 KiB frames)', color: '#d62728' },
];

/** Two log-scale panels (encrypt, decrypt) of MB/s by message size. */
export function svg(rows: readonly ThroughputRow[], caption: string): string {
  const panelW = 330;
  const panelH = 230;
  const left = 60;
  const top = 40;
  const gap = 50;
  const width = left + 2 * panelW + gap + 20;
  const height = top + panelH + 120;
  const values = rows.flatMap((r) => SERIES.flatMap((s) => [r.mbps[s.name]?.encrypt, r.mbps[s.name]?.decrypt])).filter((v): v is number => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...values)));
  const y = (v: number) => top + panelH - ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * panelH;
  const e: string[] = [];
  e.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  e.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  e.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">Throughput by message size (MB/s, log scale; higher is better)</text>`);
  (['encrypt', 'decrypt'] as const).forEach((dir, p) => {
    const x0 = left + p * (panelW + gap);
    const px = (i: number) => x0 + 30 + (i * (panelW - 60)) / Math.max(1, rows.length - 1);
    e.push(`<text x="${x0 + panelW / 2}" y="${top - 8}" text-anchor="middle" font-weight="bold">${dir}</text>`);
    e.push(`<rect x="${x0}" y="${top}" width="${panelW}" height="${panelH}" fill="none" stroke="#999"/>`);
    for (let v = lo; v <= hi; v *= 10) {
      e.push(`<line x1="${x0}" x2="${x0 + panelW}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/>`);
      e.push(`<text x="${x0 - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v.toLocaleString('en-US')}</text>`);
    }
    rows.forEach((r, i) => e.push(`<text x="${px(i).toFixed(1)}" y="${top + panelH + 16}" text-anchor="middle">${sizeLabel(r.size)}</text>`));
    for (const s of SERIES) {
      const pts = rows.map((r, i) => [px(i), r.mbps[s.name]?.[dir]] as const)
        .filter(([, v]) => v !== undefined && v > 0) as (readonly [number, number])[];
      if (pts.length === 0) continue;
      const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
      e.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${pts.map(([cx, v]) => `${cx.toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>`);
      for (const [cx, v] of pts) {
        e.push(`<circle cx="${cx.toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${s.color}"><title>${s.label}: ${Math.round(v)} MB/s</title></circle>`);
      }
    }
  });
  const ly = top + panelH + 40;
  SERIES.forEach((s, i) => {
    const lx = left + (i % 2) * (panelW + gap);
    const row = ly + Math.floor(i / 2) * 18;
    e.push(`<line x1="${lx}" x2="${lx + 24}" y1="${row - 4}" y2="${row - 4}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    e.push(`<text x="${lx + 30}" y="${row}">${s.label}</text>`);
  });
  e.push(`<text x="${width / 2}" y="${height - 12}" text-anchor="middle" fill="#555" font-size="11">${caption.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</text>`);
  e.push('</svg>');
  return e.join('\n') + '\n';
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
