package dev.overtune.cuda.train;

import dev.overtune.cuda.driver.Cublas;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A CUDA backend's training states compute as its GEMMs do. */
class PrecisionTest {
    @Test
    void onlyBf16GemmsMakeBf16ComputeStates() {
        assertEquals(Precision.BF16_COMPUTE, Precision.of(Cublas.Precision.BF16));
        assertEquals(Precision.FP32, Precision.of(Cublas.Precision.TF32));
        assertEquals(Precision.FP32, Precision.of(Cublas.Precision.FP32));
    }
}
