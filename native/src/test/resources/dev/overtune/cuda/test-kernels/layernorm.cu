// LayerNorm over the last axis, as the IR defines it: y = (x - mean) / sqrt(var + eps) * scale + bias,
// biased variance. One thread block per row. The backward recomputes mean and 1/std from x, as the
// IR's gradient does, so nothing is saved between the passes.
#include "reduce.cuh"

// Mean and 1/std of one row, reduced across the block; every thread gets both.
__device__ void ot_row_stats(const float* xr, int cols, float eps, float* scratch, float* mean, float* rstd) {
    float sum = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        sum += xr[c];
    }
    float m = ot_block_sum(sum, scratch) / cols;
    float sq = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        float d = xr[c] - m;
        sq += d * d;
    }
    *mean = m;
    *rstd = rsqrtf(ot_block_sum(sq, scratch) / cols + eps);
}

extern "C" __global__ void overtune_layernorm(float* y, const float* x, const float* scale, const float* bias,
                                              int rows, int cols, float eps) {
    __shared__ float scratch[32];
    int row = blockIdx.x;
    if (row >= rows) {
        return;
    }
    const float* xr = x + (ot_i64) row * cols;
    float* yr = y + (ot_i64) row * cols;
    float mean;
    float rstd;
    ot_row_stats(xr, cols, eps, scratch, &mean, &rstd);
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        yr[c] = (xr[c] - mean) * rstd * scale[c] + bias[c];
    }
}

// dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = dy * scale.
extern "C" __global__ void overtune_layernorm_backward_input(float* dx, const float* x, const float* scale, const float* dy,
                                                             int rows, int cols, float eps) {
    __shared__ float scratch[32];
    int row = blockIdx.x;
    if (row >= rows) {
        return;
    }
    const float* xr = x + (ot_i64) row * cols;
    const float* dyr = dy + (ot_i64) row * cols;
    float* dxr = dx + (ot_i64) row * cols;
    float mean;
    float rstd;
    ot_row_stats(xr, cols, eps, scratch, &mean, &rstd);
    float sumDxhat = 0.0f, sumDxhatXhat = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        float dxhat = dyr[c] * scale[c];
        sumDxhat += dxhat;
        sumDxhatXhat += dxhat * (xr[c] - mean) * rstd;
    }
    float meanDxhat = ot_block_sum(sumDxhat, scratch) / cols;
    float meanDxhatXhat = ot_block_sum(sumDxhatXhat, scratch) / cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        float xhat = (xr[c] - mean) * rstd;
        dxr[c] = rstd * (dyr[c] * scale[c] - meanDxhat - xhat * meanDxhatXhat);
    }
}

// dscale[c] = sum_r dy[r, c] * xhat[r, c], dbias[c] = sum_r dy[r, c]: one thread per column, rows
// in order (deterministic, no atomics). mean and rstd per row come from overtune_layernorm_stats.
extern "C" __global__ void overtune_layernorm_backward_params(float* dscale, float* dbias, const float* x, const float* dy,
                                                              const float* mean, const float* rstd, int rows, int cols) {
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= cols) {
        return;
    }
    float ds = 0.0f, db = 0.0f;
    for (int r = 0; r < rows; r++) {
        ot_i64 i = (ot_i64) r * cols + c;
        ds += dy[i] * (x[i] - mean[r]) * rstd[r];
        db += dy[i];
    }
    dscale[c] = ds;
    dbias[c] = db;
}

// Per-row mean and 1/sqrt(var + eps), for the parameter gradients.
extern "C" __global__ void overtune_layernorm_stats(float* mean, float* rstd, const float* x, int rows, int cols, float eps) {
    __shared__ float scratch[32];
    int row = blockIdx.x;
    if (row >= rows) {
        return;
    }
    const float* xr = x + (ot_i64) row * cols;
    float sum = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        sum += xr[c];
    }
    float m = ot_block_sum(sum, scratch) / cols;
    float sq = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        float d = xr[c] - m;
        sq += d * d;
    }
    float r = rsqrtf(ot_block_sum(sq, scratch) / cols + eps);
    if (threadIdx.x == 0) {
        mean[row] = m;
        rstd[row] = r;
    }
}
