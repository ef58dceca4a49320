// Shared by the kernels (device) and the host harness (CPU): exact IEEE arithmetic in the order
// the Java reference uses. nvcc contracts a*b+c into one FMA by default, which Java never does;
// the __f*_rn / __d*_rn intrinsics are never contracted, so device results match Java bit for bit.
// NVRTC compiles this too: no system headers.
#ifndef OVERTUNE_MATH_CUH
#define OVERTUNE_MATH_CUH

typedef unsigned int ot_u32;
typedef unsigned long long ot_u64;
typedef long long ot_i64;

#define OT_HD __host__ __device__ __forceinline__

OT_HD float ot_fadd(float a, float b) {
#ifdef __CUDA_ARCH__
    return __fadd_rn(a, b);
#else
    return a + b;
#endif
}

OT_HD float ot_fsub(float a, float b) {
#ifdef __CUDA_ARCH__
    return __fsub_rn(a, b);
#else
    return a - b;
#endif
}

OT_HD float ot_fmul(float a, float b) {
#ifdef __CUDA_ARCH__
    return __fmul_rn(a, b);
#else
    return a * b;
#endif
}

OT_HD float ot_fdiv(float a, float b) {
#ifdef __CUDA_ARCH__
    return __fdiv_rn(a, b);
#else
    return a / b;
#endif
}

// Java's (float) Math.sqrt(f): the double root of a float, rounded to float, equals the correctly
// rounded float root.
OT_HD float ot_fsqrt(float a) {
#ifdef __CUDA_ARCH__
    return __fsqrt_rn(a);
#else
    return (float) sqrt((double) a);
#endif
}

OT_HD double ot_dadd(double a, double b) {
#ifdef __CUDA_ARCH__
    return __dadd_rn(a, b);
#else
    return a + b;
#endif
}

OT_HD double ot_dmul(double a, double b) {
#ifdef __CUDA_ARCH__
    return __dmul_rn(a, b);
#else
    return a * b;
#endif
}

OT_HD double ot_ddiv(double a, double b) {
#ifdef __CUDA_ARCH__
    return __ddiv_rn(a, b);
#else
    return a / b;
#endif
}

OT_HD double ot_dsqrt(double a) {
#ifdef __CUDA_ARCH__
    return __dsqrt_rn(a);
#else
    return __builtin_sqrt(a);
#endif
}

// Java's Double.doubleToRawLongBits and longBitsToDouble.
OT_HD ot_u64 ot_double_bits(double d) {
#ifdef __CUDA_ARCH__
    return (ot_u64) __double_as_longlong(d);
#else
    ot_u64 u;
    __builtin_memcpy(&u, &d, sizeof u);
    return u;
#endif
}

OT_HD double ot_bits_double(ot_u64 u) {
#ifdef __CUDA_ARCH__
    return __longlong_as_double((long long) u);
#else
    double d;
    __builtin_memcpy(&d, &u, sizeof d);
    return d;
#endif
}

OT_HD ot_u32 ot_float_bits(float x) {
#ifdef __CUDA_ARCH__
    return __float_as_uint(x);
#else
    ot_u32 bits;
    __builtin_memcpy(&bits, &x, sizeof bits);
    return bits;
#endif
}

// float to bfloat16 bits, round to nearest even; a NaN stays a (quiet) NaN. The BF16 compute copies.
OT_HD unsigned short ot_f32_to_bf16(float x) {
    ot_u32 bits = ot_float_bits(x);
    if ((bits & 0x7fffffffu) > 0x7f800000u) {
        return (unsigned short) ((bits >> 16) | 0x40u);
    }
    return (unsigned short) ((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

// Java's Math.max(double, double) for the values a max-|x| reduction meets: NaN wins.
OT_HD float ot_max_nan(float m, float a) {
    return (a != a || a > m) ? a : m;
}

#endif
