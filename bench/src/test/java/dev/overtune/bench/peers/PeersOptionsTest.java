package dev.overtune.bench.peers;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PeersOptionsTest {
    @Test
    void defaultsAndFlags() {
        PeersOptions d = PeersOptions.parse();
        assertEquals("small", d.model());
        assertEquals(8, d.batch());
        assertEquals(0, d.seq());
        assertEquals(Runtime.getRuntime().availableProcessors(), d.threads());
        assertEquals("/usr/bin/python3", d.python());
        PeersOptions o = PeersOptions.parse("--model", "tiny", "--batch", "4", "--seq", "32", "--threads", "1", "--rounds", "3",
                "--round-seconds", "0.5", "--json", "out.json", "--python", "/opt/py");
        assertEquals(new PeersOptions("tiny", 4, 32, 1, 3, 0.5, Path.of("out.json"), "/opt/py"), o);
    }

    @Test
    void badFlagsNameTheFlag() {
        assertEquals("--batch must be at least 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> PeersOptions.parse("--batch", "0")).getMessage());
        assertEquals("--threads needs a whole number, got 'two'", assertThrows(IllegalArgumentException.class,
                () -> PeersOptions.parse("--threads", "two")).getMessage());
        assertEquals("--rounds needs a value", assertThrows(IllegalArgumentException.class,
                () -> PeersOptions.parse("--rounds")).getMessage());
        assertEquals("unknown argument '--fast'", assertThrows(IllegalArgumentException.class,
                () -> PeersOptions.parse("--fast", "yes")).getMessage());
    }

    @Test
    void theScanJobAndTheCoreTypeAreFlags() {
        PeersOptions d = PeersOptions.parse();
        assertEquals(PeersOptions.STEPS, d.job());
        assertEquals(null, d.coretype());
        PeersOptions o = PeersOptions.parse("--job", "scan", "--openblas-coretype", "SkylakeX");
        assertEquals(PeersOptions.SCAN, o.job());
        assertEquals("SkylakeX", o.coretype());
        assertEquals("--job must be steps or scan, got 'all'", assertThrows(IllegalArgumentException.class,
                () -> PeersOptions.parse("--job", "all")).getMessage());
    }
}
