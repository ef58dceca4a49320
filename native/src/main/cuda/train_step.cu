#include "gradnorm.cuh"

// grads += strength * (params - anchor): the L2-to-anchor gradient, before clipping.
extern "C" __global__ void overtune_add_anchor(float* grads, const float* params, const float* anchor, ot_i64 n, float strength) {
    for (ot_i64 i = (ot_i64) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (ot_i64) gridDim.x * blockDim.x) {
        grads[i] = ot_anchor_grad(grads[i], params[i], anchor[i], strength);
    }
}

__device__ __forceinline__ double ot_block_tree(double* slots, double mine) {
    slots[threadIdx.x] = mine;
    __syncthreads();
    for (int half = OT_NORM_THREADS / 2; half > 0; half /= 2) {
        ot_tree_level(slots, threadIdx.x, half);
        __syncthreads();
    }
    return slots[0];
}

// Pass 1 of the global sum of squares: block b writes partial[b]. Launch with OT_NORM_THREADS threads.
extern "C" __global__ void overtune_sumsq_partials(double* partial, const float* g, ot_i64 n) {
    __shared__ double slots[OT_NORM_THREADS];
    ot_i64 stride = (ot_i64) gridDim.x * OT_NORM_THREADS;
    double sum = ot_block_tree(slots, ot_sumsq_strided(g, n, (ot_i64) blockIdx.x * OT_NORM_THREADS + threadIdx.x, stride));
    if (threadIdx.x == 0) {
        partial[blockIdx.x] = sum;
    }
}

// Pass 2: one block of OT_NORM_THREADS threads sums the blocks' partials into *total.
extern "C" __global__ void overtune_sum_partials(double* total, const double* partial, int blocks) {
    __shared__ double slots[OT_NORM_THREADS];
    double sum = ot_block_tree(slots, ot_sum_strided(partial, blocks, threadIdx.x, OT_NORM_THREADS));
    if (threadIdx.x == 0) {
        *total = sum;
    }
}
