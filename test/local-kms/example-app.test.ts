/**
 * The example app (examples/app.ts, with its multi-Region replicas) synthesized to a cloud assembly
 * and loaded into LocalKms: every role of the app tried, by real calls, against every key in it. Each
 * outcome must equal the policy engine's decision for the same request, and the decisions that matter
 * are spelled out. The same assembly answers `cdk-secure-key can`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { canAnswer, canCommand } from '../../cli/can';
import { EXIT } from '../../cli/errors';
import { buildExampleApp, EXAMPLE_ORGANIZATION_ID } from '../../examples/app';
import { EXAMPLE_KEY_STORE_NAME } from '../../examples/branch-keys';
import { BranchKeyStoreClient } from '../../lambda/hierarchy/branch-key-store-client';
import { InMemoryBranchKeyTable } from '../../lambda/hierarchy/in-memory-branch-key-table';
import { kmsBranchKeyOperations } from '../../lambda/providers/hierarchical-kms';
import { LocalKms } from '../../lambda/providers/local-kms';
import { authorize } from '../../src/private/policy/engine/authorize';
import { removePrivateBuild, runCli } from '../cli/support';

const CONTEXT = { purpose: 'example' };
/** Calls tried for each role and key: use and management, read-only or idempotent. */
const CALLS: Array<{ action: string; call: (kms: LocalKms, keyArn: string, blob: Uint8Array) => Promise<unknown> }> = [
  { action: 'kms:Encrypt', call: (kms, keyArn) => kms.encrypt({ KeyId: keyArn, Plaintext: new Uint8Array([1]), EncryptionContext: CONTEXT }) },
  { action: 'kms:Decrypt', call: (kms, _k, blob) => kms.decrypt({ CiphertextBlob: blob, EncryptionContext: CONTEXT }) },
  { action: 'kms:GenerateDataKey', call: (kms, keyArn) => kms.generateDataKey({ KeyId: keyArn, KeySpec: 'AES_256', EncryptionContext: CONTEXT }) },
  { action: 'kms:DescribeKey', call: (kms, keyArn) => kms.describeKey({ KeyId: keyArn }) },
  { action: 'kms:GetKeyPolicy', call: (kms, keyArn) => kms.getKeyPolicy({ KeyId: keyArn }) },
  { action: 'kms:ListGrants', call: (kms, keyArn) => kms.listGrants({ KeyId: keyArn }) },
];

let dir: string;
let kms: LocalKms;
/** `<key path> <principal path> <action>` -> yes/no, from real calls. */
const outcomes = new Map<string, 'yes' | 'no'>();

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-kms-example-'));
  buildExampleApp(dir).app.synth();
  // The example key has an organization perimeter: the app's principals are in its organization.
  kms = LocalKms.fromCloudAssembly(dir, { organizationId: EXAMPLE_ORGANIZATION_ID });
  for (const key of kms.app!.keys) {
    const here = kms.forRegion(key.region, key.account);
    // Ciphertext to decrypt, made without enforcement on the same store.
    const maker = new LocalKms({ store: here.store, region: key.region, accountId: key.account });
    const blob = (await maker.encrypt({ KeyId: key.arn, Plaintext: new Uint8Array([1]), EncryptionContext: CONTEXT })).CiphertextBlob;
    for (const p of kms.app!.principals) {
      for (const { action, call } of CALLS) {
        const result = await call(here.as(p.path), key.arn, blob).then(() => 'yes' as const, (e: Error) => {
          if (e.name !== 'AccessDeniedException') throw e;
          return 'no' as const;
        });
        outcomes.set(`${key.path} ${p.path} ${action}`, result);
      }
    }
  }
}, 120_000);

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  removePrivateBuild();
});

test('the app has the keys and roles we expect to try', () => {
  expect(kms.app!.keys.map((k) => `${k.path} ${k.region}`)).toEqual(expect.arrayContaining([
    expect.stringMatching(/^SecureKeyExample\/DataKey[0-9A-F]{8} us-east-1$/),
    expect.stringMatching(/^SecureKeyReplicas\/OrdersKey[0-9A-F]{8} us-east-1$/),
    expect.stringMatching(/^SecureKeyReplicas-replicas-eu-west-1\/Replica.* eu-west-1$/),
  ]));
  expect(kms.app!.principals.length).toBeGreaterThanOrEqual(6);
  expect(outcomes.size).toBe(kms.app!.keys.length * kms.app!.principals.length * CALLS.length);
});

test('every call\'s outcome equals the policy engine\'s decision for the same request', () => {
  const mismatches: string[] = [];
  for (const key of kms.app!.keys) {
    for (const p of kms.app!.principals) {
      for (const { action } of CALLS) {
        const d = authorize(key.policy, {
          caller: { arn: p.arn, account: p.account, iamStatements: [...p.iamStatements] },
          action,
          keyArn: key.arn,
          keyAccount: key.account,
          encryptionContext: action === 'kms:DescribeKey' || action === 'kms:GetKeyPolicy' || action === 'kms:ListGrants' ? undefined : CONTEXT,
          context: { 'aws:PrincipalIsAWSService': 'false', ...p.context },
        });
        const got = outcomes.get(`${key.path} ${p.path} ${action}`);
        if (got !== (d.allowed ? 'yes' : 'no')) mismatches.push(`${p.path} ${action} ${key.path}: LocalKms ${got}, engine ${d.allowed ? 'yes' : 'no'}`);
      }
    }
  }
  expect(mismatches).toEqual([]);
});

test('who can use and manage the data key, by calls', () => {
  const data = kms.keyOf('SecureKeyExample/DataKey').path;
  const row = (principal: string) => CALLS.map(({ action }) => `${action.slice(4)}=${outcomes.get(`${data} ${kms.principalOf(principal).path} ${action}`)}`).join(' ');
  expect(row('SecureKeyExample/AppRole')).toBe('Encrypt=yes Decrypt=yes GenerateDataKey=yes DescribeKey=yes GetKeyPolicy=no ListGrants=no');
  expect(row('SecureKeyExample/KeyAdminRole')).toBe('Encrypt=no Decrypt=no GenerateDataKey=no DescribeKey=yes GetKeyPolicy=yes ListGrants=yes');
  expect(row('SecureKeyReplicas/Reader')).toBe('Encrypt=no Decrypt=no GenerateDataKey=no DescribeKey=no GetKeyPolicy=no ListGrants=no');
});

test('the replicated orders key: each Region\'s reader decrypts its own Region\'s key and nobody else\'s', () => {
  const readers = kms.app!.principals.filter((p) => /\/Reader[0-9A-F]{8}$/.test(p.path));
  const orders = kms.app!.keys.filter((k) => k.keyId.startsWith('mrk-'));
  expect(readers).toHaveLength(3);
  expect(orders).toHaveLength(3);
  for (const key of orders) {
    for (const reader of readers) {
      expect(`${reader.path} -> ${key.region}: ${outcomes.get(`${key.path} ${reader.path} kms:Decrypt`)}`)
        .toBe(`${reader.path} -> ${key.region}: ${reader.stackName === key.stackName ? 'yes' : 'no'}`);
    }
  }
});

test('the audit key is nobody\'s to use among the app\'s roles', () => {
  const audit = kms.app!.keys.find((k) => /Audit/.test(k.path))!;
  for (const p of kms.app!.principals) {
    for (const action of ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey']) expect(outcomes.get(`${audit.path} ${p.path} ${action}`)).toBe('no');
  }
});

test('the branch key store: the key manager creates and versions branch keys but cannot read one; the tenant app reads them, only for this store', async () => {
  const key = kms.keyOf('SecureKeyExampleBranchKeys/BranchKeyWrappingKey');
  const here = kms.forRegion(key.region, key.account);
  const table = new InMemoryBranchKeyTable();
  const storeAs = (principal: string, logicalKeyStoreName = EXAMPLE_KEY_STORE_NAME) => new BranchKeyStoreClient({
    tableName: 'branch-keys', logicalKeyStoreName, kmsKeyArn: key.arn, table, kms: kmsBranchKeyOperations(here.as(principal)),
  });
  const manager = storeAs('SecureKeyExampleBranchKeys/BranchKeyManager');
  const app = storeAs('SecureKeyExampleBranchKeys/TenantApp');
  const denied = (p: Promise<unknown>) => p.then(() => 'allowed', (e: Error) => (/AccessDenied/.test(`${e.name} ${(e.cause as Error | undefined)?.name}`) ? 'denied' : `failed: ${e.name} ${e.message}`));

  const id = await manager.createKey({ branchKeyId: 'tenant-acme', encryptionContext: { tenant: 'acme' } });
  const version = await manager.versionKey(id);
  expect(await denied(manager.getActiveBranchKey(id))).toBe('denied');
  const active = await app.getActiveBranchKey(id);
  expect(active.branchKeyVersion).toBe(version);
  active.branchKey.fill(0);
  expect(await denied(app.createKey({ branchKeyId: 'tenant-globex', encryptionContext: { tenant: 'globex' } }))).toBe('denied');
  // Another store's name in the encryption context: the key serves this store's branch keys only.
  const otherStore = storeAs('SecureKeyExampleBranchKeys/BranchKeyManager', 'another-store');
  expect(await denied(otherStore.createKey({ branchKeyId: 'tenant-x', encryptionContext: { tenant: 'x' } }))).toBe('denied');
  // The app's other roles get nothing from this key.
  expect(await denied(storeAs('SecureKeyExample/AppRole').getActiveBranchKey(id))).toBe('denied');
});

describe('cdk-secure-key can', () => {
  test('allowed, with the deciding key policy statement', () => {
    const a = canAnswer(dir, {
      principal: 'SecureKeyExample/AppRole', action: 'Decrypt', key: 'alias/secure-key-example/data', encryptionContext: CONTEXT, organizationId: EXAMPLE_ORGANIZATION_ID,
    });
    expect(a).toMatchObject({ allowed: true, decision: 'allowed', action: 'kms:Decrypt', principal: kms.principalOf('SecureKeyExample/AppRole').arn });
    expect(a.allowedBy).toEqual(expect.arrayContaining([expect.objectContaining({ policy: 'key', id: 'Sid:KeyUsers' })]));
  });

  test('denied exits 7 and prints DENIED; allowed exits 0', async () => {
    const out: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { out.push(String(s)); return true; });
    try {
      const org = ['--organization-id', EXAMPLE_ORGANIZATION_ID];
      const denied = await canCommand([dir, '--principal', 'SecureKeyExample/KeyAdminRole', '--action', 'kms:Decrypt', '--key', 'SecureKeyExample/DataKey', ...org], () => 0);
      const allowed = await canCommand([dir, '-p', 'SecureKeyExample/AppRole', '-a', 'kms:GenerateDataKey', '-k', 'SecureKeyExample/DataKey', '--json', ...org], () => 0);
      expect([denied, allowed]).toEqual([EXIT.DENIED, EXIT.OK]);
    } finally {
      spy.mockRestore();
    }
    expect(out[0]).toMatch(/^DENIED: arn:aws:iam::\d{12}:role\/KeyAdminRole[0-9A-F]{8} may not kms:Decrypt on arn:aws:kms:us-east-1:\d{12}:key\/[0-9a-f-]{36}\nno statement allows it: kms:Decrypt implicitly denied \(/);
    expect(JSON.parse(out[1])).toMatchObject({ allowed: true, action: 'kms:GenerateDataKey' });
  });

  test('the bundled command answers with the documented exit codes and needs nothing but the assembly', async () => {
    const args = ['can', dir, '-k', 'SecureKeyExample/DataKey', '-a', 'kms:Decrypt', '-c', 'purpose=example', '--organization-id', EXAMPLE_ORGANIZATION_ID];
    const yes = await runCli([...args, '-p', 'SecureKeyExample/AppRole'], { cwd: dir });
    const no = await runCli([...args, '-p', 'SecureKeyExample/KeyAdminRole'], { cwd: dir });
    const typo = await runCli([...args, '-p', 'SecureKeyExample/AppRol'], { cwd: dir });
    expect([yes.code, no.code, typo.code]).toEqual([EXIT.OK, EXIT.DENIED, EXIT.USAGE]);
    expect(yes.stdout.toString()).toMatch(/^ALLOWED: .*\nallowed by:\n  key policy statement \d+ \(Sid:KeyUsers\)/);
  });

  test('an unknown principal is a usage error naming the known ones', () => {
    expect(() => canAnswer(dir, { principal: 'SecureKeyExample/Nobody', action: 'kms:Decrypt', key: 'SecureKeyExample/DataKey' }))
      .toThrow(/no IAM role or user 'SecureKeyExample\/Nobody' in the loaded app\. Known: .*AppRole/);
  });
});
