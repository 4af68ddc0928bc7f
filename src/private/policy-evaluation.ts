/**
 * The one place SecureKey's synth checks ask "does this key policy let this principal do this": today
 * the offline evaluator in access/evaluator.ts. Everything else calls `keyPolicyAllows`.
 */
import { authorize, Caller, KmsRequest, PolicyJson, Statement } from './access/evaluator';

/** A principal with its IAM statements on the key, and the request it would make. */
export interface EvaluationInput {
  readonly keyPolicy: unknown;
  readonly keyArn: string;
  readonly principalArn: string;
  readonly account: string;
  readonly iamStatements: unknown[];
  readonly request: KmsRequest;
}

/** true: allowed; false: denied; undefined: the policy uses something the evaluator cannot judge. */
export function keyPolicyAllows(input: EvaluationInput): boolean | undefined {
  const caller: Caller = {
    label: input.principalArn, arn: input.principalArn, account: input.account, iamStatements: input.iamStatements as Statement[],
  };
  try {
    return authorize(input.keyPolicy as PolicyJson, input.keyArn, caller, input.request) === 'allowed';
  } catch {
    return undefined;
  }
}
