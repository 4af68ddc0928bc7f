/** Builders shared by the KeyAudit tests. */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';
import { KeyAudit, KeyAuditOptions, SecureKey } from '../../src';
import { ComplianceRecord, complianceRecordsOf } from '../../src/private/compliance';
import { envFor, resolveIntrinsics } from '../support/cfn-intrinsics';
import { newStack } from '../support/secure-key-fixtures';

export const TRAIL_NAME = 'audit-trail';
export const LOG_GROUP_NAME = '/audit/trail';

/** A stack with one audited SecureKey (fixed trail and log group names, one subscriber). */
export function auditedKeyStack(audit: KeyAuditOptions = {}): { stack: Stack; key: SecureKey; audit: KeyAudit } {
  const stack = newStack();
  const key = new SecureKey(stack, 'Data', { audit: { trailName: TRAIL_NAME, logGroupName: LOG_GROUP_NAME, alarmEmails: ['security@example.com'], ...audit } });
  return { stack, key, audit: key.audit! };
}

export type Resources = Record<string, { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] }>;

/** The template with intrinsics resolved to placeholder strings (ARNs of this app become readable). */
export function resolvedResources(stack: Stack): Resources {
  const tpl = Template.fromStack(stack).toJSON();
  return (resolveIntrinsics(tpl, envFor(tpl)) as { Resources: Resources }).Resources;
}

export function resourcesOfType(stack: Stack | Resources, type: string): Array<{ id: string; props: Record<string, unknown>; dependsOn: string[] }> {
  const resources = stack instanceof Stack ? resolvedResources(stack) : stack;
  return Object.entries(resources).filter(([, r]) => r.Type === type)
    .map(([id, r]) => ({ id, props: r.Properties, dependsOn: r.DependsOn ?? [] }));
}

export function complianceRecords(scope: IConstruct): ComplianceRecord[] {
  return complianceRecordsOf(scope);
}
