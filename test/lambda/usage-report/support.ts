import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Event, LookupEventsCommand, LookupEventsCommandInput, LookupEventsCommandOutput } from '@aws-sdk/client-cloudtrail';
import type { CloudTrailLookupClient } from '../../../lambda/usage-report/lookup';
import type { CloudTrailRecord, LookupEventsItem } from '../../../lambda/usage-report/records';

export interface Fixture {
  readonly keyArn: string;
  readonly otherKeyArn: string;
  readonly records: CloudTrailRecord[];
}

export function loadFixture(): Fixture {
  return JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'kms-key-usage.json'), 'utf8')) as Fixture;
}

/** Wraps a CloudTrail record the way LookupEvents returns it. */
export function asLookupItem(record: CloudTrailRecord): LookupEventsItem {
  return {
    EventId: record.eventID,
    EventName: record.eventName,
    ReadOnly: String(record.readOnly ?? true),
    EventTime: new Date(record.eventTime!),
    EventSource: record.eventSource,
    Username: record.userIdentity?.userName ?? record.userIdentity?.sessionContext?.sessionIssuer?.userName,
    Resources: (record.resources ?? []).map((r) => ({ ResourceType: r.type, ResourceName: r.ARN })),
    CloudTrailEvent: JSON.stringify(record),
  };
}

/** A clock and sleep that advance together, so nothing really waits. */
export class FakeTime {
  public t = 1_747_735_200_000; // 2025-05-20T10:00:00Z
  public readonly sleeps: number[] = [];
  public readonly now = (): number => this.t;
  public readonly sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.t += ms;
  };
}

export type Step = Partial<LookupEventsCommandOutput> | Error;

/** A CloudTrail double: answers each send with the next scripted page or error. */
export class ScriptedCloudTrail implements CloudTrailLookupClient {
  public readonly inputs: LookupEventsCommandInput[] = [];
  public readonly sentAt: number[] = [];
  constructor(private readonly steps: Step[], private readonly time: FakeTime) {}
  public async send(command: LookupEventsCommand): Promise<LookupEventsCommandOutput> {
    this.inputs.push(command.input);
    this.sentAt.push(this.time.now());
    const step = this.steps.shift();
    if (step === undefined) throw new Error('ScriptedCloudTrail: no more scripted responses');
    if (step instanceof Error) throw step;
    return { $metadata: { httpStatusCode: 200 }, ...step };
  }
}

/** Splits items into LookupEvents pages of `size`, chained by NextToken `page-<n>`. */
export function paginate(items: LookupEventsItem[], size = 50): Step[] {
  const pages: Step[] = [];
  for (let i = 0; i < items.length || i === 0; i += size) {
    const n = pages.length + 1;
    const last = i + size >= items.length;
    pages.push({ Events: items.slice(i, i + size) as Event[], ...(last ? {} : { NextToken: `page-${n + 1}` }) });
  }
  return pages;
}
