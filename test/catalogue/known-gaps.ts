/**
 * Cases that fail today, each with the mechanism that makes it fail and where it is being fixed. Their
 * tests run as `test.failing`: once the mechanism lands they pass, the failing test turns red, and the entry
 * is removed here. docs/services.md shows the same text in its status column.
 */
export const KNOWN_GAPS: Record<string, string> = {
  'dynamodb-global': "the table's replica needs the replica key's ARN, an attribute of the replica stack, which depends on the key's stack: a cyclic cross-stack reference. (A replica key's ARN could be written from the primary's key id, but the replica must also exist before the table: the table belongs in a stack that deploys after the replica's.) Not solved: cross-stack consumers of replica keys",
};
