package dev.overtune.cuda;

import java.util.List;
import java.util.Optional;

/**
 * The dense (no 2:4 sparsity) BF16 tensor-core peak of the cards gpu-check knows, matched on the
 * name the driver reports. NVIDIA's datasheets print the sparse figure; dense is half of it.
 * H100 SXM and H200 (SXM) share the GH100 compute at the same clocks: 989.4 TFLOPS dense
 * (1,979 sparse); H100 PCIe 756 (1,513 sparse); A100 (SXM4 and PCIe) 312 (624 sparse).
 */
record Bf16Peak(String card, double teraflops) {
    // Most specific first: "H100 PCIe" before the plain H100 (SXM, "NVIDIA H100 80GB HBM3").
    private static final List<String[]> KNOWN = List.of(
            new String[] {"H200 NVL", ""},
            new String[] {"H200", "989.4"},
            new String[] {"H100 PCIe", "756"},
            new String[] {"H100 NVL", ""},
            new String[] {"H100", "989.4"},
            new String[] {"A100", "312"});

    /** The peak for a device name as cuDeviceGetName gives it, when gpu-check knows the card. */
    static Optional<Bf16Peak> of(String deviceName) {
        for (String[] k : KNOWN) {
            if (deviceName.contains(k[0])) {
                return k[1].isEmpty() ? Optional.empty() : Optional.of(new Bf16Peak(k[0], Double.parseDouble(k[1])));
            }
        }
        return Optional.empty();
    }

    String describe() {
        return card + " BF16 dense peak " + teraflops + " TFLOPS";
    }
}
