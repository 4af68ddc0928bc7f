import { Annotations, CfnResource, IResolvable, Lazy, Resource, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as A from './actions';
import { keyPolicyPrincipal } from './cross-stack';
import { breakCycles, isAnalysing, StatementJson } from './cycle-breaker';
import { GrantStatement } from './grant-statement';
import { SharedIamDocuments } from './iam-documents';
import { unhonouredIamGrants } from './iam-grant-check';
import {
  expandActions, grantConditions, KeyGrantOptions, usageActions,
} from '../key-policy';
import { keyPolicyGuard } from './policy/guard';
import { budgetMessage, mergeStatements, policySize } from './policy-budget';
import { describeValue } from './principal-names';
import { StackDependencies } from './references';
import { scopeServiceStatement } from './service-scoping';
import { checkAlias, normalizeAlias, propError, SecureKeyConfigError } from './validation';
import { joinValidationPasses, validationPassMemo } from './validation-pass';

/** @internal */
export type GrantMethod = 'grantEncrypt' | 'grantDecrypt' | 'grantEncryptDecrypt' | 'grantGenerateDataKey' | 'grantSign'
  | 'grantVerify' | 'grantSignVerify' | 'grantGenerateMac' | 'grantVerifyMac' | 'grantAdmin';

const CONTEXT_ACTIONS = new Set([
  ...A.ENCRYPT_ACTIONS, ...A.DECRYPT_ACTIONS, ...A.GENERATE_DATA_KEY_ACTIONS, ...A.GENERATE_DATA_KEY_PAIR_ACTIONS,
  ...A.CREATE_GRANT_ACTIONS,
]);

/**
 * Every grant of a SecureKey-style key, implemented once. A grant writes the same actions and
 * conditions into the key policy (for this key, `Resource: '*'`) and, for identities that have
 * one, into the grantee's IAM policy (on the key ARN): the key policy is what lets the grantee in,
 * because the account's IAM alone is never allowed to grant use of the key.
 *
 * @internal
 */
export abstract class SecureKeyBase extends Resource implements kms.IKey {
  public abstract readonly keyArn: string;
  public abstract readonly keyId: string;
  /** The key spec; decides which actions a grant may hand out. */
  public abstract readonly keySpec: kms.KeySpec;
  /** The key usage; decides which actions a grant may hand out. */
  public abstract readonly keyUsage: kms.KeyUsage;
  protected abstract readonly policy: iam.PolicyDocument;

  public get keyRef(): kms.KeyReference {
    return { keyArn: this.keyArn, keyId: this.keyId };
  }

  private readonly aliasConstructs = new Map<string, kms.Alias>();

  /** Adds an alias (the `alias/` prefix is optional). */
  public addAlias(alias: string): kms.Alias {
    const name = normalizeAlias(alias);
    checkAlias(this.node.path, name);
    if (this.aliasConstructs.has(name)) {
      throw propError(this.node.path, 'aliases', 'contains a duplicate', name, `each alias once ('${name.slice(6)}' and '${name}' name the same alias)`);
    }
    const id = Token.isUnresolved(name) ? `Alias${this.aliasConstructs.size}` : `Alias${name.slice(6).replace(/[^A-Za-z0-9]/g, '')}${this.aliasConstructs.size}`;
    const created = new kms.Alias(this, id, { aliasName: name, targetKey: this });
    this.aliasConstructs.set(name, created);
    return created;
  }

  /** The key's alias names, `alias/` included. */
  public get aliasNames(): string[] {
    return [...this.aliasConstructs.keys()];
  }

  /**
   * Adds a statement to the key policy. SecureKey's checks (no unpinned wildcard principal,
   * nobody both manages and uses the key, someone can update the policy) run over it at synth.
   */
  public addToResourcePolicy(statement: iam.PolicyStatement, _allowNoOp?: boolean): iam.AddToResourcePolicyResult {
    this.policy.addStatements(scopeServiceStatement(this.withExactActions(statement), Stack.of(this)));
    return { statementAdded: true, policyDependable: this.policy };
  }

  /**
   * The key policy as the key resource receives it: references that would close a dependency cycle
   * replaced (see cycle-breaker.ts), statements that differ only in actions merged.
   *
   * @internal
   */
  protected _renderedPolicy(): IResolvable {
    joinValidationPasses(this);
    // The document only: the problems are the validation's, which renders again (with them) at synth.
    return Lazy.any({ produce: () => iam.PolicyDocument.fromJson(this._renderPolicy(undefined, true).document) });
  }

  /**
   * The rendered policy document (with tokens) and the cycles that could not be broken. `documentOnly`: the
   * caller reads the document alone, so the principals (which only ever give problems) are not examined.
   *
   * @internal
   */
  protected _renderPolicy(memo?: Map<string, unknown>, documentOnly = false): {
    document: { Version?: string; Statement: StatementJson[] }; problems: string[];
  } {
    const doc = (this.policy.toJSON() ?? { Statement: [] }) as { Version?: string; Statement: StatementJson[] };
    const keyResource = this.node.defaultChild;
    if (isAnalysing() || !keyResource || !CfnResource.isCfnResource(keyResource)) return { document: doc, problems: [] };
    // In a validation pass, the keys of a stack share its dependency graph (references.ts, validation-pass.ts).
    const graphs = memo && ((memo.get('stack-dependencies') ?? memo.set('stack-dependencies', new Map()).get('stack-dependencies')) as Map<Stack, StackDependencies>);
    const { statements, problems } = breakCycles(keyResource, doc.Statement, this._policySubject(), graphs, !documentOnly);
    return { document: { ...doc, Statement: mergeStatements(Stack.of(this), statements) }, problems };
  }

  /** The key's ARN as the grantee's IAM policy writes it (a replica builds it in the grantee's stack). *
   * @internal
   */
  protected _keyArnFor(_grantee: iam.IGrantable): string {
    return this.keyArn;
  }

  /** How messages name this key. *
   * @internal
   */
  protected _policySubject(): string {
    return `SecureKey ${this.node.path}`;
  }

  /**
   * The synth-time problems of the rendered policy that concern its wiring: cycles it could not break,
   * and its size against KMS's limit (a warning from 80%, an error above it).
   *
   * @internal
   */
  protected _renderedPolicyProblems(checkIamGrants = false): { policy: unknown; errors: string[]; memo?: Map<string, unknown> } {
    const memo = validationPassMemo(this);
    const { document, problems } = this._renderPolicy(memo);
    const policy = Stack.of(this).resolve(document);
    const errors = [...problems];
    const budget = budgetMessage(this._policySubject(), policySize(policy), document.Statement.length);
    if (budget?.level === 'error') errors.push(budget.text);
    if (budget?.level === 'warning') Annotations.of(this).addWarningV2('cdk-secure-key:keyPolicySize', budget.text);
    const keyResource = this.node.defaultChild;
    if (checkIamGrants && keyResource && CfnResource.isCfnResource(keyResource)) {
      // The app's IAM documents, resolved once per validation pass for all keys (validation-pass.ts).
      const shared = memo && ((account: string, region: string) => {
        const slot = `iam-documents:${account}:${region}`;
        let documents = memo.get(slot) as SharedIamDocuments | undefined;
        if (!documents) memo.set(slot, documents = new SharedIamDocuments(this.node.root, account, region));
        return documents;
      });
      const iamProblems = unhonouredIamGrants(this.node.root, keyResource, document, this._policySubject(), this.supportedActionSet(), shared);
      errors.push(...iamProblems.errors);
      for (const w of iamProblems.warnings) Annotations.of(this).addWarningV2('cdk-secure-key:iamGrantNotHonoured', w);
    }
    return { policy, errors, memo };
  }

  /**
   * An Allow statement with KMS wildcards (as CDK's KeyGrants and other constructs write them) becomes
   * one with the exact actions this key supports. Deny statements keep their wildcards: narrowing a Deny
   * to today's action names would weaken it.
   */
  private withExactActions(statement: iam.PolicyStatement): iam.PolicyStatement {
    if (statement.effect === iam.Effect.DENY || !statement.actions.some((a) => a.includes('*'))) return statement;
    const supported = this.supportedActionSet();
    const actions: string[] = [];
    for (const action of statement.actions) {
      if (!action.includes('*')) {
        actions.push(action);
        continue;
      }
      const exact = expandActions([action]).filter((a) => !a.includes('*') && supported.has(a));
      if (exact.length === 0) {
        throw new SecureKeyConfigError(`SecureKey ${this.node.path}: addToResourcePolicy asked for ${action}; SecureKey writes exact KMS action names only, and ${action} matches no action a '${this.keySpec}' key with keyUsage '${this.keyUsage}' supports. Name the actions.`);
      }
      actions.push(...exact);
    }
    return statement.copy({ actions: [...new Set(actions)] });
  }

  private supportedActionSet(): Set<string> {
    return new Set([...usageActions(this.keySpec, this.keyUsage), ...A.ADMIN_ACTIONS, ...A.SERVICE_GRANT_ACTIONS, 'kms:RetireGrant']);
  }

  /**
   * Grants the given actions in the key policy and the grantee's IAM policy. Wildcards (as CDK's own
   * grants pass them, e.g. `kms:GenerateDataKey*`) become the exact actions this key supports.
   */
  public grant(grantee: iam.IGrantable, ...actions: string[]): iam.Grant {
    return this.grantActions(grantee, this.supportedActions('grant', actions), undefined);
  }

  /**
   * Encrypt: `Encrypt`, `ReEncryptTo` and, for symmetric keys, `GenerateDataKey` and
   * `GenerateDataKeyWithoutPlaintext` (what services that encrypt for you call).
   * For conditions, use `withConditions(...).grantEncrypt(grantee)`.
   */
  public grantEncrypt(grantee: iam.IGrantable): iam.Grant {
    return this._grantPermission('grantEncrypt', grantee, undefined);
  }

  /** Decrypt: `Decrypt` and `ReEncryptFrom`. */
  public grantDecrypt(grantee: iam.IGrantable): iam.Grant {
    return this._grantPermission('grantDecrypt', grantee, undefined);
  }

  /** Everything `grantEncrypt` and `grantDecrypt` give. */
  public grantEncryptDecrypt(grantee: iam.IGrantable): iam.Grant {
    return this._grantPermission('grantEncryptDecrypt', grantee, undefined);
  }

  /** Data keys for envelope encryption: `GenerateDataKey`, `GenerateDataKeyWithoutPlaintext` (symmetric keys only). */
  public grantGenerateDataKey(grantee: iam.IGrantable): iam.Grant {
    return this._grantPermission('grantGenerateDataKey', grantee, undefined);
  }

  /** `Sign` (signing keys). */
  public grantSign(grantee: iam.IGrantable): iam.Grant {
    return this._grantPermission('grantSign', grantee, undefined);
  }

  /** `Verify` and `GetPublicKey` (signing keys). */
  public grantVerify(grantee: iam.IGrantable): iam.Grant {
    return this._grantPermission('grantVerify', grantee, undefined);
  }

  /** `Sign`, `Verify` and `GetPublicKey` (signing keys). */
  public grantSignVerify(grantee: iam.IGrantable): iam.Grant {
    return this._grantPermission('grantSignVerify', grantee, undefined);
  }

  /** `GenerateMac` (HMAC keys). */
  public grantGenerateMac(grantee: iam.IGrantable): iam.Grant {
    return this._grantPermission('grantGenerateMac', grantee, undefined);
  }

  /** `VerifyMac` (HMAC keys). */
  public grantVerifyMac(grantee: iam.IGrantable): iam.Grant {
    return this._grantPermission('grantVerifyMac', grantee, undefined);
  }

  /**
   * Manage the key (policy, aliases, rotation, state, tags, deletion; list and revoke grants) without
   * using it. A principal that is also given use of the key fails synth.
   */
  public grantAdmin(grantee: iam.IGrantable): iam.Grant {
    return this._grantPermission('grantAdmin', grantee, undefined);
  }

  /**
   * One grant method by name, with optional conditions. Shared by the methods above and by
   * `KeyGrantsWithConditions` (IKey's grant methods must keep one parameter for jsii).
   *
   * @internal
   */
  public _grantPermission(method: GrantMethod, grantee: iam.IGrantable, options: KeyGrantOptions | undefined): iam.Grant {
    const symmetric = this.keySpec === kms.KeySpec.SYMMETRIC_DEFAULT;
    const dataKeys = symmetric ? A.GENERATE_DATA_KEY_ACTIONS : [];
    switch (method) {
      case 'grantEncrypt':
        return this.grantFor(method, grantee, [...A.ENCRYPT_ACTIONS, ...dataKeys], kms.KeyUsage.ENCRYPT_DECRYPT, options);
      case 'grantDecrypt':
        return this.grantFor(method, grantee, A.DECRYPT_ACTIONS, kms.KeyUsage.ENCRYPT_DECRYPT, options);
      case 'grantEncryptDecrypt':
        return this.grantFor(method, grantee, [...A.ENCRYPT_ACTIONS, ...A.DECRYPT_ACTIONS, ...dataKeys], kms.KeyUsage.ENCRYPT_DECRYPT, options);
      case 'grantGenerateDataKey':
        if (!symmetric) {
          throw new SecureKeyConfigError(`SecureKey ${this.node.path}: grantGenerateDataKey needs a ${kms.KeySpec.SYMMETRIC_DEFAULT} key; this key is '${this.keySpec}'. Use grantEncrypt for asymmetric encryption keys.`);
        }
        return this.grantFor(method, grantee, A.GENERATE_DATA_KEY_ACTIONS, kms.KeyUsage.ENCRYPT_DECRYPT, options);
      case 'grantSign':
        return this.grantFor(method, grantee, A.SIGN_ACTIONS, kms.KeyUsage.SIGN_VERIFY, options);
      case 'grantVerify':
        return this.grantFor(method, grantee, [...A.VERIFY_ACTIONS, ...A.PUBLIC_KEY_ACTIONS], kms.KeyUsage.SIGN_VERIFY, options);
      case 'grantSignVerify':
        return this.grantFor(method, grantee, [...A.SIGN_ACTIONS, ...A.VERIFY_ACTIONS, ...A.PUBLIC_KEY_ACTIONS], kms.KeyUsage.SIGN_VERIFY, options);
      case 'grantGenerateMac':
        return this.grantFor(method, grantee, A.GENERATE_MAC_ACTIONS, kms.KeyUsage.GENERATE_VERIFY_MAC, options);
      case 'grantVerifyMac':
        return this.grantFor(method, grantee, A.VERIFY_MAC_ACTIONS, kms.KeyUsage.GENERATE_VERIFY_MAC, options);
      case 'grantAdmin':
        this.rejectContextConditions(method, options);
        return this.grantActions(grantee, A.ADMIN_ACTIONS, options);
    }
  }

  private grantFor(method: string, grantee: iam.IGrantable, actions: string[], usage: kms.KeyUsage, options?: KeyGrantOptions): iam.Grant {
    if (this.keyUsage !== usage) {
      throw new SecureKeyConfigError(`SecureKey ${this.node.path}: ${method} needs a key with keyUsage '${usage}'; this key's keyUsage is '${this.keyUsage}'. Create a separate key for that use.`);
    }
    if (!actions.some((a) => CONTEXT_ACTIONS.has(a))) this.rejectContextConditions(method, options);
    return this.grantActions(grantee, actions, options);
  }

  private rejectContextConditions(method: string, options?: KeyGrantOptions): void {
    if (options?.encryptionContext !== undefined || (options?.requiredEncryptionContextKeys ?? []).length > 0) {
      throw new SecureKeyConfigError(`SecureKey ${this.node.path}: ${method} does not take 'encryptionContext' or 'requiredEncryptionContextKeys': its requests carry no encryption context, so the grant could never be used. Remove them, or use viaServices/callerAccount.`);
    }
  }

  /** Exact actions this key supports; named actions it cannot perform are an error, wildcard matches are filtered. */
  private supportedActions(method: string, actions: string[]): string[] {
    const supported = this.supportedActionSet();
    const unsupported = actions.filter((a) => !a.includes('*') && A.USE_ACTIONS.includes(a) && !supported.has(a));
    if (unsupported.length > 0) {
      throw new SecureKeyConfigError(`SecureKey ${this.node.path}: ${method} asked for ${unsupported.join(', ')}, which a '${this.keySpec}' key with keyUsage '${this.keyUsage}' cannot perform. Allowed use actions: ${usageActions(this.keySpec, this.keyUsage).join(', ')}.`);
    }
    const exact = expandActions(actions).filter((a) => a.includes('*') || supported.has(a) || !A.ALL_KEY_ACTIONS.includes(a));
    if (exact.some((a) => a.includes('*'))) {
      throw new SecureKeyConfigError(`SecureKey ${this.node.path}: ${method} asked for ${actions.join(', ')}; SecureKey writes exact KMS action names only. Name the actions.`);
    }
    return exact;
  }

  /**
   * The one place a grant is written. The key policy names the grantee (a principal of another stack by
   * the account and `aws:PrincipalArn`, see cross-stack.ts) and carries every condition of the IAM half,
   * including those CDK adds to the returned grant afterwards.
   *
   * @internal
   */
  public _grantActions(grantee: iam.IGrantable, actions: string[], options: KeyGrantOptions | undefined): iam.Grant {
    return this.grantActions(grantee, actions, options);
  }

  private grantActions(grantee: iam.IGrantable, actions: string[], options: KeyGrantOptions | undefined): iam.Grant {
    const named = keyPolicyPrincipal(this, grantee);
    const conditions = grantConditions(options, Stack.of(this).region);
    // IAM side: only identities have a policy to add to; for service principals this is a no-op.
    const onPrincipal = iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this._keyArnFor(grantee)], conditions });
    const statement = new GrantStatement({
      principals: [named.principal],
      actions,
      resources: ['*'],
      conditions: named.conditions ? { ...(conditions ?? {}), ...named.conditions } : conditions,
    }, onPrincipal.principalStatement);
    const onResource = iam.Grant.addStatementToResourcePolicy({ grantee, actions, resourceArns: ['*'], resource: this, statement });
    return onPrincipal.combine(onResource);
  }
}

/**
 * The synth-time checks of a key policy shared by SecureKey and its replicas (src/private/policy/guard.ts,
 * on the policy engine). `subject` names the key in messages; `serviceHint` ends the service-principal
 * message; `lockout` is the lockout message, undefined when bypassed; `memo` is the validation pass's
 * (the engine's analysis is shared by keys whose resolved policies are equal).
 *
 * @internal
 */
export function keyPolicyProblems(key: Resource, policy: unknown, subject: string, serviceHint: (services: string[]) => string,
  lockout: string | undefined, grantsAreAdministration: boolean, memo?: Map<string, unknown>): string[] {
  const account = Stack.of(key).account;
  return keyPolicyGuard(policy, {
    subject,
    serviceHint,
    lockout,
    grantsAreAdministration,
    account: Token.isUnresolved(account) ? '${AWS::AccountId}' : account,
    name: (value) => describeValue(key, value),
  }, memo);
}
