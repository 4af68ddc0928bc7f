import { Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { SecureKey, SecureKeyProps } from '../../src';
import { ALIAS_MAX_LENGTH, KEY_SPECS_BY_USAGE, PENDING_WINDOW_DAYS, ROTATION_PERIOD_DAYS } from '../../src/private/validation';
import { keyPropsOf, newStack, roles, synthErrors } from '../support/secure-key-fixtures';

function key(props: SecureKeyProps = {}): SecureKey {
  return new SecureKey(newStack(), 'Key', props);
}

describe('defaults', () => {
  test('symmetric encryption key, rotation every 365 days, 30-day pending window, RETAIN', () => {
    const k = key();
    const t = Template.fromStack(Stack.of(k));
    t.hasResource('AWS::KMS::Key', {
      Properties: {
        KeySpec: 'SYMMETRIC_DEFAULT',
        KeyUsage: 'ENCRYPT_DECRYPT',
        EnableKeyRotation: true,
        RotationPeriodInDays: ROTATION_PERIOD_DAYS.default,
        PendingWindowInDays: PENDING_WINDOW_DAYS.default,
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    const props = keyPropsOf(k);
    expect(props.Enabled).toBeUndefined();
    expect(props.BypassPolicyLockoutSafetyCheck).toBeUndefined();
    expect(props.Description).toBeUndefined();
    t.resourceCountIs('AWS::KMS::Alias', 0);
  });

  test.each([
    [KeySpec.RSA_2048, KeyUsage.SIGN_VERIFY],
    [KeySpec.HMAC_512, KeyUsage.GENERATE_VERIFY_MAC],
    [KeySpec.RSA_4096, KeyUsage.ENCRYPT_DECRYPT],
  ])('rotation is off by default for a %s key with usage %s', (keySpec, keyUsage) => {
    const props = keyPropsOf(key({ keySpec, keyUsage }));
    expect(props.EnableKeyRotation).toBe(false);
    expect(props.RotationPeriodInDays).toBeUndefined();
  });
});

describe('props', () => {
  test('description, enabled, keySpec, keyUsage', () => {
    const props = keyPropsOf(key({ description: 'orders', enabled: false, keySpec: KeySpec.ECC_NIST_P521, keyUsage: KeyUsage.SIGN_VERIFY }));
    expect(props).toMatchObject({ Description: 'orders', Enabled: false, KeySpec: 'ECC_NIST_P521', KeyUsage: 'SIGN_VERIFY' });
  });

  test('aliases, with and without the alias/ prefix', () => {
    const k = key({ aliases: ['orders', 'alias/team/orders-v2'] });
    const t = Template.fromStack(Stack.of(k));
    t.resourceCountIs('AWS::KMS::Alias', 2);
    t.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/orders', TargetKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } });
    t.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/team/orders-v2' });
    expect(k.aliasNames).toEqual(['alias/orders', 'alias/team/orders-v2']);
  });

  test('addAlias after construction', () => {
    const k = key();
    const alias = k.addAlias('later');
    expect(Stack.of(k).resolve(alias.aliasName)).toBe('alias/later');
    Template.fromStack(Stack.of(k)).hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/later' });
  });

  test('tags', () => {
    const k = key({ tags: { team: 'payments', env: 'prod' } });
    expect(keyPropsOf(k).Tags).toEqual([{ Key: 'env', Value: 'prod' }, { Key: 'team', Value: 'payments' }]);
  });

  test('enableKeyRotation false', () => {
    const props = keyPropsOf(key({ enableKeyRotation: false }));
    expect(props.EnableKeyRotation).toBe(false);
    expect(props.RotationPeriodInDays).toBeUndefined();
  });

  test.each([ROTATION_PERIOD_DAYS.min, 180, ROTATION_PERIOD_DAYS.max])('rotationPeriod %d days', (days) => {
    expect(keyPropsOf(key({ rotationPeriod: Duration.days(days) })).RotationPeriodInDays).toBe(days);
  });

  test.each([PENDING_WINDOW_DAYS.min, 15, PENDING_WINDOW_DAYS.max])('pendingWindow %d days', (days) => {
    expect(keyPropsOf(key({ pendingWindow: Duration.days(days) })).PendingWindowInDays).toBe(days);
  });

  test('removalPolicy DESTROY', () => {
    const k = key({ removalPolicy: RemovalPolicy.DESTROY });
    Template.fromStack(Stack.of(k)).hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
  });

  test('bypassPolicyLockoutSafetyCheck', () => {
    const k = key({ allowIamAdministration: false, bypassPolicyLockoutSafetyCheck: true });
    expect(keyPropsOf(k).BypassPolicyLockoutSafetyCheck).toBe(true);
  });

  test('unresolved durations are left to CloudFormation', () => {
    const days = Lazy.number({ produce: () => 200 });
    const props = keyPropsOf(key({ rotationPeriod: Duration.days(days), pendingWindow: Duration.days(Lazy.number({ produce: () => 9 })) }));
    expect(props.RotationPeriodInDays).toBe(200);
    expect(props.PendingWindowInDays).toBe(9);
  });

  test('administrators and users also get IAM statements on the key ARN', () => {
    const stack = newStack();
    const { adminRole, appRole } = roles(stack);
    new SecureKey(stack, 'Key', { administrators: [adminRole], users: [appRole] });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: stack.getLogicalId(appRole.node.defaultChild as never) }],
      PolicyDocument: { Statement: [Match.objectLike({ Action: Match.arrayWith(['kms:Decrypt', 'kms:GenerateDataKey']), Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } })] },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: stack.getLogicalId(adminRole.node.defaultChild as never) }],
      PolicyDocument: { Statement: [Match.objectLike({ Action: Match.arrayWith(['kms:PutKeyPolicy']) })] },
    });
  });
});

describe('validation', () => {
  test('fails if rotation is enabled on a key that cannot rotate', () => {
    expect(() => key({ keySpec: KeySpec.HMAC_256, keyUsage: KeyUsage.GENERATE_VERIFY_MAC, enableKeyRotation: true })).toThrow(
      "SecureKey Stack/Key: 'enableKeyRotation' cannot be true for a 'HMAC_256' key with keyUsage 'GENERATE_VERIFY_MAC'. Received: true. Allowed: true only for keySpec 'SYMMETRIC_DEFAULT' with keyUsage 'ENCRYPT_DECRYPT' (the only keys KMS rotates); otherwise false or unset.",
    );
  });

  test.each([ROTATION_PERIOD_DAYS.min - 1, ROTATION_PERIOD_DAYS.max + 1])('fails if rotationPeriod is %d days', (days) => {
    expect(() => key({ rotationPeriod: Duration.days(days) })).toThrow(
      `SecureKey Stack/Key: 'rotationPeriod' is out of range. Received: ${days} days. Allowed: a whole number of days from ${ROTATION_PERIOD_DAYS.min} to ${ROTATION_PERIOD_DAYS.max} days (inclusive).`,
    );
  });

  test('fails if rotationPeriod is not a whole number of days', () => {
    expect(() => key({ rotationPeriod: Duration.hours(24 * 100 + 12) })).toThrow("'rotationPeriod' is out of range. Received: 100.5 days.");
  });

  test('fails if rotationPeriod is set without rotation', () => {
    expect(() => key({ enableKeyRotation: false, rotationPeriod: Duration.days(180) })).toThrow(
      "SecureKey Stack/Key: 'rotationPeriod' needs key rotation, which is off for this key. Received: 180 days with enableKeyRotation false. Allowed: rotationPeriod only with rotation on (symmetric encryption keys, enableKeyRotation unset or true), from 90 to 2560 days (inclusive).",
    );
  });

  test('fails if rotationPeriod is set on a key that cannot rotate', () => {
    expect(() => key({ keySpec: KeySpec.RSA_2048, keyUsage: KeyUsage.SIGN_VERIFY, rotationPeriod: Duration.days(180) }))
      .toThrow("Received: 180 days with enableKeyRotation unset (off for a 'RSA_2048' key)");
  });

  test.each([PENDING_WINDOW_DAYS.min - 1, PENDING_WINDOW_DAYS.max + 1])('fails if pendingWindow is %d days', (days) => {
    expect(() => key({ pendingWindow: Duration.days(days) })).toThrow(
      `SecureKey Stack/Key: 'pendingWindow' is out of range. Received: ${days} days. Allowed: a whole number of days from ${PENDING_WINDOW_DAYS.min} to ${PENDING_WINDOW_DAYS.max} days (inclusive).`,
    );
  });

  test.each([
    [KeySpec.HMAC_256, KeyUsage.ENCRYPT_DECRYPT],
    [KeySpec.SYMMETRIC_DEFAULT, KeyUsage.SIGN_VERIFY],
    [KeySpec.RSA_2048, KeyUsage.GENERATE_VERIFY_MAC],
    [KeySpec.RSA_2048, KeyUsage.KEY_AGREEMENT],
  ])('fails if keySpec %s is paired with keyUsage %s', (keySpec, keyUsage) => {
    expect(() => key({ keySpec, keyUsage })).toThrow(
      `SecureKey Stack/Key: 'keySpec' is not valid with keyUsage '${keyUsage}'. Received: '${keySpec}'. Allowed: for ${keyUsage}: ${KEY_SPECS_BY_USAGE[keyUsage].join(', ')}.`,
    );
  });

  test('fails if an alias uses the reserved alias/aws/ prefix', () => {
    expect(() => key({ aliases: ['alias/aws/s3'] })).toThrow(
      "SecureKey Stack/Key: 'aliases' uses the prefix 'alias/aws/', which KMS reserves for AWS managed keys. Received: 'alias/aws/s3'. Allowed: any name that does not start with 'alias/aws/'.",
    );
  });

  test.each(['orders key', 'alias/', 'ördre'])('fails if an alias has characters KMS does not accept (%s)', (alias) => {
    expect(() => key({ aliases: [alias] })).toThrow("'aliases' contains a character KMS does not accept, or is empty");
  });

  test('fails if an alias is too long', () => {
    const long = 'a'.repeat(ALIAS_MAX_LENGTH);
    expect(() => key({ aliases: [long] })).toThrow(
      `SecureKey Stack/Key: 'aliases' is too long. Received: ${ALIAS_MAX_LENGTH + 6} characters. Allowed: at most ${ALIAS_MAX_LENGTH} characters including 'alias/'.`,
    );
  });

  test('fails if aliases contain a duplicate (with and without the prefix)', () => {
    expect(() => key({ aliases: ['orders', 'alias/orders'] })).toThrow(
      "SecureKey Stack/Key: 'aliases' contains a duplicate. Received: 'alias/orders'. Allowed: each alias once ('orders' and 'alias/orders' name the same alias).",
    );
  });

  test('fails if addAlias repeats an alias', () => {
    const k = key({ aliases: ['orders'] });
    expect(() => k.addAlias('alias/orders')).toThrow("'aliases' contains a duplicate");
  });
});

describe('opinions enforced at synth', () => {
  test('fails if no principal could update the key policy (lockout guard)', () => {
    const stack = newStack();
    new SecureKey(stack, 'Key', { allowIamAdministration: false });
    const [message] = synthErrors(stack);
    expect(message).toContain("SecureKey Stack/Key: no principal could update this key's policy after deployment (no statement allows kms:PutKeyPolicy)");
    expect(message).toContain("set 'bypassPolicyLockoutSafetyCheck: true'");
  });

  const LOCKOUT = "no principal could update this key's policy after deployment";

  test('fails the lockout guard if only a service principal is allowed PutKeyPolicy (the reviewer\'s bypass)', () => {
    const stack = newStack();
    const k = new SecureKey(stack, 'Key', { allowIamAdministration: false });
    const foo = new iam.ServicePrincipal('foo.amazonaws.com');
    k.addToResourcePolicy(new iam.PolicyStatement({ effect: iam.Effect.DENY, principals: [foo], actions: ['kms:*'], resources: ['*'] }));
    k.addToResourcePolicy(new iam.PolicyStatement({
      principals: [foo], actions: ['kms:Put*'], resources: ['*'], conditions: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
    }));
    expect(synthErrors(stack)[0]).toContain(LOCKOUT);
  });

  test('fails the lockout guard if the only PutKeyPolicy statement has a condition', () => {
    const stack = newStack();
    const k = new SecureKey(stack, 'Key', { allowIamAdministration: false });
    k.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ArnPrincipal('arn:aws:iam::111111111111:role/admin')],
      actions: ['kms:PutKeyPolicy'],
      resources: ['*'],
      conditions: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
    }));
    expect(synthErrors(stack)[0]).toContain(LOCKOUT);
  });

  test('fails the lockout guard if an explicit Deny of PutKeyPolicy covers the administrators', () => {
    const stack = newStack();
    const { adminRole } = roles(stack);
    const k = new SecureKey(stack, 'Key', { allowIamAdministration: false, administrators: [adminRole] });
    k.addToResourcePolicy(new iam.PolicyStatement({ effect: iam.Effect.DENY, principals: [new iam.AnyPrincipal()], actions: ['kms:PutKeyPolicy'], resources: ['*'] }));
    expect(synthErrors(stack)[0]).toContain(LOCKOUT);
  });

  test('a Deny of PutKeyPolicy for someone else does not trip the lockout guard', () => {
    const stack = newStack();
    const { adminRole, appRole } = roles(stack);
    const k = new SecureKey(stack, 'Key', { allowIamAdministration: false, administrators: [adminRole] });
    k.addToResourcePolicy(new iam.PolicyStatement({ effect: iam.Effect.DENY, principals: [appRole], actions: ['kms:PutKeyPolicy'], resources: ['*'] }));
    expect(synthErrors(stack)).toEqual([]);
  });

  test('warns (not only informs) that the deploy role must be an administrator when IAM administration is off', () => {
    const stack = newStack();
    const { adminRole } = roles(stack);
    new SecureKey(stack, 'Key', { allowIamAdministration: false, administrators: [adminRole] });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('The role that deploys this stack'));
    expect(warnings).toHaveLength(1);
    expect(Annotations.fromStack(stack).findInfo('*', Match.stringLikeRegexp('The role that deploys this stack'))).toHaveLength(0);
  });

  test('named administrators satisfy the lockout guard without IAM administration', () => {
    const stack = newStack();
    const { adminRole } = roles(stack);
    new SecureKey(stack, 'Key', { allowIamAdministration: false, administrators: [adminRole] });
    expect(synthErrors(stack)).toEqual([]);
  });

  test('an administrator added later with grantAdmin satisfies the lockout guard', () => {
    const stack = newStack();
    const { adminRole } = roles(stack);
    new SecureKey(stack, 'Key', { allowIamAdministration: false }).grantAdmin(adminRole);
    expect(synthErrors(stack)).toEqual([]);
  });

  test('fails if a principal is both administrator and user', () => {
    const stack = newStack();
    const { adminRole } = roles(stack);
    new SecureKey(stack, 'Key', { administrators: [adminRole], users: [adminRole] });
    expect(synthErrors(stack)[0]).toContain('principal Stack/AdminRole would both administer and use the key');
  });

  test('fails if a user is later granted administration', () => {
    const stack = newStack();
    const { appRole } = roles(stack);
    new SecureKey(stack, 'Key', { users: [appRole] }).grantAdmin(appRole);
    expect(synthErrors(stack)[0]).toContain('would both administer and use the key');
  });

  test('fails if the account root is given use of the key', () => {
    const stack = newStack();
    new SecureKey(stack, 'Key').grantDecrypt(new iam.AccountRootPrincipal());
    expect(synthErrors(stack)[0]).toMatch(/key policy statement \d+ \((Sid|Hash):\w+\) lets IAM principals of the account that the key policy does not name use the key \(kms:Decrypt, kms:ReEncryptFrom/);
  });

  test('fails if a statement allows a wildcard principal without pinning it to an account', () => {
    const stack = newStack();
    const k = new SecureKey(stack, 'Key');
    k.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.AnyPrincipal()], actions: ['kms:Decrypt'], resources: ['*'] }));
    expect(synthErrors(stack)[0]).toMatch(/SecureKey Stack\/Key: key policy statement 1 \(Hash:[0-9a-f]{8}\) allows a wildcard principal that principals of any account can satisfy/);
  });

  test('fails if a statement allows a service principal without a source or KMS condition', () => {
    const stack = newStack();
    const k = new SecureKey(stack, 'Key');
    k.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'Delivery', principals: [new iam.ServicePrincipal('delivery.logs.amazonaws.com')], actions: ['kms:GenerateDataKey'], resources: ['*'],
    }));
    expect(synthErrors(stack)[0]).toContain(
      'SecureKey Stack/Key: key policy statement 1 (Sid:Delivery) allows the service principal delivery.logs.amazonaws.com without a condition '
      + 'that limits it to your resources, so any AWS customer\'s resource of that service could use the key (confused deputy). '
      + 'Add an aws:SourceAccount or aws:SourceArn condition (or kms:ViaService, kms:CallerAccount, kms:EncryptionContext:<key>; StringEquals/ArnLike with exact values, no IfExists), '
      + 'for example with allowEventBridge/allowSns/allowS3({ sourceArns }).',
    );
  });

  test.each([
    [{ StringEquals: { 'aws:SourceAccount': '111111111111' } }],
    [{ ArnLike: { 'aws:SourceArn': 'arn:aws:sns:us-east-1:111111111111:t' } }],
    [{ StringEquals: { 'kms:ViaService': 'sqs.us-east-1.amazonaws.com', 'aws:SourceAccount': '111111111111' } }],
    [{ StringEquals: { 'kms:CallerAccount': '111111111111' } }],
    [{ StringEquals: { 'kms:EncryptionContext:aws:sqs:arn': 'arn:aws:sqs:us-east-1:111111111111:q' } }],
  ])('a service principal with %j is accepted', (conditions) => {
    const stack = newStack();
    new SecureKey(stack, 'Key').addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('sns.amazonaws.com')], actions: ['kms:Decrypt'], resources: ['*'], conditions,
    }));
    expect(synthErrors(stack)).toEqual([]);
  });

  test('a Deny for a service principal needs no condition', () => {
    const stack = newStack();
    new SecureKey(stack, 'Key').addToResourcePolicy(new iam.PolicyStatement({
      effect: iam.Effect.DENY, principals: [new iam.ServicePrincipal('sns.amazonaws.com')], actions: ['kms:Decrypt'], resources: ['*'],
    }));
    expect(synthErrors(stack)).toEqual([]);
  });

  test('a wildcard principal pinned with kms:CallerAccount is accepted', () => {
    const stack = newStack();
    const k = new SecureKey(stack, 'Key');
    k.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:Decrypt'],
      resources: ['*'],
      conditions: { StringEquals: { 'kms:CallerAccount': '111111111111', 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } },
    }));
    expect(synthErrors(stack)).toEqual([]);
  });
});

describe('grant methods', () => {
  test('fails if a grant does not fit the key usage', () => {
    const stack = newStack();
    const { appRole } = roles(stack);
    const k = new SecureKey(stack, 'Key');
    expect(() => k.grantSign(appRole)).toThrow(
      "SecureKey Stack/Key: grantSign needs a key with keyUsage 'SIGN_VERIFY'; this key's keyUsage is 'ENCRYPT_DECRYPT'. Create a separate key for that use.",
    );
    expect(() => k.grantGenerateMac(appRole)).toThrow("grantGenerateMac needs a key with keyUsage 'GENERATE_VERIFY_MAC'");
  });

  test('fails if grantGenerateDataKey is used on an asymmetric key', () => {
    const stack = newStack();
    const k = new SecureKey(stack, 'Key', { keySpec: KeySpec.RSA_2048 });
    expect(() => k.grantGenerateDataKey(roles(stack).appRole)).toThrow("grantGenerateDataKey needs a SYMMETRIC_DEFAULT key; this key is 'RSA_2048'");
  });

  test('fails if encryption-context conditions are given to a grant whose requests carry none', () => {
    const stack = newStack();
    const k = new SecureKey(stack, 'Key', { keySpec: KeySpec.ECC_NIST_P256, keyUsage: KeyUsage.SIGN_VERIFY });
    expect(() => k.withConditions({ encryptionContext: { a: 'b' } }).grantSign(roles(stack).appRole))
      .toThrow("grantSign does not take 'encryptionContext' or 'requiredEncryptionContextKeys'");
  });

  test('fails if grant() names an action the key cannot perform', () => {
    const stack = newStack();
    const k = new SecureKey(stack, 'Key');
    expect(() => k.grant(roles(stack).appRole, 'kms:Sign')).toThrow(
      "grant asked for kms:Sign, which a 'SYMMETRIC_DEFAULT' key with keyUsage 'ENCRYPT_DECRYPT' cannot perform",
    );
  });

  test.each([
    ['grantEncrypt', KeySpec.SYMMETRIC_DEFAULT, KeyUsage.ENCRYPT_DECRYPT, ['kms:Encrypt', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext']],
    ['grantEncrypt', KeySpec.RSA_2048, KeyUsage.ENCRYPT_DECRYPT, ['kms:Encrypt', 'kms:ReEncryptTo']],
    ['grantDecrypt', KeySpec.SYMMETRIC_DEFAULT, KeyUsage.ENCRYPT_DECRYPT, ['kms:Decrypt', 'kms:ReEncryptFrom']],
    ['grantEncryptDecrypt', KeySpec.SYMMETRIC_DEFAULT, KeyUsage.ENCRYPT_DECRYPT, ['kms:Encrypt', 'kms:ReEncryptTo', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext']],
    ['grantGenerateDataKey', KeySpec.SYMMETRIC_DEFAULT, KeyUsage.ENCRYPT_DECRYPT, ['kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext']],
    ['grantSign', KeySpec.ECC_NIST_P256, KeyUsage.SIGN_VERIFY, ['kms:Sign']],
    ['grantVerify', KeySpec.ECC_NIST_P256, KeyUsage.SIGN_VERIFY, ['kms:Verify', 'kms:GetPublicKey']],
    ['grantSignVerify', KeySpec.ECC_NIST_P256, KeyUsage.SIGN_VERIFY, ['kms:Sign', 'kms:Verify', 'kms:GetPublicKey']],
    ['grantGenerateMac', KeySpec.HMAC_256, KeyUsage.GENERATE_VERIFY_MAC, ['kms:GenerateMac']],
    ['grantVerifyMac', KeySpec.HMAC_256, KeyUsage.GENERATE_VERIFY_MAC, ['kms:VerifyMac']],
  ] as const)('%s on a %s key writes exact actions to the key policy and the IAM policy', (method, keySpec, keyUsage, actions) => {
    const stack = newStack();
    const { appRole } = roles(stack);
    const k = new SecureKey(stack, 'Key', { keySpec, keyUsage });
    const grant = (k[method] as (g: iam.IGrantable) => iam.Grant).call(k, appRole);
    expect(grant.success).toBe(true);
    const t = Template.fromStack(stack);
    const principal = { AWS: { 'Fn::GetAtt': [stack.getLogicalId(appRole.node.defaultChild as never), 'Arn'] } };
    const expected = actions.length === 1 ? actions[0] : [...actions];
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([{ Effect: 'Allow', Principal: principal, Action: expected, Resource: '*' }]) },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Effect: 'Allow', Action: expected, Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } }] },
    });
  });

  test('grant() expands the wildcards CDK passes into the exact actions the key supports', () => {
    const stack = newStack();
    const { appRole } = roles(stack);
    const k = new SecureKey(stack, 'Key', { keySpec: KeySpec.RSA_2048 });
    k.grant(appRole, 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*');
    const policy = JSON.stringify(keyPropsOf(k).KeyPolicy);
    expect(policy).toContain('"Action":["kms:Encrypt","kms:ReEncryptFrom","kms:ReEncryptTo"]');
    expect(policy).not.toMatch(/"kms:\w*\*"/);
  });

  test('service principals are granted in the key policy only', () => {
    const stack = newStack();
    const k = new SecureKey(stack, 'Key');
    k.withConditions({ callerAccount: '111111111111' }).grantEncryptDecrypt(new iam.ServicePrincipal('logging.s3.amazonaws.com'));
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::IAM::Policy', 0);
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'logging.s3.amazonaws.com' } })]) },
    });
  });

  test('withConditions writes the same conditions to both policies', () => {
    const stack = newStack();
    const { appRole } = roles(stack);
    const k = new SecureKey(stack, 'Key');
    k.withConditions({ encryptionContext: { tenant: 'acme' }, requiredEncryptionContextKeys: ['order'], viaServices: ['s3', 'custom.example.com'], callerAccount: '111111111111' })
      .grantDecrypt(appRole);
    const condition = {
      'StringEquals': {
        'kms:EncryptionContext:tenant': 'acme',
        'kms:ViaService': ['s3.us-east-1.amazonaws.com', 'custom.example.com'],
        'kms:CallerAccount': '111111111111',
      },
      'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['order', 'tenant'] },
      'Null': { 'kms:EncryptionContext:order': 'false' },
    };
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::KMS::Key', { KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Condition: condition })]) } });
    t.hasResourceProperties('AWS::IAM::Policy', { PolicyDocument: { Statement: [Match.objectLike({ Condition: condition })] } });
  });
});
