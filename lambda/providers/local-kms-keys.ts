/**
 * LocalKms key management: creating, describing and listing keys, aliases, key policies, rotation,
 * enabling and disabling, scheduled deletion and multi-Region replicas.
 */
import * as crypto from 'node:crypto';
import { checkAliasName, DAY_MS, defaultPolicy, LocalKmsBase } from './local-kms-base';
import { camelKeys } from './local-kms-cloudtrail';
import { err, validation } from './local-kms-errors';
import { checkSpecUsage, newMaterial } from './local-kms-material';
import type { StoredKey } from './local-kms-store';
import type {
  KmsAliasInput, KmsAliasListEntry, KmsCreateKeyInput, KmsDescribeKeyInput, KmsEnableKeyRotationInput, KmsKeyIdInput,
  KmsKeyMetadata, KmsKeyPolicyInput, KmsKeyRotationStatus, KmsListAliasesInput, KmsPutKeyPolicyInput,
  KmsReplicateKeyInput, KmsScheduleKeyDeletionInput, KmsTag,
} from './local-kms-types';

const DEFAULT_PENDING_WINDOW_DAYS = 30;
const MIN_PENDING_WINDOW_DAYS = 7;
const MAX_PENDING_WINDOW_DAYS = 30;
const DEFAULT_ROTATION_PERIOD_DAYS = 365;
const MIN_ROTATION_PERIOD_DAYS = 90;
const MAX_ROTATION_PERIOD_DAYS = 2560;

/** Key management operations; cryptographic operations build on it (local-kms-crypto.ts). */
export abstract class LocalKmsKeyManagement extends LocalKmsBase {
  public async createKey(input: KmsCreateKeyInput = {}): Promise<{ KeyMetadata: KmsKeyMetadata }> {
    return this.call('CreateKey', input, false, (ctx) => {
      const keySpec = input.KeySpec ?? input.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT';
      const keyUsage = input.KeyUsage ?? 'ENCRYPT_DECRYPT';
      checkSpecUsage(keySpec, keyUsage);
      if (input.Origin !== undefined && input.Origin !== 'AWS_KMS') {
        throw err('UnsupportedOperationException', `LocalKms supports Origin AWS_KMS only (got '${input.Origin}').`);
      }
      const multiRegion = input.MultiRegion ?? false;
      const keyId = multiRegion ? `mrk-${crypto.randomBytes(16).toString('hex')}` : crypto.randomUUID();
      const now = this.clock();
      const materialId = crypto.randomUUID();
      this.store.materials[materialId] = [newMaterial(keySpec, now)];
      const key: StoredKey = {
        keyId,
        region: this.region,
        accountId: this.accountId,
        creationDate: now.toISOString(),
        description: input.Description ?? '',
        keyState: 'Enabled',
        keySpec,
        keyUsage,
        multiRegion,
        primaryRegion: multiRegion ? this.region : undefined,
        rotationEnabled: false,
        rotationPeriodInDays: undefined,
        lastRotation: now.toISOString(),
        policy: input.Policy ?? defaultPolicy(this.accountId),
        tags: input.Tags ?? [],
        materialId,
      };
      this.store.putKey(key);
      this.store.save();
      const metadata = this.metadata(key);
      ctx.resources.push(metadata.Arn);
      ctx.responseElements = { keyMetadata: camelKeys(metadata) };
      return { KeyMetadata: metadata };
    });
  }

  public async describeKey(input: KmsDescribeKeyInput): Promise<{ KeyMetadata: KmsKeyMetadata }> {
    return this.call('DescribeKey', input, true, (ctx) => {
      const key = this.resolveKey(input.KeyId, ctx);
      return { KeyMetadata: this.metadata(key) };
    });
  }

  public async listKeys(input: { Limit?: number; Marker?: string } = {}): Promise<{ Keys: { KeyId: string; KeyArn: string }[]; Truncated: boolean }> {
    return this.call('ListKeys', input, true, () => {
      this.purgeDeleted();
      const keys = this.store.keysInRegion(this.region).map((k) => ({ KeyId: k.keyId, KeyArn: this.arnOf(k) }));
      return { Keys: keys, Truncated: false };
    });
  }

  public async createAlias(input: KmsAliasInput): Promise<Record<string, never>> {
    return this.call('CreateAlias', input, false, (ctx) => {
      const name = checkAliasName(input.AliasName);
      if (this.store.getAlias(this.region, name)) {
        throw err('AlreadyExistsException', `An alias with the name ${this.aliasArn(name)} already exists.`);
      }
      const key = this.resolveKey(input.TargetKeyId, ctx, { allowAlias: false });
      const now = this.clock().toISOString();
      this.store.putAlias({ aliasName: name, region: this.region, targetKeyId: key.keyId, creationDate: now, lastUpdatedDate: now });
      this.store.save();
      return {};
    });
  }

  public async updateAlias(input: KmsAliasInput): Promise<Record<string, never>> {
    return this.call('UpdateAlias', input, false, (ctx) => {
      const name = checkAliasName(input.AliasName);
      const alias = this.store.getAlias(this.region, name);
      if (!alias) throw err('NotFoundException', `Alias ${this.aliasArn(name)} is not found.`);
      const key = this.resolveKey(input.TargetKeyId, ctx, { allowAlias: false });
      this.store.putAlias({ ...alias, targetKeyId: key.keyId, lastUpdatedDate: this.clock().toISOString() });
      this.store.save();
      return {};
    });
  }

  public async deleteAlias(input: { AliasName: string | undefined }): Promise<Record<string, never>> {
    return this.call('DeleteAlias', input, false, () => {
      const name = checkAliasName(input.AliasName);
      if (!this.store.deleteAlias(this.region, name)) throw err('NotFoundException', `Alias ${this.aliasArn(name)} is not found.`);
      this.store.save();
      return {};
    });
  }

  public async listAliases(input: KmsListAliasesInput = {}): Promise<{ Aliases: KmsAliasListEntry[]; Truncated: boolean }> {
    return this.call('ListAliases', input, true, (ctx) => {
      // ListAliases is authorized by IAM alone in KMS, never by the key policy: not checked here.
      ctx.action = undefined;
      const keyId = input.KeyId !== undefined ? this.resolveKey(input.KeyId, ctx, { allowAlias: false }).keyId : undefined;
      const aliases = this.store.aliasesInRegion(this.region)
        .filter((a) => keyId === undefined || a.targetKeyId === keyId)
        .map((a) => ({
          AliasName: a.aliasName,
          AliasArn: this.aliasArn(a.aliasName),
          TargetKeyId: a.targetKeyId,
          CreationDate: new Date(a.creationDate),
          LastUpdatedDate: new Date(a.lastUpdatedDate),
        }));
      return { Aliases: aliases, Truncated: false };
    });
  }

  public async getKeyPolicy(input: KmsKeyPolicyInput): Promise<{ Policy: string; PolicyName: string }> {
    return this.call('GetKeyPolicy', input, true, (ctx) => {
      const key = this.resolveKey(input.KeyId, ctx, { allowAlias: false });
      return { Policy: key.policy, PolicyName: 'default' };
    });
  }

  public async putKeyPolicy(input: KmsPutKeyPolicyInput): Promise<Record<string, never>> {
    return this.call('PutKeyPolicy', input, false, (ctx) => {
      const key = this.resolveKey(input.KeyId, ctx, { allowAlias: false });
      if (typeof input.Policy !== 'string' || input.Policy.length === 0) throw validation('Policy must be a non-empty JSON string.');
      try {
        JSON.parse(input.Policy);
      } catch {
        throw err('MalformedPolicyDocumentException', 'The key policy is not valid JSON.');
      }
      key.policy = input.Policy;
      this.store.save();
      return {};
    });
  }

  public async enableKeyRotation(input: KmsEnableKeyRotationInput): Promise<Record<string, never>> {
    return this.call('EnableKeyRotation', input, false, (ctx) => {
      const key = this.rotatableKey(input.KeyId, ctx);
      const period = input.RotationPeriodInDays ?? DEFAULT_ROTATION_PERIOD_DAYS;
      if (!Number.isInteger(period) || period < MIN_ROTATION_PERIOD_DAYS || period > MAX_ROTATION_PERIOD_DAYS) {
        throw validation(`RotationPeriodInDays must be an integer between ${MIN_ROTATION_PERIOD_DAYS} and ${MAX_ROTATION_PERIOD_DAYS} (got ${period}).`);
      }
      key.rotationEnabled = true;
      key.rotationPeriodInDays = period;
      key.lastRotation = this.clock().toISOString();
      this.store.save();
      return {};
    });
  }

  public async disableKeyRotation(input: KmsKeyIdInput): Promise<Record<string, never>> {
    return this.call('DisableKeyRotation', input, false, (ctx) => {
      const key = this.rotatableKey(input.KeyId, ctx);
      key.rotationEnabled = false;
      this.store.save();
      return {};
    });
  }

  public async getKeyRotationStatus(input: KmsKeyIdInput): Promise<KmsKeyRotationStatus> {
    return this.call('GetKeyRotationStatus', input, true, (ctx) => {
      const key = this.resolveKey(input.KeyId, ctx, { allowAlias: false });
      const result: KmsKeyRotationStatus = {
        KeyId: this.arnOf(key),
        KeyRotationEnabled: key.rotationEnabled,
      };
      if (key.rotationEnabled && key.rotationPeriodInDays) {
        result.RotationPeriodInDays = key.rotationPeriodInDays;
        result.NextRotationDate = new Date(Date.parse(key.lastRotation) + key.rotationPeriodInDays * DAY_MS);
      }
      return result;
    });
  }

  /** Rotates now: new key material for new ciphertexts; every older version still decrypts. */
  public async rotateKeyOnDemand(input: KmsKeyIdInput): Promise<{ KeyId: string }> {
    return this.call('RotateKeyOnDemand', input, false, (ctx) => {
      const key = this.rotatableKey(input.KeyId, ctx);
      this.requireState(key);
      this.rotate(key);
      this.store.save();
      return { KeyId: this.arnOf(key) };
    });
  }

  public async disableKey(input: KmsKeyIdInput): Promise<Record<string, never>> {
    return this.call('DisableKey', input, false, (ctx) => {
      const key = this.resolveKey(input.KeyId, ctx, { allowAlias: false });
      if (key.keyState === 'PendingDeletion') throw this.pendingDeletion(key);
      key.keyState = 'Disabled';
      this.store.save();
      return {};
    });
  }

  public async enableKey(input: KmsKeyIdInput): Promise<Record<string, never>> {
    return this.call('EnableKey', input, false, (ctx) => {
      const key = this.resolveKey(input.KeyId, ctx, { allowAlias: false });
      if (key.keyState === 'PendingDeletion') throw this.pendingDeletion(key);
      key.keyState = 'Enabled';
      this.store.save();
      return {};
    });
  }

  public async scheduleKeyDeletion(input: KmsScheduleKeyDeletionInput): Promise<{ KeyId: string; DeletionDate: Date; KeyState: 'PendingDeletion'; PendingWindowInDays: number }> {
    return this.call('ScheduleKeyDeletion', input, false, (ctx) => {
      const key = this.resolveKey(input.KeyId, ctx, { allowAlias: false });
      const days = input.PendingWindowInDays ?? DEFAULT_PENDING_WINDOW_DAYS;
      if (!Number.isInteger(days) || days < MIN_PENDING_WINDOW_DAYS || days > MAX_PENDING_WINDOW_DAYS) {
        throw validation(`1 validation error detected: Value '${days}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value between ${MIN_PENDING_WINDOW_DAYS} and ${MAX_PENDING_WINDOW_DAYS}.`);
      }
      if (key.keyState === 'PendingDeletion') throw this.pendingDeletion(key);
      const deletionDate = new Date(this.clock().getTime() + days * DAY_MS);
      key.keyState = 'PendingDeletion';
      key.deletionDate = deletionDate.toISOString();
      key.pendingWindowInDays = days;
      this.store.save();
      const result = { KeyId: this.arnOf(key), DeletionDate: deletionDate, KeyState: 'PendingDeletion' as const, PendingWindowInDays: days };
      ctx.responseElements = camelKeys(result);
      return result;
    });
  }

  /** Cancels a scheduled deletion. As in KMS, the key is then Disabled until enabled again. */
  public async cancelKeyDeletion(input: KmsKeyIdInput): Promise<{ KeyId: string }> {
    return this.call('CancelKeyDeletion', input, false, (ctx) => {
      const key = this.resolveKey(input.KeyId, ctx, { allowAlias: false });
      if (key.keyState !== 'PendingDeletion') {
        throw err('KMSInvalidStateException', `${this.arnOf(key)} is not pending deletion (state ${key.keyState}).`);
      }
      key.keyState = 'Disabled';
      key.deletionDate = undefined;
      key.pendingWindowInDays = undefined;
      this.store.save();
      const result = { KeyId: this.arnOf(key) };
      ctx.responseElements = camelKeys(result);
      return result;
    });
  }

  /** Creates a replica of a multi-Region primary key in `ReplicaRegion`, sharing its key material. */
  public async replicateKey(input: KmsReplicateKeyInput): Promise<{
    ReplicaKeyMetadata: KmsKeyMetadata; ReplicaPolicy: string; ReplicaTags: KmsTag[];
  }> {
    return this.call('ReplicateKey', input, false, (ctx) => {
      const key = this.resolveKey(input.KeyId, ctx, { allowAlias: false });
      if (!key.multiRegion) {
        throw err('UnsupportedOperationException', `${this.arnOf(key)} is not a multi-Region key. Create the key with MultiRegion: true to replicate it.`);
      }
      if (key.primaryRegion !== key.region) {
        throw err('UnsupportedOperationException', `${this.arnOf(key)} is a replica key. Replicate its primary key in ${key.primaryRegion} instead.`);
      }
      this.requireState(key);
      const region = input.ReplicaRegion;
      if (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) throw validation(`ReplicaRegion '${String(region)}' is not a region name.`);
      if (region === key.region) throw validation(`ReplicaRegion ${region} is the region of the primary key. Choose another region.`);
      if (this.store.getKey(region, key.keyId)) {
        throw err('AlreadyExistsException', `A replica of ${this.arnOf(key)} already exists in ${region}.`);
      }
      const replica: StoredKey = {
        ...key,
        region,
        creationDate: this.clock().toISOString(),
        description: input.Description ?? key.description,
        keyState: 'Enabled',
        policy: input.Policy ?? key.policy,
        tags: input.Tags ?? key.tags,
        deletionDate: undefined,
        pendingWindowInDays: undefined,
      };
      this.store.putKey(replica);
      this.store.save();
      const metadata = this.metadata(replica);
      ctx.resources.push(metadata.Arn);
      ctx.responseElements = { replicaKeyMetadata: camelKeys(metadata) };
      return { ReplicaKeyMetadata: metadata, ReplicaPolicy: replica.policy, ReplicaTags: replica.tags };
    });
  }

}
