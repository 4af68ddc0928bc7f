/** Every catalogue case, in the order docs/services.md lists them. */
import { COMPUTE_CASES } from './compute';
import { DATA_CASES } from './data';
import { MESSAGING_CASES } from './messaging';
import { STORAGE_CASES } from './storage';
import { CatalogueCase } from '../case';

export const CASES: CatalogueCase[] = [...STORAGE_CASES, ...MESSAGING_CASES, ...COMPUTE_CASES, ...DATA_CASES];
