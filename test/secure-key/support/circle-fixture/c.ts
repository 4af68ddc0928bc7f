import type { b } from './b';
export interface C { readonly of?: typeof b }
