/**
 * The envelope function's role. Its permissions live in one customer-managed policy (the
 * construct's `policy`), including those another construct's grant method adds: a grant run through
 * `grantInto` writes the role's side of it into that policy instead of the role's default inline
 * policy, while the resource side (a key policy statement) still names the role itself.
 */
import * as iam from 'aws-cdk-lib/aws-iam';

export class EnvelopeRole extends iam.Role {
  private grantTarget?: iam.ManagedPolicy;

  /** Runs `grant` (a grant method called with this role) with its identity statements written to `policy`. */
  public grantInto(policy: iam.ManagedPolicy, grant: () => iam.Grant): iam.Grant {
    this.grantTarget = policy;
    try {
      return grant();
    } finally {
      this.grantTarget = undefined;
    }
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    if (this.grantTarget === undefined) return super.addToPrincipalPolicy(statement);
    this.grantTarget.addStatements(statement);
    return { statementAdded: true, policyDependable: this.grantTarget };
  }
}
