// Runs the kernels' element functions (philox.cuh, adamw.cuh, quantize.cuh) on the CPU, so
// KernelHostHarnessTest can compare them with the Java generators bit for bit without a GPU.
// Compiled by nvcc as host code only. Reads one command per line on stdin, answers one line each;
// numbers travel as hex bit patterns so nothing is lost to decimal formatting.
//   philox C0 C1 C2 C3 K0 K1            -> W0 W1 W2 W3
//   gauss SEED STREAM PARAM ELEMENT     -> bits of the double normal
//   addnoise SEED STREAM PARAM ELEMENT SIGMA BASE -> bits of (float) (base + sigma * z)
//   adamw B1 B2 OMB1 OMB2 STEP CORR EPS DECAY P G M V -> P M V   (float bits)
//   rtn X MAXABS BITS                   -> bits of the rounded float
//   anchor G P A STRENGTH               -> bits of the gradient with the L2-to-anchor term (floats)
//   bf16 X                              -> the bfloat16 bits of float X (4 hex digits)
//   sumsq BLOCKS N G0 .. G(N-1)         -> bits of the double sum of squares, in the two-pass
//                                          order of overtune_sumsq_partials + overtune_sum_partials
#include <cmath>
#include <cstdio>
#include <cstring>
#include <cstdint>

#include "philox.cuh"
#include "adamw.cuh"
#include "quantize.cuh"
#include "gradnorm.cuh"
#include <vector>

static float f(unsigned int bits) { float v; std::memcpy(&v, &bits, 4); return v; }
static unsigned int fb(float v) { unsigned int b; std::memcpy(&b, &v, 4); return b; }
static double d(unsigned long long bits) { double v; std::memcpy(&v, &bits, 8); return v; }
static unsigned long long db(double v) { unsigned long long b; std::memcpy(&b, &v, 8); return b; }

static double normal(ot_u64 seed, ot_u32 stream, ot_u32 param, ot_u64 element) {
    double z[4];
    ot_gaussian4(seed, param, stream, element >> 2, z);
    return z[element & 3];
}

// A block's tree as the kernels run it, one level at a time (threads in any order within a level).
static double block_tree(double* slots) {
    for (int half = OT_NORM_THREADS / 2; half > 0; half /= 2) {
        for (int t = 0; t < OT_NORM_THREADS; t++) ot_tree_level(slots, t, half);
    }
    return slots[0];
}

static double global_sumsq(const float* g, ot_i64 n, int blocks) {
    std::vector<double> partial(blocks);
    double slots[OT_NORM_THREADS];
    ot_i64 stride = (ot_i64) blocks * OT_NORM_THREADS;
    for (int b = 0; b < blocks; b++) {
        for (int t = 0; t < OT_NORM_THREADS; t++) slots[t] = ot_sumsq_strided(g, n, (ot_i64) b * OT_NORM_THREADS + t, stride);
        partial[b] = block_tree(slots);
    }
    for (int t = 0; t < OT_NORM_THREADS; t++) slots[t] = ot_sum_strided(partial.data(), blocks, t, OT_NORM_THREADS);
    return block_tree(slots);
}

int main() {
    char cmd[32];
    while (std::scanf("%31s", cmd) == 1) {
        if (!std::strcmp(cmd, "philox")) {
            ot_u32 c[4], k[2], w[4];
            std::scanf("%x %x %x %x %x %x", &c[0], &c[1], &c[2], &c[3], &k[0], &k[1]);
            ot_philox4x32_10(c[0], c[1], c[2], c[3], k[0], k[1], w);
            std::printf("%08x %08x %08x %08x\n", w[0], w[1], w[2], w[3]);
        } else if (!std::strcmp(cmd, "gauss")) {
            unsigned long long seed, element; ot_u32 stream, param;
            std::scanf("%llx %x %x %llx", &seed, &stream, &param, &element);
            std::printf("%016llx\n", db(normal(seed, stream, param, element)));
        } else if (!std::strcmp(cmd, "addnoise")) {
            unsigned long long seed, element, sigma; ot_u32 stream, param, base;
            std::scanf("%llx %x %x %llx %llx %x", &seed, &stream, &param, &element, &sigma, &base);
            double z = normal(seed, stream, param, element);
            std::printf("%08x\n", fb((float) ot_dadd((double) f(base), ot_dmul(d(sigma), z))));
        } else if (!std::strcmp(cmd, "adamw")) {
            ot_u32 a[12];
            for (int i = 0; i < 12; i++) std::scanf("%x", &a[i]);
            ot_adamw_scalars s = {f(a[0]), f(a[1]), f(a[2]), f(a[3]), f(a[4]), f(a[5]), f(a[6]), f(a[7])};
            float p = f(a[8]), m = f(a[10]), v = f(a[11]);
            ot_adamw_element(&p, f(a[9]), &m, &v, s);
            std::printf("%08x %08x %08x\n", fb(p), fb(m), fb(v));
        } else if (!std::strcmp(cmd, "rtn")) {
            ot_u32 x, max; int bits;
            std::scanf("%x %x %d", &x, &max, &bits);
            std::printf("%08x\n", fb(ot_rtn(f(x), f(max), (double) ((1 << (bits - 1)) - 1))));
        } else if (!std::strcmp(cmd, "bf16")) {
            ot_u32 x;
            std::scanf("%x", &x);
            std::printf("%04x\n", (unsigned) ot_f32_to_bf16(f(x)));
        } else if (!std::strcmp(cmd, "anchor")) {
            ot_u32 g, p, a, s;
            std::scanf("%x %x %x %x", &g, &p, &a, &s);
            std::printf("%08x\n", fb(ot_anchor_grad(f(g), f(p), f(a), f(s))));
        } else if (!std::strcmp(cmd, "sumsq")) {
            int blocks; long long n;
            std::scanf("%d %lld", &blocks, &n);
            std::vector<float> g(n);
            for (long long i = 0; i < n; i++) { ot_u32 bits; std::scanf("%x", &bits); g[i] = f(bits); }
            std::printf("%016llx\n", db(global_sumsq(g.data(), n, blocks)));
        } else {
            std::printf("unknown command %s\n", cmd);
            return 2;
        }
    }
    return 0;
}
