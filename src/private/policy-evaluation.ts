/**
 * The one place SecureKey's synth checks ask "does this key policy let this principal do this": today
 * the offline evaluator in access/evaluator.ts. Everything else calls `keyPolicyAllows`.
 */
import { authorize, authorizeParsed, Caller, KmsRequest, parseKeyPolicy, PolicyJson, Statement } from './access/evaluator';

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

/**
 * `keyPolicyAllows` for many requests against one key policy, which it parses once (the IAM grant check asks
 * it for every action, request and principal of a grant). An `iamStatements` list must not change between calls.
 */
export function keyPolicyEvaluator(keyPolicy: unknown): (input: Omit<EvaluationInput, 'keyPolicy'>) => boolean | undefined {
  let parsed: ReturnType<typeof parseKeyPolicy> | undefined;
  try {
    parsed = parseKeyPolicy(keyPolicy as PolicyJson);
  } catch {
    parsed = undefined;
  }
  // The callers' IAM statements, parsed once per list (the check passes the same list for every action and request).
  const iamParsed = new Map<unknown[], ReturnType<typeof parseKeyPolicy>>();
  return (input) => {
    // A policy the engine cannot parse: undefined for every request, as keyPolicyAllows answers.
    if (parsed === undefined) return undefined;
    const caller: Caller = {
      label: input.principalArn, arn: input.principalArn, account: input.account, iamStatements: input.iamStatements as Statement[],
    };
    try {
      let iam = iamParsed.get(input.iamStatements);
      if (!iam) iamParsed.set(input.iamStatements, iam = parseKeyPolicy(caller.iamStatements));
      return authorizeParsed(parsed, input.keyArn, caller, input.request, iam) === 'allowed';
    } catch {
      return undefined;
    }
  };
}
