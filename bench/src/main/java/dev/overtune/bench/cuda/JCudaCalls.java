package dev.overtune.bench.cuda;

import dev.overtune.cuda.driver.Outcome;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

import java.nio.ByteBuffer;

/** {@link CudaCalls} through JCuda's JNI driver bindings: the baseline the FFM bindings are measured against. */
final class JCudaCalls implements CudaCalls {
    private final CUdevice device = new CUdevice();
    private final CUstream stream = new CUstream();
    private final CUdeviceptr buffer = new CUdeviceptr();
    private final CUmodule module = new CUmodule();
    private final CUfunction kernel = new CUfunction();
    private final Pointer host = Pointer.to(ByteBuffer.allocateDirect(COPY_BYTES));
    private boolean streamMade;
    private boolean bufferMade;
    private boolean moduleMade;
    private boolean contextRetained;

    private JCudaCalls() {}

    /** Device 0 ready for the calls, or why not (JCuda's natives or libcuda.so.1 missing, no device). */
    static Outcome<CudaCalls> open() {
        JCudaCalls calls = new JCudaCalls();
        try {
            JCudaDriver.setExceptionsEnabled(true);
            JCudaDriver.cuInit(0);
            JCudaDriver.cuDeviceGet(calls.device, 0);
            CUcontext context = new CUcontext();
            JCudaDriver.cuDevicePrimaryCtxRetain(context, calls.device);
            calls.contextRetained = true;
            JCudaDriver.cuCtxSetCurrent(context);
            JCudaDriver.cuStreamCreate(calls.stream, CUstream_flags.CU_STREAM_NON_BLOCKING);
            calls.streamMade = true;
            JCudaDriver.cuMemAlloc(calls.buffer, COPY_BYTES);
            calls.bufferMade = true;
            JCudaDriver.cuModuleLoadData(calls.module, EmptyKernel.PTX);
            calls.moduleMade = true;
            JCudaDriver.cuModuleGetFunction(calls.kernel, calls.module, EmptyKernel.NAME);
            return Outcome.of(calls);
        } catch (Throwable e) {
            // JCuda reports a missing libcuda.so.1 as UnsatisfiedLinkError: an Error, but an answer here.
            try {
                calls.close();
            } catch (Throwable ignored) {
                // the reason below is what matters
            }
            String why = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse(e.toString());
            return Outcome.missing("JCuda 12.6 could not open device 0: " + why);
        }
    }

    @Override
    public void copy4KiB() {
        JCudaDriver.cuMemcpyHtoDAsync(buffer, host, COPY_BYTES, stream);
        JCudaDriver.cuStreamSynchronize(stream);
    }

    @Override
    public void emptyLaunch() {
        JCudaDriver.cuLaunchKernel(kernel, 1, 1, 1, 32, 1, 1, 0, stream, null, null);
        JCudaDriver.cuStreamSynchronize(stream);
    }

    @Override
    public void close() {
        if (moduleMade) {
            JCudaDriver.cuModuleUnload(module);
        }
        if (bufferMade) {
            JCudaDriver.cuMemFree(buffer);
        }
        if (streamMade) {
            JCudaDriver.cuStreamDestroy(stream);
        }
        if (contextRetained) {
            JCudaDriver.cuDevicePrimaryCtxRelease(device);
        }
    }
}
