package dev.overtune.backends;

import dev.overtune.cuda.CudaDevice;
import dev.overtune.cuda.driver.CuResult;
import dev.overtune.cuda.driver.Cublas;
import dev.overtune.cuda.driver.CudaException;
import dev.overtune.cuda.driver.Driver;
import dev.overtune.cuda.driver.Nvrtc;
import dev.overtune.cuda.driver.Outcome;

/**
 * Opens a GPU for overtune, or says in one line why it cannot: no driver, no device, a driver or
 * device too old, cuBLAS or NVRTC missing. Everything is checked before anything is created, so
 * a missing library never leaves a half-open device behind.
 */
public final class CudaBackends {
    /** bf16 tensor cores and the PTX the build makes need Ampere (8.0) or newer. */
    public static final int MIN_COMPUTE_CAPABILITY = 80;
    /** CUDA 12.0, as cuDriverGetVersion reports it. */
    public static final int MIN_DRIVER_VERSION = 12000;

    private CudaBackends() {}

    /** The first GPU (as CUDA_VISIBLE_DEVICES orders them). */
    public static Outcome<CudaDevice> open() {
        return open(0);
    }

    public static Outcome<CudaDevice> open(int ordinal) {
        Outcome<Driver> driver = Driver.load();
        if (!(driver instanceof Outcome.Available<Driver>(Driver d))) {
            return Outcome.missing(driver.reason());
        }
        try {
            d.init();
        } catch (CudaException e) {
            return Outcome.missing("the NVIDIA driver " + d.library() + " did not initialise: " + e.getMessage() + initHint(e.status()));
        }
        int version = d.driverVersion();
        if (version < MIN_DRIVER_VERSION) {
            return Outcome.missing("the NVIDIA driver supports CUDA " + version / 1000 + "." + version % 1000 / 10
                    + "; overtune needs a driver for CUDA 12 or newer (R525+; R580+ for CUDA 13)");
        }
        int count = d.deviceCount();
        if (count == 0) {
            return Outcome.missing("the NVIDIA driver reports no CUDA device (check CUDA_VISIBLE_DEVICES and nvidia-smi)");
        }
        if (ordinal < 0 || ordinal >= count) {
            return Outcome.missing("GPU " + ordinal + " asked for, but the driver reports " + count + " (0.." + (count - 1) + ")");
        }
        int device = d.device(ordinal);
        String name = d.deviceName(device);
        int cc = d.computeCapability(device);
        if (cc < MIN_COMPUTE_CAPABILITY) {
            return Outcome.missing(name + " has compute capability " + cc / 10 + "." + cc % 10
                    + "; overtune's CUDA path needs 8.0 or newer (Ampere, Hopper, …) for bf16 tensor cores");
        }
        Outcome<Cublas> cublas = Cublas.load();
        if (!(cublas instanceof Outcome.Available<Cublas>(Cublas blas))) {
            return Outcome.missing(cublas.reason());
        }
        Outcome<Nvrtc> nvrtc = Nvrtc.load();
        if (!(nvrtc instanceof Outcome.Available<Nvrtc>(Nvrtc compiler))) {
            return Outcome.missing(nvrtc.reason());
        }
        try {
            return Outcome.of(CudaDevice.open(d, blas, compiler, ordinal, name, cc, version));
        } catch (CudaException e) {
            return Outcome.missing("opening " + name + " failed: " + e.getMessage());
        }
    }

    private static String initHint(int status) {
        return switch (status) {
            case CuResult.CUDA_ERROR_NO_DEVICE -> " (no GPU visible: check CUDA_VISIBLE_DEVICES and nvidia-smi)";
            case CuResult.CUDA_ERROR_STUB_LIBRARY -> " (this libcuda is the toolkit's link stub, not a driver: install the NVIDIA driver)";
            case CuResult.CUDA_ERROR_SYSTEM_DRIVER_MISMATCH, CuResult.CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE ->
                    " (the user-space libcuda does not match the kernel driver: reinstall one driver version, or reboot after an upgrade)";
            default -> "";
        };
    }
}
