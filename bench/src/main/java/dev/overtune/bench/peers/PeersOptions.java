package dev.overtune.bench.peers;

import java.nio.file.Path;

/**
 * The flags of bin/bench-peers. {@code seq == 0} means the model's full context. {@code job} is {@code steps} (the
 * per-step rows) or {@code scan} (one checkpoint's whole scan protocol); {@code coretype} null means: try the OpenBLAS
 * core types that fit this CPU and keep the fastest whose results agree.
 */
public record PeersOptions(String model, int batch, int seq, int threads, int rounds, double roundSeconds, Path json,
                           String python, String job, String coretype) {
    public static final String STEPS = "steps";
    public static final String SCAN = "scan";

    public PeersOptions(String model, int batch, int seq, int threads, int rounds, double roundSeconds, Path json, String python) {
        this(model, batch, seq, threads, rounds, roundSeconds, json, python, STEPS, null);
    }

    public static final String USAGE = """
            usage: bin/bench-peers [--model tiny|small|CONFIG] [--batch B] [--seq T] [--threads N] [--rounds R]
                                   [--round-seconds S] [--json FILE] [--python PATH] [--job steps|scan]
                                   [--openblas-coretype NAME|unset]
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
                               set fits, keep the fastest whose eval loss agrees with overtune's"""
            .formatted(Runtime.getRuntime().availableProcessors());

    public PeersOptions {
        positive("--batch", batch);
        positive("--threads", threads);
        positive("--rounds", rounds);
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
        String model = "small";
        int batch = 8;
        int seq = 0;
        int threads = Runtime.getRuntime().availableProcessors();
        int rounds = 5;
        double roundSeconds = 1.0;
        Path json = null;
        String python = "/usr/bin/python3";
        String job = STEPS;
        String coretype = null;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (i + 1 == args.length) {
                throw new IllegalArgumentException(flag.startsWith("--") ? flag + " needs a value" : "unknown argument '" + flag + "'");
            }
            String v = args[++i];
            switch (flag) {
                case "--model" -> model = v;
                case "--batch" -> batch = integer(flag, v);
                case "--seq" -> seq = integer(flag, v);
                case "--threads" -> threads = integer(flag, v);
                case "--rounds" -> rounds = integer(flag, v);
                case "--round-seconds" -> roundSeconds = decimal(flag, v);
                case "--json" -> json = Path.of(v);
                case "--python" -> python = v;
                case "--job" -> job = v;
                case "--openblas-coretype" -> coretype = v;
                default -> throw new IllegalArgumentException("unknown argument '" + flag + "'");
            }
        }
        return new PeersOptions(model, batch, seq, threads, rounds, roundSeconds, json, python, job, coretype);
    }

    private static int integer(String flag, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs a whole number, got '" + v + "'");
        }
    }

    private static double decimal(String flag, String v) {
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs a number, got '" + v + "'");
        }
    }

    private static void positive(String flag, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(flag + " must be at least 1, got " + v);
        }
    }
}
