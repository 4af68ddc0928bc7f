/**
 * LocalKms grant operations: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant and
 * RevokeGrant. A grant lets its grantee perform its operations on the key (within its encryption
 * context constraints) when policies are enforced; see local-kms-grants.ts for the matching rules.
 */
import * as crypto from 'node:crypto';
import { LocalKmsCryptoOperations } from './local-kms-crypto';
import { err, validation } from './local-kms-errors';
import { checkGrantInput, constraintTypes, type GrantConstraints } from './local-kms-grants';
import type { StoredGrant } from './local-kms-store';

export interface KmsCreateGrantInput {
  KeyId: string | undefined;
  GranteePrincipal: string | undefined;
  RetiringPrincipal?: string;
  Operations: string[] | undefined;
  Constraints?: GrantConstraints;
  GrantTokens?: string[];
  Name?: string;
  DryRun?: boolean;
}
export interface KmsListGrantsInput {
  KeyId: string | undefined;
  GrantId?: string;
  GranteePrincipal?: string;
  Limit?: number;
  Marker?: string;
  GrantTokens?: string[];
}
export interface KmsRetireGrantInput { GrantToken?: string; KeyId?: string; GrantId?: string; DryRun?: boolean }
export interface KmsRevokeGrantInput { KeyId: string | undefined; GrantId: string | undefined; DryRun?: boolean }
export interface KmsGrantListEntry {
  KeyId: string;
  GrantId: string;
  Name?: string;
  CreationDate: Date;
  GranteePrincipal: string;
  RetiringPrincipal?: string;
  IssuingAccount: string;
  Operations: string[];
  Constraints?: GrantConstraints;
}

function samePrincipalText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
    throw validation(`${field} must be a principal ARN or service principal (1 to 256 characters).`);
  }
  return value;
}

export abstract class LocalKmsGrantOperations extends LocalKmsCryptoOperations {
  /** Creates a grant on a key. A Name makes the call idempotent: the same grant again returns the first. */
  public async createGrant(input: KmsCreateGrantInput): Promise<{ GrantToken: string; GrantId: string }> {
    return this.call('CreateGrant', input, false, (ctx) => {
      const grantee = samePrincipalText(input.GranteePrincipal, 'GranteePrincipal');
      const retiring = input.RetiringPrincipal === undefined ? undefined : samePrincipalText(input.RetiringPrincipal, 'RetiringPrincipal');
      const { operations, constraints } = checkGrantInput(input.Operations, input.Constraints);
      ctx.conditionContext = {
        ...ctx.conditionContext,
        'kms:GrantOperations': operations,
        'kms:GranteePrincipal': grantee,
        ...(retiring !== undefined ? { 'kms:RetiringPrincipal': retiring } : {}),
        ...(constraints ? { 'kms:GrantConstraintType': constraintTypes(constraints) } : {}),
      };
      const key = this.resolveKey(input.KeyId, ctx, { allowAlias: false });
      // A grantee that holds CreateGrant through a grant may grant no more than that grant allows.
      if (ctx.grant && !operations.every((op) => ctx.grant!.operations.includes(op))) {
        throw err('AccessDeniedException', `User: ${this.principal.arn} is not authorized to perform: kms:CreateGrant on resource: ${this.arnOf(key)} because its grant ${ctx.grant.grantId} does not include every operation requested (${operations.join(', ')}).`);
      }
      if (input.DryRun) throw err('DryRunOperationException', 'The request would have succeeded (DryRun).');
      const existing = input.Name === undefined ? undefined : this.store.grantsOfKey(key.region, key.keyId).find((g) =>
        g.name === input.Name && g.granteePrincipal === grantee && g.retiringPrincipal === retiring
        && JSON.stringify([...g.operations].sort()) === JSON.stringify([...operations].sort())
        && JSON.stringify(g.constraints ?? null) === JSON.stringify(constraints ?? null));
      const grant: StoredGrant = existing ?? {
        grantId: crypto.randomBytes(32).toString('hex'),
        grantToken: crypto.randomBytes(48).toString('base64url'),
        keyId: key.keyId,
        region: key.region,
        accountId: key.accountId,
        ...(input.Name !== undefined ? { name: input.Name } : {}),
        granteePrincipal: grantee,
        ...(retiring !== undefined ? { retiringPrincipal: retiring } : {}),
        issuingAccount: `arn:aws:iam::${this.principal.account}:root`,
        operations,
        ...(constraints ? { constraints } : {}),
        creationDate: this.clock().toISOString(),
      };
      if (!existing) {
        this.store.putGrant(grant);
        this.store.save();
      }
      ctx.responseElements = { grantId: grant.grantId };
      return { GrantToken: grant.grantToken, GrantId: grant.grantId };
    });
  }

  public async listGrants(input: KmsListGrantsInput): Promise<{ Grants: KmsGrantListEntry[]; Truncated: boolean }> {
    return this.call('ListGrants', input, true, (ctx) => {
      const key = this.resolveKey(input.KeyId, ctx);
      const grants = this.store.grantsOfKey(key.region, key.keyId)
        .filter((g) => input.GrantId === undefined || g.grantId === input.GrantId)
        .filter((g) => input.GranteePrincipal === undefined || g.granteePrincipal === input.GranteePrincipal);
      return { Grants: grants.map((g) => this.grantEntry(g)), Truncated: false };
    });
  }

  /** Grants in this region whose retiring principal is the given one (KMS authorizes this by IAM only; LocalKms does not check it). */
  public async listRetirableGrants(input: { RetiringPrincipal: string | undefined; Limit?: number; Marker?: string }): Promise<{
    Grants: KmsGrantListEntry[]; Truncated: boolean;
  }> {
    return this.call('ListRetirableGrants', input, true, () => {
      const principal = samePrincipalText(input.RetiringPrincipal, 'RetiringPrincipal');
      const grants = this.store.allGrants().filter((g) => g.region === this.region && g.retiringPrincipal === principal);
      return { Grants: grants.map((g) => this.grantEntry(g)), Truncated: false };
    });
  }

  /**
   * Retires a grant, named by its token or by key and grant id. As in KMS, no policy is consulted:
   * the retiring principal may retire it, and so may the grantee when the grant includes RetireGrant.
   */
  public async retireGrant(input: KmsRetireGrantInput): Promise<Record<string, never>> {
    return this.call('RetireGrant', input, false, (ctx) => {
      ctx.action = undefined;
      let grant: StoredGrant | undefined;
      if (input.GrantToken !== undefined) {
        grant = this.store.allGrants().find((g) => g.grantToken === input.GrantToken);
        if (!grant) throw err('InvalidGrantTokenException', 'The grant token is not the token of an existing grant.');
        this.resolveKey(grant.keyId, ctx, { allowAlias: false });
      } else {
        if (input.KeyId === undefined || input.GrantId === undefined) throw validation('RetireGrant needs GrantToken, or KeyId and GrantId.');
        const key = this.resolveKey(input.KeyId, ctx, { allowAlias: false });
        grant = this.store.grantsOfKey(key.region, key.keyId).find((g) => g.grantId === input.GrantId);
        if (!grant) throw err('InvalidGrantIdException', `Grant ${String(input.GrantId)} does not exist on ${this.arnOf(key)}.`);
      }
      if (this.enforcePolicies) {
        const me = this.principal.arn;
        const mayRetire = grant.retiringPrincipal === me || (grant.granteePrincipal === me && grant.operations.includes('RetireGrant'));
        if (!mayRetire) {
          throw err('AccessDeniedException', `User: ${me} is not authorized to perform: kms:RetireGrant on resource: arn:aws:kms:${grant.region}:${grant.accountId}:key/${grant.keyId} because it is neither the grant's retiring principal nor a grantee allowed RetireGrant`);
        }
      }
      if (input.DryRun) throw err('DryRunOperationException', 'The request would have succeeded (DryRun).');
      this.store.deleteGrant(grant.grantId);
      this.store.save();
      return {};
    });
  }

  public async revokeGrant(input: KmsRevokeGrantInput): Promise<Record<string, never>> {
    return this.call('RevokeGrant', input, false, (ctx) => {
      const key = this.resolveKey(input.KeyId, ctx, { allowAlias: false });
      const grant = this.store.grantsOfKey(key.region, key.keyId).find((g) => g.grantId === input.GrantId);
      if (!grant) throw err('InvalidGrantIdException', `Grant ${String(input.GrantId)} does not exist on ${this.arnOf(key)}.`);
      if (input.DryRun) throw err('DryRunOperationException', 'The request would have succeeded (DryRun).');
      this.store.deleteGrant(grant.grantId);
      this.store.save();
      return {};
    });
  }

  private grantEntry(g: StoredGrant): KmsGrantListEntry {
    return {
      KeyId: `arn:aws:kms:${g.region}:${g.accountId}:key/${g.keyId}`,
      GrantId: g.grantId,
      ...(g.name !== undefined ? { Name: g.name } : {}),
      CreationDate: new Date(g.creationDate),
      GranteePrincipal: g.granteePrincipal,
      ...(g.retiringPrincipal !== undefined ? { RetiringPrincipal: g.retiringPrincipal } : {}),
      IssuingAccount: g.issuingAccount,
      Operations: [...g.operations],
      ...(g.constraints ? { Constraints: structuredClone(g.constraints) } : {}),
    };
  }
}
