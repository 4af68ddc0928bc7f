/**
 * Every IAM statement of the app that allows KMS actions on a SecureKey (its ARN, or `*`) must be
 * honoured by the key's policy: KMS needs both, and an IAM-only grant is a silent denial at run time.
 * CDK writes such statements when a grant cannot reach the key policy (`kms.KeyGrants.fromKey(key)` with
 * `@aws-cdk/aws-kms:defaultKeyPolicies`, L1 `*Grants.from*`, `role.addToPolicy`). Statements on the key's
 * ARN that the key policy does not honour fail synth; statements on `*` warn (they may be meant for other keys).
 */
import { CfnResource, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { ALL_KEY_ACTIONS } from './actions';
import { asArray, iamSources, identityArn, keyMarker, resolveMarked, SharedIamDocuments } from './iam-documents';
import { keyPolicyEvaluator } from './policy-evaluation';
import { constructPathOf } from './references';
import { expandActions } from '../key-policy';

interface IamStatement {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly Resource?: string | string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** The problems: errors (grants on the key's ARN) and warnings (grants on `*`). */
export interface UnhonouredGrants {
  readonly errors: string[];
  readonly warnings: string[];
}

/**
 * The IAM statements of the app on `keyResource` (or `*`) that `keyPolicy` (resolved) does not honour,
 * for the actions in `supported` (those the key can perform). `subject` names the key in messages.
 */
export function unhonouredIamGrants(root: IConstruct, keyResource: CfnResource, keyPolicy: unknown, subject: string,
  supported: ReadonlySet<string>, shared?: (account: string, region: string) => SharedIamDocuments): UnhonouredGrants {
  const keyStack = Stack.of(keyResource);
  const account = Token.isUnresolved(keyStack.account) ? '000000000000' : keyStack.account;
  const region = Token.isUnresolved(keyStack.region) ? 'region' : keyStack.region;
  const resolveIn = (scope: Stack, v: unknown) =>
    resolveMarked(scope, v, (t) => (t === keyResource ? KEY_MARKER : undefined), account, region);
  const KEY_MARKER = keyMarker(account);
  // Only the Allow statements: a grant no Allow honours is a silent denial; a Deny (a guardrail such as an
  // organization or network perimeter) is a restriction the key's owner wrote on purpose.
  const resolved = withoutUnmodelledKeys(resolveIn(keyStack, keyPolicy)) as { Statement?: Array<{ Effect?: string }> };
  const policy = { ...resolved, Statement: (resolved.Statement ?? []).filter((st) => st.Effect !== 'Deny') };
  const viaServices = [...new Set([...JSON.stringify(policy).matchAll(/"kms:ViaService":\[?((?:"[^"]*",?)+)/gi)]
    .flatMap((m) => [...m[1].matchAll(/"([^"]*)"/g)].map((v) => v[1])))];
  const errors: string[] = [];
  const warnings: string[] = [];
  // The app's IAM documents, resolved once for all keys of a validation pass when one is open (iam-documents.ts).
  const documents = shared?.(account, region);
  const allows = documents?.evaluator(policy) ?? keyPolicyEvaluator(policy);
  const principalArn = (p: CfnResource) => documents?.identityArn(p) ?? identityArn(p, account);
  for (const source of documents?.sources ?? iamSources(root)) {
    const { resource: c, stack, principals } = source;
    source.documents.forEach((document, index) => {
      // Where the shared document holds this key's ARN, it holds its sentinel (view.keyArn) for the marker.
      const view = documents?.view(source, index, keyResource, KEY_MARKER);
      // A shared view lists only the statements on this key's ARN or `*`: the loop skips every other one.
      const statements = (view ? view.statements
        : (resolveIn(stack, document) as { Statement?: IamStatement[] } | undefined)?.Statement ?? []) as IamStatement[];
      for (const statement of statements) {
        if (statement.Effect !== 'Allow') continue;
        const resources = asArray(statement.Resource);
        const onKey = resources.includes(KEY_MARKER) || (view?.keyArn !== undefined && resources.includes(view.keyArn));
        if (!onKey && !resources.includes('*')) continue;
        const actions = asArray(statement.Action).filter((a) => typeof a === 'string' && a.toLowerCase().startsWith('kms:'));
        if (actions.length === 0) continue;
        // Wildcards read as the library reads them (kms:GenerateDataKey* is not the pair actions).
        // Actions this key cannot perform at all (GetPublicKey on a symmetric key) are nobody's to honour.
        const exact = expandActions(actions.includes('kms:*') ? ALL_KEY_ACTIONS : actions).filter((a) => !/[*?]/.test(a) && supported.has(a));
        for (const principal of principals) {
          const iamStatements = [withoutUnmodelledKeys({ ...statement, Resource: KEY_MARKER })];
          const requests = candidateRequests(requestFor(statement), viaServices);
          const arn = principalArn(principal);
          const deny = () => exact.filter((action) => requests.every((request) =>
            allows({ keyArn: KEY_MARKER, principalArn: arn, account, iamStatements, request: { ...request, action } }) === false));
          // Keys built alike ask the same question of the same shared evaluator: answered once per validation pass.
          const denied = documents ? documents.remember(allows, iamStatements, [KEY_MARKER, arn, account, requests, exact], deny) : deny();
          if (denied.length === 0) continue;
          const where = `${constructPathOf(c)}${c.cfnResourceType === 'AWS::IAM::Role' || c.cfnResourceType === 'AWS::IAM::User' ? ' (inline policy)' : ''}`;
          const text = `${subject}: the IAM policy ${where} allows ${constructPathOf(principal)} ${denied.join(', ')} on ${onKey ? 'this key' : '"*"'}, `
            + 'but the key policy does not, so KMS would deny it at run time. Grant through the key (key.grantDecrypt(...), key.grant(principal, ...actions), '
            + 'kms.KeyGrants.fromKey(key, false) or key.grants), which writes both halves';
          if (onKey) errors.push(`${text}.`);
          else warnings.push(`${text}; or, if the statement is meant for other keys, acknowledge this warning.`);
        }
      }
    });
  }
  return { errors, warnings };
}

/** Condition keys the evaluator models; the rest (kms:GrantConstraintType, ...) are taken as satisfiable. */
const MODELLED_KEYS = ['kms:calleraccount', 'aws:principalaccount', 'aws:principalarn', 'kms:viaservice', 'kms:grantisforawsresource',
  'aws:sourcearn', 'aws:sourceaccount', 'kms:encryptioncontextkeys'];

function withoutUnmodelledKeys<T>(value: T): T {
  const strip = (s: IamStatement): IamStatement => {
    if (!s.Condition) return s;
    const condition: Record<string, Record<string, unknown>> = {};
    for (const [operator, block] of Object.entries(s.Condition)) {
      const kept = Object.entries(block).filter(([k]) => MODELLED_KEYS.includes(k.toLowerCase()) || k.toLowerCase().startsWith('kms:encryptioncontext:'));
      if (kept.length > 0) condition[operator] = Object.fromEntries(kept);
    }
    return { ...s, Condition: condition };
  };
  const doc = value as unknown as { Statement?: IamStatement[] };
  if (Array.isArray(doc?.Statement)) return { ...doc, Statement: doc.Statement.map(strip) } as unknown as T;
  return strip(value as unknown as IamStatement) as unknown as T;
}

type Request = { viaService?: string; grantIsForAwsResource?: boolean; encryptionContext?: Record<string, string> };

/**
 * The requests under which a grant may be used: as its own conditions describe it, and through each
 * service the key policy names (a grant is honoured if the key policy allows it some way).
 */
function candidateRequests(base: Request, viaServices: string[]): Request[] {
  const out: Request[] = [base, { ...base, grantIsForAwsResource: true }];
  if (base.viaService === undefined) {
    for (const v of viaServices) out.push({ ...base, viaService: v }, { ...base, viaService: v, grantIsForAwsResource: true });
  }
  return out;
}

/** The request an IAM statement's conditions describe (its kms:ViaService, grant and context values). */
function requestFor(statement: IamStatement): { viaService?: string; grantIsForAwsResource?: boolean; encryptionContext?: Record<string, string> } {
  const out: { viaService?: string; grantIsForAwsResource?: boolean; encryptionContext?: Record<string, string> } = {};
  for (const [operator, block] of Object.entries(statement.Condition ?? {})) {
    for (const [key, value] of Object.entries(block)) {
      const first = asArray(value as unknown)[0];
      const k = key.toLowerCase();
      if (k === 'kms:encryptioncontextkeys' && operator.startsWith('ForAnyValue:')) {
        for (const name of asArray(value as unknown).filter((v): v is string => typeof v === 'string')) {
          out.encryptionContext = { [name]: 'value', ...(out.encryptionContext ?? {}) };
        }
      }
      if (k === 'kms:viaservice' && typeof first === 'string') out.viaService = first;
      if (k === 'kms:grantisforawsresource') out.grantIsForAwsResource = String(first) === 'true';
      if (k.startsWith('kms:encryptioncontext:') && typeof first === 'string') {
        out.encryptionContext = { ...(out.encryptionContext ?? {}), [key.slice('kms:EncryptionContext:'.length)]: first };
      }
    }
  }
  return out;
}
