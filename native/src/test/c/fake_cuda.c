/*
 * A checking fake of the CUDA driver API, answering as libcuda.so.1 for the functions overtune binds
 * (Driver.Downcalls). One device shaped like an H100 (compute 9.0, 80 GiB); device memory is host
 * memory, mmap'd without reserve so untouched bytes cost nothing; modules must be PTX, which is
 * parsed for each .entry's parameters (count, sizes, and which are pointers: loaded then converted
 * with cvta.to.global); kernels are never run. Each fault is a finding: a launch with a bad grid or
 * block, a wrong number of arguments, a pointer argument outside every live allocation, a stale
 * function or stream; a copy outside an allocation; a free of something not allocated. The
 * libcublas fake (fake_cublas.c) checks GEMMs against the same allocation table.
 */
#define _GNU_SOURCE
#include "fake_cuda.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef int CUresult;
enum {
    CUDA_SUCCESS = 0, CUDA_ERROR_INVALID_VALUE = 1, CUDA_ERROR_OUT_OF_MEMORY = 2, CUDA_ERROR_NOT_INITIALIZED = 3,
    CUDA_ERROR_INVALID_IMAGE = 200, CUDA_ERROR_INVALID_CONTEXT = 201, CUDA_ERROR_NO_BINARY_FOR_GPU = 209,
    CUDA_ERROR_INVALID_PTX = 218, CUDA_ERROR_UNSUPPORTED_PTX_VERSION = 222, CUDA_ERROR_INVALID_HANDLE = 400,
    CUDA_ERROR_NOT_FOUND = 500, CUDA_ERROR_ILLEGAL_ADDRESS = 700, CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES = 701
};
enum {
    CU_JIT_INFO_LOG_BUFFER = 3, CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4,
    CU_JIT_ERROR_LOG_BUFFER = 5, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6
};

#define DEVICE_MEMORY (80ULL << 30)
#define MAX_THREADS 1024
#define MAX_SHARED (48 * 1024)
#define KEPT_FINDINGS 200
#define PRINTED_FINDINGS 20

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- findings and counts ---- */

static char *findings[KEPT_FINDINGS];
static long finding_count;

typedef struct { const char *kind; long n; } counter;
static counter counters[32];

int fake_cuda_finding(const char *format, ...) {
    char text[1024];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    if (finding_count < KEPT_FINDINGS) {
        findings[finding_count] = strdup(text);
    }
    if (finding_count < PRINTED_FINDINGS) {
        fprintf(stderr, "fake-cuda: finding: %s\n", text);
    }
    finding_count++;
    return 1;
}

void fake_cuda_count(const char *kind, long n) {
    for (int i = 0; i < 32; i++) {
        if (counters[i].kind == NULL) {
            counters[i].kind = kind;
        }
        if (strcmp(counters[i].kind, kind) == 0) {
            counters[i].n += n;
            return;
        }
    }
}

static long count_of(const char *kind) {
    for (int i = 0; i < 32 && counters[i].kind; i++) {
        if (strcmp(counters[i].kind, kind) == 0) {
            return counters[i].n;
        }
    }
    return 0;
}

/* ---- failure injection ---- */

typedef struct { char symbol[64]; int status; int skip; } planned_failure;
static planned_failure failures[8];

void fake_cuda_fail(const char *symbol, int status, int after_calls) {
    pthread_mutex_lock(&lock);
    for (int i = 0; i < 8; i++) {
        if (failures[i].symbol[0] == 0) {
            snprintf(failures[i].symbol, sizeof failures[i].symbol, "%s", symbol);
            failures[i].status = status;
            failures[i].skip = after_calls;
            break;
        }
    }
    pthread_mutex_unlock(&lock);
}

/* The status to fail this call with, 0 when it runs; called with the lock held. */
static int planned(const char *symbol) {
    for (int i = 0; i < 8; i++) {
        if (failures[i].symbol[0] != 0 && strcmp(failures[i].symbol, symbol) == 0) {
            if (failures[i].skip-- > 0) {
                return 0;
            }
            int status = failures[i].status;
            failures[i].symbol[0] = 0;
            return status;
        }
    }
    return 0;
}

int fake_cuda_should_fail(const char *symbol) {
    pthread_mutex_lock(&lock);
    int status = planned(symbol);
    pthread_mutex_unlock(&lock);
    return status;
}

/* ---- allocations ---- */

typedef struct { uint64_t base, size; } allocation;
static allocation *allocations;
static long allocation_count, allocation_capacity;
static uint64_t bytes_live;

static long find_allocation(uint64_t pointer) {
    for (long i = 0; i < allocation_count; i++) {
        if (pointer >= allocations[i].base && pointer - allocations[i].base < allocations[i].size) {
            return i;
        }
    }
    return -1;
}

static int inside(uint64_t pointer, uint64_t bytes, uint64_t *base, uint64_t *size) {
    long i = find_allocation(pointer);
    if (i < 0) {
        return 0;
    }
    if (base) *base = allocations[i].base;
    if (size) *size = allocations[i].size;
    return bytes <= allocations[i].size - (pointer - allocations[i].base);
}

int fake_cuda_inside(uint64_t pointer, uint64_t bytes, uint64_t *base, uint64_t *size) {
    pthread_mutex_lock(&lock);
    int yes = inside(pointer, bytes, base, size);
    pthread_mutex_unlock(&lock);
    return yes;
}

/* "inside 0x…+N (an allocation of M bytes, offset O)" or "outside every live allocation". */
static void describe_pointer(uint64_t pointer, char *out, size_t n) {
    long i = find_allocation(pointer);
    if (i < 0) {
        snprintf(out, n, "0x%llx, outside every live allocation", (unsigned long long) pointer);
    } else {
        snprintf(out, n, "0x%llx, offset %llu in an allocation of %llu bytes", (unsigned long long) pointer,
                 (unsigned long long) (pointer - allocations[i].base), (unsigned long long) allocations[i].size);
    }
}

/* ---- contexts, streams, events ---- */

static int initialised;
static int driver_version = 13000;
static int retained;
static int context_object;
static __thread void *current_context;

typedef struct stream { int magic; int live; } stream;
typedef struct event { int magic; int live; } event;
#define STREAM_MAGIC 0x5743
#define EVENT_MAGIC 0x4576
static long streams_live, events_live;

int fake_cuda_context_current(void) {
    return current_context == &context_object && retained > 0;
}

static int valid_stream(void *s) {
    return s == NULL || (((stream *) s)->magic == STREAM_MAGIC && ((stream *) s)->live);
}

/* ---- modules: PTX entries and their parameters ---- */

typedef struct kernel {
    char name[256];
    int params;
    int size[128];
    int pointer[128];
    struct module *module;
    long launches;
} kernel;

typedef struct module {
    int magic;
    int live;
    int kernel_count;
    kernel *kernels;
} module;
#define MODULE_MAGIC 0x4d6f
static long modules_live;

static int ptx_type_size(const char *type) {
    if (strncmp(type, ".u64", 4) == 0 || strncmp(type, ".s64", 4) == 0 || strncmp(type, ".b64", 4) == 0 || strncmp(type, ".f64", 4) == 0) return 8;
    if (strncmp(type, ".u32", 4) == 0 || strncmp(type, ".s32", 4) == 0 || strncmp(type, ".b32", 4) == 0 || strncmp(type, ".f32", 4) == 0) return 4;
    if (strncmp(type, ".u16", 4) == 0 || strncmp(type, ".s16", 4) == 0 || strncmp(type, ".b16", 4) == 0 || strncmp(type, ".f16", 4) == 0) return 2;
    if (strncmp(type, ".u8", 3) == 0 || strncmp(type, ".s8", 3) == 0 || strncmp(type, ".b8", 3) == 0) return 1;
    return 0;
}

/* One ".param [.ptr …] [.align N] .type name[_param_i][[count]]" line: its size and whether it says it is a pointer. */
static void parse_param(const char *line, kernel *k) {
    int size = 0, pointer = 0;
    for (const char *p = line; *p; p++) {
        if (*p == '.' && strncmp(p, ".param", 6) == 0) { p += 5; continue; }
        if (*p == '.' && strncmp(p, ".ptr", 4) == 0) { pointer = 1; p += 3; continue; }
        if (*p == '.' && strncmp(p, ".align", 6) == 0) { p += 5; continue; }
        if (*p == '.' && size == 0) {
            size = ptx_type_size(p);
        }
        if (*p == '[' && size > 0) {
            size *= atoi(p + 1);
            break;
        }
    }
    if (k->params < 128) {
        k->size[k->params] = size;
        k->pointer[k->params] = pointer;
    }
    k->params++;
}

/* The PTX's .version as 10 × major + minor, or -1. */
static int ptx_version(const char *ptx) {
    const char *v = strstr(ptx, "\n.version ");
    if (v == NULL && strncmp(ptx, ".version ", 9) == 0) v = ptx - 1;
    if (v == NULL) return -1;
    int major = 0, minor = 0;
    if (sscanf(v + 1, ".version %d.%d", &major, &minor) != 2) return -1;
    return 10 * major + minor;
}

/* The newest PTX ISA a driver of this CUDA version JIT-compiles (PTX ISA release notes). */
static int ptx_supported(int version) {
    int major = version / 1000, minor = version % 1000 / 10;
    if (major >= 13) return 90 + minor;
    if (major == 12) return minor <= 5 ? 80 + minor : minor == 6 ? 85 : 79 + minor;
    return 10 * (major - 4) + minor; /* 11.x: 7.x */
}

/* Which parameters are pointers: those whose register, loaded by ld.param.u64, is converted by cvta.to.global. */
static void find_pointers(const char *body, const char *end, kernel *k) {
    char reg[128][16];
    memset(reg, 0, sizeof reg);
    size_t name_length = strlen(k->name);
    for (const char *line = body; line < end; ) {
        const char *next = memchr(line, '\n', (size_t) (end - line));
        next = next ? next + 1 : end;
        const char *ld = strstr(line, "ld.param.u64");
        if (ld && ld < next) {
            char r[16];
            char target[300];
            if (sscanf(ld, "ld.param.u64 %15[^,], [%299[^]]]", r, target) == 2) {
                if (strncmp(target, k->name, name_length) == 0 && strncmp(target + name_length, "_param_", 7) == 0
                        && strchr(target, '+') == NULL) {
                    int index = atoi(target + name_length + 7);
                    if (index >= 0 && index < 128) {
                        snprintf(reg[index], sizeof reg[index], "%s", r);
                    }
                }
            }
        }
        const char *cvta = strstr(line, "cvta.to.global.u64");
        if (cvta && cvta < next) {
            char to[16], from[16];
            if (sscanf(cvta, "cvta.to.global.u64 %15[^,], %15[^;]", to, from) == 2) {
                for (int i = 0; i < k->params && i < 128; i++) {
                    if (reg[i][0] && strcmp(reg[i], from) == 0) {
                        k->pointer[i] = 1;
                    }
                }
            }
        }
        line = next;
    }
}

/* Parses every .entry of a PTX text into kernels; returns their count, -1 when the text has none. */
static int parse_ptx(const char *ptx, module *m) {
    int capacity = 16;
    m->kernels = calloc((size_t) capacity, sizeof(kernel));
    m->kernel_count = 0;
    for (const char *p = strstr(ptx, ".entry "); p != NULL; p = strstr(p + 1, ".entry ")) {
        if (m->kernel_count == capacity) {
            capacity *= 2;
            m->kernels = realloc(m->kernels, (size_t) capacity * sizeof(kernel));
        }
        kernel *k = &m->kernels[m->kernel_count];
        memset(k, 0, sizeof *k);
        k->module = m;
        sscanf(p + 7, "%255[A-Za-z0-9_$]", k->name);
        const char *open = strchr(p, '(');
        const char *brace = strchr(p, '{');
        if (open && brace && open < brace) {
            const char *line = strchr(open, '\n');
            while (line && line < brace) {
                line++;
                const char *q = line;
                while (*q == ' ' || *q == '\t') q++;
                if (*q == ')') break;
                if (strncmp(q, ".param", 6) == 0) parse_param(q, k);
                line = strchr(line, '\n');
            }
        }
        /* The body: from the brace to its matching close. */
        const char *end = brace;
        int depth = 0;
        for (const char *q = brace; q && *q; q++) {
            if (*q == '{') depth++;
            if (*q == '}' && --depth == 0) { end = q; break; }
        }
        if (brace && end > brace) find_pointers(brace, end, k);
        m->kernel_count++;
    }
    return m->kernel_count;
}

static void write_log(unsigned int count, const int *options, void **values, int buffer_option, int size_option, const char *text) {
    char *buffer = NULL;
    size_t capacity = 0;
    int size_index = -1;
    for (unsigned int i = 0; i < count; i++) {
        if (options[i] == buffer_option) buffer = values[i];
        if (options[i] == size_option) { capacity = (size_t) (uintptr_t) values[i]; size_index = (int) i; }
    }
    if (buffer && capacity > 0) {
        snprintf(buffer, capacity, "%s", text);
        if (size_index >= 0) values[size_index] = (void *) (uintptr_t) (strlen(buffer) + 1);
    }
}

/* ---- the driver API ---- */

#define ENTER(symbol) \
    pthread_mutex_lock(&lock); \
    { int planned_status = planned(symbol); if (planned_status) { pthread_mutex_unlock(&lock); return planned_status; } }
#define RETURN(status) do { CUresult s_ = (status); pthread_mutex_unlock(&lock); return s_; } while (0)
#define NEEDS_INIT(symbol) if (!initialised) { fake_cuda_finding("%s before cuInit", symbol); RETURN(CUDA_ERROR_NOT_INITIALIZED); }

static const char *error_name(int status) {
    switch (status) {
        case CUDA_SUCCESS: return "CUDA_SUCCESS";
        case CUDA_ERROR_INVALID_VALUE: return "CUDA_ERROR_INVALID_VALUE";
        case CUDA_ERROR_OUT_OF_MEMORY: return "CUDA_ERROR_OUT_OF_MEMORY";
        case CUDA_ERROR_NOT_INITIALIZED: return "CUDA_ERROR_NOT_INITIALIZED";
        case CUDA_ERROR_INVALID_IMAGE: return "CUDA_ERROR_INVALID_IMAGE";
        case CUDA_ERROR_INVALID_CONTEXT: return "CUDA_ERROR_INVALID_CONTEXT";
        case CUDA_ERROR_NO_BINARY_FOR_GPU: return "CUDA_ERROR_NO_BINARY_FOR_GPU";
        case CUDA_ERROR_INVALID_PTX: return "CUDA_ERROR_INVALID_PTX";
        case CUDA_ERROR_UNSUPPORTED_PTX_VERSION: return "CUDA_ERROR_UNSUPPORTED_PTX_VERSION";
        case CUDA_ERROR_INVALID_HANDLE: return "CUDA_ERROR_INVALID_HANDLE";
        case CUDA_ERROR_NOT_FOUND: return "CUDA_ERROR_NOT_FOUND";
        case CUDA_ERROR_ILLEGAL_ADDRESS: return "CUDA_ERROR_ILLEGAL_ADDRESS";
        case CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES: return "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES";
        default: return NULL;
    }
}

CUresult cuGetErrorName(CUresult status, const char **name) {
    *name = error_name(status);
    return *name ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

CUresult cuGetErrorString(CUresult status, const char **text) {
    *text = error_name(status) ? "(from the checking fake driver)" : NULL;
    return *text ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

/* NVRTC looks libcuda.so.1 up and asks it for an export table; a driver without the table it wants says so, and NVRTC goes on. */
CUresult cuGetExportTable(const void **table, const void *id) {
    (void) id;
    if (table) *table = NULL;
    return 801; /* CUDA_ERROR_NOT_SUPPORTED */
}

CUresult cuInit(unsigned int flags) {
    ENTER("cuInit");
    if (flags != 0) fake_cuda_finding("cuInit(%u): flags must be 0", flags);
    initialised = 1;
    RETURN(CUDA_SUCCESS);
}

CUresult cuDriverGetVersion(int *version) {
    ENTER("cuDriverGetVersion");
    *version = driver_version;
    RETURN(CUDA_SUCCESS);
}

CUresult cuDeviceGetCount(int *count) {
    ENTER("cuDeviceGetCount");
    NEEDS_INIT("cuDeviceGetCount");
    *count = 1;
    RETURN(CUDA_SUCCESS);
}

CUresult cuDeviceGet(int *device, int ordinal) {
    ENTER("cuDeviceGet");
    NEEDS_INIT("cuDeviceGet");
    if (ordinal != 0) RETURN(CUDA_ERROR_INVALID_VALUE);
    *device = 0;
    RETURN(CUDA_SUCCESS);
}

CUresult cuDeviceGetName(char *name, int length, int device) {
    ENTER("cuDeviceGetName");
    NEEDS_INIT("cuDeviceGetName");
    if (device != 0 || length <= 0) RETURN(CUDA_ERROR_INVALID_VALUE);
    snprintf(name, (size_t) length, "%s", "overtune checking fake (H100-shaped, runs nothing)");
    RETURN(CUDA_SUCCESS);
}

CUresult cuDeviceGetAttribute(int *value, int attribute, int device) {
    ENTER("cuDeviceGetAttribute");
    NEEDS_INIT("cuDeviceGetAttribute");
    if (device != 0) RETURN(CUDA_ERROR_INVALID_VALUE);
    switch (attribute) {
        case 1: *value = MAX_THREADS; break;             /* MAX_THREADS_PER_BLOCK */
        case 2: case 3: *value = 1024; break;            /* MAX_BLOCK_DIM_X, Y */
        case 4: *value = 64; break;                      /* MAX_BLOCK_DIM_Z */
        case 5: *value = 2147483647; break;              /* MAX_GRID_DIM_X */
        case 6: case 7: *value = 65535; break;           /* MAX_GRID_DIM_Y, Z */
        case 8: *value = MAX_SHARED; break;              /* MAX_SHARED_MEMORY_PER_BLOCK */
        case 13: *value = 1980000; break;                /* CLOCK_RATE, kHz */
        case 16: *value = 132; break;                    /* MULTIPROCESSOR_COUNT */
        case 75: *value = 9; break;                      /* COMPUTE_CAPABILITY_MAJOR */
        case 76: *value = 0; break;                      /* COMPUTE_CAPABILITY_MINOR */
        default: *value = 0; break;
    }
    RETURN(CUDA_SUCCESS);
}

CUresult cuDevicePrimaryCtxRetain(void **context, int device) {
    ENTER("cuDevicePrimaryCtxRetain");
    NEEDS_INIT("cuDevicePrimaryCtxRetain");
    if (device != 0) RETURN(CUDA_ERROR_INVALID_VALUE);
    retained++;
    *context = &context_object;
    RETURN(CUDA_SUCCESS);
}

CUresult cuDevicePrimaryCtxRelease_v2(int device) {
    ENTER("cuDevicePrimaryCtxRelease_v2");
    if (device != 0) RETURN(CUDA_ERROR_INVALID_VALUE);
    if (retained == 0) {
        fake_cuda_finding("cuDevicePrimaryCtxRelease_v2: released more often than retained");
        RETURN(CUDA_ERROR_INVALID_CONTEXT);
    }
    retained--;
    RETURN(CUDA_SUCCESS);
}

CUresult cuCtxSetCurrent(void *context) {
    ENTER("cuCtxSetCurrent");
    if (context != NULL && context != &context_object) {
        fake_cuda_finding("cuCtxSetCurrent(%p): not a context of this driver", context);
        RETURN(CUDA_ERROR_INVALID_CONTEXT);
    }
    if (context != NULL && retained == 0) {
        fake_cuda_finding("cuCtxSetCurrent: the primary context was released (used after close)");
        RETURN(CUDA_ERROR_INVALID_CONTEXT);
    }
    current_context = context;
    RETURN(CUDA_SUCCESS);
}

#define NEEDS_CONTEXT(symbol) if (!fake_cuda_context_current()) { fake_cuda_finding("%s without a current context", symbol); RETURN(CUDA_ERROR_INVALID_CONTEXT); }

CUresult cuCtxSynchronize(void) {
    ENTER("cuCtxSynchronize");
    NEEDS_CONTEXT("cuCtxSynchronize");
    RETURN(CUDA_SUCCESS);
}

CUresult cuMemGetInfo_v2(size_t *free_bytes, size_t *total) {
    ENTER("cuMemGetInfo_v2");
    NEEDS_CONTEXT("cuMemGetInfo_v2");
    *total = DEVICE_MEMORY;
    *free_bytes = DEVICE_MEMORY - bytes_live;
    RETURN(CUDA_SUCCESS);
}

CUresult cuMemAlloc_v2(uint64_t *pointer, size_t bytes) {
    ENTER("cuMemAlloc_v2");
    NEEDS_CONTEXT("cuMemAlloc_v2");
    if (bytes == 0) RETURN(CUDA_ERROR_INVALID_VALUE);
    if (bytes > DEVICE_MEMORY - bytes_live) RETURN(CUDA_ERROR_OUT_OF_MEMORY);
    void *memory = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (memory == MAP_FAILED) RETURN(CUDA_ERROR_OUT_OF_MEMORY);
    if (allocation_count == allocation_capacity) {
        allocation_capacity = allocation_capacity ? 2 * allocation_capacity : 64;
        allocations = realloc(allocations, (size_t) allocation_capacity * sizeof(allocation));
    }
    allocations[allocation_count++] = (allocation) {(uint64_t) (uintptr_t) memory, bytes};
    bytes_live += bytes;
    fake_cuda_count("allocations", 1);
    *pointer = (uint64_t) (uintptr_t) memory;
    RETURN(CUDA_SUCCESS);
}

CUresult cuMemFree_v2(uint64_t pointer) {
    ENTER("cuMemFree_v2");
    NEEDS_CONTEXT("cuMemFree_v2");
    long i = find_allocation(pointer);
    if (i < 0 || allocations[i].base != pointer) {
        char where[160];
        describe_pointer(pointer, where, sizeof where);
        fake_cuda_finding("cuMemFree_v2(%s): not the start of a live allocation", where);
        RETURN(CUDA_ERROR_INVALID_VALUE);
    }
    munmap((void *) (uintptr_t) allocations[i].base, allocations[i].size);
    bytes_live -= allocations[i].size;
    allocations[i] = allocations[--allocation_count];
    RETURN(CUDA_SUCCESS);
}

static int check_device_range(const char *symbol, uint64_t pointer, size_t bytes) {
    if (bytes == 0) return 1;
    if (inside(pointer, bytes, NULL, NULL)) return 1;
    char where[160];
    describe_pointer(pointer, where, sizeof where);
    fake_cuda_finding("%s: %zu bytes at %s do not fit", symbol, bytes, where);
    return 0;
}

CUresult cuMemsetD8Async(uint64_t pointer, unsigned char value, size_t bytes, void *s) {
    ENTER("cuMemsetD8Async");
    NEEDS_CONTEXT("cuMemsetD8Async");
    if (!valid_stream(s)) { fake_cuda_finding("cuMemsetD8Async: stream %p is not live", s); RETURN(CUDA_ERROR_INVALID_HANDLE); }
    if (!check_device_range("cuMemsetD8Async", pointer, bytes)) RETURN(CUDA_ERROR_INVALID_VALUE);
    memset((void *) (uintptr_t) pointer, value, bytes);
    fake_cuda_count("memsets", 1);
    RETURN(CUDA_SUCCESS);
}

/* Uploads of at least this many bytes are counted as "watched_uploads" (0: none): how many times a model's
   whole parameter block went up, where smaller copies (batches) are not. */
static long watched_upload_bytes;

void fake_cuda_watch_uploads(long bytes) {
    pthread_mutex_lock(&lock);
    watched_upload_bytes = bytes;
    pthread_mutex_unlock(&lock);
}

CUresult cuMemcpyHtoDAsync_v2(uint64_t device, const void *host, size_t bytes, void *s) {
    ENTER("cuMemcpyHtoDAsync_v2");
    NEEDS_CONTEXT("cuMemcpyHtoDAsync_v2");
    if (!valid_stream(s)) { fake_cuda_finding("cuMemcpyHtoDAsync_v2: stream %p is not live", s); RETURN(CUDA_ERROR_INVALID_HANDLE); }
    if (!check_device_range("cuMemcpyHtoDAsync_v2", device, bytes)) RETURN(CUDA_ERROR_INVALID_VALUE);
    if (bytes > 0 && host == NULL) { fake_cuda_finding("cuMemcpyHtoDAsync_v2: NULL host pointer"); RETURN(CUDA_ERROR_INVALID_VALUE); }
    memcpy((void *) (uintptr_t) device, host, bytes);
    fake_cuda_count("copies", 1);
    fake_cuda_count("upload_bytes", (long) bytes);
    if (watched_upload_bytes > 0 && (long) bytes >= watched_upload_bytes) {
        fake_cuda_count("watched_uploads", 1);
    }
    RETURN(CUDA_SUCCESS);
}

CUresult cuMemcpyDtoHAsync_v2(void *host, uint64_t device, size_t bytes, void *s) {
    ENTER("cuMemcpyDtoHAsync_v2");
    NEEDS_CONTEXT("cuMemcpyDtoHAsync_v2");
    if (!valid_stream(s)) { fake_cuda_finding("cuMemcpyDtoHAsync_v2: stream %p is not live", s); RETURN(CUDA_ERROR_INVALID_HANDLE); }
    if (!check_device_range("cuMemcpyDtoHAsync_v2", device, bytes)) RETURN(CUDA_ERROR_INVALID_VALUE);
    if (bytes > 0 && host == NULL) { fake_cuda_finding("cuMemcpyDtoHAsync_v2: NULL host pointer"); RETURN(CUDA_ERROR_INVALID_VALUE); }
    memcpy(host, (const void *) (uintptr_t) device, bytes);
    fake_cuda_count("copies", 1);
    RETURN(CUDA_SUCCESS);
}

CUresult cuMemcpyDtoDAsync_v2(uint64_t target, uint64_t source, size_t bytes, void *s) {
    ENTER("cuMemcpyDtoDAsync_v2");
    NEEDS_CONTEXT("cuMemcpyDtoDAsync_v2");
    if (!valid_stream(s)) { fake_cuda_finding("cuMemcpyDtoDAsync_v2: stream %p is not live", s); RETURN(CUDA_ERROR_INVALID_HANDLE); }
    if (!check_device_range("cuMemcpyDtoDAsync_v2", target, bytes)) RETURN(CUDA_ERROR_INVALID_VALUE);
    if (!check_device_range("cuMemcpyDtoDAsync_v2", source, bytes)) RETURN(CUDA_ERROR_INVALID_VALUE);
    if (bytes > 0 && target < source + bytes && source < target + bytes) {
        fake_cuda_finding("cuMemcpyDtoDAsync_v2: the ranges overlap (0x%llx and 0x%llx, %zu bytes)",
                          (unsigned long long) target, (unsigned long long) source, bytes);
        RETURN(CUDA_ERROR_INVALID_VALUE);
    }
    memcpy((void *) (uintptr_t) target, (const void *) (uintptr_t) source, bytes);
    fake_cuda_count("device_copies", 1);
    RETURN(CUDA_SUCCESS);
}

CUresult cuStreamCreate(void **out, unsigned int flags) {
    ENTER("cuStreamCreate");
    NEEDS_CONTEXT("cuStreamCreate");
    if (flags > 1) fake_cuda_finding("cuStreamCreate: flags %u", flags);
    stream *s = calloc(1, sizeof(stream));
    s->magic = STREAM_MAGIC;
    s->live = 1;
    streams_live++;
    *out = s;
    RETURN(CUDA_SUCCESS);
}

CUresult cuStreamDestroy_v2(void *s) {
    ENTER("cuStreamDestroy_v2");
    if (s == NULL || !valid_stream(s)) { fake_cuda_finding("cuStreamDestroy_v2(%p): not a live stream", s); RETURN(CUDA_ERROR_INVALID_HANDLE); }
    ((stream *) s)->live = 0;
    streams_live--;
    RETURN(CUDA_SUCCESS);
}

CUresult cuStreamSynchronize(void *s) {
    ENTER("cuStreamSynchronize");
    NEEDS_CONTEXT("cuStreamSynchronize");
    if (!valid_stream(s)) { fake_cuda_finding("cuStreamSynchronize(%p): not a live stream", s); RETURN(CUDA_ERROR_INVALID_HANDLE); }
    fake_cuda_count("synchronisations", 1);
    RETURN(CUDA_SUCCESS);
}

CUresult cuEventCreate(void **out, unsigned int flags) {
    ENTER("cuEventCreate");
    NEEDS_CONTEXT("cuEventCreate");
    (void) flags;
    event *e = calloc(1, sizeof(event));
    e->magic = EVENT_MAGIC;
    e->live = 1;
    events_live++;
    *out = e;
    RETURN(CUDA_SUCCESS);
}

static int valid_event(void *e) {
    return e != NULL && ((event *) e)->magic == EVENT_MAGIC && ((event *) e)->live;
}

CUresult cuEventRecord(void *e, void *s) {
    ENTER("cuEventRecord");
    if (!valid_event(e) || !valid_stream(s)) { fake_cuda_finding("cuEventRecord(%p, %p): not a live event and stream", e, s); RETURN(CUDA_ERROR_INVALID_HANDLE); }
    RETURN(CUDA_SUCCESS);
}

CUresult cuEventSynchronize(void *e) {
    ENTER("cuEventSynchronize");
    if (!valid_event(e)) { fake_cuda_finding("cuEventSynchronize(%p): not a live event", e); RETURN(CUDA_ERROR_INVALID_HANDLE); }
    RETURN(CUDA_SUCCESS);
}

CUresult cuEventElapsedTime_v2(float *millis, void *start, void *end) {
    ENTER("cuEventElapsedTime_v2");
    if (!valid_event(start) || !valid_event(end)) { fake_cuda_finding("cuEventElapsedTime_v2: not live events"); RETURN(CUDA_ERROR_INVALID_HANDLE); }
    *millis = 0.001f;
    RETURN(CUDA_SUCCESS);
}

CUresult cuEventDestroy_v2(void *e) {
    ENTER("cuEventDestroy_v2");
    if (!valid_event(e)) { fake_cuda_finding("cuEventDestroy_v2(%p): not a live event", e); RETURN(CUDA_ERROR_INVALID_HANDLE); }
    ((event *) e)->live = 0;
    events_live--;
    RETURN(CUDA_SUCCESS);
}

CUresult cuModuleLoadDataEx(void **out, const void *image, unsigned int count, int *options, void **values) {
    ENTER("cuModuleLoadDataEx");
    NEEDS_CONTEXT("cuModuleLoadDataEx");
    const char *text = image;
    if (text == NULL) RETURN(CUDA_ERROR_INVALID_VALUE);
    if (memcmp(text, "\177ELF", 4) == 0) {
        /* A cubin's parameters carry no pointer marks, so only PTX can be checked: the caller's fallback is exercised. */
        write_log(count, options, values, CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                  "checking fake driver: a CUBIN cannot be checked, load PTX");
        fake_cuda_count("cubins_refused", 1);
        RETURN(CUDA_ERROR_NO_BINARY_FOR_GPU);
    }
    int version = ptx_version(text);
    if (version < 0) {
        write_log(count, options, values, CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                  "ptxas fatal   : no .version directive: not PTX");
        RETURN(CUDA_ERROR_INVALID_IMAGE);
    }
    if (version > ptx_supported(driver_version)) {
        char log[200];
        snprintf(log, sizeof log, "ptxas application ptx input, line 5; fatal   : Unsupported .version %d.%d; current version is '%d.%d'",
                 version / 10, version % 10, ptx_supported(driver_version) / 10, ptx_supported(driver_version) % 10);
        write_log(count, options, values, CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, log);
        RETURN(CUDA_ERROR_UNSUPPORTED_PTX_VERSION);
    }
    module *m = calloc(1, sizeof(module));
    m->magic = MODULE_MAGIC;
    m->live = 1;
    if (parse_ptx(text, m) <= 0) {
        write_log(count, options, values, CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, "ptxas fatal   : no .entry in the PTX");
        RETURN(CUDA_ERROR_INVALID_PTX);
    }
    char info[120];
    snprintf(info, sizeof info, "checking fake driver: %d entries parsed", m->kernel_count);
    write_log(count, options, values, CU_JIT_INFO_LOG_BUFFER, CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES, info);
    modules_live++;
    fake_cuda_count("modules", 1);
    fake_cuda_count("kernels", m->kernel_count);
    *out = m;
    RETURN(CUDA_SUCCESS);
}

CUresult cuModuleLoadData(void **out, const void *image) {
    return cuModuleLoadDataEx(out, image, 0, NULL, NULL);
}

static int valid_module(void *m) {
    return m != NULL && ((module *) m)->magic == MODULE_MAGIC && ((module *) m)->live;
}

CUresult cuModuleUnload(void *m) {
    ENTER("cuModuleUnload");
    if (!valid_module(m)) { fake_cuda_finding("cuModuleUnload(%p): not a loaded module", m); RETURN(CUDA_ERROR_INVALID_HANDLE); }
    ((module *) m)->live = 0; /* kept, so a stale function is recognised */
    modules_live--;
    RETURN(CUDA_SUCCESS);
}

CUresult cuModuleGetFunction(void **out, void *m, const char *name) {
    ENTER("cuModuleGetFunction");
    if (!valid_module(m)) { fake_cuda_finding("cuModuleGetFunction(%s): not a loaded module", name); RETURN(CUDA_ERROR_INVALID_HANDLE); }
    module *mod = m;
    for (int i = 0; i < mod->kernel_count; i++) {
        if (strcmp(mod->kernels[i].name, name) == 0) {
            *out = &mod->kernels[i];
            RETURN(CUDA_SUCCESS);
        }
    }
    RETURN(CUDA_ERROR_NOT_FOUND);
}

CUresult cuLaunchKernel(void *function, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by,
                        unsigned int bz, unsigned int shared, void *s, void **params, void **extra) {
    ENTER("cuLaunchKernel");
    NEEDS_CONTEXT("cuLaunchKernel");
    fake_cuda_count("launches", 1);
    kernel *k = function;
    if (k == NULL || k->module == NULL || k->module->magic != MODULE_MAGIC) {
        fake_cuda_finding("cuLaunchKernel(%p): not a function of this driver", function);
        RETURN(CUDA_ERROR_INVALID_HANDLE);
    }
    if (!k->module->live) fake_cuda_finding("cuLaunchKernel(%s): its module was unloaded", k->name);
    k->launches++;
    /* The probes' kernels, counted apart: a scan's noise and quantisation units run on the device. */
    if (strcmp(k->name, "overtune_add_noise") == 0) fake_cuda_count("noise_launches", 1);
    if (strcmp(k->name, "overtune_quantize_rtn") == 0) fake_cuda_count("quantize_launches", 1);
    if (gx == 0 || gy == 0 || gz == 0 || gx > 2147483647u || gy > 65535 || gz > 65535)
        fake_cuda_finding("cuLaunchKernel(%s): grid %u x %u x %u outside 1..2^31-1 x 1..65535 x 1..65535", k->name, gx, gy, gz);
    if (bx == 0 || by == 0 || bz == 0 || bx > 1024 || by > 1024 || bz > 64 || (unsigned long) bx * by * bz > MAX_THREADS)
        fake_cuda_finding("cuLaunchKernel(%s): block %u x %u x %u outside the device's limits (1024 threads)", k->name, bx, by, bz);
    if (shared > MAX_SHARED) fake_cuda_finding("cuLaunchKernel(%s): %u bytes of dynamic shared memory, over %d", k->name, shared, MAX_SHARED);
    if (!valid_stream(s)) fake_cuda_finding("cuLaunchKernel(%s): stream %p is not live", k->name, s);
    if (extra != NULL) fake_cuda_finding("cuLaunchKernel(%s): extra is not NULL", k->name);
    if (k->params > 0 && params == NULL) {
        fake_cuda_finding("cuLaunchKernel(%s): kernelParams is NULL for %d parameters", k->name, k->params);
        RETURN(CUDA_SUCCESS);
    }
    /* KernelArgs ends the array with NULL, which the real driver never reads: that is how many arguments were passed. */
    int given = 0;
    while (params != NULL && given <= k->params && params[given] != NULL) given++;
    if (given != k->params) {
        fake_cuda_finding("cuLaunchKernel(%s): %s%d arguments for the PTX's %d parameters", k->name, given > k->params ? "more than " : "",
                          given, k->params);
    }
    for (int i = 0; i < k->params && i < given && i < 128; i++) {
        if (!k->pointer[i]) continue;
        uint64_t value = *(uint64_t *) params[i];
        if (find_allocation(value) < 0) {
            char where[160];
            describe_pointer(value, where, sizeof where);
            fake_cuda_finding("cuLaunchKernel(%s): pointer parameter %d is %s", k->name, i, where);
        }
        fake_cuda_count("pointer_arguments", 1);
    }
    RETURN(CUDA_SUCCESS);
}

/* ---- for the Java side ---- */

long fake_cuda_stat(const char *name) {
    pthread_mutex_lock(&lock);
    long value;
    if (strcmp(name, "findings") == 0) value = finding_count;
    else if (strcmp(name, "allocations_live") == 0) value = allocation_count;
    else if (strcmp(name, "bytes_live") == 0) value = (long) bytes_live;
    else if (strcmp(name, "modules_live") == 0) value = modules_live;
    else if (strcmp(name, "streams_live") == 0) value = streams_live;
    else if (strcmp(name, "events_live") == 0) value = events_live;
    else if (strcmp(name, "contexts_retained") == 0) value = retained;
    else value = count_of(name);
    pthread_mutex_unlock(&lock);
    return value;
}

int fake_cuda_finding_text(long index, char *out, int capacity) {
    pthread_mutex_lock(&lock);
    int found = index >= 0 && index < finding_count && index < KEPT_FINDINGS;
    if (found) snprintf(out, (size_t) capacity, "%s", findings[index]);
    pthread_mutex_unlock(&lock);
    return found;
}

void fake_cuda_reset(void) {
    pthread_mutex_lock(&lock);
    for (long i = 0; i < finding_count && i < KEPT_FINDINGS; i++) free(findings[i]);
    finding_count = 0;
    memset(failures, 0, sizeof failures);
    pthread_mutex_unlock(&lock);
}

void fake_cuda_set_driver_version(int version) {
    pthread_mutex_lock(&lock);
    driver_version = version;
    pthread_mutex_unlock(&lock);
}

/* With FAKE_CUDA_REPORT set, each process appends its counts and findings there on exit (gpu-check's dry run). */
__attribute__((destructor)) static void report(void) {
    const char *file = getenv("FAKE_CUDA_REPORT");
    if (file == NULL || !initialised) return;
    FILE *out = fopen(file, "a");
    if (out == NULL) return;
    fprintf(out, "process %d: launches %ld gemms %ld gemm_matrices %ld modules %ld cubins_refused %ld findings %ld\n", (int) getpid(),
            count_of("launches"), count_of("gemms"), count_of("gemm_matrices"), count_of("modules"), count_of("cubins_refused"), finding_count);
    for (long i = 0; i < finding_count && i < KEPT_FINDINGS; i++) fprintf(out, "finding: %s\n", findings[i]);
    fclose(out);
}
