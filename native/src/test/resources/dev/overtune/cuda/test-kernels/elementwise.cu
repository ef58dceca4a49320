// Elementwise kernels of the IR: one thread per element, grid-stride over n.
#include "overtune_math.cuh"

#define OT_FOR_EACH(i, n) for (ot_i64 i = (ot_i64) blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (ot_i64) gridDim.x * blockDim.x)

extern "C" __global__ void overtune_add(float* out, const float* a, const float* b, ot_i64 n) {
    OT_FOR_EACH(i, n) { out[i] = a[i] + b[i]; }
}

extern "C" __global__ void overtune_mul(float* out, const float* a, const float* b, ot_i64 n) {
    OT_FOR_EACH(i, n) { out[i] = a[i] * b[i]; }
}

// out[r, c] = a[r, c] + bias[c]: the bias add after a matmul.
extern "C" __global__ void overtune_add_row_bias(float* out, const float* a, const float* bias, ot_i64 n, int cols) {
    OT_FOR_EACH(i, n) { out[i] = a[i] + bias[i % cols]; }
}

// out += a (gradient accumulation).
extern "C" __global__ void overtune_accumulate(float* out, const float* a, ot_i64 n) {
    OT_FOR_EACH(i, n) { out[i] += a[i]; }
}

// GPT-2's gelu_new: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
extern "C" __global__ void overtune_gelu_tanh(float* out, const float* x, ot_i64 n) {
    const float k = 0.7978845608028654f;
    OT_FOR_EACH(i, n) {
        float v = x[i];
        out[i] = 0.5f * v * (1.0f + tanhf(k * (v + 0.044715f * v * v * v)));
    }
}

// dx = dy * d/dx gelu_new(x).
extern "C" __global__ void overtune_gelu_tanh_backward(float* dx, const float* x, const float* dy, ot_i64 n) {
    const float k = 0.7978845608028654f;
    OT_FOR_EACH(i, n) {
        float v = x[i];
        float t = tanhf(k * (v + 0.044715f * v * v * v));
        float dinner = k * (1.0f + 3.0f * 0.044715f * v * v);
        dx[i] = dy[i] * (0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * dinner);
    }
}

// Exact GELU: 0.5 x (1 + erf(x / sqrt 2)).
extern "C" __global__ void overtune_gelu_erf(float* out, const float* x, ot_i64 n) {
    OT_FOR_EACH(i, n) {
        float v = x[i];
        out[i] = 0.5f * v * (1.0f + erff(v * 0.7071067811865476f));
    }
}

extern "C" __global__ void overtune_gelu_erf_backward(float* dx, const float* x, const float* dy, ot_i64 n) {
    OT_FOR_EACH(i, n) {
        float v = x[i];
        float cdf = 0.5f * (1.0f + erff(v * 0.7071067811865476f));
        float pdf = 0.3989422804014327f * expf(-0.5f * v * v);
        dx[i] = dy[i] * (cdf + v * pdf);
    }
}

// float to bfloat16 (round to nearest even; NaN stays NaN) and back: the BF16 matmul inputs.
extern "C" __global__ void overtune_f32_to_bf16(unsigned short* out, const float* x, ot_i64 n) {
    OT_FOR_EACH(i, n) { out[i] = ot_f32_to_bf16(x[i]); }
}

extern "C" __global__ void overtune_bf16_to_f32(float* out, const unsigned short* x, ot_i64 n) {
    OT_FOR_EACH(i, n) { out[i] = __uint_as_float(((ot_u32) x[i]) << 16); }
}
