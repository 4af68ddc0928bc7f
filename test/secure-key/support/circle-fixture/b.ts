import { a } from './a';
import type { C } from './c';
export const b = (c?: C): unknown[] => [a, c];
