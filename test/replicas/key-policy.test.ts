/**
 * Key policies of a primary and two replicas: snapshots, and the access model's opinions on each replica
 * proved with the offline KMS authorization evaluator.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ACCOUNT, primaryStack, primaryWithReplicas, replicaPropsOf, REPLICA_REGIONS, templateOf } from './fixtures';
import { SecureKey, SecureReplicaKey } from '../../src';
import { KMS_STAR, otherPrincipal } from '../support/access-report';
import { envFor, resolveIntrinsics } from '../support/cfn-intrinsics';
import { authorize, Caller, PolicyJson, Statement } from '../support/kms-access';

describe('key policy snapshots: a primary and two replicas', () => {
  const { stack, key } = primaryWithReplicas();
  test('primary', () => {
    expect(stack.resolve(key.keyPolicy.toJSON())).toMatchSnapshot();
  });
  test.each(REPLICA_REGIONS)('replica in %s', (region) => {
    expect(replicaPropsOf(key.replicaKey(region)).KeyPolicy).toMatchSnapshot();
  });
});

describe('each replica keeps the opinions (offline evaluator)', () => {
  // Principals named by ARN: the evaluator then sees the same strings in the policy and in the callers.
  const app = new App();
  const stack = primaryStack(app);
  const adminArn = `arn:aws:iam::${ACCOUNT}:role/key-admin`;
  const appArn = `arn:aws:iam::${ACCOUNT}:role/app`;
  const key = new SecureKey(stack, 'Key', {
    administrators: [iam.Role.fromRoleArn(stack, 'Admin', adminArn)],
    users: [iam.Role.fromRoleArn(stack, 'App', appArn)],
    replicaRegions: REPLICA_REGIONS,
  });

  function resolved(replica: SecureReplicaKey): { policy: PolicyJson; arn: string } {
    const tpl = templateOf(replica.stack);
    const env = envFor(tpl, { region: replica.region });
    const props = resolveIntrinsics(replicaPropsOf(replica), env) as { KeyPolicy: PolicyJson };
    return { policy: props.KeyPolicy, arn: `arn:aws:kms:${replica.region}:${ACCOUNT}:key/mrk-1234` };
  }
  const role = (label: string, arn: string, iamStatements: Statement[] = []): Caller => ({ label, arn, account: ACCOUNT, iamStatements });

  test.each(REPLICA_REGIONS)('in %s: users use, administrators manage, the account\'s IAM administers but cannot use, others get nothing', (region) => {
    const { policy, arn } = resolved(key.replicaKey(region));
    const can = (c: Caller, action: string, extra = {}) => authorize(policy, arn, c, { action, ...extra });
    const admin = role('admin', adminArn);
    const user = role('app', appArn);
    const iamAdmin = otherPrincipal('iam', ACCOUNT, KMS_STAR);
    const foreign = otherPrincipal('foreign', '222222222222', KMS_STAR);

    for (const action of ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey']) {
      expect([action, can(user, action)]).toEqual([action, 'allowed']);
      expect([action, can(admin, action)]).toEqual([action, 'denied']);
      expect([action, can(iamAdmin, action)]).toEqual([action, 'denied']);
      expect([action, can(foreign, action)]).toEqual([action, 'denied']);
    }
    for (const action of ['kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion', 'kms:UpdatePrimaryRegion']) {
      expect([action, can(admin, action)]).toEqual([action, 'allowed']);
      expect([action, can(iamAdmin, action)]).toEqual([action, 'allowed']);
      expect([action, can(user, action)]).toEqual([action, 'denied']);
      expect([action, can(foreign, action)]).toEqual([action, 'denied']);
    }
    expect(can(user, 'kms:CreateGrant')).toBe('denied');
    expect(can(admin, 'kms:CreateGrant')).toBe('denied');
  });

  test('the replica\'s policy is its own: a grant on the primary after the replicas exist does not reach them', () => {
    const fresh = primaryWithReplicas().key;
    const reader = iam.Role.fromRoleArn(Stack.of(fresh), 'Reader', `arn:aws:iam::${ACCOUNT}:role/reader`);
    fresh.grantDecrypt(reader);
    expect(JSON.stringify(Stack.of(fresh).resolve(fresh.keyPolicy.toJSON()))).toContain('role/reader');
    for (const replica of fresh.replicaKeys) expect(JSON.stringify(replicaPropsOf(replica).KeyPolicy)).not.toContain('role/reader');
  });
});
