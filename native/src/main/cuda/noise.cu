// Gaussian noise for the noise probe: out = (float) (base + sigma * z) with z from philox.cuh,
// the same expression, in the same precision, as dev.overtune.probe.Perturbations.addNoise.
#include "philox.cuh"

// Raw Philox words, four per block, for checking the stream against the Java generator.
extern "C" __global__ void overtune_philox_words(ot_u32* out, ot_u64 blocks, ot_u32 parameter, ot_u32 stream, ot_u64 seed) {
    ot_u64 b = (ot_u64) blockIdx.x * blockDim.x + threadIdx.x;
    if (b >= blocks) {
        return;
    }
    ot_u32 w[4];
    ot_philox4x32_10((ot_u32) b, (ot_u32) (b >> 32), parameter, stream, (ot_u32) seed, (ot_u32) (seed >> 32), w);
    for (int i = 0; i < 4; i++) {
        out[4 * b + i] = w[i];
    }
}

// Standard normals for elements [0, n) of a parameter; each thread makes one counter block (4 elements).
extern "C" __global__ void overtune_gaussian(double* out, ot_i64 n, ot_u32 parameter, ot_u32 stream, ot_u64 seed) {
    ot_u64 b = (ot_u64) blockIdx.x * blockDim.x + threadIdx.x;
    ot_i64 first = (ot_i64) (4 * b);
    if (first >= n) {
        return;
    }
    double z[4];
    ot_gaussian4(seed, parameter, stream, b, z);
    for (int lane = 0; lane < 4 && first + lane < n; lane++) {
        out[first + lane] = z[lane];
    }
}

// out[e] = (float) (base[e] + sigma * z[e]) for the n elements of one parameter; out may equal base.
extern "C" __global__ void overtune_add_noise(float* out, const float* base, ot_i64 n, double sigma,
                                              ot_u32 parameter, ot_u32 stream, ot_u64 seed) {
    ot_u64 b = (ot_u64) blockIdx.x * blockDim.x + threadIdx.x;
    ot_i64 first = (ot_i64) (4 * b);
    if (first >= n) {
        return;
    }
    double z[4];
    ot_gaussian4(seed, parameter, stream, b, z);
    for (int lane = 0; lane < 4 && first + lane < n; lane++) {
        out[first + lane] = (float) ot_dadd((double) base[first + lane], ot_dmul(sigma, z[lane]));
    }
}
