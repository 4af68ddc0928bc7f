import * as iam from 'aws-cdk-lib/aws-iam';
import { KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { SecureKey } from '../../src';
import { keyPolicyOf, newStack, roles } from '../support/secure-key-fixtures';

describe('key policy snapshots', () => {
  test('default', () => {
    const stack = newStack();
    expect(keyPolicyOf(new SecureKey(stack, 'Key'))).toMatchSnapshot();
  });

  test('administrators and users', () => {
    const stack = newStack();
    const { adminRole, appRole } = roles(stack);
    expect(keyPolicyOf(new SecureKey(stack, 'Key', { administrators: [adminRole], users: [appRole] }))).toMatchSnapshot();
  });

  test('administrators only, IAM administration off', () => {
    const stack = newStack();
    const { adminRole, appRole } = roles(stack);
    const key = new SecureKey(stack, 'Key', {
      administrators: [adminRole], users: [appRole], allowIamAdministration: false, administratorsCanCreateGrants: true,
    });
    expect(keyPolicyOf(key)).toMatchSnapshot();
  });

  test.each([
    [KeySpec.SYMMETRIC_DEFAULT, KeyUsage.ENCRYPT_DECRYPT],
    [KeySpec.RSA_3072, KeyUsage.ENCRYPT_DECRYPT],
    [KeySpec.ECC_NIST_P256, KeyUsage.SIGN_VERIFY],
    [KeySpec.HMAC_256, KeyUsage.GENERATE_VERIFY_MAC],
    [KeySpec.ECC_NIST_P384, KeyUsage.KEY_AGREEMENT],
  ])('users of a %s key with usage %s', (keySpec, keyUsage) => {
    const stack = newStack();
    const { adminRole, appRole } = roles(stack);
    expect(keyPolicyOf(new SecureKey(stack, 'Key', { keySpec, keyUsage, administrators: [adminRole], users: [appRole] }))).toMatchSnapshot();
  });

  test('service access: CloudWatch Logs, CloudTrail, EventBridge, SNS, S3, services on behalf of users', () => {
    const stack = newStack();
    const { adminRole, appRole } = roles(stack);
    const key = new SecureKey(stack, 'Key', {
      administrators: [adminRole], users: [appRole], allowAwsServicesOnBehalfOfUsers: true, viaServices: ['s3', 'sqs'],
    });
    key.allowCloudWatchLogs({ logGroupNames: ['/app/orders'] });
    key.allowCloudTrail({ trailName: 'org-trail' });
    key.allowEventBridge();
    key.allowSns({ sourceArns: ['arn:aws:sns:us-east-1:111111111111:orders'] });
    key.allowS3({ viaServices: ['sqs'] });
    expect(keyPolicyOf(key)).toMatchSnapshot();
  });

  test('conditioned grants', () => {
    const stack = newStack();
    const { adminRole, appRole } = roles(stack);
    const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    const key = new SecureKey(stack, 'Key', { administrators: [adminRole] });
    key.withConditions({ encryptionContext: { tenant: 'acme', purpose: 'orders' } }).grantEncryptDecrypt(appRole);
    key.withConditions({ requiredEncryptionContextKeys: ['tenant'], viaServices: ['s3'] }).grantDecrypt(reader);
    key.withConditions({ callerAccount: '111111111111' }).grantGenerateDataKey(reader);
    expect(keyPolicyOf(key)).toMatchSnapshot();
  });
});
