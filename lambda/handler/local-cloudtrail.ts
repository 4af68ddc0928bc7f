/**
 * A LookupEvents-compatible client over LocalKms's CloudTrail records, so the usage report works
 * offline (the demo, local runs, tests).
 */
import type { CloudTrailLookupClient } from '../usage-report/lookup';

/** What `localCloudTrail` reads: `LocalKms#cloudTrailEvents()`. */
export interface CloudTrailEventSource {
  cloudTrailEvents(): ReadonlyArray<LocalCloudTrailRecord>;
}

/** The fields of a LocalKms CloudTrail record that LookupEvents answers with. */
export interface LocalCloudTrailRecord {
  readonly eventID: string;
  readonly eventName: string;
  readonly eventTime: string;
  readonly eventSource: string;
  readonly readOnly: boolean;
  readonly resources: ReadonlyArray<{ readonly ARN: string; readonly type: string }>;
  readonly userIdentity: { readonly userName?: string; readonly arn?: string };
}

/**
 * A LookupEvents-compatible client over LocalKms's CloudTrail records, so `usageReport` works offline:
 * filters by the lookup attribute and window, newest first, 50 per page with NextToken.
 */
export function localCloudTrail(source: CloudTrailEventSource): CloudTrailLookupClient {
  return {
    send: async (command) => {
      const input = command.input;
      const attribute = input.LookupAttributes?.[0];
      const start = input.StartTime instanceof Date ? input.StartTime.getTime() : -Infinity;
      const end = input.EndTime instanceof Date ? input.EndTime.getTime() : Infinity;
      const matching = source.cloudTrailEvents()
        .filter((r) => {
          const t = Date.parse(r.eventTime);
          if (t < start || t > end) return false;
          if (attribute?.AttributeKey === 'ResourceName') return r.resources.some((res) => res.ARN === attribute.AttributeValue);
          if (attribute?.AttributeKey === 'EventSource') return r.eventSource === attribute.AttributeValue;
          return true;
        })
        .reverse();
      const pageSize = Math.min(input.MaxResults ?? 50, 50);
      const from = input.NextToken ? Number(input.NextToken) : 0;
      const page = matching.slice(from, from + pageSize);
      const next = from + pageSize < matching.length ? String(from + pageSize) : undefined;
      return {
        $metadata: { httpStatusCode: 200 },
        Events: page.map((r) => ({
          EventId: r.eventID,
          EventName: r.eventName,
          ReadOnly: String(r.readOnly),
          EventTime: new Date(r.eventTime),
          EventSource: r.eventSource,
          Username: r.userIdentity.userName ?? r.userIdentity.arn,
          Resources: r.resources.map((res) => ({ ResourceType: res.type, ResourceName: res.ARN })),
          CloudTrailEvent: JSON.stringify(r),
        })),
        ...(next ? { NextToken: next } : {}),
      };
    },
  };
}
