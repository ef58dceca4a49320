// One AdamW element update in the order and float precision of dev.overtune.train.AdamW.update:
// decoupled decay, moments, bias-corrected step. Scalars are computed on the host as Java does.
#ifndef OVERTUNE_ADAMW_CUH
#define OVERTUNE_ADAMW_CUH

#include "overtune_math.cuh"

struct ot_adamw_scalars {
    float beta1, beta2, one_minus_beta1, one_minus_beta2;
    float step_size;   // (float) (lr / (1 - beta1^t))
    float correction;  // (float) sqrt(1 - beta2^t)
    float eps;
    float decay;       // (float) (1 - lr * weight_decay), or 1 for parameters that do not decay
};

OT_HD void ot_adamw_element(float* p, float g, float* m, float* v, const ot_adamw_scalars s) {
    float mi = ot_fadd(ot_fmul(s.beta1, *m), ot_fmul(s.one_minus_beta1, g));
    float vi = ot_fadd(ot_fmul(s.beta2, *v), ot_fmul(ot_fmul(s.one_minus_beta2, g), g));
    *m = mi;
    *v = vi;
    float denom = ot_fadd(ot_fdiv(ot_fsqrt(vi), s.correction), s.eps);
    *p = ot_fsub(ot_fmul(*p, s.decay), ot_fdiv(ot_fmul(s.step_size, mi), denom));
}

#endif
