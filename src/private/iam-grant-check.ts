/**
 * Every IAM statement of the app that allows KMS actions on a SecureKey (its ARN, or `*`) must be
 * honoured by the key's policy: KMS needs both, and an IAM-only grant is a silent denial at run time.
 * CDK writes such statements when a grant cannot reach the key policy (`kms.KeyGrants.fromKey(key)` with
 * `@aws-cdk/aws-kms:defaultKeyPolicies`, L1 `*Grants.from*`, `role.addToPolicy`). Statements on the key's
 * ARN that the key policy does not honour fail synth; statements on `*` warn (they may be meant for other keys).
 */
import {
  CfnResource, DefaultTokenResolver, IPostProcessor, IResolvable, IResolveContext, Reference, Stack, StringConcat, Token, Tokenization,
} from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { ALL_KEY_ACTIONS } from './actions';
import { keyPolicyAllows } from './policy-evaluation';
import { constructPathOf } from './references';
import { expandActions } from '../key-policy';

/** The key's ARN as the checks write it: in the key's account, so the engine sees a same-account request. */
function keyMarker(account: string): string {
  return `arn:aws:kms:region:${account}:key/secure-key-under-check`;
}
const IDENTITY_TYPES = ['AWS::IAM::Role', 'AWS::IAM::User'];

/** Resolves a value, writing the key's ARN as its marker and identities' ARNs as comparable strings. */
class MarkingResolver extends DefaultTokenResolver {
  constructor(private readonly keyResource: CfnResource, private readonly account: string, private readonly region: string) {
    super(new StringConcat());
  }

  public resolveToken(t: IResolvable, context: IResolveContext, postProcessor: IPostProcessor): unknown {
    if (Reference.isReference(t) && CfnResource.isCfnResource(t.target)) {
      if (t.target === this.keyResource && t.displayName === 'Arn') return keyMarker(this.account);
      if (IDENTITY_TYPES.includes(t.target.cfnResourceType) && t.displayName === 'Arn') return identityArn(t.target, this.account);
    }
    // Pseudo parameters become strings here, so strings that embed them stay strings.
    const resolved = super.resolveToken(t, context, postProcessor);
    if (resolved !== null && typeof resolved === 'object' && !Array.isArray(resolved)) {
      const ref = (resolved as Record<string, unknown>).Ref;
      if (ref === 'AWS::Partition') return 'aws';
      if (ref === 'AWS::AccountId') return this.account;
      if (ref === 'AWS::Region') return this.region;
      if (ref === 'AWS::URLSuffix') return 'amazonaws.com';
    }
    return resolved;
  }
}

/** A comparable ARN for a role or user of the app: its real ARN when it has a literal name. */
export function identityArn(identity: CfnResource, account: string): string {
  const stack = Stack.of(identity);
  const isRole = identity.cfnResourceType === 'AWS::IAM::Role';
  const props = stack.resolve((identity as unknown as Record<string, unknown>)[isRole ? 'roleName' : 'userName']);
  const path = stack.resolve((identity as unknown as Record<string, unknown>).path);
  const name = typeof props === 'string' ? props : `generated-${constructPathOf(identity).replace(/[^\w+=,.@-]/g, '-')}`;
  return `arn:aws:iam::${account}:${isRole ? 'role' : 'user'}${typeof path === 'string' ? path : '/'}${name}`;
}

/** Pseudo parameters and joins as plain strings (partition `aws`), anything else as an opaque string. */
function flatten(value: unknown, account: string, region: string): unknown {
  if (Array.isArray(value)) return value.map((v) => flatten(v, account, region));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [fn, arg] = entries[0];
    if (fn === 'Ref' && arg === 'AWS::Partition') return 'aws';
    if (fn === 'Ref' && arg === 'AWS::AccountId') return account;
    if (fn === 'Ref' && arg === 'AWS::Region') return region;
    if (fn === 'Ref' && arg === 'AWS::URLSuffix') return 'amazonaws.com';
    if (fn === 'Fn::Join' && Array.isArray(arg)) {
      const parts = (arg[1] as unknown[]).map((v) => flatten(v, account, region));
      return parts.every((p) => typeof p === 'string') ? parts.join(String(arg[0])) : JSON.stringify(value);
    }
    if (fn === 'Ref' || fn.startsWith('Fn::')) return JSON.stringify(value);
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, flatten(v, account, region)]));
}

interface IamStatement {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly Resource?: string | string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
}

function asArray<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** The policy documents of an IAM resource and the identities they apply to. */
function documentsOf(resource: CfnResource): { documents: unknown[]; identities: unknown[] } {
  const r = resource as unknown as Record<string, unknown>;
  switch (resource.cfnResourceType) {
    case 'AWS::IAM::Policy':
    case 'AWS::IAM::ManagedPolicy':
      // The role and user lists may be list tokens: resolved whole, never element by element.
      return { documents: [r.policyDocument], identities: [r.roles, r.users].filter((v) => v !== undefined) };
    case 'AWS::IAM::Role':
    case 'AWS::IAM::User':
      return {
        documents: asArray(r.policies as Array<{ policyDocument: unknown }> | undefined).map((p) => p.policyDocument),
        identities: [resource],
      };
    default:
      return { documents: [], identities: [] };
  }
}

/** The identities (roles, users of the app) a list of role/user references or constructs names. */
function identityResources(stack: Stack, identities: unknown[]): CfnResource[] {
  const out: CfnResource[] = [];
  for (const identity of identities) {
    if (CfnResource.isCfnResource(identity)) {
      out.push(identity);
      continue;
    }
    const found: CfnResource[] = [];
    const resolver = new (class extends DefaultTokenResolver {
      public resolveToken(t: IResolvable, c: IResolveContext, p: IPostProcessor): unknown {
        if (Reference.isReference(t) && CfnResource.isCfnResource(t.target) && IDENTITY_TYPES.includes(t.target.cfnResourceType)) {
          found.push(t.target);
        }
        return super.resolveToken(t, c, p);
      }
    })(new StringConcat());
    Tokenization.resolve(identity, { scope: stack, resolver });
    out.push(...found);
  }
  return [...new Set(out)];
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
  supported: ReadonlySet<string>): UnhonouredGrants {
  const keyStack = Stack.of(keyResource);
  const account = Token.isUnresolved(keyStack.account) ? '000000000000' : keyStack.account;
  const region = Token.isUnresolved(keyStack.region) ? 'region' : keyStack.region;
  const resolveIn = (scope: Stack, v: unknown) =>
    flatten(Tokenization.resolve(v, { scope, resolver: new MarkingResolver(keyResource, account, region) }), account, region);
  const resolveInKeyStack = (v: unknown) => resolveIn(keyStack, v);
  const KEY_MARKER = keyMarker(account);
  // Only the Allow statements: a grant no Allow honours is a silent denial; a Deny (a guardrail such as an
  // organization or network perimeter) is a restriction the key's owner wrote on purpose.
  const resolved = withoutUnmodelledKeys(resolveInKeyStack(keyPolicy)) as { Statement?: Array<{ Effect?: string }> };
  const policy = { ...resolved, Statement: (resolved.Statement ?? []).filter((st) => st.Effect !== 'Deny') };
  const viaServices = [...new Set([...JSON.stringify(policy).matchAll(/"kms:ViaService":\[?((?:"[^"]*",?)+)/gi)]
    .flatMap((m) => [...m[1].matchAll(/"([^"]*)"/g)].map((v) => v[1])))];
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const c of root.node.findAll()) {
    if (!CfnResource.isCfnResource(c) || !['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::Role', 'AWS::IAM::User'].includes(c.cfnResourceType)) continue;
    const { documents, identities } = documentsOf(c);
    if (documents.length === 0) continue;
    const stack = Stack.of(c);
    const principals = identityResources(stack, identities);
    for (const document of documents) {
      const doc = resolveIn(stack, document) as { Statement?: IamStatement[] } | undefined;
      for (const statement of doc?.Statement ?? []) {
        if (statement.Effect !== 'Allow') continue;
        const resources = asArray(statement.Resource);
        const onKey = resources.includes(KEY_MARKER);
        if (!onKey && !resources.includes('*')) continue;
        const actions = asArray(statement.Action).filter((a) => typeof a === 'string' && a.toLowerCase().startsWith('kms:'));
        if (actions.length === 0) continue;
        // Wildcards read as the library reads them (kms:GenerateDataKey* is not the pair actions).
        // Actions this key cannot perform at all (GetPublicKey on a symmetric key) are nobody's to honour.
        const exact = expandActions(actions.includes('kms:*') ? ALL_KEY_ACTIONS : actions).filter((a) => !/[*?]/.test(a) && supported.has(a));
        for (const principal of principals) {
          const principalArn = identityArn(principal, account);
          const iamStatements = [withoutUnmodelledKeys({ ...statement, Resource: KEY_MARKER })];
          const requests = candidateRequests(requestFor(statement), viaServices);
          const denied = exact.filter((action) => requests.every((request) =>
            keyPolicyAllows({
              keyPolicy: policy, keyArn: KEY_MARKER, principalArn, account, iamStatements, request: { ...request, action },
            }) === false));
          if (denied.length === 0) continue;
          const where = `${constructPathOf(c)}${c.cfnResourceType === 'AWS::IAM::Role' || c.cfnResourceType === 'AWS::IAM::User' ? ' (inline policy)' : ''}`;
          const text = `${subject}: the IAM policy ${where} allows ${constructPathOf(principal)} ${denied.join(', ')} on ${onKey ? 'this key' : '"*"'}, `
            + 'but the key policy does not, so KMS would deny it at run time. Grant through the key (key.grantDecrypt(...), key.grant(principal, ...actions), '
            + 'kms.KeyGrants.fromKey(key, false) or key.grants), which writes both halves';
          if (onKey) errors.push(`${text}.`);
          else warnings.push(`${text}; or, if the statement is meant for other keys, acknowledge this warning.`);
        }
      }
    }
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
