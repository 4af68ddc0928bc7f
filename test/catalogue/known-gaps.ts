/**
 * Cases that fail today, each with the mechanism that makes it fail and where it is being fixed. Their
 * tests run as `test.failing`: once the mechanism lands they pass, the failing test turns red, and the entry
 * is removed here. docs/services.md shows the same text in its status column. None remain today; the record
 * stays for the next one.
 */
export const KNOWN_GAPS: Record<string, string> = {};
