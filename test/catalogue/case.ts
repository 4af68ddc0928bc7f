/**
 * What a catalogue case is: one small app that uses one AWS service's usual CDK construct with a SecureKey,
 * as a user would write it from the README, and the KMS requests that prove the service (or the principal
 * through it) can do what it needs, and no more.
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SecureKey } from '../../src';
import { KmsRequest, Statement } from '../support/kms-access';

export const ACCOUNT = '111111111111';
export const OTHER_ACCOUNT = '222222222222';
export const REGION = 'us-east-1';

/** Who makes a request in a proof. */
export type Who =
  /** A role of the app: its IAM policies are read from the template. */
  | { readonly kind: 'role'; readonly label: string; readonly role: iam.IRole }
  /** An AWS service principal (`logs.us-east-1.amazonaws.com`). */
  | { readonly kind: 'service'; readonly label: string; readonly service: string }
  /** An IAM principal outside the app (CloudFormation's role, a service-linked role), with its IAM statements. */
  | { readonly kind: 'principal'; readonly label: string; readonly arn: string; readonly account: string; readonly iamStatements: Statement[] };

/** One KMS request and the answer KMS must give. String values may be CDK tokens of the case's stack. */
export interface AccessProof {
  /** The key asked: a replica of the case's key (its policy in its own stack and Region); default the case's key. */
  readonly key?: kms.IKey;
  readonly who: Who;
  readonly request: KmsRequest;
  readonly expect: 'allowed' | 'denied';
}

export interface CaseApp {
  /**
   * The SecureKey under test; its key policy is measured and evaluated. The case may put the service's
   * resources in stacks of its own (`new Stack(stack.node.scope, ...)`): every stack of the app is checked.
   */
  readonly key: SecureKey;
  readonly proofs: AccessProof[];
}

export interface CatalogueCase {
  /** Stable id, used in test names, KNOWN_GAPS and docs/services.md. */
  readonly id: string;
  /** The service as the table names it. */
  readonly service: string;
  /** The CDK construct(s) the case uses. */
  readonly construct: string;
  /** What the user writes beyond `encryptionKey: key` (markdown), or 'nothing'. */
  readonly userMust: string;
  /** Context for the App beyond the flags `cdk init` writes. */
  readonly context?: Record<string, unknown>;
  build(stack: Stack): CaseApp;
}

// ---- Principals used by many proofs ----

export function role(label: string, r: iam.IRole): Who {
  return { kind: 'role', label, role: r };
}

export function service(name: string): Who {
  return { kind: 'service', label: name, service: name };
}

/** CloudFormation's execution role (cdk bootstrap gives it AdministratorAccess): what deploys the resources. */
export const DEPLOY_ROLE: Who = {
  kind: 'principal',
  label: 'CloudFormation execution role',
  arn: `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-${REGION}`,
  account: ACCOUNT,
  iamStatements: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};

/** A principal of the account with `kms:*` in IAM that the app never named. */
export const OTHER_PRINCIPAL: Who = {
  kind: 'principal',
  label: 'other IAM principal with kms:*',
  arn: `arn:aws:iam::${ACCOUNT}:role/SomeOtherRole`,
  account: ACCOUNT,
  iamStatements: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }],
};

/** `<service>.<region>.amazonaws.com`, the kms:ViaService value of a service. */
export function via(name: string, region: string = REGION): string {
  return `${name}.${region}.amazonaws.com`;
}
