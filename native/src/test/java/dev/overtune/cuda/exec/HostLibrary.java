package dev.overtune.cuda.exec;

import dev.overtune.cuda.Nvcc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A plan's generated source plus the reference GEMM, compiled by nvcc as host C++ into a shared
 * library (FMA contraction off, as Java and the kernels' arithmetic order need). Libraries are
 * cached under target/ by the source's hash, so an unchanged graph compiles once.
 */
final class HostLibrary {
    /**
     * cublasGemmStridedBatchedEx with alpha 1, beta 0, column-major, with cuBLAS's own argument
     * checks (a bad leading dimension is CUBLAS_STATUS_INVALID_VALUE, 7, as on the device): FP32
     * operands ({@code overtune_gemm_host}), or bf16 operands widened exactly to float
     * ({@code overtune_gemm_bf16_host}, cuBLAS's CUDA_R_16BF in, CUBLAS_COMPUTE_32F). Both sum
     * p = 0 … k−1 in float; a bf16 product has at most 16 significant bits, so it is exact in float
     * and only the sums round. cuBLAS sums in another order (tensor-core tiles, split k), so device
     * results differ from these in the last bits of the accumulation, never in the operands.
     */
    static final String REFERENCE_GEMM = """

            // Reference for cublasGemmStridedBatchedEx (alpha 1, beta 0): column-major, op(A) m x k, op(B) k x n.
            template <class T, class W> static int overtune_gemm_reference(int transa, int transb, int m, int n, int k,
                                              const T* A, int lda, long strideA, const T* B, int ldb, long strideB,
                                              float* C, int ldc, long strideC, int batch, W widen) {
                if (m < 0 || n < 0 || k < 0 || batch < 0) return 7;
                if (lda < (transa ? (k > 1 ? k : 1) : (m > 1 ? m : 1))) return 7;
                if (ldb < (transb ? (n > 1 ? n : 1) : (k > 1 ? k : 1))) return 7;
                if (ldc < (m > 1 ? m : 1)) return 7;
                for (int b = 0; b < batch; b++) {
                    const T* a = A + b * strideA;
                    const T* bb = B + b * strideB;
                    float* c = C + b * strideC;
                    for (int j = 0; j < n; j++) {
                        for (int i = 0; i < m; i++) {
                            float acc = 0.0f;
                            for (int p = 0; p < k; p++) {
                                const float x = widen(transa ? a[p + (long)i * lda] : a[i + (long)p * lda]);
                                const float y = widen(transb ? bb[j + (long)p * ldb] : bb[p + (long)j * ldb]);
                                acc += x * y;
                            }
                            c[i + (long)j * ldc] = acc;
                        }
                    }
                }
                return 0;
            }
            extern "C" int overtune_gemm_host(int transa, int transb, int m, int n, int k,
                                              const float* A, int lda, long strideA, const float* B, int ldb, long strideB,
                                              float* C, int ldc, long strideC, int batch) {
                return overtune_gemm_reference(transa, transb, m, n, k, A, lda, strideA, B, ldb, strideB, C, ldc, strideC, batch,
                                               [](float v) { return v; });
            }
            // bfloat16 is the upper half of a float: widening is a shift, exact.
            extern "C" int overtune_gemm_bf16_host(int transa, int transb, int m, int n, int k,
                                                   const unsigned short* A, int lda, long strideA, const unsigned short* B, int ldb, long strideB,
                                                   float* C, int ldc, long strideC, int batch) {
                return overtune_gemm_reference(transa, transb, m, n, k, A, lda, strideA, B, ldb, strideB, C, ldc, strideC, batch,
                                               [](unsigned short v) {
                                                   const unsigned int bits = (unsigned int)v << 16;
                                                   float f;
                                                   __builtin_memcpy(&f, &bits, sizeof f);
                                                   return f;
                                               });
            }
            """;

    private HostLibrary() {}

    static Optional<Path> nvcc() {
        return Nvcc.find();
    }

    /** Compiles (or finds the cached) host library of a plan; nvcc's log is in the failure. */
    static Path compile(ExecutionPlan plan) throws IOException, InterruptedException {
        Path nvcc = Nvcc.find().orElseThrow(() -> new IllegalStateException("no nvcc"));
        String source = plan.source() + REFERENCE_GEMM;
        Path dir = Path.of(System.getProperty("overtune.build.dir", "target"), "exec-host");
        Files.createDirectories(dir);
        String hash = sha256(source).substring(0, 16);
        Path library = dir.resolve(plan.graph().name() + "-" + hash + ".so");
        if (Files.exists(library)) {
            return library;
        }
        Path cu = dir.resolve(plan.graph().name() + "-" + hash + ".cu");
        Files.writeString(cu, source);
        Path partial = dir.resolve(plan.graph().name() + "-" + hash + ".so.part");
        Process p = new ProcessBuilder(nvcc.toString(), "-shared", "-Xcompiler", "-fPIC", "-Xcompiler", "-ffp-contract=off",
                "-O1", "-std=c++17", "-arch=sm_80", cu.toString(), "-o", partial.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("nvcc took over 10 minutes on " + cu);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("nvcc failed on " + cu + ":\n" + log);
        }
        Files.move(partial, library);
        return library;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
