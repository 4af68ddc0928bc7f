/**
 * Who can do what with a SecureKey: synthesizes the key's stack, resolves the key policy and the
 * roles' IAM policies, and asks the evaluator in kms-access.ts. Used by tests, the README table and
 * examples/synth.ts.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { envFor, resolveIntrinsics } from './cfn-intrinsics';
import { accessTable, Caller, iamStatementsOfRole, KmsRequest, PolicyJson, Statement } from './kms-access';
import { SecureKey } from '../../src';

export interface ResolvedKey {
  readonly keyPolicy: PolicyJson;
  readonly keyArn: string;
  readonly account: string;
  readonly region: string;
  /** Caller for a role of the stack, with its IAM policies from the template. */
  roleCaller(label: string, role: iam.IRole): Caller;
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

export function resolveKey(key: SecureKey, template?: Record<string, unknown>): ResolvedKey {
  const stack = Stack.of(key);
  const raw = template ?? Template.fromStack(stack).toJSON();
  const env = envFor(raw as { Resources: Resources });
  const resolved = resolveIntrinsics(raw, env) as { Resources: Resources };
  const keyId = stack.getLogicalId(key.node.defaultChild as never);
  const keyPolicy = resolved.Resources[keyId].Properties!.KeyPolicy as PolicyJson;
  const keyArn = `arn:${env.partition}:kms:${env.region}:${env.account}:key/${keyId}`;
  return {
    keyPolicy,
    keyArn,
    account: env.account,
    region: env.region,
    roleCaller(label: string, role: iam.IRole): Caller {
      const roleId = stack.getLogicalId(role.node.defaultChild as never);
      return { label, arn: `arn:${env.partition}:iam::${env.account}:role/${roleId}`, account: env.account, iamStatements: iamStatementsOfRole(resolved, roleId) };
    },
  };
}

/** An IAM principal of the account that is not named in the key policy, with the given IAM statements. */
export function otherPrincipal(label: string, account: string, iamStatements: Statement[]): Caller {
  return { label, arn: `arn:aws:iam::${account}:role/SomeOtherRole`, account, iamStatements };
}

export const KMS_STAR: Statement[] = [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }];

/** The rows of the README table. */
export const TABLE_REQUESTS: Array<{ label: string; request: KmsRequest }> = [
  ['Encrypt', 'kms:Encrypt'],
  ['Decrypt', 'kms:Decrypt'],
  ['GenerateDataKey', 'kms:GenerateDataKey'],
  ['ReEncryptFrom / ReEncryptTo', 'kms:ReEncryptFrom'],
  ['CreateGrant', 'kms:CreateGrant'],
  ['DescribeKey', 'kms:DescribeKey'],
  ['PutKeyPolicy', 'kms:PutKeyPolicy'],
  ['EnableKeyRotation / DisableKey', 'kms:DisableKey'],
  ['ScheduleKeyDeletion', 'kms:ScheduleKeyDeletion'],
  ['TagResource / CreateAlias', 'kms:TagResource'],
  ['ListGrants / RevokeGrant', 'kms:RevokeGrant'],
].map(([label, action]) => ({ label, request: { action } }));

/**
 * The who-can-do-what table for a key built as in the README:
 * `new SecureKey(this, 'Key', { administrators: [adminRole], users: [appRole] })`.
 */
export function readmeTable(key: SecureKey, adminRole: iam.IRole, appRole: iam.IRole): string {
  const r = resolveKey(key);
  return accessTable({
    keyPolicy: r.keyPolicy,
    keyArn: r.keyArn,
    callers: [
      r.roleCaller('`adminRole`', adminRole),
      r.roleCaller('`appRole`', appRole),
      otherPrincipal('other IAM principal of the account with `kms:*` in IAM', r.account, KMS_STAR),
      otherPrincipal('principal of another account with `kms:*` in IAM', '222222222222', KMS_STAR),
    ],
    requests: TABLE_REQUESTS,
  });
}
