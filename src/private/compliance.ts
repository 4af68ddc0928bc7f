import { IConstruct } from 'constructs';

/**
 * Key of the compliance map in each stack template's Metadata: which compliance controls the settings
 * of the stack's constructs satisfy, so an auditor can trace a control id to the construct (and the
 * setting) that satisfies it.
 */
export const COMPLIANCE_METADATA_KEY = 'cdk-secure-key:compliance';

/** One control, as satisfied (or not) by one construct's settings. */
export interface ComplianceRecord {
  /** Framework the control belongs to, e.g. `AWS Security Hub`, `CIS AWS Foundations Benchmark v3.0.0`, `cdk-nag`. */
  readonly framework: string;
  /** Control id within the framework, e.g. `KMS.4`, `CloudTrail.2`, `4.7`, `AwsSolutions-KMS5`. */
  readonly control: string;
  /** Whether the construct's settings satisfy the control. */
  readonly status: 'satisfied' | 'not-satisfied' | 'not-applicable';
  /** The prop or setting responsible, e.g. `enableKeyRotation: true`. */
  readonly setting: string;
  /** One sentence saying how the setting satisfies the control (or why not). */
  readonly evidence: string;
}

/**
 * Where the records live on a construct. Not node metadata: that would copy every record of every
 * key into manifest.json besides the template's map, and read it back at each synth (a tenth of the
 * synth time of a stack of 100 keys). A global symbol, so two copies of this library in one app
 * still see each other's records.
 */
const RECORDS = Symbol.for('cdk-secure-key.compliance-records');

interface WithRecords {
  [RECORDS]?: ComplianceRecord[];
}

/** Records compliance evidence on a construct (read back by the compliance report). */
export function recordCompliance(scope: IConstruct, records: ComplianceRecord[]): void {
  const holder = scope as WithRecords;
  (holder[RECORDS] ??= []).push(...records);
}

/** Reads back every record placed on `scope` itself (not its children). */
export function complianceRecordsOf(scope: IConstruct): ComplianceRecord[] {
  return [...((scope as WithRecords)[RECORDS] ?? [])];
}
