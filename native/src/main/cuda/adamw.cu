#include "adamw.cuh"

// AdamW over n contiguous elements (one parameter, or all parameters sharing a decay).
extern "C" __global__ void overtune_adamw(float* params, const float* grads, float* m, float* v, ot_i64 n,
                                          float beta1, float beta2, float one_minus_beta1, float one_minus_beta2,
                                          float step_size, float correction, float eps, float decay) {
    ot_i64 i = (ot_i64) blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) {
        return;
    }
    ot_adamw_scalars s = {beta1, beta2, one_minus_beta1, one_minus_beta2, step_size, correction, eps, decay};
    float p = params[i], mi = m[i], vi = v[i];
    ot_adamw_element(&p, grads[i], &mi, &vi, s);
    params[i] = p;
    m[i] = mi;
    v[i] = vi;
}

// grads *= scale (global-norm clipping), in float as the CPU path does.
extern "C" __global__ void overtune_scale(float* x, ot_i64 n, float scale) {
    ot_i64 i = (ot_i64) blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        x[i] = ot_fmul(x[i], scale);
    }
}
