/**
 * The public types of an EnvelopeFunction: its algorithm suites and its props. The construct is in
 * ./envelope-function.ts; the checks that turn props into settings are in ./private/envelope-props.ts.
 */
import { Duration, Size } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { IBranchKeyStore } from './branch-key-store';
import type { SecureKey } from './secure-key';

/** The algorithm suite of new messages (AWS Encryption SDK message format v2, committing suites only). */
export enum EnvelopeAlgorithmSuite {
  /** 0x0478: AES-256-GCM, HKDF-SHA512, key commitment. Fast; the default. */
  AES_256_GCM_HKDF_SHA512_COMMIT_KEY = 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY',
  /**
   * 0x0578: the same plus an ECDSA P-384 signature, so readers who can decrypt cannot forge
   * messages. Much slower for small messages.
   */
  AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384 = 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384',
}

/** Properties of an EnvelopeFunction. */
export interface EnvelopeFunctionProps {
  /**
   * The key the function encrypts and decrypts with. The function's role is written into its key
   * policy with exactly the actions it needs, and the key encrypts the function's log group.
   *
   * With `branchKeyStore`, data keys come from branch keys instead, and this key only encrypts the
   * log group: the role gets no permission on it.
   *
   * @default - the branch key store's key (`branchKeyStore.key`); required without `branchKeyStore`
   */
  readonly key?: SecureKey;

  /**
   * Wrap each message's data key with a branch key from this store (the AWS KMS hierarchical
   * keyring) instead of a data key from KMS: every message gets a fresh data key, and KMS is called
   * once per branch key and cache window (`branchKeyCacheTtl`), not per message. The role gets
   * exactly the store's use permissions (`grantUse`: read the table, KMS Decrypt of this store's
   * branch keys) and nothing on `key`. Choose the branch key with `branchKeyIdContextKey` or
   * `branchKeyId`. The function reads branch keys; creating them is for a role granted
   * `grantCreateAndVersion`. Without KMS data keys there is no data-key cache, `reEncrypt`,
   * `generateDataKey` or `encryptionContextKeys`: those props are refused.
   *
   * @default - data keys from KMS under `key`
   */
  readonly branchKeyStore?: IBranchKeyStore;

  /**
   * The encryption-context key whose value is the branch key id of each message, for example
   * `tenant`: one branch key per tenant. `encrypt` without it is refused, and a message decrypts only
   * with the branch key its context names. Needs `branchKeyStore`; give this or `branchKeyId`.
   *
   * @default - none: `branchKeyId` names the branch key
   */
  readonly branchKeyIdContextKey?: string;

  /**
   * One branch key for every message. Needs `branchKeyStore`; give this or `branchKeyIdContextKey`.
   *
   * @default - none: `branchKeyIdContextKey` chooses the branch key
   */
  readonly branchKeyId?: string;

  /**
   * How long the function reuses a branch key it decrypted before reading (and decrypting) it again
   * (whole seconds, 1 second to 1 day). It bounds both the KMS calls (one per branch key and
   * container per window) and how long a revoked permission or a new branch key version takes to
   * reach a warm container.
   *
   * @default Duration.minutes(5)
   */
  readonly branchKeyCacheTtl?: Duration;

  /**
   * Branch keys the function's branch-key cache holds (1 to 100000, each version counting as one).
   * The least recently used is evicted first. Size it to the tenants a container serves.
   *
   * @default 1000
   */
  readonly branchKeyCacheCapacity?: number;

  /**
   * Algorithm suite of new messages. Decryption accepts both suites.
   *
   * @default EnvelopeAlgorithmSuite.AES_256_GCM_HKDF_SHA512_COMMIT_KEY
   */
  readonly suite?: EnvelopeAlgorithmSuite;

  /**
   * Plaintext per frame of new messages (whole bytes, 1 byte to 4 GiB - 1).
   *
   * @default Size.kibibytes(256)
   */
  readonly frameLength?: Size;

  /**
   * Messages with more encrypted data keys than this are refused before any KMS call (1 to 65535).
   *
   * @default 10
   */
  readonly maxEncryptedDataKeys?: number;

  /**
   * Data keys the function's cache holds (0 to 100000); 0 turns caching off, so every message costs
   * one KMS call.
   *
   * @default 100
   */
  readonly cacheCapacity?: number;

  /**
   * How long a cached data key may be used after KMS produced it (whole seconds, 1 second to 1 day).
   *
   * @default Duration.minutes(5)
   */
  readonly cacheMaxAge?: Duration;

  /**
   * Messages one cached data key may encrypt (1 to 2^32).
   *
   * @default 1000
   */
  readonly cacheMaxMessagesEncrypted?: number;

  /**
   * Plaintext one cached data key may encrypt in total (whole bytes, at least 1 byte).
   *
   * @default Size.gibibytes(1)
   */
  readonly cacheMaxBytesEncrypted?: Size;

  /**
   * Allow only these encryption-context keys in the function's KMS requests: its role may call KMS
   * only when every key of the request's encryption context is one of these (plus
   * `aws-crypto-public-key`, which the message format adds for the signed suite) and at least one of
   * them is present. Requests with no encryption context are refused.
   *
   * @default - any encryption context, including none
   */
  readonly encryptionContextKeys?: string[];

  /**
   * Turn on the `reEncrypt` operation: re-wrap a message's data key under another key without
   * touching its body. The role gets `kms:ReEncryptFrom` on `key` and `kms:ReEncryptTo` on each
   * destination key.
   *
   * @default - true when `reEncryptDestinationKeys` is given, false otherwise
   */
  readonly enableReEncrypt?: boolean;

  /**
   * The keys `reEncrypt` may re-wrap data keys under. They must be keys (not aliases). A SecureKey or a
   * `kms.Key` of this app gets the role in its key policy; an imported key must allow it in its own
   * key policy.
   *
   * @default - `key` itself, when `enableReEncrypt` is true (re-wrapping under the current key material)
   */
  readonly reEncryptDestinationKeys?: kms.IKey[];

  /**
   * Turn on the `usageReport` operation (who used the key, from CloudTrail's LookupEvents). Adds
   * `cloudtrail:LookupEvents` to the role.
   *
   * @default - true when `usageReportSchedule` is given, false otherwise
   */
  readonly enableUsageReport?: boolean;

  /**
   * Run the usage report on this schedule (an EventBridge rule invokes the function). Its findings
   * are a log line in the function's log group; metric filters count reports with unexpected
   * principals, reports that could not read everything and failed reports.
   *
   * @default - no scheduled usage report
   */
  readonly usageReportSchedule?: events.Schedule;

  /**
   * The principals expected to use the key: role, user or root ARNs, service principals
   * (`s3.amazonaws.com`) or account IDs. Any other caller is reported as unexpected.
   *
   * @default - no principal is flagged
   */
  readonly usageReportExpectedPrincipals?: string[];

  /**
   * The window each scheduled usage report reads (whole minutes, up to 90 days).
   *
   * @default - the schedule's rate for `Schedule.rate(...)`, otherwise 60 minutes
   */
  readonly usageReportLookback?: Duration;

  /**
   * How long before the schedule time a scheduled usage report's window ends, since CloudTrail delivers
   * events late (whole minutes, up to 1 day).
   *
   * @default Duration.minutes(15)
   */
  readonly usageReportDelay?: Duration;

  /**
   * LookupEvents pages (50 events each) a usage report reads at most (1 to 1000).
   *
   * @default 20
   */
  readonly usageReportMaxPages?: number;

  /**
   * Notify this topic when a usage report finds an unexpected principal, could not read the whole window,
   * or failed (CloudWatch alarms on the metric filters). If the topic is encrypted, its key must let
   * `cloudwatch.amazonaws.com` call `kms:GenerateDataKey` and `kms:Decrypt`.
   *
   * @default - no alarms; the metrics are still available (`metricUsageReportUnexpectedPrincipals()` and others)
   */
  readonly usageReportFindingsTopic?: sns.ITopic;

  /**
   * Memory of the function, in MiB (128 to 10240). More memory also means more CPU.
   *
   * @default 512
   */
  readonly memorySize?: number;

  /**
   * Timeout of one invocation (1 second to 15 minutes).
   *
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;

  /**
   * Concurrent executions reserved for (and limiting) the function.
   *
   * @default - no reservation: the function uses the account's unreserved concurrency
   */
  readonly reservedConcurrentExecutions?: number;

  /**
   * How long the function's logs are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Name of the function's log group. It must be known at synth (not a token): the key policy
   * names it, and a generated name would make the key and the log group depend on each other.
   *
   * @default - `/securekey/envelope-function/` followed by a name unique to this construct
   */
  readonly logGroupName?: string;

  /**
   * Offer the `generateDataKey` operation, which returns a plaintext data key (and its encrypted
   * copy) to the caller. Whoever may invoke the function can then encrypt locally, outside the
   * function's logs and the data-key cache's limits. Decryption always stays inside the function.
   *
   * @default true
   */
  readonly enableGenerateDataKey?: boolean;

  /** @deprecated use `enableUsageReport` */
  readonly enableAudit?: boolean;
  /** @deprecated use `usageReportSchedule` */
  readonly auditSchedule?: events.Schedule;
  /** @deprecated use `usageReportExpectedPrincipals` */
  readonly auditExpectedPrincipals?: string[];
  /** @deprecated use `usageReportLookback` */
  readonly auditLookback?: Duration;
  /** @deprecated use `usageReportDelay` */
  readonly auditDelay?: Duration;
  /** @deprecated use `usageReportMaxPages` */
  readonly auditMaxPages?: number;
  /** @deprecated use `usageReportFindingsTopic` */
  readonly auditFindingsTopic?: sns.ITopic;
}
