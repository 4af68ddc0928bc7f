import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { ConfigurationError } from '../../../lambda/core/errors';
import { createHandler, type EncryptResponse } from '../../../lambda/handler/create-handler';
import { CloudTrailOnFirstUse, dependenciesFromEnvironment, RUNTIME_VARIABLES } from '../../../lambda/handler/environment';
import { localCloudTrail } from '../../../lambda/handler/local-cloudtrail';
import { AwsKmsKeyProvider } from '../../../lambda/providers/aws-kms';
import { LocalKms } from '../../../lambda/providers/local-kms';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('dependenciesFromEnvironment', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'securekey-handler-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('invalid configuration fails with every problem named', async () => {
    const err = await dependenciesFromEnvironment({ SECUREKEY_CACHE_CAPACITY: 'lots', SECUREKEY_KEY_ARN: 'alias/orders' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as Error).message).toMatch(/2 problems/);
    expect((err as Error).message).toMatch(/SECUREKEY_KEY_ARN is "alias\/orders"/);
    expect((err as Error).message).toMatch(/SECUREKEY_CACHE_CAPACITY is "lots"; expected a whole number of entries from 0 to 100000/);
  });

  test('the backend variables are not taken for unknown settings', async () => {
    const deps = await dependenciesFromEnvironment({ SECUREKEY_KEY_ARN: KEY_ARN, [RUNTIME_VARIABLES.kmsBackend]: 'aws' });
    expect(deps.backend).toBe('aws');
  });

  test('an unknown backend is refused', async () => {
    await expect(dependenciesFromEnvironment({ SECUREKEY_KEY_ARN: KEY_ARN, SECUREKEY_KMS_BACKEND: 'vault' }))
      .rejects.toThrow(/SECUREKEY_KMS_BACKEND is "vault"; expected "aws" \(default, real KMS\) or "local"/);
  });

  test('aws (default): an AWS KMS provider and a CloudTrail client in the key\'s Region, without calling AWS', async () => {
    const deps = await dependenciesFromEnvironment({ SECUREKEY_KEY_ARN: KEY_ARN, AWS_REGION: 'us-east-1' });
    expect(deps.backend).toBe('aws');
    expect(deps.keyProvider).toBeInstanceOf(AwsKmsKeyProvider);
    expect(deps.keyProvider.keyId).toBe(KEY_ARN);
    expect(deps.keyProvider.calls).toBe(0);
    // Built on first use, so encrypt and decrypt never load the CloudTrail client.
    expect(deps.cloudTrail).toBeInstanceOf(CloudTrailOnFirstUse);
    await expect((deps.cloudTrail as CloudTrailOnFirstUse).client.config.region()).resolves.toBe('eu-west-1');
  });

  test('local needs the key store file', async () => {
    await expect(dependenciesFromEnvironment({ SECUREKEY_KEY_ARN: KEY_ARN, SECUREKEY_KMS_BACKEND: 'local' }))
      .rejects.toThrow(/SECUREKEY_KMS_BACKEND=local needs SECUREKEY_LOCAL_KMS_STORE/);
  });

  test('local with a store that lacks the key is refused at start-up', async () => {
    const store = join(dir, 'empty.json');
    await expect(dependenciesFromEnvironment({ SECUREKEY_KEY_ARN: KEY_ARN, SECUREKEY_KMS_BACKEND: 'local', SECUREKEY_LOCAL_KMS_STORE: store }))
      .rejects.toThrow(/has no usable key .* \(NotFoundException\); create the key in that store/);
  });

  test('local: the handler runs against the key in the store file', async () => {
    const store = join(dir, 'keys.json');
    const keyArn = (await new LocalKms({ region: 'eu-west-1', storePath: store }).createKey({})).KeyMetadata.Arn!;
    const deps = await dependenciesFromEnvironment({ SECUREKEY_KEY_ARN: keyArn, SECUREKEY_KMS_BACKEND: 'local', SECUREKEY_LOCAL_KMS_STORE: store });
    expect(deps.backend).toBe('local');
    const handler = createHandler({ ...deps, logSink: () => undefined });
    const enc = await handler({ operation: 'encrypt', plaintext: Buffer.from('hi').toString('base64') }) as EncryptResponse;
    const dec = await handler({ operation: 'decrypt', message: enc.message });
    expect(dec).toMatchObject({ plaintext: Buffer.from('hi').toString('base64') });
    // The key came from the file: another LocalKms on it sees the same key.
    const other = new LocalKms({ region: 'eu-west-1', storePath: store });
    expect((await other.describeKey({ KeyId: keyArn })).KeyMetadata.Enabled).toBe(true);
  });
});

describe('localCloudTrail: LookupEvents over LocalKms records', () => {
  test('filters by key and window, newest first, pages of 50 with NextToken', async () => {
    let t = Date.parse('2025-06-01T00:00:00Z');
    const kms = new LocalKms({ clock: () => new Date((t += 1000)) });
    const a = (await kms.createKey({})).KeyMetadata.Arn!;
    const b = (await kms.createKey({})).KeyMetadata.Arn!;
    for (let i = 0; i < 60; i++) await kms.generateDataKey({ KeyId: a, KeySpec: 'AES_256' });
    await kms.generateDataKey({ KeyId: b, KeySpec: 'AES_256' });
    const client = localCloudTrail(kms);
    const input = {
      LookupAttributes: [{ AttributeKey: 'ResourceName' as const, AttributeValue: a }],
      StartTime: new Date(Date.parse('2025-06-01T00:00:00Z')),
      EndTime: new Date(t),
      MaxResults: 50,
    };
    const first = await client.send(new LookupEventsCommand(input));
    expect(first.Events).toHaveLength(50);
    expect(first.NextToken).toBeDefined();
    const second = await client.send(new LookupEventsCommand({ ...input, NextToken: first.NextToken }));
    expect(second.Events).toHaveLength(11); // 60 GenerateDataKey + CreateKey of key a
    expect(second.NextToken).toBeUndefined();
    const times = [...first.Events!, ...second.Events!].map((e) => e.EventTime!.getTime());
    expect([...times].sort((x, y) => y - x)).toEqual(times);
    expect(second.Events![second.Events!.length - 1].EventName).toBe('CreateKey');
    const record = JSON.parse(first.Events![0].CloudTrailEvent!) as { resources: Array<{ ARN: string }> };
    expect(record.resources[0].ARN).toBe(a);

    const narrow = await client.send(new LookupEventsCommand({ ...input, StartTime: new Date(t - 5000) }));
    expect(narrow.Events!.length).toBeLessThan(6);
  });
});
