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
//   update(crc, buf, start, end): number
//                          the CRC-32C of buf[start, end) continued from `crc` (a finished
//                          CRC-32C, as the JavaScript implementation takes it); buf is any
//                          Uint8Array (Buffer included). Throws when unavailable or on bad
//                          arguments.
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

// Raw register update (no inversion) over p[0, n).
__attribute__((target("sse4.2,pclmul"))) uint32_t HardwareUpdate(uint32_t reg, const uint8_t* p,
                                                                 size_t n) {
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

bool InitHardware() {
  if (!DetectCpu()) return false;
  for (int k = 0; k < kLaneCount; k++) {
    kShift[k].by1 = XPowModP(8 * kLaneBytes[k] - 33);
    kShift[k].by2 = XPowModP(16 * kLaneBytes[k] - 33);
  }
  // Self-check against the bytewise reference across every code path before trusting it.
  uint8_t sample[3 * 4096 + 3 * 512 + 3 * 64 + 13];
  for (size_t i = 0; i < sizeof sample; i++) sample[i] = static_cast<uint8_t>(i * 131 + 7);
  const size_t lengths[] = {0, 1, 7, 8, 63, 192, 200, 1536, 1600, sizeof sample};
  for (size_t len : lengths) {
    if (HardwareUpdate(0xffffffffu, sample, len) != ReferenceUpdate(0xffffffffu, sample, len)) return false;
  }
  return true;
}

#else

bool InitHardware() { return false; }
uint32_t HardwareUpdate(uint32_t reg, const uint8_t* p, size_t n) { return ReferenceUpdate(reg, p, n); }

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

// update(crc, buf, start, end)
napi_value Update(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return nullptr;
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
  const uint32_t reg = HardwareUpdate(~crc, static_cast<const uint8_t*>(data) + s, e - s);
  napi_value result;
  if (napi_create_uint32(env, ~reg, &result) != napi_ok) return nullptr;
  return result;
}

napi_value Init(napi_env env, napi_value exports) {
  g_available = InitHardware();
  napi_value available, update;
  if (napi_get_boolean(env, g_available, &available) != napi_ok) return nullptr;
  if (napi_create_function(env, "update", NAPI_AUTO_LENGTH, Update, nullptr, &update) != napi_ok) return nullptr;
  if (napi_set_named_property(env, exports, "available", available) != napi_ok) return nullptr;
  if (napi_set_named_property(env, exports, "update", update) != napi_ok) return nullptr;
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
