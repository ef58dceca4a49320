package dev.overtune.bench.peers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Whether a Python can import torch; if not, why, in one line. */
public final class TorchAvailability {
    public static final String INSTALL_HINT = "install Debian's PyTorch with: sudo apt-get install python3-torch";

    private TorchAvailability() {}

    public static Optional<String> problem(String python) {
        Process p;
        try {
            p = new ProcessBuilder(List.of(python, "-c", "import torch")).redirectErrorStream(true).start();
        } catch (IOException e) {
            return Optional.of("cannot run " + python + " (" + e.getMessage() + ")");
        }
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.of(python + " -c 'import torch' did not finish in 120 s");
            }
            if (p.exitValue() == 0) {
                return Optional.empty();
            }
            List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip().lines().toList();
            return Optional.of(python + " cannot import torch" + (lines.isEmpty() ? "" : " (" + lines.getLast() + ")"));
        } catch (IOException e) {
            return Optional.of(python + " -c 'import torch' failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while checking for torch");
        }
    }
}
