/*
 * The checking fake CUDA driver (libcuda.so.1) and cuBLAS (libcublas.so.13) that FakeDriverTest
 * builds with the machine's cc: device memory is host memory (mmap'd, untouched until copied to),
 * kernels and GEMMs are never executed; every call's arguments are checked and each fault is kept
 * as a finding. What libcublas needs from the driver's state is below; the fake_cuda_* functions
 * are also what the Java side reads the findings and counts through.
 */
#ifndef OVERTUNE_FAKE_CUDA_H
#define OVERTUNE_FAKE_CUDA_H

#include <stdint.h>

/* 1 when [pointer, pointer + bytes) lies inside one live allocation; its base and size then. */
int fake_cuda_inside(uint64_t pointer, uint64_t bytes, uint64_t *base, uint64_t *size);
/* Records a finding (printf-style); returns 1. */
int fake_cuda_finding(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* Counts one call of a kind ("launch", "gemm", "gemm_matrices", ...) by n. */
void fake_cuda_count(const char *kind, long n);
/* Whether this call of symbol was chosen to fail by fake_cuda_fail; consumes the choice. */
int fake_cuda_should_fail(const char *symbol);
/* Whether a context is current on this thread (cuBLAS needs one). */
int fake_cuda_context_current(void);

/* For the Java side. */
long fake_cuda_stat(const char *name);
int fake_cuda_finding_text(long index, char *out, int capacity);
void fake_cuda_fail(const char *symbol, int status, int after_calls);
void fake_cuda_reset(void);
void fake_cuda_set_driver_version(int version);
void fake_cuda_watch_uploads(long bytes);

#endif
