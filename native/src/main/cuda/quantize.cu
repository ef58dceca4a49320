#include "quantize.cuh"

// A [rows, cols] row-major matrix with output channels along output_axis (0: rows, 1: columns);
// each channel is cut into groups of `group` consecutive weights (group = the channel's length for
// per-channel scales). One thread block per (channel, group); blockDim.x must be a power of two <= 1024.
extern "C" __global__ void overtune_quantize_rtn(float* dst, const float* src, int rows, int cols, int output_axis,
                                                 int group, int bits) {
    __shared__ float partial[1024];
    int channels = output_axis == 0 ? rows : cols;
    int length = output_axis == 0 ? cols : rows;
    int groups = (length + group - 1) / group;
    int channel = blockIdx.x / groups;
    int start = (blockIdx.x % groups) * group;
    int end = min(length, start + group);
    if (channel >= channels) {
        return;
    }
    float m = 0.0f;
    for (int k = start + threadIdx.x; k < end; k += blockDim.x) {
        ot_i64 i = output_axis == 0 ? (ot_i64) channel * cols + k : (ot_i64) k * cols + channel;
        m = ot_max_nan(m, fabsf(src[i]));
    }
    partial[threadIdx.x] = m;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half /= 2) {
        if (threadIdx.x < half) {
            partial[threadIdx.x] = ot_max_nan(partial[threadIdx.x], partial[threadIdx.x + half]);
        }
        __syncthreads();
    }
    float max_abs = partial[0];
    double levels = (double) ((1 << (bits - 1)) - 1);
    for (int k = start + threadIdx.x; k < end; k += blockDim.x) {
        ot_i64 i = output_axis == 0 ? (ot_i64) channel * cols + k : (ot_i64) k * cols + channel;
        dst[i] = ot_rtn(src[i], max_abs, levels);
    }
}
