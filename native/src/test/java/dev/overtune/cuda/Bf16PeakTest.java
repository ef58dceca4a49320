package dev.overtune.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Bf16PeakTest {
    @Test
    void driverNamesMapToTheirDensePeak() {
        assertEquals(989.4, Bf16Peak.of("NVIDIA H200").orElseThrow().teraflops());
        assertEquals(989.4, Bf16Peak.of("NVIDIA H100 80GB HBM3").orElseThrow().teraflops());
        assertEquals(756, Bf16Peak.of("NVIDIA H100 PCIe").orElseThrow().teraflops());
        assertEquals(312, Bf16Peak.of("NVIDIA A100-SXM4-80GB").orElseThrow().teraflops());
        assertTrue(Bf16Peak.of("NVIDIA H200 NVL").isEmpty(), "a variant with other clocks gets no borrowed peak");
        assertTrue(Bf16Peak.of("NVIDIA GeForce RTX 4090").isEmpty());
    }
}
