package dev.overtune.cuda.driver;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The C prototypes of the NVRTC and cuBLAS functions overtune binds, written down here because
 * nvrtc.h and cublas_api.h are not installed on the build machines: return and parameter types in
 * order (parameter names left out), and the typedefs they use. Read off NVIDIA's headers as
 * vendored in public repositories: nvrtc.h of CUDA 12 (copyright 2014–2024, last status
 * NVRTC_ERROR_CANCELLED = 16; a pip {@code nvidia/cuda_nvrtc/include} tree) and cublas_api.h of
 * cuBLAS 13.4.0 (CUDA 13; github.com/wesleyrparsons/WesChat12). These functions' prototypes are
 * the same in CUDA 12 and 13.
 */
final class RecordedPrototypes {
    static final CHeader NVRTC = header(Map.of("nvrtcResult", "enum", "nvrtcProgram", "struct _nvrtcProgram *"),
            CPrototype.of("nvrtcGetErrorString", "const char *", "nvrtcResult"),
            CPrototype.of("nvrtcVersion", "nvrtcResult", "int *", "int *"),
            CPrototype.of("nvrtcCreateProgram", "nvrtcResult", "nvrtcProgram *", "const char *", "const char *", "int",
                    "const char * const *", "const char * const *"),
            CPrototype.of("nvrtcCompileProgram", "nvrtcResult", "nvrtcProgram", "int", "const char * const *"),
            CPrototype.of("nvrtcGetProgramLogSize", "nvrtcResult", "nvrtcProgram", "size_t *"),
            CPrototype.of("nvrtcGetProgramLog", "nvrtcResult", "nvrtcProgram", "char *"),
            CPrototype.of("nvrtcGetPTXSize", "nvrtcResult", "nvrtcProgram", "size_t *"),
            CPrototype.of("nvrtcGetPTX", "nvrtcResult", "nvrtcProgram", "char *"),
            // nvrtc.h of CUDA 13.0 (the nvidia-cuda-nvrtc 13.0.88 wheel), lines 286 and 305.
            CPrototype.of("nvrtcGetCUBINSize", "nvrtcResult", "nvrtcProgram", "size_t *"),
            CPrototype.of("nvrtcGetCUBIN", "nvrtcResult", "nvrtcProgram", "char *"),
            CPrototype.of("nvrtcDestroyProgram", "nvrtcResult", "nvrtcProgram *"));

    // cudaStream_t is driver_types.h's, cudaDataType library_types.h's (both typedefs cublas_api.h relies on).
    static final CHeader CUBLAS = header(Map.of("cublasStatus_t", "enum", "cublasHandle_t", "struct cublasContext *",
                    "cudaStream_t", "struct CUstream_st *", "cublasOperation_t", "enum", "cudaDataType", "enum",
                    "cublasComputeType_t", "enum", "cublasGemmAlgo_t", "enum"),
            CPrototype.of("cublasCreate_v2", "cublasStatus_t", "cublasHandle_t *"),
            CPrototype.of("cublasDestroy_v2", "cublasStatus_t", "cublasHandle_t"),
            CPrototype.of("cublasSetStream_v2", "cublasStatus_t", "cublasHandle_t", "cudaStream_t"),
            CPrototype.of("cublasGetVersion_v2", "cublasStatus_t", "cublasHandle_t", "int *"),
            CPrototype.of("cublasGemmEx", "cublasStatus_t", "cublasHandle_t", "cublasOperation_t", "cublasOperation_t",
                    "int", "int", "int", "const void *", "const void *", "cudaDataType", "int", "const void *", "cudaDataType", "int",
                    "const void *", "void *", "cudaDataType", "int", "cublasComputeType_t", "cublasGemmAlgo_t"),
            CPrototype.of("cublasGemmStridedBatchedEx", "cublasStatus_t", "cublasHandle_t", "cublasOperation_t", "cublasOperation_t",
                    "int", "int", "int", "const void *", "const void *", "cudaDataType", "int", "long long int",
                    "const void *", "cudaDataType", "int", "long long int", "const void *", "void *", "cudaDataType", "int",
                    "long long int", "int", "cublasComputeType_t", "cublasGemmAlgo_t"),
            CPrototype.of("cublasGetStatusString", "const char *", "cublasStatus_t"));

    private RecordedPrototypes() {}

    private static CHeader header(Map<String, String> typedefs, CPrototype... prototypes) {
        return new CHeader(typedefs, List.of(prototypes).stream().collect(Collectors.toMap(CPrototype::name, Function.identity())));
    }
}
