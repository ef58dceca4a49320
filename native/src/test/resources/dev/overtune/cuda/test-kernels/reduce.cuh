// Block-wide sum and max over float, warp shuffles then one shared-memory pass. Every thread of
// the block must call them; blockDim.x a multiple of 32, at most 1024. Summation order is fixed
// by the launch shape, so results are reproducible run to run (not equal to a sequential sum).
#ifndef OVERTUNE_REDUCE_CUH
#define OVERTUNE_REDUCE_CUH

#include "overtune_math.cuh"

// -inf without math.h (NVRTC has no system headers).
#define OT_NEG_INF (__int_as_float(0xff800000))

__device__ __forceinline__ float ot_warp_sum(float x) {
    for (int offset = 16; offset > 0; offset /= 2) {
        x += __shfl_xor_sync(0xffffffffu, x, offset);
    }
    return x;
}

__device__ __forceinline__ float ot_warp_max(float x) {
    for (int offset = 16; offset > 0; offset /= 2) {
        x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, offset));
    }
    return x;
}

__device__ __forceinline__ float ot_block_sum(float x, float* scratch /* 32 floats */) {
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    x = ot_warp_sum(x);
    __syncthreads();
    if (lane == 0) {
        scratch[warp] = x;
    }
    __syncthreads();
    x = lane < warps ? scratch[lane] : 0.0f;
    return ot_warp_sum(x);
}

__device__ __forceinline__ float ot_block_max(float x, float* scratch /* 32 floats */) {
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    x = ot_warp_max(x);
    __syncthreads();
    if (lane == 0) {
        scratch[warp] = x;
    }
    __syncthreads();
    x = lane < warps ? scratch[lane] : OT_NEG_INF;
    return ot_warp_max(x);
}

#endif
