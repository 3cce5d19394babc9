/**
 * CRC-32C (Castagnoli), as Kafka's RecordBatch v2 uses it.
 *
 * Four implementations, fastest first, chosen per call by input size:
 * - Samsa's own addon (protocol/native/crc32c.cc, built by node-gyp at `npm install`), for
 *   inputs of `ADDON_BYTES_MIN` and more, when it was built and the CPU has SSE4.2 and
 *   PCLMULQDQ (the addon checks with cpuid): the CRC32 instruction on three interleaved
 *   streams combined with PCLMULQDQ (about 25 GB/s at 16 KiB here), or, on CPUs with AVX-512
 *   and VPCLMULQDQ, from 1 KiB on, 256-byte carry-less folding (about 45 GB/s at 16 KiB);
 * - otherwise the hardware instruction on one stream (SSE4.2 / ARMv8 CRC) through
 *   @node-rs/crc32, a prebuilt native module, when it loads on this platform — about 6 GB/s
 *   here, for inputs of `NATIVE_BYTES_MIN` and more (below that the call costs more than it saves);
 * - "slicing by 16" over aligned little-endian 32-bit words — about 2 GB/s;
 * - "slicing by 8" over bytes, for short inputs and big-endian machines — about 1 GB/s.
 * Set SAMSA_CRC32C_ADDON=0 to leave the addon out. scripts/bench/crc32c.bench.ts measures all four.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

type NativeCrc32c = (input: Buffer, initialState?: number) => number;
/** The addon's entry point: CRC-32C of buf[start, end) continued from `crc`. */
export type AddonCrc32c = (crc: number, buf: Uint8Array, start: number, end: number) => number;

/** What protocol/native/crc32c.cc exports once loaded and checked. */
export interface Crc32cAddon {
  /** The fastest path this CPU has: AVX-512 folding from 1 KiB, else three crc32q streams. */
  update: AddonCrc32c;
  /** The three-stream SSE4.2 path alone (tests and benchmarks). */
  updateSse42: AddonCrc32c;
  /** Which path `update` takes for large inputs: 'avx512-vpclmulqdq' or 'sse4.2-3way'. */
  kind: string;
}

const require = createRequire(import.meta.url);

/** Where node-gyp puts the addon (dist/protocol/ and protocol/ are both two levels below the root). */
export const ADDON_PATH = fileURLToPath(
  new URL('../../protocol/native/build/Release/samsa_crc32c.node', import.meta.url),
);

/**
 * Load the addon at `path`; null when the file is missing, does not load (another platform,
 * another Node ABI), or reports that this CPU lacks SSE4.2 or PCLMULQDQ.
 */
export function loadCrc32cAddon(path: string): Crc32cAddon | null {
  try {
    if (!existsSync(path)) return null;
    const mod = require(path) as Partial<Record<keyof Crc32cAddon | 'available', unknown>>;
    if (mod.available !== true || typeof mod.update !== 'function' || typeof mod.updateSse42 !== 'function')
      return null;
    const addon: Crc32cAddon = {
      update: mod.update as AddonCrc32c,
      updateSse42: mod.updateSse42 as AddonCrc32c,
      kind: String(mod.kind),
    };
    // Known answers before trusting it: CRC-32C("123456789") = 0xe3069283, and 4 KiB of 0x5a
    // (the large-input path) as the JavaScript implementation computes it.
    const big = Buffer.alloc(4096, 0x5a);
    const want = crc32cSlicing8Update(0, big);
    for (const update of [addon.update, addon.updateSse42]) {
      if (update(0, Buffer.from('123456789'), 0, 9) !== 0xe3069283) return null;
      if (update(0, big, 0, big.length) !== want) return null;
    }
    return addon;
  } catch {
    return null;
  }
}

/** The native implementation, or null when its prebuilt binary is missing here. */
export const nativeCrc32c: NativeCrc32c | null = (() => {
  try {
    const mod = require('@node-rs/crc32') as { crc32c: NativeCrc32c };
    return typeof mod.crc32c === 'function' ? mod.crc32c : null;
  } catch {
    return null;
  }
})();
/** Below this length a JavaScript loop beats the native call. */
export const NATIVE_BYTES_MIN = 512;

const POLY_REFLECTED = 0x82f63b78;
const TABLE_COUNT = 8;

const tables: Uint32Array[] = (() => {
  const t: Uint32Array[] = [];
  for (let k = 0; k < TABLE_COUNT; k++) t.push(new Uint32Array(256));
  const t0 = t[0]!;
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let b = 0; b < 8; b++) c = c & 1 ? (c >>> 1) ^ POLY_REFLECTED : c >>> 1;
    t0[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t0[n]!;
    for (let k = 1; k < TABLE_COUNT; k++) {
      c = (c >>> 8) ^ t0[c & 0xff]!;
      t[k]![n] = c >>> 0;
    }
  }
  return t;
})();

const [T0, T1, T2, T3, T4, T5, T6, T7] = tables as [
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
];

/** Slicing-by-8 over bytes: any alignment, any length. */
export function crc32cSlicing8Update(crc: number, buf: Uint8Array, start = 0, end = buf.length): number {
  let c = ~crc >>> 0;
  let i = start;
  const end8 = end - ((end - start) & 7);
  while (i < end8) {
    const lo = (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24)) ^ c;
    c =
      T7[lo & 0xff]! ^
      T6[(lo >>> 8) & 0xff]! ^
      T5[(lo >>> 16) & 0xff]! ^
      T4[lo >>> 24]! ^
      T3[buf[i + 4]!]! ^
      T2[buf[i + 5]!]! ^
      T1[buf[i + 6]!]! ^
      T0[buf[i + 7]!]!;
    i += 8;
  }
  while (i < end) c = (c >>> 8) ^ T0[(c ^ buf[i++]!) & 0xff]!;
  return ~c >>> 0;
}

// Slicing by 16: sixteen tables in one Int32Array, read four 32-bit words per step.
const T16 = new Int32Array(16 * 256);
for (let k = 0; k < 8; k++) T16.set(tables[k]!, k * 256);
for (let n = 0; n < 256; n++) {
  let c = T16[7 * 256 + n]!;
  for (let k = 8; k < 16; k++) {
    c = (c >>> 8) ^ T16[c & 0xff]!;
    T16[k * 256 + n] = c;
  }
}
const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/** Below this length the word-aligned path does not pay for its setup. */
export const SLICING16_BYTES_MIN = 256;

/** Slicing-by-16 over aligned 32-bit words (little-endian machines only). */
export function crc32cSlicing16Update(crc: number, buf: Uint8Array, start = 0, end = buf.length): number {
  let c = ~crc;
  let i = start;
  while (((buf.byteOffset + i) & 3) !== 0 && i < end) c = (c >>> 8) ^ T16[(c ^ buf[i++]!) & 0xff]!;
  const wordCount = ((buf.byteOffset + i) & 3) === 0 ? (end - i) >>> 2 : 0;
  const words = new Int32Array(buf.buffer, buf.byteOffset + i - ((buf.byteOffset + i) & 3), wordCount);
  const n16 = words.length & ~3;
  let w = 0;
  for (; w < n16; w += 4) {
    const a = words[w]! ^ c;
    const b = words[w + 1]!;
    const d = words[w + 2]!;
    const e = words[w + 3]!;
    c =
      T16[0xf00 | (a & 0xff)]! ^
      T16[0xe00 | ((a >>> 8) & 0xff)]! ^
      T16[0xd00 | ((a >>> 16) & 0xff)]! ^
      T16[0xc00 | (a >>> 24)]! ^
      T16[0xb00 | (b & 0xff)]! ^
      T16[0xa00 | ((b >>> 8) & 0xff)]! ^
      T16[0x900 | ((b >>> 16) & 0xff)]! ^
      T16[0x800 | (b >>> 24)]! ^
      T16[0x700 | (d & 0xff)]! ^
      T16[0x600 | ((d >>> 8) & 0xff)]! ^
      T16[0x500 | ((d >>> 16) & 0xff)]! ^
      T16[0x400 | (d >>> 24)]! ^
      T16[0x300 | (e & 0xff)]! ^
      T16[0x200 | ((e >>> 8) & 0xff)]! ^
      T16[0x100 | ((e >>> 16) & 0xff)]! ^
      T16[e >>> 24]!;
  }
  i += w * 4;
  while (i < end) c = (c >>> 8) ^ T16[(c ^ buf[i++]!) & 0xff]!;
  return ~c >>> 0;
}

/** Samsa's addon, or null when it is not built, not usable here or disabled (SAMSA_CRC32C_ADDON=0). */
export const crc32cAddon: Crc32cAddon | null =
  process.env.SAMSA_CRC32C_ADDON === '0' ? null : loadCrc32cAddon(ADDON_PATH);
/** The addon's fastest entry point, or null. */
export const addonCrc32c: AddonCrc32c | null = crc32cAddon?.update ?? null;
/** Below this length a JavaScript loop beats the addon call. */
export const ADDON_BYTES_MIN = 64;

/** Which implementation crc32c() uses for large inputs here (benchmarks and logs). */
export const crc32cImplementation: string =
  crc32cAddon !== null
    ? `samsa addon (${crc32cAddon.kind})`
    : nativeCrc32c !== null
      ? '@node-rs/crc32'
      : 'javascript';

/** Continue a CRC-32C over buf[start, end). Pass the previous result as `crc` to chain. */
export function crc32cUpdate(crc: number, buf: Uint8Array, start = 0, end = buf.length): number {
  if (addonCrc32c !== null && end - start >= ADDON_BYTES_MIN) return addonCrc32c(crc >>> 0, buf, start, end);
  if (nativeCrc32c !== null && end - start >= NATIVE_BYTES_MIN) {
    const view =
      buf instanceof Buffer
        ? start === 0 && end === buf.length
          ? buf
          : buf.subarray(start, end)
        : Buffer.from(buf.buffer, buf.byteOffset + start, end - start);
    return nativeCrc32c(view, crc) >>> 0;
  }
  return littleEndian && end - start >= SLICING16_BYTES_MIN
    ? crc32cSlicing16Update(crc, buf, start, end)
    : crc32cSlicing8Update(crc, buf, start, end);
}

/** CRC-32C of buf[start, end) as an unsigned 32-bit integer. */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  return crc32cUpdate(0, buf, start, end);
}
