/**
 * Text from a message (encryption-context keys and values, provider info) or from an error made of
 * it is attacker-chosen: printed as is, escape sequences in it would drive the user's terminal
 * (rewrite earlier lines, set the title, hide text). `printable` shows such text inertly.
 */

/** Characters shown as escapes: C0 and C1 controls, DEL, and the Unicode format characters that reorder or hide text. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/** Default length cap, in characters, for one printed item. */
export const MAX_PRINTED_CHARS = 200;

/**
 * `text` with every control or format character written as `\xNN` / `\uNNNN`, cut to `max`
 * characters (with `...` when cut). A backslash is doubled unless `keepBackslashes`, so an escape
 * in a printed item is always ours.
 */
export function printable(text: string, max = MAX_PRINTED_CHARS, keepBackslashes = false): string {
  const cut = text.length > max ? `${text.slice(0, max)}...` : text;
  return (keepBackslashes ? cut : cut.replace(/\\/g, '\\\\')).replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
