/**
 * The CloudTrail records LocalKms writes for its calls (pure): the event shape, the caller's
 * `userIdentity` derived from its ARN, and request parameters without plaintext or blobs.
 */
import * as crypto from 'node:crypto';
import type { LocalKmsError } from './local-kms-errors';
import type { CloudTrailEvent } from './local-kms-types';

export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
export function camelKeys(input: object): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) {
    // Never log secrets or blobs: CloudTrail records parameters, not data.
    if (v === undefined || v instanceof Uint8Array || k === 'Plaintext' || k === 'Message') continue;
    result[k.charAt(0).toLowerCase() + k.slice(1)] = v instanceof Date ? isoSeconds(v) : v;
  }
  return result;
}
function pseudoId(prefix: string, seed: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const digest = crypto.createHash('sha256').update(seed).digest();
  let id = prefix;
  for (let i = 0; id.length < 21; i++) id += alphabet[digest[i] % alphabet.length];
  return id;
}

export interface CloudTrailCall {
  readonly eventName: string;
  readonly input: object;
  readonly readOnly: boolean;
  readonly when: Date;
  readonly region: string;
  readonly accountId: string;
  readonly callerArn: string;
  readonly resources: readonly string[];
  readonly responseElements: Record<string, unknown> | null;
  readonly keyMaterialId?: string;
  readonly error?: LocalKmsError;
}

/** The CloudTrail record KMS writes for one API call. */
export function cloudTrailEvent(call: CloudTrailCall): CloudTrailEvent {
  const { eventName, readOnly, error } = call;
  const requestParameters = camelKeys(call.input);
  const event: CloudTrailEvent = {
    eventVersion: '1.11',
    userIdentity: userIdentity(call.callerArn, call.accountId),
    eventTime: isoSeconds(call.when),
    eventSource: 'kms.amazonaws.com',
    eventName,
    awsRegion: call.region,
    sourceIPAddress: '127.0.0.1',
    userAgent: 'cdk-secure-key/local-kms',
    ...(error ? { errorCode: error.name, errorMessage: error.message } : {}),
    requestParameters: Object.keys(requestParameters).length > 0 ? requestParameters : null,
    responseElements: error ? null : call.responseElements,
    ...(call.keyMaterialId && !error ? { additionalEventData: { keyMaterialId: call.keyMaterialId } } : {}),
    requestID: crypto.randomUUID(),
    eventID: crypto.randomUUID(),
    readOnly,
    resources: [...new Set(call.resources)].map((arn) => ({ ARN: arn, type: 'AWS::KMS::Key' as const, accountId: call.accountId })),
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: call.accountId,
    eventCategory: 'Management',
  };
  return event;
}

/** `userIdentity` as CloudTrail derives it from the caller's ARN (ids are stable pseudo-ids). */
function userIdentity(arn: string, defaultAccount: string): CloudTrailEvent['userIdentity'] {
  const accountId = /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1] ?? defaultAccount;
  if (/:root$/.test(arn)) return { type: 'Root', principalId: accountId, arn, accountId };
  const user = /^arn:[^:]+:iam::\d{12}:user\/(?:.*\/)?([^/]+)$/.exec(arn);
  if (user) return { type: 'IAMUser', principalId: pseudoId('AIDA', arn), arn, accountId, accessKeyId: pseudoId('AKIA', arn), userName: user[1] };
  const assumed = /^arn:[^:]+:sts::\d{12}:assumed-role\/[^/]+\/(.+)$/.exec(arn);
  if (assumed) return { type: 'AssumedRole', principalId: `${pseudoId('AROA', arn.replace(/\/[^/]+$/, ''))}:${assumed[1]}`, arn, accountId, accessKeyId: pseudoId('ASIA', arn) };
  if (/\.amazonaws\.com$/.test(arn)) return { type: 'AWSService', principalId: arn, arn, accountId, invokedBy: arn };
  return { type: 'AssumedRole', principalId: pseudoId('AROA', arn), arn, accountId };
}
