// Philox4x32-10 and Box–Muller, identical to dev.overtune.probe.Philox and GaussianNoise:
// element e of parameter p under (seed, stream) is lane e%4 of the block with counter
// (e/4 low, e/4 high, p, stream) and key (seed low, seed high); each block's four words give
// two Box–Muller pairs computed in double.
#ifndef OVERTUNE_PHILOX_CUH
#define OVERTUNE_PHILOX_CUH

#include "overtune_math.cuh"

#define OT_PHILOX_M0 0xD2511F53u
#define OT_PHILOX_M1 0xCD9E8D57u
#define OT_PHILOX_W0 0x9E3779B9u
#define OT_PHILOX_W1 0xBB67AE85u

OT_HD void ot_philox4x32_10(ot_u32 c0, ot_u32 c1, ot_u32 c2, ot_u32 c3, ot_u32 k0, ot_u32 k1, ot_u32 out[4]) {
    for (int round = 0; round < 10; round++) {
        ot_u64 p0 = (ot_u64) OT_PHILOX_M0 * c0;
        ot_u64 p1 = (ot_u64) OT_PHILOX_M1 * c2;
        ot_u32 hi0 = (ot_u32) (p0 >> 32), lo0 = (ot_u32) p0;
        ot_u32 hi1 = (ot_u32) (p1 >> 32), lo1 = (ot_u32) p1;
        c0 = hi1 ^ c1 ^ k0;
        c1 = lo1;
        c2 = hi0 ^ c3 ^ k1;
        c3 = lo0;
        k0 += OT_PHILOX_W0;
        k1 += OT_PHILOX_W1;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

// ln(u) for normal u > 0, as GaussianNoise.logUnit: u = m·2^e, m in [√½, √2), ln m = 2 atanh(s),
// s = (m−1)/(m+1), the series to s^19 in Estrin's scheme. Only +, −, ×, ÷ (never contracted): the
// same bits as Java, where libm's log would differ by an ulp now and then.
OT_HD double ot_log_unit(double u) {
    ot_u64 bits = ot_double_bits(u);
    ot_i64 e = (ot_i64) ((bits >> 52) & 0x7FF) - 1023;
    double m = ot_bits_double((bits & 0xFFFFFFFFFFFFFull) | 0x3FF0000000000000ull);
    if (m > 0x1.6a09e667f3bcdp+0) {
        m = ot_dmul(m, 0.5);
        e = e + 1;
    }
    double s = ot_ddiv(ot_dadd(m, -1.0), ot_dadd(m, 1.0));
    double z = ot_dmul(s, s);
    double z2 = ot_dmul(z, z);
    double z4 = ot_dmul(z2, z2);
    double lo = ot_dadd(ot_dadd(1.0, ot_dmul(z, 0x1.5555555555555p-2)),
                        ot_dmul(z2, ot_dadd(0x1.999999999999ap-3, ot_dmul(z, 0x1.2492492492492p-3))));
    double hi = ot_dadd(ot_dadd(0x1.c71c71c71c71cp-4, ot_dmul(z, 0x1.745d1745d1746p-4)),
                        ot_dmul(z2, ot_dadd(0x1.3b13b13b13b14p-4, ot_dmul(z, 0x1.1111111111111p-4))));
    double z8 = ot_dmul(z4, z4);
    double p = ot_dadd(ot_dadd(lo, ot_dmul(z4, hi)), ot_dmul(z8, ot_dadd(0x1.e1e1e1e1e1e1ep-5, ot_dmul(z, 0x1.af286bca1af28p-5))));
    return ot_dadd(ot_dmul((double) e, 0x1.62e42fefa39efp-1), ot_dmul(ot_dmul(2.0, s), p));
}

// One Box–Muller pair, as GaussianNoise.boxMuller: r = √(−2 ln u1) and θ = 2π u2 = (π/2)(q + f), q the
// nearest quadrant found in integers, sine and cosine of (π/2)f by Taylor series to x^12 and x^14.
// (a + 0.5) / 2^32 lies strictly inside (0, 1), so the log is finite.
OT_HD void ot_box_muller(ot_u32 a, ot_u32 b, double* z0, double* z1) {
    double u1 = ot_dmul(ot_dadd((double) a, 0.5), 0x1p-32);
    double r = ot_dsqrt(ot_dmul(-2.0, ot_log_unit(u1)));
    ot_i64 w = (ot_i64) b;
    ot_i64 q = (w + (1ll << 29)) >> 30;
    double x = ot_dmul(ot_dmul(ot_dadd((double) (w - (q << 30)), 0.5), 0x1p-30), 0x1.921fb54442d18p+0);
    double z = ot_dmul(x, x);
    double z2 = ot_dmul(z, z);
    double z4 = ot_dmul(z2, z2);
    double sin_over_x = ot_dadd(
        ot_dadd(ot_dadd(1.0, ot_dmul(z, -0x1.5555555555555p-3)),
                ot_dmul(z2, ot_dadd(0x1.1111111111111p-7, ot_dmul(z, -0x1.a01a01a01a01ap-13)))),
        ot_dmul(z4, ot_dadd(ot_dadd(0x1.71de3a556c734p-19, ot_dmul(z, -0x1.ae64567f544e4p-26)),
                            ot_dmul(z2, 0x1.6124613a86d09p-33))));
    double c = ot_dadd(
        ot_dadd(ot_dadd(1.0, ot_dmul(z, -0.5)),
                ot_dmul(z2, ot_dadd(0x1.5555555555555p-5, ot_dmul(z, -0x1.6c16c16c16c17p-10)))),
        ot_dmul(z4, ot_dadd(ot_dadd(0x1.a01a01a01a01ap-16, ot_dmul(z, -0x1.27e4fb7789f5cp-22)),
                            ot_dmul(z2, ot_dadd(0x1.1eed8eff8d898p-29, ot_dmul(z, -0x1.93974a8c07c9dp-37))))));
    double s = ot_dmul(x, sin_over_x);
    switch ((int) (q & 3)) {
        case 0: *z0 = ot_dmul(r, c); *z1 = ot_dmul(r, s); break;
        case 1: *z0 = ot_dmul(r, -s); *z1 = ot_dmul(r, c); break;
        case 2: *z0 = ot_dmul(r, -c); *z1 = ot_dmul(r, -s); break;
        default: *z0 = ot_dmul(r, s); *z1 = ot_dmul(r, -c); break;
    }
}

// The four standard normals of counter block `block` of (parameter, stream) under seed.
OT_HD void ot_gaussian4(ot_u64 seed, ot_u32 parameter, ot_u32 stream, ot_u64 block, double z[4]) {
    ot_u32 w[4];
    ot_philox4x32_10((ot_u32) block, (ot_u32) (block >> 32), parameter, stream, (ot_u32) seed, (ot_u32) (seed >> 32), w);
    ot_box_muller(w[0], w[1], &z[0], &z[1]);
    ot_box_muller(w[2], w[3], &z[2], &z[3]);
}

#endif
