/**
 * Grants in LocalKms: CreateGrant, ListGrants, RetireGrant, RevokeGrant, grant tokens and
 * encryption-context constraints, honoured by authorization.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalKms } from '../../lambda/providers/local-kms';

const ACCOUNT = '111111111111';
const bytes = (s: string) => new TextEncoder().encode(s);
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;

/** A key whose policy lets the Admin role create, list and revoke grants, and nobody use the key. */
async function setup() {
  const kms = new LocalKms({ enforcePolicies: true, accountId: ACCOUNT });
  const policy = {
    Statement: [
      { Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: ['kms:DescribeKey', 'kms:Encrypt'], Resource: '*' },
      { Sid: 'Admin', Effect: 'Allow', Principal: { AWS: roleArn('Admin') }, Action: ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'], Resource: '*' },
      { Sid: 'NeverDenied', Effect: 'Deny', Principal: { AWS: roleArn('Banned') }, Action: 'kms:Decrypt', Resource: '*' },
    ],
  };
  const { KeyMetadata } = await kms.createKey({ Policy: JSON.stringify(policy) });
  const keyId = KeyMetadata.KeyId;
  const ciphertext = async (ctx: Record<string, string>) => (await kms.encrypt({ KeyId: keyId, Plaintext: bytes('secret'), EncryptionContext: ctx })).CiphertextBlob;
  const as = (name: string) => kms.asPrincipal({ arn: roleArn(name), account: ACCOUNT, iamStatements: [] });
  return { kms, keyId, keyArn: KeyMetadata.Arn, ciphertext, as, admin: as('Admin') };
}

test('a grant lets its grantee decrypt within its EncryptionContextSubset constraint, and only the grantee', async () => {
  const { keyId, ciphertext, as, admin } = await setup();
  const a = await ciphertext({ tenant: 'a', extra: '1' });
  const b = await ciphertext({ tenant: 'b' });
  await expect(as('App').decrypt({ CiphertextBlob: a, EncryptionContext: { tenant: 'a', extra: '1' } })).rejects.toMatchObject({ name: 'AccessDeniedException' });
  await admin.createGrant({ KeyId: keyId, GranteePrincipal: roleArn('App'), Operations: ['Decrypt'], Constraints: { EncryptionContextSubset: { tenant: 'a' } } });
  await expect(as('App').decrypt({ CiphertextBlob: a, EncryptionContext: { tenant: 'a', extra: '1' } })).resolves.toBeDefined();
  await expect(as('App').decrypt({ CiphertextBlob: b, EncryptionContext: { tenant: 'b' } })).rejects.toMatchObject({ name: 'AccessDeniedException' });
  await expect(as('Other').decrypt({ CiphertextBlob: a, EncryptionContext: { tenant: 'a', extra: '1' } })).rejects.toMatchObject({ name: 'AccessDeniedException' });
  // Operations not granted stay denied.
  await expect(as('App').generateDataKey({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: { tenant: 'a' } })).rejects.toMatchObject({ name: 'AccessDeniedException' });
});

test('EncryptionContextEquals needs exactly the context, no more', async () => {
  const { keyId, ciphertext, as, admin } = await setup();
  await admin.createGrant({ KeyId: keyId, GranteePrincipal: roleArn('App'), Operations: ['Decrypt'], Constraints: { EncryptionContextEquals: { tenant: 'a' } } });
  await expect(as('App').decrypt({ CiphertextBlob: await ciphertext({ tenant: 'a' }), EncryptionContext: { tenant: 'a' } })).resolves.toBeDefined();
  await expect(as('App').decrypt({ CiphertextBlob: await ciphertext({ tenant: 'a', more: 'x' }), EncryptionContext: { tenant: 'a', more: 'x' } })).rejects.toMatchObject({ name: 'AccessDeniedException' });
});

test('an explicit deny in the key policy wins over a grant', async () => {
  const { keyId, ciphertext, as, admin } = await setup();
  await admin.createGrant({ KeyId: keyId, GranteePrincipal: roleArn('Banned'), Operations: ['Decrypt'] });
  const e = await as('Banned').decrypt({ CiphertextBlob: await ciphertext({}) }).catch((x: Error) => x);
  expect(e).toMatchObject({ name: 'AccessDeniedException', message: expect.stringMatching(/with an explicit deny in a resource-based policy$/) });
});

test('CreateGrant needs kms:CreateGrant: a role the key policy does not allow cannot grant itself use', async () => {
  const { keyId, as } = await setup();
  await expect(as('App').createGrant({ KeyId: keyId, GranteePrincipal: roleArn('App'), Operations: ['Decrypt'] })).rejects.toMatchObject({ name: 'AccessDeniedException' });
});

test('a grantee holding CreateGrant through a grant cannot grant more than that grant allows', async () => {
  const { keyId, as, admin } = await setup();
  await admin.createGrant({ KeyId: keyId, GranteePrincipal: roleArn('Delegate'), Operations: ['CreateGrant', 'Decrypt'] });
  await expect(as('Delegate').createGrant({ KeyId: keyId, GranteePrincipal: roleArn('App'), Operations: ['Decrypt'] })).resolves.toBeDefined();
  await expect(as('Delegate').createGrant({ KeyId: keyId, GranteePrincipal: roleArn('App'), Operations: ['Encrypt'] })).rejects.toMatchObject({ name: 'AccessDeniedException' });
});

test('ListGrants shows the grant; RetireGrant by the retiring principal and RevokeGrant by the admin end it', async () => {
  const { keyId, keyArn, ciphertext, as, admin } = await setup();
  const blob = await ciphertext({});
  const one = await admin.createGrant({ KeyId: keyId, GranteePrincipal: roleArn('App'), RetiringPrincipal: roleArn('Retirer'), Operations: ['Decrypt'], Name: 'one' });
  const again = await admin.createGrant({ KeyId: keyId, GranteePrincipal: roleArn('App'), RetiringPrincipal: roleArn('Retirer'), Operations: ['Decrypt'], Name: 'one' });
  expect(again.GrantId).toBe(one.GrantId); // a Name makes CreateGrant idempotent
  const listed = await admin.listGrants({ KeyId: keyId });
  expect(listed.Grants).toEqual([expect.objectContaining({ KeyId: keyArn, GrantId: one.GrantId, Name: 'one', GranteePrincipal: roleArn('App'), RetiringPrincipal: roleArn('Retirer'), Operations: ['Decrypt'], IssuingAccount: `arn:aws:iam::${ACCOUNT}:root` })]);
  await expect(as('App').listGrants({ KeyId: keyId })).rejects.toMatchObject({ name: 'AccessDeniedException' });
  await expect(as('App').retireGrant({ GrantToken: one.GrantToken })).rejects.toMatchObject({ name: 'AccessDeniedException' });
  await as('Retirer').retireGrant({ GrantToken: one.GrantToken });
  await expect(as('App').decrypt({ CiphertextBlob: blob })).rejects.toMatchObject({ name: 'AccessDeniedException' });

  const two = await admin.createGrant({ KeyId: keyId, GranteePrincipal: roleArn('App'), Operations: ['Decrypt'] });
  await expect(as('App').decrypt({ CiphertextBlob: blob })).resolves.toBeDefined();
  await expect(as('App').revokeGrant({ KeyId: keyId, GrantId: two.GrantId })).rejects.toMatchObject({ name: 'AccessDeniedException' });
  await admin.revokeGrant({ KeyId: keyId, GrantId: two.GrantId });
  await expect(as('App').decrypt({ CiphertextBlob: blob })).rejects.toMatchObject({ name: 'AccessDeniedException' });
  expect((await admin.listGrants({ KeyId: keyId })).Grants).toEqual([]);
});

test('grant tokens: a known token is accepted, an unknown one is InvalidGrantTokenException', async () => {
  const { keyId, ciphertext, as, admin } = await setup();
  const g = await admin.createGrant({ KeyId: keyId, GranteePrincipal: roleArn('App'), Operations: ['Decrypt'] });
  const blob = await ciphertext({});
  await expect(as('App').decrypt({ CiphertextBlob: blob, GrantTokens: [g.GrantToken] })).resolves.toBeDefined();
  await expect(as('App').decrypt({ CiphertextBlob: blob, GrantTokens: ['made-up'] })).rejects.toMatchObject({ name: 'InvalidGrantTokenException' });
});

test('bad CreateGrant input is a ValidationException naming what is allowed', async () => {
  const { keyId, admin } = await setup();
  await expect(admin.createGrant({ KeyId: keyId, GranteePrincipal: roleArn('App'), Operations: ['Fly'] })).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringMatching(/Operation 'Fly' cannot be granted; allowed: Decrypt, Encrypt/) });
  await expect(admin.createGrant({ KeyId: keyId, GranteePrincipal: roleArn('App'), Operations: ['Decrypt'], Constraints: { Other: {} } as never })).rejects.toMatchObject({ name: 'ValidationException' });
});

test('grants survive a restart of a file-backed store', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-grants-'));
  const storePath = path.join(dir, 'keys.json');
  const first = new LocalKms({ storePath, accountId: ACCOUNT });
  const { KeyMetadata } = await first.createKey({});
  const g = await first.createGrant({ KeyId: KeyMetadata.KeyId, GranteePrincipal: roleArn('App'), Operations: ['Decrypt'] });
  const second = new LocalKms({ storePath, accountId: ACCOUNT });
  expect((await second.listGrants({ KeyId: KeyMetadata.KeyId })).Grants.map((x) => x.GrantId)).toEqual([g.GrantId]);
  fs.rmSync(dir, { recursive: true });
});
