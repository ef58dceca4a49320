package dev.overtune.backends;

import dev.overtune.cuda.CudaDevice;
import dev.overtune.cuda.driver.Cublas;
import dev.overtune.cuda.driver.Driver;
import dev.overtune.cuda.driver.Nvrtc;
import dev.overtune.cuda.driver.Outcome;

/**
 * {@code java -cp … dev.overtune.backends.CudaCheck}: prints what CUDA overtune finds here, one line per
 * library and one for the device, and exits 0 when a GPU is usable, 4 when not. The bundle's
 * {@code overtune-cuda-check} and {@code native/gpu-check.sh} run it.
 */
public final class CudaCheck {
    private CudaCheck() {}

    public static void main(String[] args) {
        System.out.println("driver: " + describe(Driver.load().map(d -> d.library().toString())));
        System.out.println("cuBLAS: " + describe(Cublas.load().map(c -> c.library().toString())));
        System.out.println("NVRTC:  " + describe(Nvrtc.load().map(n -> n.library() + " (NVRTC " + n.version()[0] + "." + n.version()[1] + ")")));
        Outcome<CudaDevice> device = CudaBackends.open();
        if (device instanceof Outcome.Available<CudaDevice>(CudaDevice d)) {
            try (d) {
                System.out.println("device: " + d.describe());
            }
            System.exit(0);
        }
        System.out.println("device: none: " + device.reason());
        System.exit(4);
    }

    private static String describe(Outcome<String> o) {
        return o.available() ? ((Outcome.Available<String>) o).value() : "missing: " + o.reason();
    }
}
