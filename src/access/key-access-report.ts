import { CfnResource, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { accessReportMarkdown, AccessReportJson } from '../private/access/report';
import { keyReport } from '../private/analysis/template';
import { normalize, ResourceJson } from '../private/policy/json';

/** How a principal may perform one operation. */
export enum KeyAccess {
  /** The key policy (with the principal's IAM policy, where needed) allows it without conditions. */
  ALLOWED = 'allowed',
  /** Allowed only under conditions, listed with the cell. */
  CONDITIONAL = 'conditional',
  /** The key policy leaves it to IAM: allowed to the account's principals whose IAM policy allows it. */
  IAM = 'iam',
  /** Some of the operation's actions are allowed, some not (listed with the cell). */
  PARTIAL = 'partial',
  /** An explicit Deny without conditions. */
  DENIED = 'denied',
  /** Nothing allows it. */
  NONE = 'none',
}

/** What a row of the report stands for. */
export enum KeyAccessPrincipalKind {
  /** A wildcard principal (`*`). */
  EVERYONE = 'everyone',
  /** An account root: the account's IAM principals, as far as their IAM policies allow. */
  ACCOUNT = 'account',
  /** A named IAM principal (role, user, or another ARN). */
  AWS = 'aws',
  /** An AWS service principal. */
  SERVICE = 'service',
  /** Federated or canonical-user principals. */
  OTHER = 'other',
}

/** One cell of the report: a principal and an operation. */
export interface KeyAccessCell {
  /** The column label, e.g. `Decrypt` or `ListGrants / RevokeGrant`. */
  readonly operation: string;
  /** How the principal may perform it. */
  readonly access: KeyAccess;
  /**
   * Conditions, shown as written, never evaluated: for CONDITIONAL and IAM the alternatives any one of
   * which allows; `unless ...` for conditional Denies; for PARTIAL each action's access.
   */
  readonly conditions: string[];
}

/** One row of the report. */
export interface KeyAccessRow {
  /** The principal as the policy writes it; values known only at deploy time appear as `${...}`. */
  readonly principal: string;
  /** How the report names it (construct path for principals of the app). */
  readonly label: string;
  /** What the row stands for. */
  readonly kind: KeyAccessPrincipalKind;
  /** One cell per operation, in the order of `operations`. */
  readonly cells: KeyAccessCell[];
}

/**
 * Who can do what with a KMS key: rows of principals (with their conditions), columns of KMS operations,
 * from the key policy and the IAM policies of the principals in the key's stack. Explicit Deny wins;
 * conditions are shown, not guessed.
 *
 * Works for any KMS key of an app (a SecureKey, a `kms.Key`, a `CfnKey`). In a snapshot test:
 * `expect(KeyAccessReport.of(key).toMarkdown()).toMatchSnapshot()`.
 */
export class KeyAccessReport {
  /**
   * The report of a key construct as its stack stands now (call it after the app adds its grants).
   *
   * @param key a SecureKey, a `kms.Key`, or the `AWS::KMS::Key` / `AWS::KMS::ReplicaKey` resource itself
   */
  public static of(key: IConstruct): KeyAccessReport {
    const resource = keyResourceOf(key);
    const stack = Stack.of(resource);
    const labels: Record<string, string> = {};
    const resources: ResourceJson[] = [];
    for (const c of stack.node.findAll()) {
      if (!CfnResource.isCfnResource(c) || Stack.of(c) !== stack || !isReportInput(c, resource)) continue;
      const logicalId = stack.resolve(c.logicalId) as string;
      const cfn = stack.resolve(c._toCloudFormation()) as { Resources: Record<string, { Properties?: unknown }> };
      labels[logicalId] = c === resource ? key.node.path : (c.node.scope?.node.path ?? c.node.path);
      resources.push({
        logicalId,
        type: c.cfnResourceType,
        properties: normalize(cfn.Resources[logicalId]?.Properties ?? {}) as Record<string, unknown>,
      });
    }
    const keyJson = resources.find((r) => r.logicalId === stack.resolve(resource.logicalId))!;
    const account = Token.isUnresolved(stack.account) ? '${AWS::AccountId}' : stack.account;
    return new KeyAccessReport(keyReport(keyJson, resources, { account, labels }));
  }

  /**
   * The report of a key policy given as JSON text (a policy document, intrinsics allowed), with no app.
   *
   * @param keyPolicyJson the key policy document as JSON text
   * @param account the key's account ID, to recognise its root principal
   * @default account '${AWS::AccountId}'
   */
  public static fromKeyPolicyJson(keyPolicyJson: string, account?: string): KeyAccessReport {
    let policy: unknown;
    try {
      policy = JSON.parse(keyPolicyJson);
    } catch {
      throw new TypeError('KeyAccessReport.fromKeyPolicyJson: keyPolicyJson is not valid JSON; pass JSON.stringify(policyDocument).');
    }
    const key: ResourceJson = { logicalId: 'Key', type: 'AWS::KMS::Key', properties: { KeyPolicy: normalize(policy) } };
    return new KeyAccessReport(keyReport(key, [key], { account: account ?? '${AWS::AccountId}' }));
  }

  /** The key, by construct path (or logical ID). */
  public readonly key: string;
  /** Column labels, in order. */
  public readonly operations: string[];
  /** One row per principal. */
  public readonly rows: KeyAccessRow[];
  private readonly json: AccessReportJson;

  private constructor(json: AccessReportJson) {
    this.json = json;
    this.key = json.key;
    this.operations = json.operations.map((o) => o.label);
    this.rows = json.rows.map((r) => ({
      principal: r.principal,
      label: r.label,
      kind: r.kind as KeyAccessPrincipalKind,
      cells: r.cells.map((c) => ({ operation: c.operation, access: c.access as KeyAccess, conditions: [...c.conditions] })),
    }));
  }

  /** The access of one principal (by label or principal) to one operation (by column label). */
  public accessOf(principal: string, operation: string): KeyAccess {
    const row = this.rows.find((r) => r.label === principal || r.principal === principal);
    if (!row) throw new Error(`KeyAccessReport: no principal '${principal}' in the report of ${this.key}. Principals: ${this.rows.map((r) => r.label).join(', ')}.`);
    const cell = row.cells.find((c) => c.operation === operation);
    if (!cell) throw new Error(`KeyAccessReport: no operation '${operation}'. Operations: ${this.operations.join(', ')}.`);
    return cell.access;
  }

  /** A Markdown table (principals down, operations across) with numbered condition notes. */
  public toMarkdown(): string {
    return accessReportMarkdown(this.json);
  }

  /** The report as JSON text (stable key order, 2-space indent), including each column's exact actions. */
  public toJson(): string {
    return JSON.stringify(this.json, null, 2);
  }
}

const KEY_TYPES = ['AWS::KMS::Key', 'AWS::KMS::ReplicaKey'];
const IAM_TYPES = ['AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group', 'AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'];

function isReportInput(c: CfnResource, key: CfnResource): boolean {
  return c === key || IAM_TYPES.includes(c.cfnResourceType);
}

function keyResourceOf(key: IConstruct): CfnResource {
  if (CfnResource.isCfnResource(key) && KEY_TYPES.includes(key.cfnResourceType)) return key;
  const child = key.node.defaultChild;
  if (child && CfnResource.isCfnResource(child) && KEY_TYPES.includes(child.cfnResourceType)) return child;
  throw new TypeError(`KeyAccessReport.of: ${key.node.path} is not a KMS key. Pass a SecureKey, a kms.Key, or a CfnKey/CfnReplicaKey (an imported key has no key policy in the app).`);
}
