/** `keys`: manage the local key store (the LocalKms behind --local). */
import { flag, integer, oneOf, parse, str, type OptionSpec } from './args';
import { openLocalKms, type BackendOptions } from './backend';
import { CliError, EXIT, UsageError } from './errors';
import { printable } from './printable';
import { KmsError } from '../lambda/core/errors';
import { toKmsError } from '../lambda/providers/kms-key-provider-base';
import type { KmsKeyMetadata, KmsKeySpec, KmsKeyUsage, LocalKms } from '../lambda/providers/local-kms';

const KEY_SPECS: readonly KmsKeySpec[] = [
  'SYMMETRIC_DEFAULT', 'RSA_2048', 'RSA_3072', 'RSA_4096', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1',
  'HMAC_224', 'HMAC_256', 'HMAC_384', 'HMAC_512',
];
const KEY_USAGES: readonly KmsKeyUsage[] = ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'GENERATE_VERIFY_MAC'];
/** KMS's alias rules: alias/ prefix, 1-256 characters of a-zA-Z0-9:/_-, not under alias/aws/. */
const ALIAS = /^alias\/[a-zA-Z0-9:/_-]{1,250}$/;

const STORE: OptionSpec = {
  'local': { type: 'boolean' },
  'key-store': { type: 'string' },
  'region': { type: 'string' },
};

const SUBCOMMANDS: Record<string, { options: OptionSpec; positionals: number }> = {
  'create': { options: { ...STORE, spec: { type: 'string' }, usage: { type: 'string' }, alias: { type: 'string' }, description: { type: 'string' }, json: { type: 'boolean' } }, positionals: 0 },
  'list': { options: { ...STORE, json: { type: 'boolean' } }, positionals: 0 },
  'rotate': { options: { ...STORE, every: { type: 'string' } }, positionals: 1 },
  'disable': { options: STORE, positionals: 1 },
  'enable': { options: STORE, positionals: 1 },
  'schedule-deletion': { options: { ...STORE, 'pending-days': { type: 'string' } }, positionals: 1 },
  'cancel-deletion': { options: STORE, positionals: 1 },
};

function info(line: string): void {
  process.stderr.write(`cdk-secure-key: ${line}\n`);
}

/** LocalKms errors as the CLI's KmsError lines (exception name and what to do). */
async function kmsCall<T>(operation: string, keyId: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const mapped = toKmsError(err, operation, keyId);
    // LocalKms's message text holds no secrets and says exactly what was wrong (a bad period, an alias taken).
    if (mapped instanceof KmsError && err instanceof Error && err.message) throw new KmsError(mapped.kmsErrorName, err.message);
    throw mapped;
  }
}

function normalizeAlias(name: string): string {
  const alias = name.startsWith('alias/') ? name : `alias/${name}`;
  if (!ALIAS.test(alias) || alias.startsWith('alias/aws/')) {
    throw new UsageError(`--alias ${JSON.stringify(name)} is not a valid alias: use alias/NAME with letters, digits and :/_- (at most 256 characters), not under alias/aws/`, 'keys create');
  }
  return alias;
}

async function describe(kms: LocalKms, keyId: string): Promise<KmsKeyMetadata> {
  return (await kmsCall('DescribeKey', keyId, () => kms.describeKey({ KeyId: keyId }))).KeyMetadata;
}

async function aliasesOf(kms: LocalKms): Promise<Map<string, string[]>> {
  const byKey = new Map<string, string[]>();
  for (const a of (await kms.listAliases({})).Aliases) byKey.set(a.TargetKeyId, [...(byKey.get(a.TargetKeyId) ?? []), a.AliasName]);
  return byKey;
}

export async function keysCommand(argv: readonly string[], help: (topic: string) => number): Promise<number> {
  const sub = argv[0];
  if (sub === undefined || sub === '-h' || sub === '--help') return help('keys');
  const spec = SUBCOMMANDS[sub];
  if (!spec) throw new UsageError(`unknown keys subcommand ${JSON.stringify(sub)}; one of ${Object.keys(SUBCOMMANDS).join(', ')}`, 'keys');
  const command = `keys ${sub}`;
  const parsed = parse(argv.slice(1), spec.options, command, spec.positionals);
  const v = parsed.values;
  if (flag(v, 'help')) return help(command);
  const keyArg = parsed.positionals[0];
  if (spec.positionals === 1 && keyArg === undefined) throw new UsageError(`${command} needs KEY: a key id, key ARN or alias`, command);
  const every = sub === 'rotate' ? integer(v, 'every', command, 90, 2560) : undefined;
  const pendingDays = sub === 'schedule-deletion' ? integer(v, 'pending-days', command, 7, 30) : undefined;
  const options: BackendOptions = { local: true, keyStore: str(v, 'key-store'), region: str(v, 'region') };
  const { kms, storePath } = openLocalKms(options, keyArg, sub !== 'create' && sub !== 'list');
  info(`local key store ${storePath} (region ${kms.region}); not AWS KMS`);

  switch (sub) {
    case 'create': {
      const keySpec = oneOf(v, 'spec', command, KEY_SPECS) ?? 'SYMMETRIC_DEFAULT';
      const keyUsage = oneOf(v, 'usage', command, KEY_USAGES) ?? (keySpec.startsWith('HMAC_') ? 'GENERATE_VERIFY_MAC' : keySpec.startsWith('ECC_') ? 'SIGN_VERIFY' : 'ENCRYPT_DECRYPT');
      const aliasArg = str(v, 'alias');
      const alias = aliasArg === undefined ? undefined : normalizeAlias(aliasArg);
      // Checked before the key exists, so a taken alias does not leave an unnamed key behind.
      if (alias && (await kms.listAliases({})).Aliases.some((a) => a.AliasName === alias)) {
        throw new CliError(EXIT.KEY, `alias ${alias} already exists in ${storePath} (region ${kms.region}); choose another name`);
      }
      const { KeyMetadata } = await kmsCall('CreateKey', keySpec, () => kms.createKey({ KeySpec: keySpec, KeyUsage: keyUsage, Description: str(v, 'description') ?? '' }));
      if (alias) await kmsCall('CreateAlias', KeyMetadata.KeyId, () => kms.createAlias({ AliasName: alias, TargetKeyId: KeyMetadata.KeyId }));
      info(`created ${keySpec} ${keyUsage} key ${KeyMetadata.KeyId}${alias ? ` with alias ${alias}` : ''}`);
      process.stdout.write(flag(v, 'json') ? `${JSON.stringify({ ...KeyMetadata, Aliases: alias ? [alias] : [] }, null, 2)}\n` : `${KeyMetadata.Arn}\n`);
      return EXIT.OK;
    }
    case 'list': {
      const keys = await kmsCall('ListKeys', '*', () => kms.listKeys({}));
      const aliases = await aliasesOf(kms);
      const rows: Array<Record<string, unknown>> = [];
      for (const k of keys.Keys) {
        const m = await describe(kms, k.KeyId);
        const rotation = m.KeySpec === 'SYMMETRIC_DEFAULT' && !m.MultiRegionConfiguration?.MultiRegionKeyType?.startsWith('REPLICA')
          ? await kms.getKeyRotationStatus({ KeyId: m.KeyId }) : undefined;
        rows.push({
          KeyId: m.KeyId,
          Arn: m.Arn,
          KeyState: m.KeyState,
          KeySpec: m.KeySpec,
          KeyUsage: m.KeyUsage,
          Rotation: rotation ? (rotation.KeyRotationEnabled ? `every ${rotation.RotationPeriodInDays} days` : 'off') : 'n/a',
          Aliases: aliases.get(m.KeyId) ?? [],
          Description: m.Description,
          ...(m.DeletionDate ? { DeletionDate: m.DeletionDate.toISOString() } : {}),
        });
      }
      if (flag(v, 'json')) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      } else if (rows.length === 0) {
        info(`no keys in region ${kms.region}; create one with: cdk-secure-key keys create --alias alias/NAME`);
      } else {
        const table = [['KEY ID', 'STATE', 'SPEC', 'USAGE', 'ROTATION', 'ALIASES', 'DESCRIPTION']];
        for (const r of rows) {
          const state = r.DeletionDate ? `${String(r.KeyState)} (deleted ${String(r.DeletionDate).slice(0, 10)})` : String(r.KeyState);
          table.push([String(r.KeyId), state, String(r.KeySpec), String(r.KeyUsage), String(r.Rotation), (r.Aliases as string[]).join(',') || '-', String(r.Description) || '-']
            .map((cell) => printable(cell, 200, true)));
        }
        const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
        for (const row of table) process.stdout.write(`${row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]))).join('  ')}\n`);
      }
      return EXIT.OK;
    }
    default:
      break;
  }

  // The lifecycle subcommands take a key id or ARN; resolve aliases first, as a user would expect.
  const key = await describe(kms, keyArg);
  const id = key.KeyId;
  switch (sub) {
    case 'rotate': {
      if (key.KeySpec !== 'SYMMETRIC_DEFAULT') {
        throw new CliError(EXIT.KEY, `${key.Arn} is a ${key.KeySpec} key; only symmetric encryption keys rotate`);
      }
      await kmsCall('RotateKeyOnDemand', id, () => kms.rotateKeyOnDemand({ KeyId: id }));
      if (every !== undefined) await kmsCall('EnableKeyRotation', id, () => kms.enableKeyRotation({ KeyId: id, RotationPeriodInDays: every }));
      info(`rotated ${key.Arn}: new messages use new key material, older ones still decrypt${every !== undefined ? `; automatic rotation every ${every} days` : ''}`);
      break;
    }
    case 'disable':
      await kmsCall('DisableKey', id, () => kms.disableKey({ KeyId: id }));
      info(`disabled ${key.Arn}: encrypt and decrypt under it fail until: cdk-secure-key keys enable ${id}`);
      break;
    case 'enable':
      await kmsCall('EnableKey', id, () => kms.enableKey({ KeyId: id }));
      info(`enabled ${key.Arn}`);
      break;
    case 'schedule-deletion': {
      const r = await kmsCall('ScheduleKeyDeletion', id, () => kms.scheduleKeyDeletion({ KeyId: id, PendingWindowInDays: pendingDays }));
      info(`${key.Arn} will be deleted on ${r.DeletionDate.toISOString()} (in ${r.PendingWindowInDays} days); until then: cdk-secure-key keys cancel-deletion ${id}`);
      break;
    }
    case 'cancel-deletion':
      await kmsCall('CancelKeyDeletion', id, () => kms.cancelKeyDeletion({ KeyId: id }));
      info(`deletion of ${key.Arn} cancelled; the key is disabled: cdk-secure-key keys enable ${id}`);
      break;
    default:
      throw new UsageError(`unknown keys subcommand ${JSON.stringify(sub)}`, 'keys');
  }
  process.stdout.write(`${key.Arn}\n`);
  return EXIT.OK;
}
