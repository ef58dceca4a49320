// Softmax over the last axis and the fused softmax cross-entropy of the IR. One thread block per row.
#include "reduce.cuh"

// Max and 1/sum(exp(x - max)) of one row, reduced across the block; every thread gets both.
__device__ void ot_row_softmax_stats(const float* xr, int cols, float* scratch, float* max, float* inv) {
    float m = OT_NEG_INF;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        m = fmaxf(m, xr[c]);
    }
    m = ot_block_max(m, scratch);
    float sum = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        sum += expf(xr[c] - m);
    }
    *max = m;
    *inv = 1.0f / ot_block_sum(sum, scratch);
}

extern "C" __global__ void overtune_softmax(float* y, const float* x, int rows, int cols) {
    __shared__ float scratch[32];
    int row = blockIdx.x;
    if (row >= rows) {
        return;
    }
    const float* xr = x + (ot_i64) row * cols;
    float* yr = y + (ot_i64) row * cols;
    float m;
    float inv;
    ot_row_softmax_stats(xr, cols, scratch, &m, &inv);
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        yr[c] = expf(xr[c] - m) * inv;
    }
}

// dx = y * (dy - sum(dy * y)) per row.
extern "C" __global__ void overtune_softmax_backward(float* dx, const float* y, const float* dy, int rows, int cols) {
    __shared__ float scratch[32];
    int row = blockIdx.x;
    if (row >= rows) {
        return;
    }
    ot_i64 base = (ot_i64) row * cols;
    float dot = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        dot += dy[base + c] * y[base + c];
    }
    dot = ot_block_sum(dot, scratch);
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        dx[base + c] = y[base + c] * (dy[base + c] - dot);
    }
}

// loss[r] = logsumexp(logits[r]) - logits[r, target[r]], 0 where target == ignore_index.
extern "C" __global__ void overtune_cross_entropy(float* loss, const float* logits, const ot_i64* targets,
                                                  int rows, int vocab, ot_i64 ignore_index) {
    __shared__ float scratch[32];
    int row = blockIdx.x;
    if (row >= rows) {
        return;
    }
    ot_i64 target = targets[row];
    if (target == ignore_index) {
        if (threadIdx.x == 0) {
            loss[row] = 0.0f;
        }
        return;
    }
    const float* lr = logits + (ot_i64) row * vocab;
    float m = OT_NEG_INF;
    for (int c = threadIdx.x; c < vocab; c += blockDim.x) {
        m = fmaxf(m, lr[c]);
    }
    m = ot_block_max(m, scratch);
    float sum = 0.0f;
    for (int c = threadIdx.x; c < vocab; c += blockDim.x) {
        sum += expf(lr[c] - m);
    }
    sum = ot_block_sum(sum, scratch);
    if (threadIdx.x == 0) {
        loss[row] = logf(sum) + m - lr[target];
    }
}

// dlogits[r, c] = dloss[r] * (softmax(logits[r])[c] - [c == target[r]]), zero rows where ignored.
extern "C" __global__ void overtune_cross_entropy_backward(float* dlogits, const float* logits, const ot_i64* targets,
                                                           const float* dloss, int rows, int vocab, ot_i64 ignore_index) {
    __shared__ float scratch[32];
    int row = blockIdx.x;
    if (row >= rows) {
        return;
    }
    ot_i64 target = targets[row];
    const float* lr = logits + (ot_i64) row * vocab;
    float* dr = dlogits + (ot_i64) row * vocab;
    if (target == ignore_index) {
        for (int c = threadIdx.x; c < vocab; c += blockDim.x) {
            dr[c] = 0.0f;
        }
        return;
    }
    float m;
    float inv;
    ot_row_softmax_stats(lr, vocab, scratch, &m, &inv);
    float scale = dloss[row];
    for (int c = threadIdx.x; c < vocab; c += blockDim.x) {
        float p = expf(lr[c] - m) * inv;
        dr[c] = scale * (p - (c == target ? 1.0f : 0.0f));
    }
}
