import { loadConfig, type EnvelopeFunctionConfig } from '../../../lambda/handler/config';

export const KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
export const OTHER_KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321';
export const NOW = new Date('2025-05-20T12:00:00Z');

export function testConfig(extra: Record<string, string> = {}): EnvelopeFunctionConfig {
  return loadConfig({ SECUREKEY_KEY_ARN: KEY_ARN, ...extra });
}
