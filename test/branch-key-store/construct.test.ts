import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { BranchKeyStore, SecureKey } from '../../src';
import { authorize, Caller, iamStatementsOfRole, PolicyJson } from '../support/kms-access';
import { ACCOUNT, REGION } from '../support/secure-key-fixtures';

function app() {
  const stack = new Stack(new App(), 'Store', { env: { account: ACCOUNT, region: REGION } });
  const store = new BranchKeyStore(stack, 'BranchKeys', { tableName: 'branch-keys', logicalKeyStoreName: 'tenants' });
  const creator = new iam.Role(stack, 'Creator', { assumedBy: new iam.AccountRootPrincipal() });
  const user = new iam.Role(stack, 'User', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
  store.grantCreateAndVersion(creator);
  store.grantUse(user);
  store.grantRead(reader);
  return { stack, store, creator, user, reader };
}

const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

function branchContext(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    'branch-key-id': 'tenant-1',
    'type': 'branch:ACTIVE',
    'version': 'branch:version:83eec007-5659-4554-bf11-699b90f41ac6',
    'create-time': '2026-01-01T00:00:00.000000Z',
    'kms-arn': KEY_ARN,
    'hierarchy-version': '1',
    'tablename': 'tenants',
    ...overrides,
  };
}

describe('BranchKeyStore', () => {
  test('the table has the specification key schema, point-in-time recovery, deletion protection and encryption', () => {
    const { stack } = app();
    const t = Template.fromStack(stack);
    t.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        TableName: 'branch-keys',
        KeySchema: [{ AttributeName: 'branch-key-id', KeyType: 'HASH' }, { AttributeName: 'type', KeyType: 'RANGE' }],
        AttributeDefinitions: [{ AttributeName: 'branch-key-id', AttributeType: 'S' }, { AttributeName: 'type', AttributeType: 'S' }],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        SSESpecification: { SSEEnabled: true },
        BillingMode: 'PAY_PER_REQUEST',
      },
      DeletionPolicy: 'Retain',
    });
    t.resourceCountIs('AWS::KMS::Key', 1);
  });

  describe('key policy (offline evaluator)', () => {
    const { stack, creator, user, reader } = app();
    const template = Template.fromStack(stack).toJSON();
    const keyResource = Object.values(template.Resources as Record<string, { Type: string; Properties: { KeyPolicy: PolicyJson } }>)
      .find((r) => r.Type === 'AWS::KMS::Key')!;
    const policy = stack.resolve(keyResource.Properties.KeyPolicy) as PolicyJson;
    const resolved = JSON.parse(JSON.stringify(policy)) as PolicyJson;
    const roleArn = (role: iam.Role) => `arn:aws:iam::${ACCOUNT}:role/${stack.getLogicalId(role.node.defaultChild as never)}`;
    const callerOf = (role: iam.Role): Caller => ({
      label: role.node.id,
      account: ACCOUNT,
      arn: roleArn(role),
      iamStatements: iamStatementsOfRole(template as never, stack.getLogicalId(role.node.defaultChild as never)),
    });
    // The key policy names roles by GetAtt; resolve those to the ARNs the callers present.
    const text = JSON.stringify(resolved).replace(/\{"Fn::GetAtt":\["([A-Za-z0-9]+)","Arn"\]\}/g, (_m, id: string) => JSON.stringify(`arn:aws:iam::${ACCOUNT}:role/${id}`));
    const keyPolicy = JSON.parse(text) as PolicyJson;
    const decide = (role: iam.Role, action: string, context = branchContext()) =>
      authorize(keyPolicy, KEY_ARN, callerOf(role), { action, encryptionContext: context });

    test.each([
      ['kms:GenerateDataKeyWithoutPlaintext', 'allowed', 'denied'],
      ['kms:ReEncryptFrom', 'allowed', 'denied'],
      ['kms:ReEncryptTo', 'allowed', 'denied'],
      ['kms:Decrypt', 'denied', 'allowed'],
      ['kms:GenerateDataKey', 'denied', 'denied'],
      ['kms:Encrypt', 'denied', 'denied'],
    ])('%s: creator %s, user %s', (action, creatorDecision, userDecision) => {
      expect(decide(creator, action)).toBe(creatorDecision);
      expect(decide(user, action)).toBe(userDecision);
      expect(decide(reader, action)).toBe('denied');
    });

    test.each([
      ['another key store name', branchContext({ tablename: 'other-store' })],
      ['no branch-key-id', Object.fromEntries(Object.entries(branchContext()).filter(([k]) => k !== 'branch-key-id'))],
      ['no kms-arn', Object.fromEntries(Object.entries(branchContext()).filter(([k]) => k !== 'kms-arn'))],
      ['another hierarchy version', branchContext({ 'hierarchy-version': '2' })],
      ['no encryption context', {}],
    ])('denies every store action with %s', (_name, context) => {
      expect(decide(user, 'kms:Decrypt', context)).toBe('denied');
      expect(decide(creator, 'kms:GenerateDataKeyWithoutPlaintext', context)).toBe('denied');
      expect(decide(creator, 'kms:ReEncryptTo', context)).toBe('denied');
    });
  });

  test('grants: creators write items; users and readers only read', () => {
    const { stack } = app();
    const t = Template.fromStack(stack);
    const tableActions = (role: string) => {
      const policies = t.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp(`^${role}`) }] } });
      return Object.values(policies).flatMap((p) => (p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>)
        .flatMap((s) => [s.Action].flat())).filter((a) => a.startsWith('dynamodb:')).sort();
    };
    expect(tableActions('Creator')).toEqual(['dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']);
    expect(tableActions('User')).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    expect(tableActions('Reader')).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
  });

  test('fails if logicalKeyStoreName is too long, or administrators come with a given key', () => {
    const stack = new Stack(new App(), 'Bad');
    expect(() => new BranchKeyStore(stack, 'A', { logicalKeyStoreName: 'x'.repeat(101) }))
      .toThrow('BranchKeyStore Bad/A: logicalKeyStoreName must be 1 to 100 characters; received 101 ("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx").');
    const key = new SecureKey(stack, 'K');
    expect(() => new BranchKeyStore(stack, 'B', { key, administrators: [new iam.AccountRootPrincipal()] }))
      .toThrow(/administrators applies only to the key the store creates/);
  });

  test('a default store names itself after its path and can be destroyed on request', () => {
    const stack = new Stack(new App(), 'Defaults');
    const store = new BranchKeyStore(stack, 'Keys', { removalPolicy: RemovalPolicy.DESTROY });
    expect(store.logicalKeyStoreName).toMatch(/^Defaults-Keys-[A-F0-9]{8}$/);
    Template.fromStack(stack).hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
  });

  test('a given SecureKey gets the store\'s statements; a table encryption key makes the table customer managed', () => {
    const stack = new Stack(new App(), 'Given', { env: { account: ACCOUNT, region: REGION } });
    const key = new SecureKey(stack, 'BranchKeyKey');
    const tableKey = new SecureKey(stack, 'TableKey', { allowAccountUseViaServices: ['dynamodb'] });
    const store = new BranchKeyStore(stack, 'Store', { key, tableEncryptionKey: tableKey, logicalKeyStoreName: 'given' });
    store.grantUse(new iam.Role(stack, 'User', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
    expect(store.key).toBe(key);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::KMS::Key', 2);
    t.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
    });
    type Statement = { Action: unknown; Condition?: Record<string, Record<string, string>> };
    const statements = (stack.resolve(key.keyPolicy) as { Statement: Statement[] }).Statement;
    expect(statements.filter((st) => st.Condition?.StringEquals?.['kms:EncryptionContext:tablename'] === 'given').map((st) => st.Action)).toEqual(['kms:Decrypt']);
  });
});
