/**
 * The README's who-can-do-what table, regenerated from real calls against LocalKms loaded with the
 * README's key, must equal the table the policy evaluator produces (test/support/access-report.ts)
 * and the one in README.md.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { LocalKms } from '../../lambda/providers/local-kms';
import { SecureKey } from '../../src';
import { KMS_STAR, readmeTable, TABLE_REQUESTS } from '../support/access-report';
import { ACCOUNT, newStack, REGION, roles } from '../support/secure-key-fixtures';

type Call = (kms: LocalKms, keyArn: string, setup: LocalKms) => Promise<unknown>;

/** One real call per README row; `setup` (no enforcement, same store) prepares and undoes state. */
const CALLS: Record<string, Call> = {
  'kms:Encrypt': (kms, keyArn) => kms.encrypt({ KeyId: keyArn, Plaintext: new Uint8Array([1]) }),
  'kms:Decrypt': async (kms, keyArn, setup) => kms.decrypt({
    CiphertextBlob: (await setup.encrypt({ KeyId: keyArn, Plaintext: new Uint8Array([1]) })).CiphertextBlob,
  }),
  'kms:GenerateDataKey': (kms, keyArn) => kms.generateDataKey({ KeyId: keyArn, KeySpec: 'AES_256' }),
  // The row is "ReEncryptFrom / ReEncryptTo": re-encrypting under the same key needs both.
  'kms:ReEncryptFrom': async (kms, keyArn, setup) => kms.reEncrypt({
    CiphertextBlob: (await setup.encrypt({ KeyId: keyArn, Plaintext: new Uint8Array([1]) })).CiphertextBlob, DestinationKeyId: keyArn,
  }),
  'kms:CreateGrant': (kms, keyArn) => kms.createGrant({ KeyId: keyArn, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:role/Grantee`, Operations: ['Decrypt'] }),
  'kms:DescribeKey': (kms, keyArn) => kms.describeKey({ KeyId: keyArn }),
  'kms:PutKeyPolicy': async (kms, keyArn, setup) => kms.putKeyPolicy({ KeyId: keyArn, Policy: (await setup.getKeyPolicy({ KeyId: keyArn })).Policy }),
  'kms:DisableKey': async (kms, keyArn, setup) => {
    await kms.disableKey({ KeyId: keyArn });
    await setup.enableKey({ KeyId: keyArn });
  },
  'kms:ScheduleKeyDeletion': async (kms, keyArn, setup) => {
    await kms.scheduleKeyDeletion({ KeyId: keyArn, PendingWindowInDays: 7 });
    await setup.cancelKeyDeletion({ KeyId: keyArn });
    await setup.enableKey({ KeyId: keyArn });
  },
  // LocalKms has no TagResource; the row's other action, CreateAlias, stands for it.
  'kms:TagResource': async (kms, keyArn, setup) => {
    await kms.createAlias({ AliasName: 'alias/readme-row', TargetKeyId: keyArn });
    await setup.deleteAlias({ AliasName: 'alias/readme-row' });
  },
  'kms:RevokeGrant': async (kms, keyArn, setup) => {
    const g = await setup.createGrant({ KeyId: keyArn, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:role/Grantee`, Operations: ['Decrypt'] });
    await kms.revokeGrant({ KeyId: keyArn, GrantId: g.GrantId });
  },
};

test('the README table, regenerated from LocalKms calls, equals the evaluator\'s table and the README', async () => {
  const stack = newStack();
  const { adminRole, appRole } = roles(stack);
  const key = new SecureKey(stack, 'Key', { administrators: [adminRole], users: [appRole] });
  const template = Template.fromStack(stack).toJSON();
  const kms = LocalKms.fromTemplates([{ template, stackName: stack.stackName, account: ACCOUNT, region: REGION }]);
  const keyArn = kms.keyOf(`${stack.stackName}/Key`).arn;
  const setup = new LocalKms({ store: kms.store, region: REGION, accountId: ACCOUNT });
  const callers: Array<[string, LocalKms]> = [
    ['`adminRole`', kms.as(`${stack.stackName}/AdminRole`)],
    ['`appRole`', kms.as(`${stack.stackName}/AppRole`)],
    ['other IAM principal of the account with `kms:*` in IAM', kms.asPrincipal({ arn: `arn:aws:iam::${ACCOUNT}:role/SomeOtherRole`, account: ACCOUNT, iamStatements: KMS_STAR })],
    ['principal of another account with `kms:*` in IAM', kms.asPrincipal({ arn: 'arn:aws:iam::222222222222:role/SomeOtherRole', account: '222222222222', iamStatements: KMS_STAR })],
  ];
  const rows: string[] = [];
  for (const { label, request } of TABLE_REQUESTS) {
    const call = CALLS[request.action];
    expect(call).toBeDefined();
    const cells: string[] = [];
    for (const [, caller] of callers) {
      cells.push(await call(caller, keyArn, setup).then(() => 'yes', (e: Error) => {
        if (e.name !== 'AccessDeniedException') throw e;
        return 'no';
      }));
    }
    rows.push(`| ${label} | ${cells.join(' | ')} |`);
  }
  const fromCalls = [
    `| Action | ${callers.map(([label]) => label).join(' | ')} |`,
    `| --- | ${callers.map(() => ':---:').join(' | ')} |`,
    ...rows,
  ].join('\n');

  expect(fromCalls).toBe(readmeTable(key, adminRole, appRole));
  expect(fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8')).toContain(fromCalls);
});
