/*
 * A checking fake of cuBLAS, answering as libcublas.so.13 for the functions overtune binds
 * (Cublas.Downcalls), against the fake driver's allocation table (fake_cuda.c; linked to it).
 * GEMMs are never computed. Each call is checked: a live handle and a current context; the
 * operations, types, compute type and algorithm; m, n, k, batch; leading dimensions at least the
 * stored rows; every operand's extent (all batches) inside one live allocation; each matrix's start
 * aligned to its element and to 16 bytes (cuBLAS's tensor-core kernels' requirement, else a slower
 * path or, for some type combinations, CUBLAS_STATUS_NOT_SUPPORTED); the output's batches not
 * overlapping each other or the inputs.
 */
#include "fake_cuda.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SUCCESS = 0, NOT_INITIALIZED = 1, INVALID_VALUE = 7, NOT_SUPPORTED = 15 };
enum { R_32F = 0, R_16F = 2, R_16BF = 14 };
enum { COMPUTE_16F = 64, COMPUTE_16F_PEDANTIC = 65, COMPUTE_32F = 68, COMPUTE_32F_PEDANTIC = 69, COMPUTE_32F_FAST_16F = 74,
       COMPUTE_32F_FAST_16BF = 75, COMPUTE_32F_FAST_TF32 = 77 };
enum { GEMM_DEFAULT = -1, GEMM_DEFAULT_TENSOR_OP = 99 };

typedef struct handle { int magic; int live; void *stream; } handle;
#define HANDLE_MAGIC 0x4842


int cublasCreate_v2(void **out) {
    int status = fake_cuda_should_fail("cublasCreate_v2");
    if (status) return status;
    if (!fake_cuda_context_current()) {
        fake_cuda_finding("cublasCreate_v2 without a current context");
        return NOT_INITIALIZED;
    }
    handle *h = calloc(1, sizeof(handle));
    h->magic = HANDLE_MAGIC;
    h->live = 1;
    fake_cuda_count("handles_live", 1);
    *out = h;
    return SUCCESS;
}

static int valid(void *h) {
    return h != NULL && ((handle *) h)->magic == HANDLE_MAGIC && ((handle *) h)->live;
}

int cublasDestroy_v2(void *h) {
    int status = fake_cuda_should_fail("cublasDestroy_v2");
    if (status) return status;
    if (!valid(h)) {
        fake_cuda_finding("cublasDestroy_v2(%p): not a live handle", h);
        return NOT_INITIALIZED;
    }
    ((handle *) h)->live = 0;
    fake_cuda_count("handles_live", -1);
    return SUCCESS;
}

int cublasSetStream_v2(void *h, void *stream) {
    int status = fake_cuda_should_fail("cublasSetStream_v2");
    if (status) return status;
    if (!valid(h)) {
        fake_cuda_finding("cublasSetStream_v2(%p): not a live handle", h);
        return NOT_INITIALIZED;
    }
    ((handle *) h)->stream = stream;
    return SUCCESS;
}

int cublasGetVersion_v2(void *h, int *version) {
    if (!valid(h)) {
        fake_cuda_finding("cublasGetVersion_v2(%p): not a live handle", h);
        return NOT_INITIALIZED;
    }
    *version = 130101;
    return SUCCESS;
}

const char *cublasGetStatusString(int status) {
    switch (status) {
        case SUCCESS: return "the operation completed successfully";
        case NOT_INITIALIZED: return "the library was not initialized";
        case INVALID_VALUE: return "an invalid numeric value was used as an argument";
        case NOT_SUPPORTED: return "the functionality requested is not supported";
        default: return "unknown error";
    }
}

static int element_bytes(int type) {
    return type == R_32F ? 4 : type == R_16F || type == R_16BF ? 2 : 0;
}

/* Whether cuBLAS accepts these input, output and compute types together (cublasGemmEx's table, the float-scaled rows). */
static int types_supported(int ab, int c, int compute) {
    if (compute == COMPUTE_32F || compute == COMPUTE_32F_PEDANTIC) {
        return (ab == R_32F && c == R_32F) || ((ab == R_16BF || ab == R_16F) && (c == ab || c == R_32F));
    }
    if (compute == COMPUTE_32F_FAST_TF32 || compute == COMPUTE_32F_FAST_16BF || compute == COMPUTE_32F_FAST_16F) {
        return ab == R_32F && c == R_32F;
    }
    return 0;
}

typedef struct { uint64_t start, end; } range;

/* One operand: rows × cols stored with leading dimension ld, batch matrices stride elements apart. */
static int operand(const char *call, const char *name, uint64_t pointer, int type, long rows, long cols, long ld, long long stride,
                   int batch, range *out) {
    int bytes = element_bytes(type);
    int faults = 0;
    if (ld < (rows > 1 ? rows : 1)) {
        faults += fake_cuda_finding("%s: ld%s = %ld is less than the %ld rows %s is stored with", call, name, ld, rows, name);
    }
    if (stride < 0) {
        faults += fake_cuda_finding("%s: stride%s = %lld is negative", call, name, stride);
    }
    uint64_t first = pointer;
    uint64_t last_batch = (uint64_t) (batch - 1) * (uint64_t) (stride < 0 ? 0 : stride) * (uint64_t) bytes;
    uint64_t extent = rows == 0 || cols == 0 ? 0 : last_batch + ((uint64_t) (cols - 1) * (uint64_t) ld + (uint64_t) rows) * (uint64_t) bytes;
    out->start = first;
    out->end = first + extent;
    if (extent == 0) {
        return faults;
    }
    uint64_t base = 0, size = 0;
    if (!fake_cuda_inside(first, extent, &base, &size)) {
        if (base == 0 && size == 0) {
            faults += fake_cuda_finding("%s: %s at 0x%llx is outside every live allocation", call, name, (unsigned long long) first);
        } else {
            faults += fake_cuda_finding("%s: %s spans %llu bytes from offset %llu of an allocation of %llu bytes (%llu past its end)",
                                        call, name, (unsigned long long) extent, (unsigned long long) (first - base),
                                        (unsigned long long) size, (unsigned long long) (first - base + extent - size));
        }
    }
    if (first % 16 != 0) {
        faults += fake_cuda_finding("%s: %s at 0x%llx is not 16-byte aligned", call, name, (unsigned long long) first);
    }
    if (batch > 1 && ((uint64_t) stride * (uint64_t) bytes) % 16 != 0) {
        faults += fake_cuda_finding("%s: stride%s = %lld elements leaves later batches' %s off 16-byte alignment", call, name, stride, name);
    }
    return faults;
}

static int overlap(range a, range b) {
    return a.start < a.end && b.start < b.end && a.start < b.end && b.start < a.end;
}

static int gemm(const char *call, void *h, int ta, int tb, int m, int n, int k, const void *alpha, uint64_t a, int atype, int lda,
                long long stride_a, uint64_t b, int btype, int ldb, long long stride_b, const void *beta, uint64_t c, int ctype, int ldc,
                long long stride_c, int batch, int compute, int algo) {
    fake_cuda_count("gemms", 1);
    fake_cuda_count("gemm_matrices", batch > 0 ? batch : 0);
    int faults = 0;
    if (!valid(h)) {
        fake_cuda_finding("%s: handle %p is not live", call, h);
        return NOT_INITIALIZED;
    }
    if (!fake_cuda_context_current()) faults += fake_cuda_finding("%s without a current context", call);
    if ((ta != 0 && ta != 1) || (tb != 0 && tb != 1)) faults += fake_cuda_finding("%s: operations %d, %d (0 N, 1 T)", call, ta, tb);
    if (m < 0 || n < 0 || k < 0 || batch < 0) faults += fake_cuda_finding("%s: m %d n %d k %d batch %d", call, m, n, k, batch);
    if (atype != btype || !types_supported(atype, ctype, compute)) {
        faults += fake_cuda_finding("%s: types A %d B %d C %d compute %d are not a supported combination", call, atype, btype, ctype, compute);
    }
    if (algo != GEMM_DEFAULT && algo != GEMM_DEFAULT_TENSOR_OP) faults += fake_cuda_finding("%s: algorithm %d", call, algo);
    if (alpha == NULL || beta == NULL) faults += fake_cuda_finding("%s: alpha or beta is NULL", call);
    if (faults > 0 || m == 0 || n == 0 || batch == 0) {
        return faults > 0 ? INVALID_VALUE : SUCCESS;
    }
    range ra, rb, rc;
    /* Column-major: op(A) is m × k, so A is stored m × k (N) or k × m (T); op(B) is k × n. */
    faults += operand(call, "A", a, atype, ta == 0 ? m : k, ta == 0 ? k : m, lda, stride_a, batch, &ra);
    faults += operand(call, "B", b, btype, tb == 0 ? k : n, tb == 0 ? n : k, ldb, stride_b, batch, &rb);
    faults += operand(call, "C", c, ctype, m, n, ldc, stride_c, batch, &rc);
    if (batch > 1 && (uint64_t) stride_c < (uint64_t) ((long long) (n - 1) * ldc + m)) {
        faults += fake_cuda_finding("%s: strideC = %lld elements is less than one %d x %d output (ldc %d): the batches' outputs overlap",
                                    call, stride_c, m, n, ldc);
    }
    if (overlap(rc, ra)) faults += fake_cuda_finding("%s: C [0x%llx, 0x%llx) overlaps A [0x%llx, 0x%llx)", call,
                                                     (unsigned long long) rc.start, (unsigned long long) rc.end,
                                                     (unsigned long long) ra.start, (unsigned long long) ra.end);
    if (overlap(rc, rb)) faults += fake_cuda_finding("%s: C [0x%llx, 0x%llx) overlaps B [0x%llx, 0x%llx)", call,
                                                     (unsigned long long) rc.start, (unsigned long long) rc.end,
                                                     (unsigned long long) rb.start, (unsigned long long) rb.end);
    return SUCCESS;
}

int cublasGemmEx(void *h, int ta, int tb, int m, int n, int k, const void *alpha, const void *a, int atype, int lda, const void *b,
                 int btype, int ldb, const void *beta, void *c, int ctype, int ldc, int compute, int algo) {
    int status = fake_cuda_should_fail("cublasGemmEx");
    if (status) return status;
    return gemm("cublasGemmEx", h, ta, tb, m, n, k, alpha, (uint64_t) (uintptr_t) a, atype, lda, 0, (uint64_t) (uintptr_t) b, btype,
                ldb, 0, beta, (uint64_t) (uintptr_t) c, ctype, ldc, 0, 1, compute, algo);
}

int cublasGemmStridedBatchedEx(void *h, int ta, int tb, int m, int n, int k, const void *alpha, const void *a, int atype, int lda,
                               long long stride_a, const void *b, int btype, int ldb, long long stride_b, const void *beta, void *c,
                               int ctype, int ldc, long long stride_c, int batch, int compute, int algo) {
    int status = fake_cuda_should_fail("cublasGemmStridedBatchedEx");
    if (status) return status;
    return gemm("cublasGemmStridedBatchedEx", h, ta, tb, m, n, k, alpha, (uint64_t) (uintptr_t) a, atype, lda, stride_a,
                (uint64_t) (uintptr_t) b, btype, ldb, stride_b, beta, (uint64_t) (uintptr_t) c, ctype, ldc, stride_c, batch, compute, algo);
}
