package dev.overtune.bench.peers;

import dev.overtune.bench.BenchFlags;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * The flags of bin/bench-peers. {@code seq == 0} means the model's full context. {@code job} is {@code steps} (the
 * per-step rows) or {@code scan} (one checkpoint's whole scan protocol); {@code coretype} null means: try the OpenBLAS
 * core types that fit this CPU and keep the fastest whose results agree.
 */
public record PeersOptions(String model, int batch, int seq, int threads, int rounds, double roundSeconds, Path json,
                           String python, String job, String coretype, int lanes) {
    public static final String STEPS = "steps";
    public static final String SCAN = "scan";

    public PeersOptions(String model, int batch, int seq, int threads, int rounds, double roundSeconds, Path json, String python) {
        this(model, batch, seq, threads, rounds, roundSeconds, json, python, STEPS, null, 0);
    }

    public static final String USAGE = """
            usage: bin/bench-peers [--model tiny|small|CONFIG] [--batch B] [--seq T] [--threads N] [--rounds R]
                                   [--round-seconds S] [--json FILE] [--python PATH] [--job steps|scan]
                                   [--openblas-coretype NAME|unset] [--lanes N]
              --model          preset or config.json (default small)
              --batch, --seq   batch shape (default 8 x the model's context)
              --threads        threads on both sides (default: all cores, %d here)
              --rounds         measured rounds per job after one warm-up round (default 5)
              --round-seconds  about how long one side's call in a round takes (default 1.0)
              --json FILE      also write every round's figures, versions and load averages as JSON
              --python PATH    the Python with torch for the peer (default /usr/bin/python3)
              --job            steps: training step, evaluation, probes, load (default); scan: one checkpoint's whole
                               scan protocol against a PyTorch loop and a functorch ensemble (use overtrained, demo, small)
              --openblas-coretype  the peer's OpenBLAS core type; default: try unset and those this CPU's instruction
                               set fits, keep the fastest whose eval loss agrees with overtune's
              --lanes          --job scan: overtune's lanes (units at once, threads shared out); default 0: the
                               scan's own choice, as overtune scan makes it"""
            .formatted(Runtime.getRuntime().availableProcessors());

    public PeersOptions {
        positive("--batch", batch);
        positive("--threads", threads);
        positive("--rounds", rounds);
        if (lanes < 0) {
            throw new IllegalArgumentException("--lanes must be 1 or more (0: the scan's own choice), got " + lanes);
        }
        if (seq < 0) {
            throw new IllegalArgumentException("--seq must be positive, got " + seq);
        }
        if (!job.equals(STEPS) && !job.equals(SCAN)) {
            throw new IllegalArgumentException("--job must be steps or scan, got '" + job + "'");
        }
        if (!(roundSeconds > 0) || Double.isInfinite(roundSeconds)) {
            throw new IllegalArgumentException("--round-seconds must be positive, got " + roundSeconds);
        }
    }

    /** The options the arguments give; IllegalArgumentException naming the flag for anything wrong. */
    public static PeersOptions parse(String... args) {
        Flags f = BenchFlags.parse(new Flags(), args);
        return new PeersOptions(f.model, f.batch, f.seq, f.threads, f.rounds, f.roundSeconds, f.json, f.python, f.job, f.coretype, f.lanes);
    }

    /** The flags as picocli reads them, with their defaults; {@link #USAGE} is the help. */
    static final class Flags {
        @Option(names = "--model")
        String model = "small";
        @Option(names = "--batch")
        int batch = 8;
        @Option(names = "--seq")
        int seq = 0;
        @Option(names = "--threads")
        int threads = Runtime.getRuntime().availableProcessors();
        @Option(names = "--rounds")
        int rounds = 5;
        @Option(names = "--round-seconds")
        double roundSeconds = 1.0;
        @Option(names = "--json")
        Path json;
        @Option(names = "--python")
        String python = "/usr/bin/python3";
        @Option(names = "--job")
        String job = STEPS;
        @Option(names = "--openblas-coretype")
        String coretype;
        @Option(names = "--lanes")
        int lanes = 0;
    }

    private static void positive(String flag, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(flag + " must be at least 1, got " + v);
        }
    }
}
