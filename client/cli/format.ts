/**
 * How `samsa consume` prints records: kcat-style templates (`--format '%k=%v\n'`) or one JSON
 * object per line (`--json`).
 *
 *   %t topic   %p partition   %o offset   %T timestamp (ms)   %k key   %K key length
 *   %v or %s value   %S value length   %h headers (k=v,k=v)   %% a percent sign
 *
 * Backslash escapes (\n, \t, \r, \0, \\) are understood; a template that does not end with a
 * newline gets one, so each record is one line unless the template says otherwise.
 */
import type { ConsumerRecord } from '../index.js';
import { usageError } from './errors.js';
import { unescapeArg } from './options.js';

export type Rec = ConsumerRecord<Buffer | null, Buffer | null>;
type Part = Buffer | ((r: Rec) => Buffer | string);

export const defaultTemplate = '%v';

export const templateHelp = `Template fields (like kcat):
  %t topic        %p partition     %o offset        %T timestamp (ms)
  %k key          %K key length    %v (or %s) value %S value length
  %h headers as k=v,k=v            %% a literal %
  \\n \\t \\r \\\\ escapes; a newline is added when the template does not end with one.`;

const empty = Buffer.alloc(0);
const fieldsByLetter: Record<string, (r: Rec) => Buffer | string> = {
  t: (r) => r.topic,
  p: (r) => String(r.partition),
  o: (r) => String(r.offset),
  T: (r) => String(r.timestamp),
  k: (r) => r.key ?? empty,
  K: (r) => (r.key === null ? '-1' : String(r.key.length)),
  v: (r) => r.value ?? empty,
  s: (r) => r.value ?? empty,
  S: (r) => (r.value === null ? '-1' : String(r.value.length)),
  h: (r) => r.headers.map((h) => `${h.key}=${h.value === null ? '' : h.value.toString('utf8')}`).join(','),
};

/** Compile a template once; the result formats one record into a Buffer. */
export function compileTemplate(template: string): (r: Rec) => Buffer {
  let text = unescapeArg(template);
  if (!text.endsWith('\n')) text += '\n';
  const parts: Part[] = [];
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '%') {
      literal += c;
      continue;
    }
    const letter = text[++i];
    if (letter === '%') {
      literal += '%';
      continue;
    }
    const field = letter === undefined ? undefined : fieldsByLetter[letter];
    if (!field)
      throw usageError(
        `unknown template field "%${letter ?? ''}" in --format; use %t %p %o %T %k %K %v %s %S %h or %%.`,
      );
    if (literal) parts.push(Buffer.from(literal, 'utf8'));
    literal = '';
    parts.push(field);
  }
  if (literal) parts.push(Buffer.from(literal, 'utf8'));
  return (r) => {
    const out: Buffer[] = [];
    for (const p of parts) {
      if (Buffer.isBuffer(p)) out.push(p);
      else {
        const v = p(r);
        out.push(typeof v === 'string' ? Buffer.from(v, 'utf8') : v);
      }
    }
    return Buffer.concat(out);
  };
}

/** A record as a JSON object: keys, values and headers decoded as UTF-8 (null stays null). */
export function recordJson(r: Rec) {
  return {
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.key === null ? null : r.key.toString('utf8'),
    value: r.value === null ? null : r.value.toString('utf8'),
    headers: r.headers.map((h) => ({
      key: h.key,
      value: h.value === null ? null : h.value.toString('utf8'),
    })),
  };
}

export function formatJsonLine(r: Rec): Buffer {
  return Buffer.from(`${JSON.stringify(recordJson(r))}\n`, 'utf8');
}
