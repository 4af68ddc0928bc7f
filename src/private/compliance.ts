import { IConstruct } from 'constructs';

/**
 * Construct metadata key under which SecureKey constructs record which compliance controls their
 * settings satisfy. Metadata lands in the cloud assembly next to the template, so an auditor can
 * trace a control id to the construct (and the setting) that satisfies it.
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

/** Records compliance evidence on a construct (read back by the compliance report). */
export function recordCompliance(scope: IConstruct, records: ComplianceRecord[]): void {
  for (const r of records) scope.node.addMetadata(COMPLIANCE_METADATA_KEY, r);
}

/** Reads back every record placed on `scope` itself (not its children). */
export function complianceRecordsOf(scope: IConstruct): ComplianceRecord[] {
  return scope.node.metadata.filter(m => m.type === COMPLIANCE_METADATA_KEY).map(m => m.data as ComplianceRecord);
}
