package dev.overtune.cuda.driver;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * cuBLAS through FFM: handle, stream, and the two GEMMs the backend needs ({@code cublasGemmEx},
 * {@code cublasGemmStridedBatchedEx}) in TF32 or BF16 tensor-core precision. Every non-zero
 * cublasStatus_t becomes a {@link CudaException} naming the call and the status. Matrices are
 * column-major, as cuBLAS has them; device pointers are CUdeviceptr longs.
 */
public final class Cublas {
    // cublas_api.h (CUDA 13.0), enum cublasStatus_t.
    public static final int CUBLAS_STATUS_SUCCESS = 0;
    public static final int CUBLAS_STATUS_NOT_INITIALIZED = 1;
    public static final int CUBLAS_STATUS_ALLOC_FAILED = 3;
    public static final int CUBLAS_STATUS_INVALID_VALUE = 7;
    public static final int CUBLAS_STATUS_ARCH_MISMATCH = 8;
    public static final int CUBLAS_STATUS_MAPPING_ERROR = 11;
    public static final int CUBLAS_STATUS_EXECUTION_FAILED = 13;
    public static final int CUBLAS_STATUS_INTERNAL_ERROR = 14;
    public static final int CUBLAS_STATUS_NOT_SUPPORTED = 15;
    public static final int CUBLAS_STATUS_LICENSE_ERROR = 16;
    // cublas_api.h, enum cublasOperation_t, cublasGemmAlgo_t, cublasComputeType_t.
    public static final int CUBLAS_OP_N = 0;
    public static final int CUBLAS_OP_T = 1;
    public static final int CUBLAS_GEMM_DEFAULT = -1;
    public static final int CUBLAS_COMPUTE_32F = 68;
    public static final int CUBLAS_COMPUTE_32F_PEDANTIC = 69;
    public static final int CUBLAS_COMPUTE_32F_FAST_TF32 = 77;
    // library_types.h, enum cudaDataType_t.
    public static final int CUDA_R_32F = 0;
    public static final int CUDA_R_16F = 2;
    public static final int CUDA_R_16BF = 14;

    /** Input, output and compute types of a GEMM; alpha and beta are floats for all of these. */
    public enum Precision {
        /** FP32 in and out, exact FP32 arithmetic. */
        FP32(CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F_PEDANTIC),
        /** FP32 in and out, tensor cores at TF32 (10-bit mantissa) inputs, FP32 accumulation. */
        TF32(CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F_FAST_TF32),
        /** BF16 in, FP32 out, FP32 accumulation (the BF16-compute, FP32-master-weights option). */
        BF16(CUDA_R_16BF, CUDA_R_32F, CUBLAS_COMPUTE_32F);

        final int inputType;
        final int outputType;
        final int computeType;

        Precision(int inputType, int outputType, int computeType) {
            this.inputType = inputType;
            this.outputType = outputType;
            this.computeType = computeType;
        }

        /** Bytes per element of A and B. */
        public int inputBytes() {
            return inputType == CUDA_R_32F ? 4 : 2;
        }
    }

    /** Every function bound below, as its C prototype in cublas_api.h reads; a class of its own so that reading it loads no library. */
    static final class Downcalls {
        static final Downcall cublasCreate = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS), "cublasCreate_v2");
        static final Downcall cublasDestroy = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS), "cublasDestroy_v2");
        static final Downcall cublasSetStream = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), "cublasSetStream_v2");
        static final Downcall cublasGetVersion = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), "cublasGetVersion_v2");
        static final Downcall cublasGemmEx = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), "cublasGemmEx");
        static final Downcall cublasGemmStridedBatchedEx = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT,
                JAVA_LONG, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT), "cublasGemmStridedBatchedEx");
        static final Downcall cublasGetStatusString = Downcall.of(FunctionDescriptor.of(ADDRESS, JAVA_INT), "cublasGetStatusString");

        private Downcalls() {}
    }

    private static final Binder BIND = new Binder(NativeLibrary.locate(LibrarySpec.CUBLAS));
    private static final MethodHandle cublasCreate = BIND.bind(Downcalls.cublasCreate);
    private static final MethodHandle cublasDestroy = BIND.bind(Downcalls.cublasDestroy);
    private static final MethodHandle cublasSetStream = BIND.bind(Downcalls.cublasSetStream);
    private static final MethodHandle cublasGetVersion = BIND.bind(Downcalls.cublasGetVersion);
    private static final MethodHandle cublasGemmEx = BIND.bind(Downcalls.cublasGemmEx);
    private static final MethodHandle cublasGemmStridedBatchedEx = BIND.bind(Downcalls.cublasGemmStridedBatchedEx);
    // Present since cuBLAS 11.4; the status table below is the fallback.
    private static final MethodHandle cublasGetStatusString = BIND.bindOptional(Downcalls.cublasGetStatusString);

    private static final Outcome<Cublas> INSTANCE = BIND.outcome().map(Cublas::new);

    private final NativeLibrary library;

    private Cublas(NativeLibrary library) {
        this.library = library;
    }

    public static Outcome<Cublas> load() {
        return INSTANCE;
    }

    public NativeLibrary library() {
        return library;
    }

    /** A cuBLAS handle for the current context. Needs a GPU: without one it fails with NOT_INITIALIZED. */
    public MemorySegment create() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check("cublasCreate_v2", (int) cublasCreate.invokeExact(out));
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw Driver.rethrow(t);
        }
    }

    public void destroy(MemorySegment handle) {
        try {
            check("cublasDestroy_v2", (int) cublasDestroy.invokeExact(handle));
        } catch (Throwable t) {
            throw Driver.rethrow(t);
        }
    }

    public void setStream(MemorySegment handle, MemorySegment stream) {
        try {
            check("cublasSetStream_v2", (int) cublasSetStream.invokeExact(handle, stream));
        } catch (Throwable t) {
            throw Driver.rethrow(t);
        }
    }

    public int version(MemorySegment handle) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check("cublasGetVersion_v2", (int) cublasGetVersion.invokeExact(handle, out));
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw Driver.rethrow(t);
        }
    }

    /** C = alpha · op(A) · op(B) + beta · C, column-major, C m×n, op(A) m×k, op(B) k×n. */
    public void gemm(MemorySegment handle, Precision p, boolean transA, boolean transB, int m, int n, int k,
                     float alpha, long a, int lda, long b, int ldb, float beta, long c, int ldc) {
        try (Arena arena = Arena.ofConfined()) {
            check("cublasGemmEx", (int) cublasGemmEx.invokeExact(handle, op(transA), op(transB), m, n, k,
                    arena.allocateFrom(JAVA_FLOAT, alpha), MemorySegment.ofAddress(a), p.inputType, lda,
                    MemorySegment.ofAddress(b), p.inputType, ldb, arena.allocateFrom(JAVA_FLOAT, beta),
                    MemorySegment.ofAddress(c), p.outputType, ldc, p.computeType, CUBLAS_GEMM_DEFAULT));
        } catch (Throwable t) {
            throw Driver.rethrow(t);
        }
    }

    /** batch independent GEMMs whose operands lie strideA/B/C elements apart. */
    public void gemmStridedBatched(MemorySegment handle, Precision p, boolean transA, boolean transB, int m, int n, int k,
                                   float alpha, long a, int lda, long strideA, long b, int ldb, long strideB,
                                   float beta, long c, int ldc, long strideC, int batch) {
        try (Arena arena = Arena.ofConfined()) {
            check("cublasGemmStridedBatchedEx", (int) cublasGemmStridedBatchedEx.invokeExact(handle, op(transA), op(transB), m, n, k,
                    arena.allocateFrom(JAVA_FLOAT, alpha), MemorySegment.ofAddress(a), p.inputType, lda, strideA,
                    MemorySegment.ofAddress(b), p.inputType, ldb, strideB, arena.allocateFrom(JAVA_FLOAT, beta),
                    MemorySegment.ofAddress(c), p.outputType, ldc, strideC, batch, p.computeType, CUBLAS_GEMM_DEFAULT));
        } catch (Throwable t) {
            throw Driver.rethrow(t);
        }
    }

    private static int op(boolean transpose) {
        return transpose ? CUBLAS_OP_T : CUBLAS_OP_N;
    }

    static void check(String call, int status) {
        if (status != CUBLAS_STATUS_SUCCESS) {
            throw new CudaException(call, status, statusName(status), statusString(status));
        }
    }

    /** The enum name of a cublasStatus_t, from cublas_api.h. */
    public static String statusName(int status) {
        return switch (status) {
            case CUBLAS_STATUS_SUCCESS -> "CUBLAS_STATUS_SUCCESS";
            case CUBLAS_STATUS_NOT_INITIALIZED -> "CUBLAS_STATUS_NOT_INITIALIZED";
            case CUBLAS_STATUS_ALLOC_FAILED -> "CUBLAS_STATUS_ALLOC_FAILED";
            case CUBLAS_STATUS_INVALID_VALUE -> "CUBLAS_STATUS_INVALID_VALUE";
            case CUBLAS_STATUS_ARCH_MISMATCH -> "CUBLAS_STATUS_ARCH_MISMATCH";
            case CUBLAS_STATUS_MAPPING_ERROR -> "CUBLAS_STATUS_MAPPING_ERROR";
            case CUBLAS_STATUS_EXECUTION_FAILED -> "CUBLAS_STATUS_EXECUTION_FAILED";
            case CUBLAS_STATUS_INTERNAL_ERROR -> "CUBLAS_STATUS_INTERNAL_ERROR";
            case CUBLAS_STATUS_NOT_SUPPORTED -> "CUBLAS_STATUS_NOT_SUPPORTED";
            case CUBLAS_STATUS_LICENSE_ERROR -> "CUBLAS_STATUS_LICENSE_ERROR";
            default -> "cublasStatus_t " + status;
        };
    }

    /** What a status means: cuBLAS's own text where the library has it, else a hint from the table. */
    static String statusString(int status) {
        if (cublasGetStatusString != null) {
            try {
                MemorySegment text = (MemorySegment) cublasGetStatusString.invokeExact(status);
                if (!text.equals(MemorySegment.NULL)) {
                    return text.reinterpret(Long.MAX_VALUE).getString(0);
                }
            } catch (Throwable ignored) {
                // fall back to the table
            }
        }
        return switch (status) {
            case CUBLAS_STATUS_NOT_INITIALIZED -> "cuBLAS could not initialise: no usable GPU or driver";
            case CUBLAS_STATUS_ALLOC_FAILED -> "cuBLAS could not allocate device memory";
            case CUBLAS_STATUS_INVALID_VALUE -> "an argument is out of range";
            case CUBLAS_STATUS_ARCH_MISMATCH -> "the GPU lacks a feature this call needs";
            case CUBLAS_STATUS_EXECUTION_FAILED -> "the GPU program failed to execute";
            case CUBLAS_STATUS_NOT_SUPPORTED -> "this combination of types is not supported";
            default -> "";
        };
    }
}
