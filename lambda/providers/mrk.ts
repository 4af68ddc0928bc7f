/**
 * KMS key identifiers and multi-Region key (MRK) matching, as the AWS Encryption SDK's MRK-aware
 * keyrings do: two identifiers of multi-Region keys match when they differ only in region.
 */

/** The parts of a KMS ARN (`arn:PARTITION:kms:REGION:ACCOUNT:key/ID` or `...:alias/NAME`). */
export interface KmsArn {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly resourceType: 'key' | 'alias';
  /** Key id (`1234abcd-...` or `mrk-...`) or alias name without the `alias/` prefix. */
  readonly resourceId: string;
}

/** Parses a KMS key or alias ARN; undefined when `value` is not one. */
export function parseKmsArn(value: string): KmsArn | undefined {
  const parts = value.split(':');
  if (parts.length !== 6 || parts[0] !== 'arn' || parts[2] !== 'kms') return undefined;
  const [, partition, , region, accountId, resource] = parts;
  const slash = resource.indexOf('/');
  if (!partition || !region || !accountId || slash <= 0) return undefined;
  const resourceType = resource.slice(0, slash);
  const resourceId = resource.slice(slash + 1);
  if ((resourceType !== 'key' && resourceType !== 'alias') || !resourceId) return undefined;
  return { partition, region, accountId, resourceType, resourceId };
}

export function formatKmsArn(arn: KmsArn): string {
  return `arn:${arn.partition}:kms:${arn.region}:${arn.accountId}:${arn.resourceType}/${arn.resourceId}`;
}

/** True for a multi-Region key id (`mrk-...`) or key ARN. Aliases are never MRK identifiers. */
export function isMultiRegionKeyIdentifier(identifier: string): boolean {
  const arn = parseKmsArn(identifier);
  if (arn) return arn.resourceType === 'key' && arn.resourceId.startsWith('mrk-');
  if (identifier.startsWith('alias/')) return false;
  return identifier.startsWith('mrk-');
}

/**
 * MRK match for decrypt: identical identifiers match; two multi-Region key ARNs match when
 * partition, account, resource type and id are equal (the region may differ).
 */
export function mrkMatch(a: string, b: string): boolean {
  if (a === b) return true;
  if (!isMultiRegionKeyIdentifier(a) || !isMultiRegionKeyIdentifier(b)) return false;
  const pa = parseKmsArn(a);
  const pb = parseKmsArn(b);
  if (!pa || !pb) {
    // A bare mrk- id matches an ARN with the same id in any region.
    return keyIdOf(a) === keyIdOf(b);
  }
  return pa.partition === pb.partition && pa.accountId === pb.accountId
    && pa.resourceType === pb.resourceType && pa.resourceId === pb.resourceId;
}

/** The key id of a key ARN or bare key id; the input unchanged for anything else. */
export function keyIdOf(identifier: string): string {
  const arn = parseKmsArn(identifier);
  return arn && arn.resourceType === 'key' ? arn.resourceId : identifier;
}

/** The same multi-Region key ARN in `region`; non-MRK identifiers are returned unchanged. */
export function mrkArnInRegion(identifier: string, region: string): string {
  const arn = parseKmsArn(identifier);
  if (!arn || !isMultiRegionKeyIdentifier(identifier)) return identifier;
  return formatKmsArn({ ...arn, region });
}
