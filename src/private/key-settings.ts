/**
 * SecureKey's own settings checked and resolved from its props, before any statement or resource exists:
 * key spec and usage, rotation and its period, the pending window, aliases, the account's services. Each
 * error names the prop, the value received and what is allowed.
 */
import { Duration, Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import {
  canRotate, checkAlias, checkDays, Described, KEY_SPECS_BY_USAGE, normalizeAlias, PENDING_WINDOW_DAYS, propError, rangeText,
  ROTATION_PERIOD_DAYS,
} from './validation';

/** The props these settings come from (SecureKeyProps; kept structural so this file imports no construct). */
export interface KeySettingsProps {
  readonly keySpec?: kms.KeySpec;
  readonly keyUsage?: kms.KeyUsage;
  readonly enableKeyRotation?: boolean;
  readonly rotationPeriod?: Duration;
  readonly pendingWindow?: Duration;
  readonly aliases?: string[];
  readonly allowAccountUseViaServices?: string[];
}

/** The settings, defaults applied and ranges checked. */
export interface KeySettings {
  readonly keySpec: kms.KeySpec;
  readonly keyUsage: kms.KeyUsage;
  /** Whether KMS can rotate a key of this spec and usage. */
  readonly rotatable: boolean;
  readonly keyRotationEnabled: boolean;
  readonly rotationPeriodInDays?: number;
  readonly pendingWindow: Duration;
  readonly pendingWindowInDays: number;
  /** `alias/`-prefixed, checked, none twice. */
  readonly aliases: string[];
}

export function resolveKeySettings(path: string, props: KeySettingsProps): KeySettings {
  const keySpec = props.keySpec ?? kms.KeySpec.SYMMETRIC_DEFAULT;
  const keyUsage = props.keyUsage ?? kms.KeyUsage.ENCRYPT_DECRYPT;

  const allowedSpecs = KEY_SPECS_BY_USAGE[keyUsage];
  if (allowedSpecs === undefined) {
    throw propError(path, 'keyUsage', 'is not a KMS key usage', keyUsage, Object.keys(KEY_SPECS_BY_USAGE).join(', '));
  }
  if (!allowedSpecs.includes(keySpec)) {
    throw propError(path, 'keySpec', `is not valid with keyUsage '${keyUsage}'`, keySpec,
      `for ${keyUsage}: ${allowedSpecs.join(', ')}`);
  }

  const rotatable = canRotate(keySpec, keyUsage);
  if (props.enableKeyRotation === true && !rotatable) {
    throw propError(path, 'enableKeyRotation', `cannot be true for a '${keySpec}' key with keyUsage '${keyUsage}'`, true,
      `true only for keySpec '${kms.KeySpec.SYMMETRIC_DEFAULT}' with keyUsage '${kms.KeyUsage.ENCRYPT_DECRYPT}' (the only keys KMS rotates); otherwise false or unset`);
  }
  const keyRotationEnabled = props.enableKeyRotation ?? rotatable;

  let rotationPeriodInDays: number | undefined;
  if (props.rotationPeriod !== undefined) {
    if (!keyRotationEnabled) {
      throw propError(path, 'rotationPeriod', 'needs key rotation, which is off for this key',
        new Described(`${props.rotationPeriod.toHumanString()} with enableKeyRotation ${props.enableKeyRotation ?? `unset (off for a '${keySpec}' key)`}`),
        `rotationPeriod only with rotation on (symmetric encryption keys, enableKeyRotation unset or true), from ${rangeText(ROTATION_PERIOD_DAYS, 'days')}`);
    }
    rotationPeriodInDays = checkDays(path, 'rotationPeriod', props.rotationPeriod, ROTATION_PERIOD_DAYS)
      ?? props.rotationPeriod.toDays({ integral: false });
  } else if (keyRotationEnabled) {
    rotationPeriodInDays = ROTATION_PERIOD_DAYS.default;
  }

  const pendingWindow = props.pendingWindow ?? Duration.days(PENDING_WINDOW_DAYS.default);
  const pendingWindowInDays = checkDays(path, 'pendingWindow', pendingWindow, PENDING_WINDOW_DAYS)
    ?? pendingWindow.toDays({ integral: false });

  const aliases = (props.aliases ?? []).map(normalizeAlias);
  const seen = new Set<string>();
  for (const alias of aliases) {
    checkAlias(path, alias);
    if (!Token.isUnresolved(alias)) {
      if (seen.has(alias)) {
        throw propError(path, 'aliases', 'contains a duplicate', alias,
          `each alias once ('${alias.slice(6)}' and '${alias}' name the same alias)`);
      }
      seen.add(alias);
    }
  }

  for (const service of props.allowAccountUseViaServices ?? []) {
    if (!Token.isUnresolved(service) && service.trim() === '') {
      throw propError(path, 'allowAccountUseViaServices', 'contains an empty service name', service,
        "short service names such as 'dynamodb', 'rds', 'ec2', 'elasticfilesystem', or full kms:ViaService values");
    }
  }

  return { keySpec, keyUsage, rotatable, keyRotationEnabled, rotationPeriodInDays, pendingWindow, pendingWindowInDays, aliases };
}
