// CRC-32C (Castagnoli) with the x86-64 SSE4.2 CRC32 instruction, three streams at a time.
//
// Why three streams: `crc32q` has a latency of about 3 cycles and a throughput of one per cycle,
// so a single dependent chain uses a third of the unit. The input is cut into three lanes of L
// bytes; lane A continues the caller's CRC register, lanes B and C start from 0, and the three
// chains run interleaved. CRC registers are linear, so with raw (not inverted) registers
//   crc(A || B || C) = crc(A)·x^(16L) ⊕ crc(B)·x^(8L) ⊕ crc(C)        (mod P)
// where "·x^n" shifts a register past n zero bits. That shift is one carry-less multiply
// (PCLMULQDQ) by the constant x^(n-33) mod P followed by one `crc32q` of the 64-bit product:
// crc32q(0, m) computes m·x^32 mod P, and the carry-less product of two bit-reflected 32-bit
// values is the reflected 64-bit product times x, which accounts for the other 1 of the 33.
// The constants are computed once at load time with a plain shift-and-xor multiply.
//
// The module exports:
//   available: boolean     true when this CPU has SSE4.2 and PCLMULQDQ (checked with cpuid)
//   kind: string           "avx512-vpclmulqdq", "sse4.2-3way" or "none": what update uses
//   update(crc, buf, start, end): number
//                          the CRC-32C of buf[start, end) continued from `crc` (a finished
//                          CRC-32C, as the JavaScript implementation takes it); buf is any
//                          Uint8Array (Buffer included). Throws when unavailable or on bad
//                          arguments. From 1 KiB on, CPUs with AVX-512 and VPCLMULQDQ
//                          (checked with cpuid and xgetbv) fold 256 bytes per step instead.
//   updateSse42(...)       the same on the three-stream path only (tests and benchmarks)
// Built by node-gyp from protocol/native/binding.gyp; protocol/crc32c.ts falls back to other
// implementations when the build or the CPU check fails.

#include <node_api.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SAMSA_CRC32C_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace {

constexpr uint32_t kPolyReflected = 0x82f63b78u;

// a·b mod P for bit-reflected 32-bit polynomials (bit 31 is x^0, bit 0 is x^31).
uint32_t MulModP(uint32_t a, uint32_t b) {
  uint32_t product = 0;
  for (int bit = 31; bit >= 0; bit--) {  // bit 31 is x^0: b·x^0 first, then b·x, b·x^2, ...
    if (a & (1u << bit)) product ^= b;
    b = (b & 1) ? (b >> 1) ^ kPolyReflected : b >> 1;  // b ·= x
  }
  return product;
}

// x^n mod P, reflected, by square-and-multiply.
uint32_t XPowModP(uint64_t n) {
  uint32_t result = 1u << 31;  // x^0
  uint32_t square = 1u << 30;  // x^1
  while (n != 0) {
    if (n & 1) result = MulModP(result, square);
    square = MulModP(square, square);
    n >>= 1;
  }
  return result;
}

// Bytewise fallback used only for the self-check's reference and never on the hot path.
uint32_t ReferenceUpdate(uint32_t reg, const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    reg ^= p[i];
    for (int k = 0; k < 8; k++) reg = (reg & 1) ? (reg >> 1) ^ kPolyReflected : reg >> 1;
  }
  return reg;
}

#ifdef SAMSA_CRC32C_X86

// Lane lengths in bytes (multiples of 8), longest first, and each one's shift constants.
constexpr size_t kLaneBytes[] = {4096, 512, 64};
constexpr int kLaneCount = sizeof(kLaneBytes) / sizeof(kLaneBytes[0]);
struct ShiftConstants {
  uint64_t by1;  // x^(8L - 33) mod P: shifts a register past one lane
  uint64_t by2;  // x^(16L - 33) mod P: past two lanes
};
ShiftConstants kShift[kLaneCount];

bool DetectCpu() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return false;
  const bool sse42 = (ecx & bit_SSE4_2) != 0;
  const bool pclmul = (ecx & bit_PCLMUL) != 0;
  return sse42 && pclmul;
}

inline uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

__attribute__((target("sse4.2,pclmul"))) inline uint32_t Shift(uint32_t reg, uint64_t constant) {
  const __m128i product = _mm_clmulepi64_si128(_mm_cvtsi32_si128(static_cast<int>(reg)),
                                               _mm_cvtsi64_si128(static_cast<long long>(constant)), 0);
  return static_cast<uint32_t>(_mm_crc32_u64(0, static_cast<uint64_t>(_mm_cvtsi128_si64(product))));
}

// One dependent chain: 8 bytes per step, then the last 0-7 bytes.
__attribute__((target("sse4.2"))) uint32_t SingleLane(uint32_t reg, const uint8_t* p, size_t n) {
  uint64_t r = reg;
  while (n >= 8) {
    r = _mm_crc32_u64(r, Load64(p));
    p += 8;
    n -= 8;
  }
  uint32_t r32 = static_cast<uint32_t>(r);
  while (n > 0) {
    r32 = _mm_crc32_u8(r32, *p++);
    n--;
  }
  return r32;
}

// Raw register update (no inversion) over p[0, n), three crc32q streams.
__attribute__((target("sse4.2,pclmul"))) uint32_t Sse42Update(uint32_t reg, const uint8_t* p, size_t n) {
  for (int k = 0; k < kLaneCount; k++) {
    const size_t lane = kLaneBytes[k];
    while (n >= 3 * lane) {
      uint64_t a = reg, b = 0, c = 0;
      const uint8_t* pa = p;
      const uint8_t* pb = p + lane;
      const uint8_t* pc = p + 2 * lane;
      for (size_t i = 0; i < lane; i += 8) {
        a = _mm_crc32_u64(a, Load64(pa + i));
        b = _mm_crc32_u64(b, Load64(pb + i));
        c = _mm_crc32_u64(c, Load64(pc + i));
      }
      reg = Shift(static_cast<uint32_t>(a), kShift[k].by2) ^ Shift(static_cast<uint32_t>(b), kShift[k].by1) ^
            static_cast<uint32_t>(c);
      p += 3 * lane;
      n -= 3 * lane;
    }
  }
  return SingleLane(reg, p, n);
}

// ---- AVX-512 + VPCLMULQDQ: fold 256 bytes per step, then finish with crc32q ----
//
// The message is a sequence of 128-bit blocks; a block B whose first 8 bytes read as the
// reflected 64-bit polynomial Lq and last 8 as Hq is worth Lq·x^64 + Hq at its own end.
// Moving it D bits further on (to XOR it into a later block) multiplies it by x^D:
//   B·x^D = Lq·x^(64+D) + Hq·x^D ≡ clmul(Lq, x^(D+31) mod P) ⊕ clmul(Hq, x^(D-33) mod P)
// (the same 33 as in Shift above: 32 for the constant's place in its 64-bit half, 1 for the
// reflected product), and both products fit in 128 bits. Four 512-bit accumulators hold 16
// blocks; each step folds them 2048 bits on and XORs in the next 256 bytes. At the end all
// blocks fold into one, R; the CRC register of everything so far is then crc32q(crc32q(0,
// R.low), R.high) (the CRC of R's 16 bytes from 0), and the last 0-15 bytes go through crc32q.
// The caller's register enters by XOR into the first 4 bytes (a CRC register is linear in it).

// Below this the three-stream path is as fast (the fold has more set-up); must be >= 256.
constexpr size_t kAvx512BytesMin = 1024;
alignas(64) uint64_t kFold2048[8];  // per 128-bit lane: {x^(2048+31), x^(2048-33)} mod P
alignas(64) uint64_t kFold512[8];
alignas(16) uint64_t kFold384[2];
alignas(16) uint64_t kFold256[2];
alignas(16) uint64_t kFold128[2];

void FoldConstants(uint64_t* out, int lanes, uint64_t bits) {
  for (int i = 0; i < lanes; i++) {
    out[2 * i] = XPowModP(bits + 31);
    out[2 * i + 1] = XPowModP(bits - 33);
  }
}

bool DetectAvx512() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_OSXSAVE)) return false;
  unsigned xcr0_lo = 0, xcr0_hi = 0;
  __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
  // The OS saves SSE, AVX, opmask and both halves of the ZMM registers.
  if ((xcr0_lo & 0xe6) != 0xe6) return false;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
  const bool avx512f = (ebx & (1u << 16)) != 0;
  const bool vpclmulqdq = (ecx & (1u << 10)) != 0;
  return avx512f && vpclmulqdq;
}

__attribute__((target("avx512f,vpclmulqdq"))) inline __m512i Fold512(__m512i x, __m512i k, __m512i next) {
  return _mm512_ternarylogic_epi64(_mm512_clmulepi64_epi128(x, k, 0x00), _mm512_clmulepi64_epi128(x, k, 0x11),
                                   next, 0x96);
}

__attribute__((target("sse4.2,pclmul"))) inline __m128i Fold128(__m128i x, const uint64_t* k, __m128i next) {
  const __m128i kk = _mm_load_si128(reinterpret_cast<const __m128i*>(k));
  return _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, kk, 0x00), _mm_clmulepi64_si128(x, kk, 0x11)), next);
}

// Requires n >= 256 (HardwareUpdate sends only n >= kAvx512BytesMin).
__attribute__((target("avx512f,vpclmulqdq,sse4.2,pclmul"))) uint32_t Avx512Update(uint32_t reg, const uint8_t* p,
                                                                                   size_t n) {
  __m512i x0 = _mm512_loadu_si512(p);
  __m512i x1 = _mm512_loadu_si512(p + 64);
  __m512i x2 = _mm512_loadu_si512(p + 128);
  __m512i x3 = _mm512_loadu_si512(p + 192);
  x0 = _mm512_xor_si512(x0, _mm512_zextsi128_si512(_mm_cvtsi32_si128(static_cast<int>(reg))));
  p += 256;
  n -= 256;
  const __m512i k2048 = _mm512_load_si512(kFold2048);
  while (n >= 256) {
    x0 = Fold512(x0, k2048, _mm512_loadu_si512(p));
    x1 = Fold512(x1, k2048, _mm512_loadu_si512(p + 64));
    x2 = Fold512(x2, k2048, _mm512_loadu_si512(p + 128));
    x3 = Fold512(x3, k2048, _mm512_loadu_si512(p + 192));
    p += 256;
    n -= 256;
  }
  const __m512i k512 = _mm512_load_si512(kFold512);
  x1 = Fold512(x0, k512, x1);
  x2 = Fold512(x1, k512, x2);
  x3 = Fold512(x2, k512, x3);
  while (n >= 64) {
    x3 = Fold512(x3, k512, _mm512_loadu_si512(p));
    p += 64;
    n -= 64;
  }
  // Four 128-bit lanes, earliest first, folded into the last one.
  __m128i r = _mm512_extracti32x4_epi32(x3, 3);
  r = Fold128(_mm512_extracti32x4_epi32(x3, 2), kFold128, r);
  r = Fold128(_mm512_extracti32x4_epi32(x3, 1), kFold256, r);
  r = Fold128(_mm512_castsi512_si128(x3), kFold384, r);
  while (n >= 16) {
    r = Fold128(r, kFold128, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    p += 16;
    n -= 16;
  }
  uint64_t c = _mm_crc32_u64(0, static_cast<uint64_t>(_mm_cvtsi128_si64(r)));
  c = _mm_crc32_u64(c, static_cast<uint64_t>(_mm_extract_epi64(r, 1)));
  return SingleLane(static_cast<uint32_t>(c), p, n);
}

bool g_avx512 = false;

uint32_t HardwareUpdate(uint32_t reg, const uint8_t* p, size_t n) {
  return g_avx512 && n >= kAvx512BytesMin ? Avx512Update(reg, p, n) : Sse42Update(reg, p, n);
}

bool SelfCheck(uint32_t (*update)(uint32_t, const uint8_t*, size_t)) {
  static uint8_t sample[3 * 4096 + 3 * 512 + 3 * 64 + 13];
  for (size_t i = 0; i < sizeof sample; i++) sample[i] = static_cast<uint8_t>(i * 131 + 7 + (i >> 9));
  const size_t lengths[] = {0,    1,    7,    8,    63,   192,  200,  255,  256,  257,  1023, 1024,
                            1025, 1045, 1087, 1127, 1279, 1280, 1536, 1600, 4099, sizeof sample};
  for (size_t len : lengths) {
    if (update(0xffffffffu, sample, len) != ReferenceUpdate(0xffffffffu, sample, len)) return false;
    if (len > 3 && update(0x12345678u, sample + 3, len - 3) != ReferenceUpdate(0x12345678u, sample + 3, len - 3))
      return false;
  }
  return true;
}

bool InitHardware() {
  if (!DetectCpu()) return false;
  for (int k = 0; k < kLaneCount; k++) {
    kShift[k].by1 = XPowModP(8 * kLaneBytes[k] - 33);
    kShift[k].by2 = XPowModP(16 * kLaneBytes[k] - 33);
  }
  // Self-check against the bytewise reference across every code path before trusting it.
  if (!SelfCheck(Sse42Update)) return false;
  if (DetectAvx512()) {
    FoldConstants(kFold2048, 4, 2048);
    FoldConstants(kFold512, 4, 512);
    FoldConstants(kFold384, 1, 384);
    FoldConstants(kFold256, 1, 256);
    FoldConstants(kFold128, 1, 128);
    g_avx512 = true;
    // A wrong fold would be caught here; the SSE4.2 path then serves every length.
    if (!SelfCheck(HardwareUpdate)) g_avx512 = false;
  }
  return true;
}

#else

bool g_avx512 = false;
bool InitHardware() { return false; }
uint32_t HardwareUpdate(uint32_t reg, const uint8_t* p, size_t n) { return ReferenceUpdate(reg, p, n); }
uint32_t Sse42Update(uint32_t reg, const uint8_t* p, size_t n) { return ReferenceUpdate(reg, p, n); }

#endif

bool g_available = false;

napi_value Throw(napi_env env, const char* code, const char* message, bool range) {
  if (range)
    napi_throw_range_error(env, code, message);
  else
    napi_throw_type_error(env, code, message);
  return nullptr;
}

bool GetIndex(napi_env env, napi_value v, double* out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) return false;
  return napi_get_value_double(env, v, out) == napi_ok;
}

using UpdateFn = uint32_t (*)(uint32_t, const uint8_t*, size_t);

// update(crc, buf, start, end); the callback's data is the UpdateFn to run.
napi_value Update(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  void* fn = nullptr;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, &fn) != napi_ok) return nullptr;
  if (!g_available)
    return Throw(env, "ERR_CRC32C_UNAVAILABLE", "the CRC-32C addon needs SSE4.2 and PCLMULQDQ", false);
  if (argc != 4) return Throw(env, "ERR_INVALID_ARG_COUNT", "update(crc, buf, start, end) takes 4 arguments", false);
  uint32_t crc;
  if (napi_get_value_uint32(env, argv[0], &crc) != napi_ok)
    return Throw(env, "ERR_INVALID_ARG_TYPE", "crc must be a number", false);
  bool isTyped = false;
  napi_is_typedarray(env, argv[1], &isTyped);
  if (!isTyped) return Throw(env, "ERR_INVALID_ARG_TYPE", "buf must be a Uint8Array", false);
  napi_typedarray_type type;
  size_t length;
  void* data;
  if (napi_get_typedarray_info(env, argv[1], &type, &length, &data, nullptr, nullptr) != napi_ok ||
      type != napi_uint8_array)
    return Throw(env, "ERR_INVALID_ARG_TYPE", "buf must be a Uint8Array", false);
  double start, end;
  if (!GetIndex(env, argv[2], &start) || !GetIndex(env, argv[3], &end))
    return Throw(env, "ERR_INVALID_ARG_TYPE", "start and end must be numbers", false);
  if (!(start >= 0) || !(end >= start) || end > static_cast<double>(length) || start != static_cast<size_t>(start) ||
      end != static_cast<size_t>(end))
    return Throw(env, "ERR_OUT_OF_RANGE", "need 0 <= start <= end <= buf.length, integers", true);
  const size_t s = static_cast<size_t>(start);
  const size_t e = static_cast<size_t>(end);
  const uint32_t reg = reinterpret_cast<UpdateFn>(fn)(~crc, static_cast<const uint8_t*>(data) + s, e - s);
  napi_value result;
  if (napi_create_uint32(env, ~reg, &result) != napi_ok) return nullptr;
  return result;
}

bool SetFunction(napi_env env, napi_value exports, const char* name, UpdateFn fn) {
  napi_value f;
  return napi_create_function(env, name, NAPI_AUTO_LENGTH, Update, reinterpret_cast<void*>(fn), &f) == napi_ok &&
         napi_set_named_property(env, exports, name, f) == napi_ok;
}

napi_value Init(napi_env env, napi_value exports) {
  g_available = InitHardware();
  napi_value available, kind;
  const char* kindName = !g_available ? "none" : g_avx512 ? "avx512-vpclmulqdq" : "sse4.2-3way";
  if (napi_get_boolean(env, g_available, &available) != napi_ok ||
      napi_set_named_property(env, exports, "available", available) != napi_ok ||
      napi_create_string_utf8(env, kindName, NAPI_AUTO_LENGTH, &kind) != napi_ok ||
      napi_set_named_property(env, exports, "kind", kind) != napi_ok ||
      !SetFunction(env, exports, "update", HardwareUpdate) || !SetFunction(env, exports, "updateSse42", Sse42Update))
    return nullptr;
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
