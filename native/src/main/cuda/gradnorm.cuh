// The step's gradient math between backward and AdamW, shared by the kernels (train_step.cu) and
// the host harness: the L2-to-anchor gradient in the float order of dev.overtune.train.AnchorGradient,
// and the pieces of a deterministic global sum of squares. The sum's order is fixed by the launch
// (blocks x OT_NORM_THREADS, chosen by the host from n alone), so it is reproducible run to run and
// card to card; it is not Java's sequential order, so the norm may differ from GradClip.globalNorm
// in the last bits (each square is exact in double; only the additions round).
#ifndef OVERTUNE_GRADNORM_CUH
#define OVERTUNE_GRADNORM_CUH

#include "overtune_math.cuh"

#define OT_NORM_THREADS 256

// g + strength * (p - anchor), in float, never contracted.
OT_HD float ot_anchor_grad(float g, float p, float anchor, float strength) {
    return ot_fadd(g, ot_fmul(strength, ot_fsub(p, anchor)));
}

// One thread's share of pass 1: squares of g[first], g[first + stride], ... below n, in that order.
OT_HD double ot_sumsq_strided(const float* g, ot_i64 n, ot_i64 first, ot_i64 stride) {
    double sum = 0.0;
    for (ot_i64 i = first; i < n; i += stride) {
        double x = (double) g[i];
        sum = ot_dadd(sum, ot_dmul(x, x));
    }
    return sum;
}

// One thread's share of pass 2: partial[first], partial[first + stride], ... below n, in that order.
OT_HD double ot_sum_strided(const double* partial, int n, int first, int stride) {
    double sum = 0.0;
    for (int i = first; i < n; i += stride) {
        sum = ot_dadd(sum, partial[i]);
    }
    return sum;
}

// One level of the block's tree: slot t takes in slot t + half. Levels run half = OT_NORM_THREADS/2 .. 1.
OT_HD void ot_tree_level(double* slots, int t, int half) {
    if (t < half) {
        slots[t] = ot_dadd(slots[t], slots[t + half]);
    }
}

#endif
