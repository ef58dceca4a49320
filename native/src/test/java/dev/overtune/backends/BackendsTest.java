package dev.overtune.backends;

import dev.overtune.backend.Backend;
import dev.overtune.backend.BackendException;
import dev.overtune.cuda.CudaDevice;
import dev.overtune.cuda.driver.CudaAvailability;
import dev.overtune.cuda.driver.Outcome;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackendsTest {
    @Test
    void cpuIsOnnxRuntime() {
        try (Backend b = Backends.select("cpu", m -> { throw new AssertionError("cpu needs no notice: " + m); })) {
            assertEquals("onnxruntime-cpu", b.name());
        }
    }

    @Test
    void theCpuTakesTheThreadsAsked() {
        try (Backend b = Backends.select("cpu", 1, m -> { })) {
            assertEquals(1, ((dev.overtune.backend.OrtBackend) b).threads());
        }
    }

    @Test
    void autoFallsBackToTheCpuAndSaysWhyOnce() {
        Backends.resetNotice();
        List<String> notices = new ArrayList<>();
        try (Backend first = Backends.select("AUTO", notices::add); Backend second = Backends.select("auto", notices::add)) {
            assertEquals("onnxruntime-cpu", first.name());
            assertEquals("onnxruntime-cpu", second.name());
        }
        assertEquals(1, notices.size(), notices.toString());
        assertTrue(notices.getFirst().startsWith("using the CPU backend (onnxruntime-cpu): "), notices.getFirst());
        assertTrue(notices.getFirst().length() > "using the CPU backend (onnxruntime-cpu): ".length() + 10, "with a reason: " + notices.getFirst());
        System.out.println("auto: " + notices.getFirst());
    }

    @Test
    void theLibraryDefaultLogsItsNoticeThroughSystemLoggerNotStderr() {
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger(Backends.class.getName());
        List<java.util.logging.LogRecord> records = new ArrayList<>();
        java.util.logging.Handler handler = new java.util.logging.Handler() {
            @Override public void publish(java.util.logging.LogRecord r) { records.add(r); }
            @Override public void flush() {}
            @Override public void close() {}
        };
        java.io.PrintStream oldErr = System.err;
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        boolean parents = jul.getUseParentHandlers();
        jul.addHandler(handler);
        jul.setUseParentHandlers(false);
        Backends.resetNotice();
        try {
            System.setErr(new java.io.PrintStream(err, true));
            try (Backend b = Backends.select("auto")) {
                assertEquals("onnxruntime-cpu", b.name());
            }
        } finally {
            System.setErr(oldErr);
            jul.removeHandler(handler);
            jul.setUseParentHandlers(parents);
        }
        assertEquals(1, records.size(), records.toString());
        assertEquals(java.util.logging.Level.INFO, records.getFirst().getLevel());
        assertTrue(records.getFirst().getMessage().startsWith("using the CPU backend (onnxruntime-cpu): "), records.getFirst().getMessage());
        assertEquals("", err.toString(), "nothing on System.err");
    }

    @Test
    void cudaIsTheGpuOrAnErrorWithTheReason() {
        Outcome<CudaDevice> device = CudaBackends.open();
        if (device instanceof Outcome.Available<CudaDevice>(CudaDevice d)) {
            d.close();
            try (Backend b = Backends.select("cuda", m -> { throw new AssertionError("cuda needs no notice: " + m); })) {
                assertEquals("cuda", b.name());
            }
            return;
        }
        BackendException e = assertThrows(BackendException.class, () -> Backends.select("cuda", m -> { }));
        assertEquals("--backend cuda: " + device.reason(), e.getMessage());
        if (!CudaAvailability.check().available()) {
            assertTrue(e.getMessage().contains("libcuda"), e.getMessage());
        }
        System.out.println("cuda: " + e.getMessage());
    }

    @Test
    void anUnknownChoiceIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.select("gpu", m -> { }));
        assertEquals("backend must be cpu, cuda or auto, got 'gpu'", e.getMessage());
    }

    @Test
    void withoutADriverOpenSaysSoInOneLine() {
        Outcome<CudaDevice> device = CudaBackends.open();
        if (device instanceof Outcome.Available<CudaDevice>(CudaDevice d)) {
            d.close();
            return;
        }
        String reason = device.reason();
        assertTrue(!reason.isBlank() && !reason.contains("\n"), reason);
        System.out.println("CudaBackends.open(): " + reason);
    }
}
