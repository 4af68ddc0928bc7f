import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigurationError } from '../../../lambda/core/errors';
import { AlgorithmSuiteId } from '../../../lambda/core/types';
import { ENVIRONMENT_VARIABLES, INTEGER_SETTINGS, loadConfig } from '../../../lambda/handler/config';
import { ENVIRONMENT_VARIABLE_DOCS } from '../../../lambda/handler/config-docs';

const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const MRK = 'arn:aws:kms:eu-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab';

function failure(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigurationError);
    return (e as Error).message;
  }
  throw new Error('loadConfig did not fail');
}

describe('loadConfig', () => {
  test('only the key ARN is required; everything else has its documented default', () => {
    const c = loadConfig({ SECUREKEY_KEY_ARN: KEY, PATH: '/usr/bin' });
    expect(c).toEqual({
      keyArn: KEY,
      suite: AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
      frameLength: INTEGER_SETTINGS.frameLength.default,
      maxEncryptedDataKeys: INTEGER_SETTINGS.maxEncryptedDataKeys.default,
      cache: {
        enabled: true,
        capacity: INTEGER_SETTINGS.cacheCapacity.default,
        maxAgeSeconds: INTEGER_SETTINGS.cacheMaxAgeSeconds.default,
        maxMessagesEncrypted: INTEGER_SETTINGS.cacheMaxMessages.default,
        maxBytesEncrypted: INTEGER_SETTINGS.cacheMaxBytes.default,
      },
      reEncryptDestinationKeyArns: [],
      generateDataKeyEnabled: true,
      usageReport: {
        lookbackMinutes: INTEGER_SETTINGS.usageReportLookbackMinutes.default,
        delayMinutes: INTEGER_SETTINGS.usageReportDelayMinutes.default,
        maxPages: INTEGER_SETTINGS.usageReportMaxPages.default,
      },
    });
  });

  test('reads every variable', () => {
    const c = loadConfig({
      SECUREKEY_KEY_ARN: MRK,
      SECUREKEY_SUITE: 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384',
      SECUREKEY_FRAME_LENGTH: '4096',
      SECUREKEY_MAX_ENCRYPTED_DATA_KEYS: '3',
      SECUREKEY_CACHE_CAPACITY: '0',
      SECUREKEY_CACHE_MAX_AGE_SECONDS: '60',
      SECUREKEY_CACHE_MAX_MESSAGES: '10',
      SECUREKEY_CACHE_MAX_BYTES: '1048576',
      SECUREKEY_REENCRYPT_DESTINATION_KEY_ARNS: ` ${KEY} , ${MRK}`,
      SECUREKEY_USAGE_REPORT_EXPECTED_PRINCIPALS: 'arn:aws:iam::111122223333:role/App,s3.amazonaws.com,444455556666',
      SECUREKEY_USAGE_REPORT_LOOKBACK_MINUTES: '1440',
      SECUREKEY_USAGE_REPORT_DELAY_MINUTES: '0',
      SECUREKEY_USAGE_REPORT_MAX_PAGES: '5',
    });
    expect(c.suite).toBe(AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384);
    expect(c.frameLength).toBe(4096);
    expect(c.maxEncryptedDataKeys).toBe(3);
    expect(c.cache).toEqual({ enabled: false, capacity: 0, maxAgeSeconds: 60, maxMessagesEncrypted: 10, maxBytesEncrypted: 1048576 });
    expect(c.reEncryptDestinationKeyArns).toEqual([KEY, MRK]);
    expect(c.usageReport).toEqual({ expectedPrincipals: ['arn:aws:iam::111122223333:role/App', 's3.amazonaws.com', '444455556666'], lookbackMinutes: 1440, delayMinutes: 0, maxPages: 5 });
  });

  test.each([['0x0478', AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY], ['0x0578', AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384]])(
    'accepts suite id %s', (value, suite) => {
      expect(loadConfig({ SECUREKEY_KEY_ARN: KEY, SECUREKEY_SUITE: value }).suite).toBe(suite);
    });

  test('fails if the key ARN is missing', () => {
    expect(failure({})).toMatch(/SECUREKEY_KEY_ARN is not set; set it to the ARN of the KMS key/);
  });

  test('fails if the key ARN is an alias, and says why', () => {
    expect(failure({ SECUREKEY_KEY_ARN: 'arn:aws:kms:us-east-1:111122223333:alias/app' }))
      .toMatch(/SECUREKEY_KEY_ARN is "arn:aws:kms:us-east-1:111122223333:alias\/app"; expected a KMS key ARN.*An alias is not enough/);
  });

  test.each(Object.entries(INTEGER_SETTINGS))('fails if %s is out of range, naming the value and the range', (setting, spec) => {
    const name = ENVIRONMENT_VARIABLES[setting as keyof typeof ENVIRONMENT_VARIABLES];
    const tooBig = String(spec.max + 1);
    expect(failure({ SECUREKEY_KEY_ARN: KEY, [name]: tooBig }))
      .toContain(`${name} is "${tooBig}"; expected a whole number of ${spec.unit} from ${spec.min} to ${spec.max} (default ${spec.default}).`);
    expect(failure({ SECUREKEY_KEY_ARN: KEY, [name]: '-1' })).toContain(`${name} is "-1"`);
    expect(failure({ SECUREKEY_KEY_ARN: KEY, [name]: '1.5' })).toContain(`${name} is "1.5"`);
    if (spec.min > 0) expect(failure({ SECUREKEY_KEY_ARN: KEY, [name]: String(spec.min - 1) })).toContain(`${name} is "${spec.min - 1}"`);
  });

  test('fails on an unknown suite, listing the allowed ones', () => {
    expect(failure({ SECUREKEY_KEY_ARN: KEY, SECUREKEY_SUITE: 'AES_256_GCM_IV12_TAG16_HKDF_SHA256' }))
      .toMatch(/SECUREKEY_SUITE is "AES_256_GCM_IV12_TAG16_HKDF_SHA256"; expected one of AES_256_GCM_HKDF_SHA512_COMMIT_KEY, .*0x0578/);
  });

  test('fails on a misspelt SECUREKEY_ variable instead of silently using a default', () => {
    expect(failure({ SECUREKEY_KEY_ARN: KEY, SECUREKEY_CACHE_MAX_AGE: '60' })).toMatch(/SECUREKEY_CACHE_MAX_AGE is not a setting of the envelope function/);
  });

  test('fails on a bad destination key or principal', () => {
    expect(failure({ SECUREKEY_KEY_ARN: KEY, SECUREKEY_REENCRYPT_DESTINATION_KEY_ARNS: 'alias/other' }))
      .toContain('SECUREKEY_REENCRYPT_DESTINATION_KEY_ARNS contains "alias/other"');
    expect(failure({ SECUREKEY_KEY_ARN: KEY, SECUREKEY_USAGE_REPORT_EXPECTED_PRINCIPALS: 'bob' }))
      .toContain('SECUREKEY_USAGE_REPORT_EXPECTED_PRINCIPALS contains "bob"');
  });

  test('reports every problem at once', () => {
    const message = failure({ SECUREKEY_CACHE_CAPACITY: 'many', SECUREKEY_FRAME_LENGTH: '0' });
    expect(message).toMatch(/^Invalid envelope function configuration \(3 problems\)/);
    expect(message).toContain('SECUREKEY_KEY_ARN');
    expect(message).toContain('SECUREKEY_CACHE_CAPACITY is "many"');
    expect(message).toContain('SECUREKEY_FRAME_LENGTH is "0"');
  });

  test('shortens very long values in messages', () => {
    const message = failure({ SECUREKEY_KEY_ARN: 'x'.repeat(5000) });
    expect(message.length).toBeLessThan(600);
  });

  test('every variable is documented with a default and a description', () => {
    expect(Object.keys(ENVIRONMENT_VARIABLE_DOCS).sort()).toEqual(Object.keys(ENVIRONMENT_VARIABLES).sort());
    for (const doc of Object.values(ENVIRONMENT_VARIABLE_DOCS)) {
      expect(doc.default.length).toBeGreaterThan(0);
      expect(doc.description.length).toBeGreaterThan(10);
    }
    for (const [setting, spec] of Object.entries(INTEGER_SETTINGS)) {
      expect(ENVIRONMENT_VARIABLE_DOCS[setting as keyof typeof ENVIRONMENT_VARIABLE_DOCS].default).toBe(String(spec.default));
    }
    expect(new Set(Object.values(ENVIRONMENT_VARIABLES)).size).toBe(Object.keys(ENVIRONMENT_VARIABLES).length);
  });

  test('docs/usage-report.md documents every variable', () => {
    const doc = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'docs', 'usage-report.md'), 'utf8');
    for (const name of Object.values(ENVIRONMENT_VARIABLES)) expect(doc).toContain(`| \`${name}\` |`);
  });
});
