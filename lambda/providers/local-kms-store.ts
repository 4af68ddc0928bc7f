/**
 * The key store behind LocalKms: keys of every region, aliases, key material and the CloudTrail
 * event log. Several LocalKms instances (one per region) share one store, which is how a
 * multi-Region replica uses the same key material as its primary. Optionally persisted to a JSON
 * file (plain key material, file mode 0600: for local development only).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CloudTrailEvent, KmsKeySpec, KmsKeyState, KmsKeyUsage, KmsTag } from './local-kms-types';
import { ConfigurationError } from '../core/errors';

/** One version of a key's material. Secrets are base64; ids are hex (CloudTrail's keyMaterialId). */
export interface StoredMaterial {
  id: string;
  createdAt: string;
  secret?: string;
  privateKeyDer?: string;
  publicKeyDer?: string;
}

export interface StoredKey {
  keyId: string;
  region: string;
  accountId: string;
  creationDate: string;
  description: string;
  keyState: KmsKeyState;
  keySpec: KmsKeySpec;
  keyUsage: KmsKeyUsage;
  multiRegion: boolean;
  /** For multi-Region keys, the region of the primary. */
  primaryRegion?: string;
  rotationEnabled: boolean;
  rotationPeriodInDays?: number;
  lastRotation: string;
  deletionDate?: string;
  pendingWindowInDays?: number;
  policy: string;
  tags: KmsTag[];
  /** Index into `materials`; a primary and its replicas share it. */
  materialId: string;
}

export interface StoredAlias {
  aliasName: string;
  region: string;
  targetKeyId: string;
  creationDate: string;
  lastUpdatedDate: string;
}

/** A grant on a key (CreateGrant). Grants take effect at once; `grantToken` is accepted in GrantTokens. */
export interface StoredGrant {
  grantId: string;
  grantToken: string;
  keyId: string;
  region: string;
  accountId: string;
  name?: string;
  granteePrincipal: string;
  retiringPrincipal?: string;
  /** The root ARN of the account that created the grant, as KMS reports it. */
  issuingAccount: string;
  operations: string[];
  constraints?: { EncryptionContextEquals?: Record<string, string>; EncryptionContextSubset?: Record<string, string> };
  creationDate: string;
}

interface StoreFile {
  formatVersion: 1;
  keys: StoredKey[];
  aliases: StoredAlias[];
  materials: Record<string, StoredMaterial[]>;
  /** Absent in files written before grants existed. */
  grants?: StoredGrant[];
}

export interface LocalKmsStoreOptions {
  /** JSON file to load keys from (if it exists) and save them to after every change. @default - memory only */
  readonly path?: string;
  /**
   * How many CloudTrail events to keep; the oldest are dropped first, so a long-running process does
   * not grow without bound. @default 10000
   */
  readonly maxEvents?: number;
}

/** Default number of CloudTrail events a LocalKmsStore keeps. */
export const DEFAULT_MAX_LOCAL_KMS_EVENTS = 10_000;

export class LocalKmsStore {
  public readonly path?: string;
  public readonly materials: Record<string, StoredMaterial[]> = {};
  /** CloudTrail events of calls through this store (kept in memory only). */
  public readonly events: CloudTrailEvent[] = [];
  private readonly keys = new Map<string, StoredKey>();
  private readonly aliases = new Map<string, StoredAlias>();
  private readonly grants = new Map<string, StoredGrant>();

  public readonly maxEvents: number;

  constructor(options: LocalKmsStoreOptions = {}) {
    this.path = options.path;
    const maxEvents = options.maxEvents ?? DEFAULT_MAX_LOCAL_KMS_EVENTS;
    if (!Number.isInteger(maxEvents) || maxEvents < 0) {
      throw new ConfigurationError(`maxEvents must be a whole number of events, 0 or more; received ${maxEvents}.`);
    }
    this.maxEvents = maxEvents;
    if (this.path && fs.existsSync(this.path)) this.load(this.path);
  }

  /** Records one CloudTrail event, dropping the oldest beyond `maxEvents`. */
  public recordEvent(event: CloudTrailEvent): void {
    if (this.maxEvents === 0) return;
    this.events.push(event);
    if (this.events.length > this.maxEvents) this.events.splice(0, this.events.length - this.maxEvents);
  }

  public getKey(region: string, keyId: string): StoredKey | undefined {
    return this.keys.get(`${region}/${keyId}`);
  }
  public putKey(key: StoredKey): void {
    this.keys.set(`${key.region}/${key.keyId}`, key);
  }
  public deleteKey(region: string, keyId: string): void {
    const key = this.getKey(region, keyId);
    this.keys.delete(`${region}/${keyId}`);
    for (const g of this.grantsOfKey(region, keyId)) this.grants.delete(g.grantId);
    // Drop the material once no key (primary or replica) uses it any more.
    if (key && ![...this.keys.values()].some((k) => k.materialId === key.materialId)) {
      for (const m of this.materials[key.materialId] ?? []) {
        m.secret = undefined;
        m.privateKeyDer = undefined;
      }
      delete this.materials[key.materialId];
    }
  }
  public keysInRegion(region: string): StoredKey[] {
    return [...this.keys.values()].filter((k) => k.region === region);
  }
  public keysWithId(keyId: string): StoredKey[] {
    return [...this.keys.values()].filter((k) => k.keyId === keyId);
  }
  public getAlias(region: string, name: string): StoredAlias | undefined {
    return this.aliases.get(`${region}/${name}`);
  }
  public putAlias(alias: StoredAlias): void {
    this.aliases.set(`${alias.region}/${alias.aliasName}`, alias);
  }
  public deleteAlias(region: string, name: string): boolean {
    return this.aliases.delete(`${region}/${name}`);
  }
  public aliasesInRegion(region: string): StoredAlias[] {
    return [...this.aliases.values()].filter((a) => a.region === region);
  }
  public putGrant(grant: StoredGrant): void {
    this.grants.set(grant.grantId, grant);
  }
  public deleteGrant(grantId: string): boolean {
    return this.grants.delete(grantId);
  }
  /** Grants on one key (by region and key id), oldest first. */
  public grantsOfKey(region: string, keyId: string): StoredGrant[] {
    return [...this.grants.values()].filter((g) => g.region === region && g.keyId === keyId);
  }
  public allGrants(): StoredGrant[] {
    return [...this.grants.values()];
  }

  /**
   * Writes the store file atomically: a new temp file next to it, then rename. The temp name is
   * random and opened with O_CREAT|O_EXCL (`wx`), so a file or symlink planted at a guessable name
   * cannot redirect the key material elsewhere. No-op for in-memory stores.
   */
  public save(): void {
    if (!this.path) return;
    const data: StoreFile = {
      formatVersion: 1,
      keys: [...this.keys.values()],
      aliases: [...this.aliases.values()],
      materials: this.materials,
      grants: [...this.grants.values()],
    };
    fs.mkdirSync(path.dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${crypto.randomBytes(12).toString('hex')}.tmp`;
    const fd = fs.openSync(tmp, 'wx', 0o600);
    try {
      fs.writeFileSync(fd, JSON.stringify(data, null, 2));
    } catch (e) {
      fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
      throw e;
    }
    fs.closeSync(fd);
    fs.renameSync(tmp, this.path);
  }

  private load(file: string): void {
    let data: StoreFile;
    try {
      data = JSON.parse(fs.readFileSync(file, 'utf8')) as StoreFile;
    } catch (e) {
      throw new Error(`LocalKms key store ${file} is not valid JSON (${(e as Error).message}). Fix or delete the file.`);
    }
    if (data.formatVersion !== 1 || !Array.isArray(data.keys) || !Array.isArray(data.aliases) || typeof data.materials !== 'object') {
      throw new Error(`LocalKms key store ${file} has an unknown format (formatVersion ${String(data.formatVersion)}; expected 1). Delete it to start afresh.`);
    }
    for (const k of data.keys) this.putKey(k);
    for (const a of data.aliases) this.putAlias(a);
    Object.assign(this.materials, data.materials);
    for (const g of Array.isArray(data.grants) ? data.grants : []) this.putGrant(g);
  }
}
