package dev.overtune.bench.peers;

import org.junit.jupiter.api.Test;

import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PeakMemoryTest {
    @Test
    void peakIsTheVmHwmLineOfProcStatus() {
        String status = "Name:\tpython3\nVmPeak:\t  900000 kB\nVmHWM:\t  123456 kB\nVmRSS:\t  100000 kB\n";
        assertEquals(OptionalLong.of(123456), PeakMemory.parseVmHwmKiB(status));
        assertEquals(OptionalLong.empty(), PeakMemory.parseVmHwmKiB("Name:\tkthreadd\n"));
    }
}
