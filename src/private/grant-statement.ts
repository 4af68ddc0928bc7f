/**
 * The key-policy half of a grant. CDK code often adds conditions to the IAM half after the grant returns
 * (`ec2.Volume.grantAttachVolume` adds `kms:GrantIsForAWSResource`, `kms:ViaService` and a grant-constraint
 * condition to `grant.principalStatement`); this statement carries every condition of its IAM twin, read
 * when the policy is rendered, so the key policy never allows more than the grant meant.
 */
import * as iam from 'aws-cdk-lib/aws-iam';

/** A key-policy statement that also carries the conditions of the grant's IAM statement. */
export class GrantStatement extends iam.PolicyStatement {
  constructor(props: iam.PolicyStatementProps, private readonly twin: iam.PolicyStatement | undefined) {
    super(props);
  }

  public toStatementJson(): any {
    const json = super.toStatementJson();
    const extra = this.twin?.conditions as Record<string, Record<string, unknown>> | undefined;
    if (!extra || Object.keys(extra).length === 0) return json;
    const condition: Record<string, Record<string, unknown>> = { ...(json.Condition ?? {}) };
    for (const [operator, block] of Object.entries(extra)) {
      condition[operator] = { ...(condition[operator] ?? {}), ...block };
    }
    return { ...json, Condition: condition };
  }
}
