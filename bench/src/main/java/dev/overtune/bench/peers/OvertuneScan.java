package dev.overtune.bench.peers;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.overtune.backend.OrtBackend;
import dev.overtune.model.LanguageModel;
import dev.overtune.scan.Scan;
import dev.overtune.scan.ScanCheckpoint;
import dev.overtune.scan.ScanLanes;
import dev.overtune.scan.TextTask;
import dev.overtune.scan.UnitResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * overtune's side of {@code --job scan}: the protocol run as a user runs it, through the engine's {@link Scan} API
 * into a fresh SQLite store per repetition (every unit stored, as a scan stores it), with the backends and lanes
 * {@code overtune scan} would choose ({@link ScanLanes}). After each call the last protocol's metrics go to the
 * results file, unit by unit.
 */
final class OvertuneScan implements AutoCloseable {
    private final LanguageModel model;
    private final Path checkpoint;
    private final ScanProtocol protocol;
    private final Path results;
    /** Describes the ONNX Runtime setup in the worker's hello; each protocol's scan opens its own backends. */
    private final OrtBackend backend;

    /** 0: the scan's own choice ({@link ScanLanes#AUTO}). */
    private final int lanes;

    OvertuneScan(LanguageModel model, Path checkpoint, ScanProtocol protocol, Path results, int lanes) {
        this.model = model;
        this.lanes = lanes;
        this.checkpoint = checkpoint;
        this.protocol = protocol;
        this.results = results;
        this.backend = new OrtBackend(protocol.settings().threads());
    }

    int threads() {
        return backend.threads();
    }

    /** The scan's lanes and each lane's ONNX Runtime threads. */
    String threading() {
        return lanesLabel() + ", onnxruntime intra-op " + protocol.settings().threads() / laneCount() + " each, inter-op 1, sequential";
    }

    String memoryArena() {
        return backend.memoryArena();
    }

    /** Runs the whole protocol {@code count} times; the base unit's validation loss of the last. */
    double run(int count) {
        List<UnitResult> last = null;
        for (int i = 0; i < count; i++) {
            last = once();
        }
        write(last);
        return last.stream().filter(r -> r.probe().kind() == dev.overtune.probe.ProbeKind.BASE).findFirst()
                .map(r -> r.done() ? r.metric("id_val_loss") : Double.NaN).orElse(Double.NaN);
    }

    private List<UnitResult> once() {
        Path dir;
        try {
            dir = Files.createTempDirectory("bench-scan-store-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            return Scan.builder()
                    .series(List.of(new ScanCheckpoint("bench", checkpoint, 0)))
                    .model(model)
                    .task(new TextTask("bench-jargon", protocol.taskTokens()))
                    .ood(protocol.oodTokens())
                    .settings(protocol.settings())
                    .store(dir.resolve("scan.db"))
                    .lanes(lanes)
                    .run()
                    .results();
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                System.err.println("overtune worker: could not remove " + dir + ": " + e.getMessage());
            }
        }
    }

    private void write(List<UnitResult> last) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode out = json.createObjectNode().put("side", "overtune");
        ObjectNode units = out.putObject("units");
        for (UnitResult r : last) {
            ObjectNode u = units.putObject(ScanProtocol.key(r.probe().kind(), r.setting(), r.seed()));
            if (!r.done()) {
                u.put("failed", r.reason());
                continue;
            }
            r.metrics().forEach((k, v) -> {
                if (!k.endsWith("_stderr")) {
                    u.put(k, v);
                }
            });
        }
        try {
            json.writeValue(results.toFile(), out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + results + ": " + e.getMessage(), e);
        }
    }

    String probes() {
        return "dev.overtune.scan.Scan into a fresh SQLite store per protocol; " + protocol.units() + " units; " + lanesLabel();
    }

    private int laneCount() {
        return ScanLanes.count(lanes, protocol.settings().threads(), model);
    }

    /** "2 lanes (the scan's own choice)", "1 lane (--lanes)". */
    private String lanesLabel() {
        int n = laneCount();
        return n + (n == 1 ? " lane" : " lanes") + (lanes == ScanLanes.AUTO ? " (the scan's own choice)" : " (--lanes)");
    }

    @Override
    public void close() {
        backend.close();
    }
}
