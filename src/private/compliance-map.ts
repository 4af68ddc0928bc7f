/**
 * The compliance map: every record constructs placed with `recordCompliance`, grouped by control id,
 * written into the stack template's Metadata (`cdk-secure-key:compliance`) so it ships beside the
 * resources it describes. An auditor reads: control -> status -> which construct, which setting, why.
 */
import { CfnResource, Lazy, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { COMPLIANCE_METADATA_KEY, ComplianceRecord, complianceRecordsOf } from './compliance';

export interface ComplianceEvidenceJson {
  readonly constructPath: string;
  /** Logical ID of the construct's CloudFormation resource, when it has one. */
  readonly logicalId?: string;
  readonly status: ComplianceRecord['status'];
  readonly setting: string;
  readonly evidence: string;
}

export interface ComplianceControlJson {
  /** `<framework> <control>`, e.g. `AWS Security Hub KMS.4`. */
  readonly id: string;
  readonly framework: string;
  readonly control: string;
  /** `not-satisfied` if any construct does not satisfy it, else `satisfied` if any does, else `not-applicable`. */
  readonly status: ComplianceRecord['status'];
  readonly evidence: ComplianceEvidenceJson[];
}

export interface ComplianceMapJson {
  readonly schemaVersion: '1';
  readonly controls: ComplianceControlJson[];
}

/** Collects every record under `scope` (its whole subtree), grouped and sorted by control id. */
export function complianceMap(scope: IConstruct): ComplianceMapJson {
  const byId = new Map<string, { framework: string; control: string; evidence: ComplianceEvidenceJson[] }>();
  for (const c of scope.node.findAll()) {
    const records = complianceRecordsOf(c);
    if (records.length === 0) continue;
    const child = c.node.defaultChild;
    const logicalId = child && CfnResource.isCfnResource(child) ? Stack.of(child).resolve(child.logicalId) as string : undefined;
    const constructPath = c.node.path;
    for (const r of records) {
      const id = `${r.framework} ${r.control}`;
      const entry = byId.get(id) ?? { framework: r.framework, control: r.control, evidence: [] };
      // Literal objects (not a spread of the place): the same keys in the same order, built without copying.
      entry.evidence.push(logicalId
        ? { constructPath, logicalId, status: r.status, setting: r.setting, evidence: r.evidence }
        : { constructPath, status: r.status, setting: r.setting, evidence: r.evidence });
      byId.set(id, entry);
    }
  }
  const controls = [...byId.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([id, e]): ComplianceControlJson => ({
    id,
    framework: e.framework,
    control: e.control,
    status: e.evidence.some((x) => x.status === 'not-satisfied') ? 'not-satisfied'
      : e.evidence.some((x) => x.status === 'satisfied') ? 'satisfied' : 'not-applicable',
    evidence: e.evidence,
  }));
  return { schemaVersion: '1', controls };
}

const EMITTING = new WeakSet<Stack>();

/** Makes the stack's template carry the compliance map of the stack in its Metadata (once per stack). */
export function emitComplianceMap(stack: Stack): void {
  if (EMITTING.has(stack)) return;
  EMITTING.add(stack);
  stack.templateOptions.metadata = {
    ...(stack.templateOptions.metadata ?? {}),
    [COMPLIANCE_METADATA_KEY]: Lazy.any({ produce: () => complianceMap(stack) }),
  };
}
