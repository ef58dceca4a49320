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

// (x + 0.5) / 2^32 lies strictly inside (0, 1), so the log is finite.
OT_HD void ot_box_muller(ot_u32 a, ot_u32 b, double* z0, double* z1) {
    const double inv_2_32 = 1.0 / 4294967296.0;
    const double two_pi = 2.0 * 3.141592653589793;
    double u1 = ot_dmul((double) a + 0.5, inv_2_32);
    double u2 = ot_dmul((double) b + 0.5, inv_2_32);
    double r = sqrt(-2.0 * log(u1));
    double t = ot_dmul(two_pi, u2);
    *z0 = ot_dmul(r, cos(t));
    *z1 = ot_dmul(r, sin(t));
}

// The four standard normals of counter block `block` of (parameter, stream) under seed.
OT_HD void ot_gaussian4(ot_u64 seed, ot_u32 parameter, ot_u32 stream, ot_u64 block, double z[4]) {
    ot_u32 w[4];
    ot_philox4x32_10((ot_u32) block, (ot_u32) (block >> 32), parameter, stream, (ot_u32) seed, (ot_u32) (seed >> 32), w);
    ot_box_muller(w[0], w[1], &z[0], &z[1]);
    ot_box_muller(w[2], w[3], &z[2], &z[3]);
}

#endif
