/**
 * The policy engine: the one place that decides what a KMS key policy (with IAM policies) allows.
 * Pure TypeScript (no aws-cdk-lib, no constructs), so the construct library, the cdk-nag pack, the CLI
 * and `lambda/` (LocalKms) all ask it.
 *
 * Parse once: `parsePolicy(doc, substitutions?)` -> `Statement[]` (CloudFormation intrinsics become
 * `${...}` strings; every spelling of an account principal becomes one `account` entry; operators are
 * split into ForAnyValue/ForAllValues, base, negation and IfExists).
 *
 * Concrete requests (LocalKms, tests): `decide(statements, request)` or `authorize(policyDoc, request)`:
 * ```ts
 * const d = authorize(keyPolicy, {
 *   caller: { arn: 'arn:aws:iam::111111111111:role/App', account: '111111111111', iamStatements },
 *   action: 'kms:Decrypt', keyArn, keyAccount: '111111111111',
 *   encryptionContext: { tenant: 'a' }, viaService: 's3.us-east-1.amazonaws.com',
 *   context: { 'aws:PrincipalOrgID': 'o-abc' },
 * });
 * d.allowed; d.decision; d.allowedBy; d.deniedBy; d.reason
 * ```
 * Absent keys behave as in IAM; an unknown operator does not hold in an Allow and holds in a Deny.
 *
 * Symbolic questions (guards, rules, reports): `findExposures` (who outside the access model gets in,
 * with a proving request), `findManageAndUse`, `policyUpdaters`, `findNegatedAllows`, `allowedActions`.
 * These assume the worst of what they cannot decide.
 */
export * from './model';
export { accountOfIamArn, accountOfRootPrincipal, parseOperator, parsePolicy, parseStatement, principalEntries, statementId } from './parse';
export type { Substitutions } from './parse';
export { allConditionsHold, conditionHolds, glob, valueMatches } from './conditions';
export { authorize, coversAction, coversResource, decide, decideParsed, principalMatch, qualifiedAction, requestContext } from './authorize';
export type { PrincipalMatch } from './authorize';
export { findWitness, unnamedAccount } from './witness';
export type { Subject, Witness } from './witness';
export {
  allowedActions, findExposures, findFullAccountAccess, findManageAndUse, findNegatedAllows, findUnrestrictedGrants, namedPrincipals,
  outsiders, policyUpdaters,
} from './analysis';
export type { AnalysisOptions, Exposure, ManageAndUse, NamedPrincipal, OutsiderKind, UnrestrictedGrant } from './analysis';
