import { IConstruct } from 'constructs';
import { COMPLIANCE_METADATA_KEY } from './private/compliance';
import { complianceMap } from './private/compliance-map';

/**
 * The compliance evidence of the constructs under a scope: for each control id (Security Hub `KMS.1`-`KMS.5`,
 * CIS items, cdk-nag rule ids), its status and the construct paths and settings that satisfy it (or not).
 * SecureKey also writes this map into its stack template's Metadata under `cdk-secure-key:compliance`.
 */
export class ComplianceEvidence {
  /** The template Metadata key the map is written under. */
  public static readonly METADATA_KEY = COMPLIANCE_METADATA_KEY;

  /** The map of every record under `scope` (a stack, a stage or the app) as JSON text. */
  public static toJson(scope: IConstruct): string {
    return JSON.stringify(complianceMap(scope), null, 2);
  }

  private constructor() {}
}
