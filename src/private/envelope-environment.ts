/**
 * What the envelope Lambda runs with: its code (the bundle built at build time) and its environment
 * variables, named as the handler reads them (./envelope-settings.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Fn, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { EnvelopeSettings } from './envelope-props';
import { ENVELOPE_ENVIRONMENT_VARIABLES as ENV } from './envelope-settings';
import { SecureKeyConfigError } from './validation';
import type { EnvelopeFunctionProps } from '../envelope-function-props';

const ASSET_DIR = path.join(__dirname, '..', '..', 'assets', 'envelope-function');
const ASSET_ENTRY = 'index.js';

/**
 * The handler's environment: the key (with a branch key store, the store's key), then each setting
 * given (the handler's defaults fill the rest).
 */
export function functionEnvironment(props: EnvelopeFunctionProps, settings: EnvelopeSettings): Record<string, string> {
  const branchKeys = settings.branchKeys;
  const environment: Record<string, string> = { [ENV.keyArn]: (branchKeys?.store.key ?? settings.key).keyArn };
  const set = (name: string, value: number | string | undefined): void => {
    if (value !== undefined) environment[name] = String(value);
  };
  if (branchKeys) {
    set(ENV.branchKeyTable, branchKeys.store.tableName);
    set(ENV.branchKeyStoreName, branchKeys.store.logicalKeyStoreName);
    set(ENV.branchKeyId, branchKeys.branchKeyId);
    set(ENV.branchKeyIdContextKey, branchKeys.contextKey);
    set(ENV.branchKeyCacheTtlSeconds, branchKeys.cacheTtlSeconds);
    set(ENV.branchKeyCacheCapacity, branchKeys.cacheCapacity);
  }
  set(ENV.suite, props.suite);
  set(ENV.frameLength, props.frameLength?.toBytes());
  set(ENV.maxEncryptedDataKeys, props.maxEncryptedDataKeys);
  set(ENV.cacheCapacity, props.cacheCapacity);
  set(ENV.cacheMaxAgeSeconds, settings.cacheMaxAgeSeconds);
  set(ENV.cacheMaxMessages, props.cacheMaxMessagesEncrypted);
  set(ENV.cacheMaxBytes, props.cacheMaxBytesEncrypted?.toBytes());
  // A branch key store turns generateDataKey off in the handler itself.
  if (!settings.generateDataKeyEnabled && !branchKeys) set(ENV.generateDataKey, 'false');
  if (settings.reEncryptTo.length > 0) set(ENV.reEncryptDestinationKeyArns, joinList(settings.reEncryptTo.map((k) => k.keyArn)));
  const report = settings.usageReport;
  if (report.enabled) {
    const principals = report.expectedPrincipals ?? [];
    if (principals.length > 0) set(ENV.usageReportExpectedPrincipals, joinList(principals));
    set(ENV.usageReportLookbackMinutes, report.lookbackMinutes);
    set(ENV.usageReportDelayMinutes, report.delayMinutes);
    set(ENV.usageReportMaxPages, report.maxPages);
  }
  return environment;
}

/** Comma-joined, with Fn::Join when a value is a token (an ARN of this app). */
function joinList(values: string[]): string {
  return values.some((v) => Token.isUnresolved(v)) ? Fn.join(',', values) : values.join(',');
}

/** The bundled handler; the bundle is built at build time, so synth needs no esbuild or Docker. */
export function envelopeCode(): lambda.Code {
  if (!fs.existsSync(path.join(ASSET_DIR, ASSET_ENTRY))) {
    throw new SecureKeyConfigError(`EnvelopeFunction: the bundled handler ${path.join(ASSET_DIR, ASSET_ENTRY)} is missing. Build it with \`npx projen bundle:envelope\` (node lambda/build-bundle.mjs); a published cdk-secure-key package contains it.`);
  }
  // index.js and the chunks it loads on first use (audit.js, credentials.js: lambda/build-bundle.mjs).
  return lambda.Code.fromAsset(ASSET_DIR, { exclude: ['*', '!*.js'] });
}
