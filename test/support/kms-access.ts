/** The evaluator moved to src/private/access/evaluator.ts; this re-export keeps existing imports working. */
export * from '../../src/private/access/evaluator';
