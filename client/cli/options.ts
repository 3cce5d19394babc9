/**
 * Parsers for flag values (commander `argParser`s): a bad value is a usage error (exit 1) with a
 * message naming the flag.
 */
import { InvalidArgumentError } from 'commander';

/** An integer within [min, max]. */
export function integer(what: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isSafeInteger(n))
      throw new InvalidArgumentError(`${what} must be an integer, not "${value}".`);
    if (n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`;
      throw new InvalidArgumentError(`${what} must be ${range}, not ${n}.`);
    }
    return n;
  };
}

/** A repeatable integer flag (`--partition 0 --partition 2`, or `--partition 0,2`). */
export function integerList(what: string, min = 0) {
  const one = integer(what, min);
  return (value: string, previous: number[] | undefined): number[] => [
    ...(previous ?? []),
    ...value.split(',').map((v) => one(v)),
  ];
}

/** A repeatable string flag. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** A repeatable `key=value` flag, gathered into an object. */
export function keyValue(what: string) {
  return (value: string, previous: Record<string, string> | undefined): Record<string, string> => {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`${what} must look like key=value, not "${value}".`);
    return { ...(previous ?? {}), [value.slice(0, eq).trim()]: value.slice(eq + 1) };
  };
}

/** A repeatable `key=value` flag kept in order, duplicates included (record headers). */
export function keyValueList(what: string) {
  return (value: string, previous: [string, string][] | undefined): [string, string][] => {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`${what} must look like key=value, not "${value}".`);
    return [...(previous ?? []), [value.slice(0, eq), value.slice(eq + 1)]];
  };
}

/** A point in time: milliseconds since the epoch, or an ISO 8601 date/time. */
export function timestamp(what: string) {
  return (value: string): number => {
    if (/^\d+$/.test(value)) return Number(value);
    const ms = Date.parse(value);
    if (Number.isNaN(ms))
      throw new InvalidArgumentError(
        `${what} must be milliseconds since the epoch or an ISO date such as 2024-05-01T12:00:00Z, not "${value}".`,
      );
    return ms;
  };
}

/** A separator flag: backslash escapes (\t, \n, \\) are understood, empty is refused. */
export function separator(what: string) {
  return (value: string): string => {
    const s = unescapeArg(value);
    if (s === '') throw new InvalidArgumentError(`${what} must not be empty.`);
    return s;
  };
}

/** `\n`, `\t`, `\r`, `\0` and `\\` as typed on a command line. */
export function unescapeArg(s: string): string {
  return s.replace(/\\([ntr0\\])/g, (_, c: string) =>
    c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c === '0' ? '\0' : '\\',
  );
}

/** "host:port,host:port" (a host alone means port 9092). */
export function parseBrokerList(value: string): string[] {
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (list.length === 0) throw new InvalidArgumentError('--brokers needs at least one host:port.');
  return list.map((b) => {
    let address = b;
    if (/^[^:[\]]+$/.test(b) || /^\[[^\]]+\]$/.test(b)) address = `${b}:9092`;
    const m = /^(?:\[[^\]]+\]|[^:[\]]+):(\d+)$/.exec(address);
    const port = m ? Number(m[1]) : Number.NaN;
    if (!m || port < 1 || port > 65535)
      throw new InvalidArgumentError(`broker address "${b}" is not host:port (e.g. localhost:9092).`);
    return address;
  });
}
