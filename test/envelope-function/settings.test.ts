import { createHash } from 'node:crypto';
import { Duration, Size, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import fc from 'fast-check';
import { build, envOf } from './fixtures';
import { AlgorithmSuiteId } from '../../lambda/core/types';
import { ENVIRONMENT_VARIABLES, INTEGER_SETTINGS, loadConfig, SUITE_NAMES } from '../../lambda/handler/config';
import { CallLogger, METRIC_FILTER_TOKENS } from '../../lambda/handler/logger';
import { EnvelopeAlgorithmSuite, EnvelopeFunction, SecureKey } from '../../src';
import {
  USAGE_REPORT_FINDING_PATTERNS, ENVELOPE_ENVIRONMENT_VARIABLES, ENVELOPE_INTEGER_SETTINGS, ENVELOPE_SUITE_NAMES,
} from '../../src/private/envelope-settings';
import { envFor, resolveIntrinsics } from '../support/cfn-intrinsics';

describe('the construct\'s copy of the handler\'s settings', () => {
  test('environment variable names equal lambda/handler/config.ts ENVIRONMENT_VARIABLES', () => {
    expect(ENVELOPE_ENVIRONMENT_VARIABLES).toEqual(ENVIRONMENT_VARIABLES);
  });

  test('integer ranges equal the handler\'s INTEGER_SETTINGS', () => {
    expect(ENVELOPE_INTEGER_SETTINGS).toEqual(INTEGER_SETTINGS);
  });

  test('every suite of the enum is a name the handler accepts', () => {
    expect([...ENVELOPE_SUITE_NAMES].sort()).toEqual(Object.values(EnvelopeAlgorithmSuite).sort());
    for (const name of ENVELOPE_SUITE_NAMES) expect(Object.keys(SUITE_NAMES)).toContain(name);
  });
});

/** A CloudWatch Logs `%regex%` pattern as a JavaScript RegExp (its syntax is a subset of JS's). */
function cwRegex(pattern: string): RegExp {
  expect(pattern).toMatch(/^%[^%"]+%$/);
  return new RegExp(pattern.slice(1, -1));
}

/** Log lines of the real handler logger, as Lambda stores them: raw, behind the text-format prefix, and inside a JSON-format event. */
function storedForms(line: string): string[] {
  return [line, `2026-01-01T00:00:00.000Z\tc0ffee00-0000-4000-8000-000000000000\tINFO\t${line}`, JSON.stringify({ level: 'INFO', message: line })];
}

interface AuditHeadline {
  events: number;
  principals: number;
  complete: boolean;
  unexpectedPrincipals: string[];
}

function auditLine(audit: AuditHeadline | undefined, fail = false): string {
  const lines: string[] = [];
  const logger = new CallLogger({ sink: (l) => lines.push(l), now: () => 0, keyArn: 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab' });
  const timer = logger.start('usageReport', 'c0ffee00-0000-4000-8000-000000000000');
  if (fail) timer.fail(new Error('boom'));
  else timer.succeed(audit ? { usageReport: audit } : {});
  expect(lines).toHaveLength(1);
  return lines[0];
}

describe('audit metric filter patterns match the handler\'s log lines', () => {
  const unexpected = cwRegex(USAGE_REPORT_FINDING_PATTERNS.UnexpectedPrincipals);
  const incomplete = cwRegex(USAGE_REPORT_FINDING_PATTERNS.Incomplete);
  const failed = cwRegex(USAGE_REPORT_FINDING_PATTERNS.Failed);

  test.each([1, 3, 12])('an audit with %i unexpected principal(s) counts as a finding', (n) => {
    const line = auditLine({ events: 5, principals: 4, complete: true, unexpectedPrincipals: Array.from({ length: n }, (_, i) => `arn:aws:iam::222222222222:role/R${i}`) });
    for (const form of storedForms(line)) {
      expect(form).toMatch(unexpected);
      expect(form).not.toMatch(incomplete);
      expect(form).not.toMatch(failed);
    }
  });

  test('a clean, complete audit matches no pattern', () => {
    const line = auditLine({ events: 5, principals: 1, complete: true, unexpectedPrincipals: [] });
    for (const form of storedForms(line)) {
      for (const re of [unexpected, incomplete, failed]) expect(form).not.toMatch(re);
    }
  });

  test('an incomplete audit matches Incomplete', () => {
    const line = auditLine({ events: 1000, principals: 1, complete: false, unexpectedPrincipals: [] });
    for (const form of storedForms(line)) expect(form).toMatch(incomplete);
  });

  test('a failed audit matches Failed, and a failed encrypt does not', () => {
    for (const form of storedForms(auditLine(undefined, true))) expect(form).toMatch(failed);
    const lines: string[] = [];
    new CallLogger({ sink: (l) => lines.push(l), now: () => 0 }).start('encrypt', 'c0ffee00-0000-4000-8000-000000000000').fail(new Error('x'));
    for (const form of storedForms(lines[0])) expect(form).not.toMatch(failed);
  });
});

describe('no caller-chosen text in a log line can forge a finding', () => {
  const patterns = Object.values(USAGE_REPORT_FINDING_PATTERNS).map(cwRegex);

  test('every pattern starts with a token the logger keeps out of caller-chosen text', () => {
    for (const pattern of Object.values(USAGE_REPORT_FINDING_PATTERNS)) {
      expect(METRIC_FILTER_TOKENS.some((t) => pattern.startsWith(`%${t}`))).toBe(true);
    }
  });

  /** One encrypt call's line whose encryption-context keys and request id are chosen by the caller. */
  function encryptLine(keys: string[], requestId: string): string {
    const lines: string[] = [];
    const logger = new CallLogger({ sink: (l) => lines.push(l), now: () => 0 });
    logger.start('encrypt', requestId).succeed({ encryptionContext: Object.fromEntries(keys.map((k) => [k, 'v'])) });
    return lines[0];
  }

  test.each([
    ['usageReportUnexpected":1'],
    ['usageReportUnexpected--7'],
    ['usageReportComplete":false'],
    ['operation":"usageReport","outcome":"error'],
    ['x usageReportComplete,,false'],
  ])('an encryption-context key %j matches no pattern', (key) => {
    for (const form of storedForms(encryptLine([key], 'req-1'))) {
      for (const re of patterns) expect(form).not.toMatch(re);
    }
  });

  test('a principal or request id spelling a finding matches no pattern', () => {
    const lines: string[] = [];
    const logger = new CallLogger({ sink: (l) => lines.push(l), now: () => 0 });
    logger.start('usageReport', 'usageReportUnexpected--9').succeed({
      usageReport: { events: 1, principals: 1, complete: true, unexpectedPrincipals: [] },
    });
    logger.start('usageReport').succeed({
      usageReport: { events: 1, principals: 1, complete: true, unexpectedPrincipals: [] },
      encryptionContext: { 'arn:aws:iam::999999999999:role/usageReportComplete,,false': 'v' },
    });
    for (const line of lines) {
      for (const form of storedForms(line)) for (const re of patterns) expect(form).not.toMatch(re);
    }
    // The same principal in the finding list does not forge "Incomplete" either.
    const l2: string[] = [];
    new CallLogger({ sink: (l) => l2.push(l), now: () => 0 }).start('usageReport').succeed({
      usageReport: { events: 1, principals: 1, complete: true, unexpectedPrincipals: ['arn:aws:iam::999999999999:role/usageReportComplete,,false'] },
    });
    const incomplete = cwRegex(USAGE_REPORT_FINDING_PATTERNS.Incomplete);
    for (const form of storedForms(l2[0])) expect(form).not.toMatch(incomplete);
  });

  test('random keys built from the patterns\' own words never match (property)', () => {
    const word = fc.constantFrom('usageReportUnexpected', 'usageReportComplete', 'usageReport', 'operation', 'outcome', 'error', 'false', '7');
    const gap = fc.constantFrom('":', '":"', '","', ',,', '--', '', ' ');
    const piece = fc.tuple(fc.string({ maxLength: 3 }), word, gap, word, gap, word).map((p) => p.join(''));
    fc.assert(fc.property(fc.array(piece, { minLength: 1, maxLength: 5 }), (keys) => {
      for (const form of storedForms(encryptLine(keys, 'req-1'))) {
        for (const re of patterns) if (re.test(form)) return false;
      }
      return true;
    }), { numRuns: 300 });
  });
});

describe('the handler accepts the environment the construct writes', () => {
  /** Resolves the synthesized variables; key ARNs of the template get a UUID key id, as real ones have. */
  function handlerEnv(fn: EnvelopeFunction): Record<string, string> {
    const template = Template.fromStack(Stack.of(fn)).toJSON() as { Resources: Record<string, { Type: string }> };
    const resolved = resolveIntrinsics(envOf(fn), envFor(template)) as Record<string, string>;
    const uuid = (id: string) => `${createHash('sha256').update(id).digest('hex').slice(0, 32).replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-')}`;
    return Object.fromEntries(Object.entries(resolved).map(([k, v]) => [k, v.replace(/:key\/([A-Za-z0-9]+)/g, (_m, id: string) => `:key/${uuid(id)}`)]));
  }

  test('defaults', () => {
    const config = loadConfig(handlerEnv(build().fn));
    expect(config.keyArn).toMatch(/^arn:aws:kms:us-east-1:111111111111:key\//);
    expect(config.cache.capacity).toBe(INTEGER_SETTINGS.cacheCapacity.default);
    expect(config.reEncryptDestinationKeyArns).toEqual([]);
  });

  test('every prop set', () => {
    const { fn } = build({}, (s) => ({
      suite: EnvelopeAlgorithmSuite.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
      frameLength: Size.kibibytes(16),
      maxEncryptedDataKeys: 2,
      cacheCapacity: 7,
      cacheMaxAge: Duration.minutes(3),
      cacheMaxMessagesEncrypted: 9,
      cacheMaxBytesEncrypted: Size.mebibytes(1),
      reEncryptDestinationKeys: [new SecureKey(s, 'Archive'), new SecureKey(s, 'Backup')],
      usageReportSchedule: events.Schedule.rate(Duration.minutes(30)),
      usageReportExpectedPrincipals: [new iam.Role(s, 'App', { assumedBy: new iam.AccountRootPrincipal() }).roleArn, 's3.amazonaws.com', '111111111111'],
      usageReportDelay: Duration.minutes(10),
      usageReportMaxPages: 4,
    }));
    const config = loadConfig(handlerEnv(fn));
    expect(config).toMatchObject({
      suite: AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
      frameLength: 16384,
      maxEncryptedDataKeys: 2,
      cache: { enabled: true, capacity: 7, maxAgeSeconds: 180, maxMessagesEncrypted: 9, maxBytesEncrypted: 1048576 },
      usageReport: { lookbackMinutes: 30, delayMinutes: 10, maxPages: 4 },
    });
    expect(config.reEncryptDestinationKeyArns).toHaveLength(2);
    expect(config.usageReport.expectedPrincipals).toEqual([expect.stringMatching(/^arn:aws:iam::111111111111:role\/App/), 's3.amazonaws.com', '111111111111']);
  });
});
