import { PENDING_WINDOW_DAYS } from '../../private/validation';
import { KEY_TYPES, KeyPolicyRule } from '../rule';

/** KP8 (warning): a deletion waiting period below the 30-day maximum. */
export const pendingWindowShort: KeyPolicyRule = {
  code: 'KP8',
  name: 'Pending deletion window below 30 days',
  level: 'warning',
  resourceTypes: KEY_TYPES,
  info: `The key's PendingWindowInDays is below ${PENDING_WINDOW_DAYS.max} days.`,
  explanation: 'A scheduled deletion can be cancelled only during the waiting period; after it the data encrypted under the key is lost '
    + `(Security Hub KMS.3). Keep the maximum, ${PENDING_WINDOW_DAYS.max} days, unless a shorter one is required.`,
  controls: ['AWS Security Hub KMS.3'],
  check: (resource) => {
    const days = resource.properties.PendingWindowInDays;
    if (days === undefined) return [];
    const n = Number(days);
    return Number.isFinite(n) && n < PENDING_WINDOW_DAYS.max ? [{ detail: `PendingWindowInDays is ${n}` }] : [];
  },
};
