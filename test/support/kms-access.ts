/** Table helpers over the policy engine, for the tests and the README table (see src/private/policy/README.md). */
export * from '../../src/private/access/evaluator';
