/**
 * LocalKms authorizes calls as KMS does once a policy source is loaded: key policy and IAM policies
 * combined, conditions against the request, grants, and KMS's AccessDeniedException.
 */
import { DecryptCommand, GenerateDataKeyCommand } from '@aws-sdk/client-kms';
import { Template } from 'aws-cdk-lib/assertions';
import { LocalKms } from '../../lambda/providers/local-kms';
import { SecureKey } from '../../src';
import { ACCOUNT, newStack, REGION, roles } from '../support/secure-key-fixtures';

const OTHER = '222222222222';
const bytes = (s: string) => new TextEncoder().encode(s);
const errorOf = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a rejection'); }, (e: Error) => e);

/** A one-stack app from plain resources (Role/Key/Policy...), with construct paths as CDK writes them. */
function appOf(resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>): LocalKms {
  const withPaths = Object.fromEntries(Object.entries(resources).map(([id, r]) => [id, { ...r, Metadata: { 'aws:cdk:path': `App/${id}/Resource` } }]));
  return LocalKms.fromTemplates([{ template: { Resources: withPaths }, stackName: 'App', account: ACCOUNT, region: REGION }]);
}
const role = (policies: unknown[] = []) => ({ Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: {}, Policies: policies.map((d, i) => ({ PolicyName: `p${i}`, PolicyDocument: d })) } });
const keyWith = (statements: unknown[], extra: Record<string, unknown> = {}) => ({ Type: 'AWS::KMS::Key', Properties: { KeyPolicy: { Version: '2012-10-17', Statement: statements }, ...extra } });
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const ROOT = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] };

describe('enforcement is off for today\'s uses', () => {
  test('a LocalKms without a policy source lets any caller use a key whose policy allows nobody', async () => {
    const kms = new LocalKms();
    const { KeyMetadata } = await kms.createKey({ Policy: JSON.stringify({ Statement: [{ Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*' }] }) });
    const stranger = kms.withCaller(`arn:aws:iam::${OTHER}:role/Stranger`);
    const { CiphertextBlob } = await stranger.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: bytes('x') });
    await expect(stranger.decrypt({ CiphertextBlob })).resolves.toBeDefined();
    expect(kms.enforcePolicies).toBe(false);
  });

  test('with enforcePolicies, a key created through the API gets the default key policy: the account root may, a role without IAM may not', async () => {
    const kms = new LocalKms({ enforcePolicies: true, accountId: ACCOUNT });
    const { KeyMetadata } = await kms.createKey({});
    await expect(kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: bytes('x') })).resolves.toBeDefined();
    const bare = kms.withCaller(`arn:aws:iam::${ACCOUNT}:role/Bare`);
    expect((await errorOf(bare.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: bytes('x') }))).name).toBe('AccessDeniedException');
    const withIam = kms.asPrincipal({ arn: `arn:aws:iam::${ACCOUNT}:role/App`, account: ACCOUNT, iamStatements: [{ Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*' }] });
    await expect(withIam.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: bytes('x') })).resolves.toBeDefined();
  });
});

describe('a SecureKey from a synthesized stack', () => {
  let kms: LocalKms;
  let keyArn: string;
  beforeAll(() => {
    const stack = newStack('Stack');
    const { adminRole, appRole } = roles(stack);
    new SecureKey(stack, 'Key', { administrators: [adminRole], users: [appRole], aliases: ['app/data'] });
    kms = LocalKms.fromTemplates([{ template: Template.fromStack(stack).toJSON(), stackName: 'Stack', account: ACCOUNT, region: REGION }]);
    keyArn = kms.keyOf('Stack/Key').arn;
  });

  test('the app role encrypts and decrypts through the SDK commands; the admin role cannot decrypt, with KMS\'s message', async () => {
    const app = kms.as('Stack/AppRole');
    const dk = await app.send(new GenerateDataKeyCommand({ KeyId: 'alias/app/data', KeySpec: 'AES_256', EncryptionContext: { purpose: 'test' } })) as { CiphertextBlob: Uint8Array };
    await expect(app.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob, EncryptionContext: { purpose: 'test' } }))).resolves.toMatchObject({ KeyId: keyArn });
    const denied = await errorOf(kms.as('Stack/AdminRole').send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob, EncryptionContext: { purpose: 'test' } })));
    const adminArn = kms.principalOf('Stack/AdminRole').arn;
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toBe(`User: ${adminArn} is not authorized to perform: kms:Decrypt on resource: ${keyArn} because no resource-based policy allows the kms:Decrypt action`);
    expect(adminArn).toMatch(new RegExp(`^arn:aws:iam::${ACCOUNT}:role/AdminRole[0-9A-F]{8}$`));
  });

  test('the admin role manages the key; the app role cannot; the denial is in CloudTrail', async () => {
    await expect(kms.as('Stack/AdminRole').getKeyRotationStatus({ KeyId: keyArn })).resolves.toMatchObject({ KeyRotationEnabled: true });
    const e = await errorOf(kms.as('Stack/AppRole').disableKey({ KeyId: keyArn }));
    expect(e.name).toBe('AccessDeniedException');
    const last = kms.cloudTrailEvents().pop()!;
    expect(last).toMatchObject({ eventName: 'DisableKey', errorCode: 'AccessDeniedException', userIdentity: { arn: kms.principalOf('Stack/AppRole').arn } });
  });

  test('an unknown principal or key is a clear error listing what the app has', () => {
    expect(() => kms.as('Stack/Nobody')).toThrow(/no IAM role or user 'Stack\/Nobody' in the loaded app\. Known: .*Stack\/AdminRole.*Stack\/AppRole/);
    expect(() => kms.keyOf('Stack/Nothing')).toThrow(/no KMS key 'Stack\/Nothing' in the loaded app\. Known: Stack\/Key/);
  });
});

describe('conditions are evaluated against the request', () => {
  const kms = appOf({
    Reader: role(),
    Writer: role([{ Statement: [{ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: arnOf('Key') }, { Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:EncryptionContext:tenant': 'blocked' } } }] }]),
    Key: keyWith([
      { Sid: 'Root', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' },
      { Sid: 'ReaderTenantA', Effect: 'Allow', Principal: { AWS: arnOf('Reader') }, Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*', Condition: { StringEquals: { 'kms:EncryptionContext:tenant': 'a' } } },
      { Sid: 'ReaderViaS3', Effect: 'Allow', Principal: { AWS: arnOf('Reader') }, Action: 'kms:GenerateDataKey', Resource: '*', Condition: { StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com`, 'kms:CallerAccount': ACCOUNT } } },
      { Sid: 'ServiceGrants', Effect: 'Allow', Principal: { AWS: arnOf('Reader') }, Action: 'kms:CreateGrant', Resource: '*', Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } },
    ]),
  });
  const keyArn = kms.keyOf('App/Key').arn;

  test('encryption context: tenant a is allowed, tenant b is not', async () => {
    const reader = kms.as('App/Reader');
    await expect(reader.encrypt({ KeyId: keyArn, Plaintext: bytes('x'), EncryptionContext: { tenant: 'a' } })).resolves.toBeDefined();
    const e = await errorOf(reader.encrypt({ KeyId: keyArn, Plaintext: bytes('x'), EncryptionContext: { tenant: 'b' } }));
    expect(e.message).toMatch(/is not authorized to perform: kms:Encrypt on resource: .* because no resource-based policy allows the kms:Encrypt action$/);
  });

  test('kms:ViaService and kms:CallerAccount: only when the caller says it calls through S3', async () => {
    await expect(kms.as('App/Reader').generateDataKey({ KeyId: keyArn, KeySpec: 'AES_256' })).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(kms.as('App/Reader', { viaService: `s3.${REGION}.amazonaws.com` }).generateDataKey({ KeyId: keyArn, KeySpec: 'AES_256' })).resolves.toBeDefined();
    await expect(kms.as('App/Reader', { viaService: `sqs.${REGION}.amazonaws.com` }).generateDataKey({ KeyId: keyArn, KeySpec: 'AES_256' })).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  test('kms:GrantIsForAWSResource is true only for a grant created through a service', async () => {
    const input = { KeyId: keyArn, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:role/Somebody`, Operations: ['Decrypt'] };
    await expect(kms.as('App/Reader').createGrant(input)).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(kms.as('App/Reader', { viaService: `ec2.${REGION}.amazonaws.com` }).createGrant(input)).resolves.toMatchObject({ GrantId: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  test('same account: IAM counts because the key policy lets the account in; an explicit deny in IAM wins, with the identity-based message', async () => {
    const writer = kms.as('App/Writer');
    const ok = await writer.encrypt({ KeyId: keyArn, Plaintext: bytes('x'), EncryptionContext: { tenant: 'blocked' } });
    const e = await errorOf(writer.decrypt({ CiphertextBlob: ok.CiphertextBlob, EncryptionContext: { tenant: 'blocked' } }));
    expect(e.message).toBe(`User: ${kms.principalOf('App/Writer').arn} is not authorized to perform: kms:Decrypt on resource: ${keyArn} with an explicit deny in an identity-based policy`);
  });

  test('another account: its IAM alone is not enough when the key policy does not name it', async () => {
    const outsider = kms.asPrincipal({ arn: `arn:aws:iam::${OTHER}:role/Outsider`, account: OTHER, iamStatements: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] });
    await expect(outsider.encrypt({ KeyId: keyArn, Plaintext: bytes('x') })).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});

describe('settings and aliases come from the template', () => {
  const kms = appOf({
    User1: { Type: 'AWS::IAM::User', Properties: {} },
    Managed: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*' }] }, Users: [{ Ref: 'User1' }] } },
    Key: keyWith([{ Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' }], { Enabled: false }),
    Key2: keyWith([{ Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' }], { EnableKeyRotation: true, RotationPeriodInDays: 180 }),
    Alias: { Type: 'AWS::KMS::Alias', Properties: { AliasName: 'alias/two', TargetKeyId: { Ref: 'Key2' } } },
  });

  test('a user gets its managed policy; a disabled key is disabled; the alias and rotation period are there', async () => {
    const user = kms.as('App/User1');
    expect(user.principal.arn).toBe(`arn:aws:iam::${ACCOUNT}:user/User1`);
    await expect(user.encrypt({ KeyId: 'alias/two', Plaintext: bytes('x') })).resolves.toMatchObject({ KeyId: kms.keyOf('App/Key2').arn });
    await expect(user.encrypt({ KeyId: kms.keyOf('App/Key').arn, Plaintext: bytes('x') })).rejects.toMatchObject({ name: 'DisabledException' });
    await expect(kms.getKeyRotationStatus({ KeyId: kms.keyOf('alias/two').keyId })).resolves.toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 180 });
  });
});

describe('condition keys KMS derives from the key and the request, and those the caller declares', () => {
  const kms = appOf({
    Caller: role(),
    Key: keyWith([
      { Sid: 'Root', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' },
      { Sid: 'ThroughAlias', Effect: 'Allow', Principal: { AWS: arnOf('Caller') }, Action: 'kms:Encrypt', Resource: '*', Condition: { StringEquals: { 'kms:RequestAlias': 'alias/front', 'kms:KeySpec': 'SYMMETRIC_DEFAULT', 'kms:EncryptionAlgorithm': 'SYMMETRIC_DEFAULT' } } },
      { Sid: 'InOrg', Effect: 'Allow', Principal: { AWS: arnOf('Caller') }, Action: 'kms:DescribeKey', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123' } } },
    ]),
    Front: { Type: 'AWS::KMS::Alias', Properties: { AliasName: 'alias/front', TargetKeyId: { Ref: 'Key' } } },
  });
  const keyArn = kms.keyOf('App/Key').arn;

  test('kms:RequestAlias, kms:KeySpec and kms:EncryptionAlgorithm: allowed through the alias, not by key ARN', async () => {
    await expect(kms.as('App/Caller').encrypt({ KeyId: 'alias/front', Plaintext: bytes('x') })).resolves.toBeDefined();
    await expect(kms.as('App/Caller').encrypt({ KeyId: keyArn, Plaintext: bytes('x') })).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  test('aws:PrincipalOrgID is absent unless the caller declares it', async () => {
    await expect(kms.as('App/Caller').describeKey({ KeyId: keyArn })).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(kms.as('App/Caller', { context: { 'aws:PrincipalOrgID': 'o-abc123' } }).describeKey({ KeyId: keyArn })).resolves.toBeDefined();
    await expect(kms.as('App/Caller', { context: { 'aws:PrincipalOrgID': 'o-other' } }).describeKey({ KeyId: keyArn })).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  test('explain gives the deciding statements without calling', () => {
    const d = kms.as('App/Caller', { context: { 'aws:PrincipalOrgID': 'o-abc123' } }).explain({ action: 'DescribeKey', keyId: keyArn });
    expect(d).toMatchObject({ allowed: true, allowedBy: [expect.objectContaining({ policy: 'key', id: 'Sid:InOrg' })] });
  });
});

describe('an AWS service calling as itself', () => {
  let kms: LocalKms;
  let keyArn: string;
  beforeAll(() => {
    const stack = newStack('Svc');
    const { adminRole, appRole } = roles(stack);
    new SecureKey(stack, 'Key', { administrators: [adminRole], users: [appRole] }).allowCloudWatchLogs({ logGroupNames: ['/app/orders'] });
    kms = LocalKms.fromTemplates([{ template: Template.fromStack(stack).toJSON(), stackName: 'Svc', account: ACCOUNT, region: REGION }]);
    keyArn = kms.keyOf('Svc/Key').arn;
  });
  const logGroup = (name: string) => ({ 'aws:logs:arn': `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}` });

  test('CloudWatch Logs generates data keys for the named log group only, and cannot manage the key', async () => {
    const logs = kms.asService(`logs.${REGION}.amazonaws.com`);
    await expect(logs.generateDataKey({ KeyId: keyArn, KeySpec: 'AES_256', EncryptionContext: logGroup('/app/orders') })).resolves.toBeDefined();
    await expect(logs.generateDataKey({ KeyId: keyArn, KeySpec: 'AES_256', EncryptionContext: logGroup('/app/other') })).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(logs.disableKey({ KeyId: keyArn })).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(kms.cloudTrailEvents().pop()!.userIdentity).toMatchObject({ type: 'AWSService', invokedBy: `logs.${REGION}.amazonaws.com` });
  });

  test('another service is not let in by the Logs statement', async () => {
    await expect(kms.asService(`sns.${REGION}.amazonaws.com`).generateDataKey({ KeyId: keyArn, KeySpec: 'AES_256', EncryptionContext: logGroup('/app/orders') }))
      .rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(() => kms.asService('not a service')).toThrow(/is not a service principal name like 'logs\.us-east-1\.amazonaws\.com'/);
  });
});
