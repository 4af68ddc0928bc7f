/** Command-line parsing on top of node:util's parseArgs, with usage errors the CLI can print. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface Parsed {
  readonly values: Values;
  readonly positionals: string[];
}

/** Parses `argv` strictly: unknown options and malformed values become UsageErrors naming `command`. */
export function parse(argv: readonly string[], options: OptionSpec, command: string, maxPositionals: number): Parsed {
  let parsed: Parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true }) as Parsed;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    const option = /'([^']+)'/.exec(e.message ?? '')?.[1];
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option ${option ?? ''}`.trim(), command);
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`option ${option ?? ''} needs a value`.replace('  ', ' '), command);
    throw new UsageError(`cannot parse the command line: ${e.message ?? String(err)}`, command);
  }
  if (!parsed.values.help && parsed.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[maxPositionals])}`, command);
  }
  return parsed;
}

export function str(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function flag(values: Values, name: string): boolean {
  return values[name] === true;
}

export function required(values: Values, name: string, command: string): string {
  const v = str(values, name);
  if (v === undefined || v.length === 0) throw new UsageError(`--${name} is required`, command);
  return v;
}

/** A whole number in [min, max], named in the error by its option. */
export function integer(values: Values, name: string, command: string, min: number, max: number): number | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}; received ${JSON.stringify(v)}`, command);
  }
  return n;
}

/** One of `allowed`, named in the error by its option. */
export function oneOf<T extends string>(values: Values, name: string, command: string, allowed: readonly T[]): T | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')}; received ${JSON.stringify(v)}`, command);
  }
  return v as T;
}

/**
 * `--context key=value` pairs (repeatable). Values are never echoed in errors: an encryption
 * context is not secret, but it is the caller's data, and error lines end up in CI logs.
 */
export function contextPairs(values: Values, command: string): Record<string, string> {
  const raw = values.context;
  const items = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? [raw] : [];
  const context: Record<string, string> = {};
  items.forEach((item, i) => {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      throw new UsageError(`--context takes key=value with a non-empty key; value number ${i + 1} ${eq === 0 ? 'has an empty key' : "has no '='"}`, command);
    }
    const key = item.slice(0, eq);
    const value = item.slice(eq + 1);
    if (Object.prototype.hasOwnProperty.call(context, key) && context[key] !== value) {
      throw new UsageError(`--context gives key ${JSON.stringify(key)} twice with different values; give it once`, command);
    }
    Object.defineProperty(context, key, { value, enumerable: true, writable: true, configurable: true });
  });
  return context;
}
