package dev.overtune.bench.peers;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.overtune.bench.GraphFlops;
import dev.overtune.checkpoint.ModelWeights;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigException;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamStore;
import dev.overtune.model.TrainingGraphs;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * bin/bench-peers: overtune and the PyTorch peer (bench/peers/torch_worker.py) side by side in one
 * run, as two long-lived workers driven alternately, on the same checkpoint, batch and thread count.
 * Refuses to compare workers that report different set-ups; without torch, runs overtune's side alone.
 */
public final class BenchPeers {
    /** Measured in this order so each row's peak memory adds little from earlier rows; printed in Job order. */
    private static final List<Job> MEASURE_ORDER = List.of(Job.LOAD, Job.EVAL, Job.NOISE, Job.QUANT, Job.TRAIN);
    private static final double LOSS_AGREEMENT = 1e-4;

    private BenchPeers() {}

    public static void main(String[] args) throws IOException {
        if (List.of(args).contains("-h") || List.of(args).contains("--help")) {
            System.out.println(PeersOptions.USAGE);
            return;
        }
        PeersOptions options;
        try {
            options = PeersOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench-peers: " + e.getMessage());
            System.err.println(PeersOptions.USAGE);
            System.exit(2);
            return;
        }
        LanguageModel model;
        try {
            model = ModelConfigs.resolve(options.model());
        } catch (ModelConfigException e) {
            System.err.println("bench-peers: " + e.getMessage());
            System.exit(3);
            return;
        }
        int seq = options.seq() == 0 ? model.contextLength() : options.seq();
        if (seq > model.contextLength()) {
            System.err.println("bench-peers: --seq " + seq + " exceeds the model's context " + model.contextLength());
            System.exit(3);
        }
        System.exit(options.job().equals(PeersOptions.SCAN) ? ScanBench.run(options, model, args) : run(options, model, seq, args));
    }

    private static int run(PeersOptions options, LanguageModel model, int seq, String[] args) throws IOException {
        String loadBefore = loadAverage();
        Path work = Files.createTempDirectory("bench-peers-");
        Path checkpoint = work.resolve("checkpoint");
        writeCheckpoint(checkpoint, model);
        Optional<String> noTorch = TorchAvailability.problem(options.python());
        noTorch.ifPresent(why -> System.err.println("bench-peers: no PyTorch peer: " + why + "; " + TorchAvailability.INSTALL_HINT
                + ". Running overtune's side only."));
        PeerBlas blas;
        try {
            blas = noTorch.isPresent() ? null : choosePeerBlas(options, model, seq, checkpoint, work);
        } catch (WorkerProcess.WorkerFailure | IllegalStateException e) {
            System.err.println("bench-peers: " + e.getMessage());
            return 1;
        }
        try (WorkerProcess overtune = startOvertune(options, seq, checkpoint, work);
             WorkerProcess pytorch = noTorch.isPresent() ? null : startPytorch(options, seq, checkpoint, work, blas)) {
            Optional<String> refusal = pytorch == null ? Optional.empty() : refusal(overtune.config(), pytorch.config());
            if (refusal.isPresent()) {
                System.err.println("bench-peers: " + refusal.get());
                return 3;
            }
            PeerRun run = new PeerRun(overtune, pytorch, options.rounds(), options.roundSeconds(),
                    line -> System.err.println("bench-peers: " + line));
            int tokens = options.batch() * seq;
            long trainFlops = GraphFlops.matmul(TrainingGraphs.train(model, options.batch(), seq));
            long evalFlops = GraphFlops.matmul(TrainingGraphs.eval(model, options.batch(), seq));
            List<JobResult> rows = new ArrayList<>();
            for (Job job : MEASURE_ORDER) {
                long flops = switch (job) {
                    case TRAIN -> trainFlops;
                    case EVAL, NOISE, QUANT -> evalFlops;
                    case LOAD, PEAK, SCAN -> 0;
                };
                rows.add(run.measure(job, tokens, flops));
            }
            JobResult peak = run.peakRow();
            rows.add(peak);
            rows.sort(Comparator.comparing(JobResult::job));
            String loadAfter = loadAverage();

            Call[] eval = run.firstCalls(Job.EVAL);
            System.out.println();
            System.out.print(header(options, overtune.config(), pytorch == null ? null : pytorch.config(), noTorch, eval));
            if (blas != null) {
                System.out.print(blasReport(blas));
            }
            System.out.println();
            System.out.print(PeerTable.render(rows, peak.bestOvertuneGflops()));
            System.out.println();
            System.out.print(PeerTable.legend(peak.bestOvertuneGflops()));
            System.out.println("probes: overtune: " + overtune.config().probes());
            if (pytorch != null) {
                System.out.println("        PyTorch: " + pytorch.config().probes());
            }
            System.out.printf("load average (1/5/15 min): %s before, %s after; %d cores%n", loadBefore, loadAfter,
                    Runtime.getRuntime().availableProcessors());
            if (options.json() != null) {
                writeJson(options, args, overtune.config(), pytorch == null ? null : pytorch.config(), noTorch, eval, rows,
                        peak.bestOvertuneGflops(), loadBefore, loadAfter);
                System.out.println("wrote " + options.json());
            }
        } catch (WorkerProcess.WorkerFailure e) {
            System.err.println("bench-peers: " + e.getMessage());
            System.err.println("bench-peers: worker logs kept in " + work);
            return 1;
        }
        deleteTree(work);
        return 0;
    }

    /** Why two workers' figures cannot be compared, if they cannot. */
    static Optional<String> refusal(WorkerConfig overtune, WorkerConfig pytorch) {
        List<String> differences = overtune.differencesFrom(pytorch);
        return differences.isEmpty() ? Optional.empty() : Optional.of(
                "refusing to compare: the two workers report different set-ups:\n  " + String.join("\n  ", differences));
    }

    static String header(PeersOptions options, WorkerConfig ot, WorkerConfig pt, Optional<String> noTorch, Call[] eval) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "overtune vs PyTorch: %s '%s' (%,d parameters), batch %d x %d tokens, %d threads each;"
                        + " %d measured round%s per job after a warm-up round%n",
                ot.modelType(), ot.model(), ot.params(), ot.batch(), ot.seq(), ot.threads(), options.rounds(), options.rounds() == 1 ? "" : "s"));
        out.append("  overtune worker: ").append(versions(ot)).append('\n');
        if (pt != null) {
            out.append("  PyTorch worker:  ").append(versions(pt)).append('\n');
            double relative = Math.abs(eval[0].loss() - eval[1].loss()) / Math.max(1e-12, Math.abs(eval[1].loss()));
            out.append(String.format(Locale.ROOT, "eval loss at the checkpoint: overtune %.6f, PyTorch %.6f (relative difference %.1e)%s%n",
                    eval[0].loss(), eval[1].loss(), relative,
                    relative > LOSS_AGREEMENT ? " -- THE SIDES DISAGREE: they are not computing the same model" : ""));
        } else {
            out.append("  PyTorch worker:  not run: ").append(noTorch.orElse("")).append("; ").append(TorchAvailability.INSTALL_HINT).append('\n');
            out.append(String.format(Locale.ROOT, "eval loss at the checkpoint: overtune %.6f%n", eval[0].loss()));
        }
        return out.toString();
    }

    private static String versions(WorkerConfig c) {
        List<String> parts = new ArrayList<>();
        c.versions().forEach((k, v) -> parts.add(k + " " + v));
        return String.join(", ", parts);
    }

    static WorkerProcess startOvertune(PeersOptions options, int seq, Path checkpoint, Path work) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(launcherFlags());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), OvertuneWorker.class.getName()));
        command.addAll(workerFlags(options, seq, checkpoint));
        return WorkerProcess.start("overtune", command, Map.of(), work.resolve("overtune-worker.log"));
    }

    /**
     * The worker runs with the flags this JVM was started with (bin/jvm-options through bin/bench-peers), so it
     * measures overtune as bin/overtune runs it; system properties stay behind, they configure this process.
     */
    static List<String> launcherFlags() {
        List<String> flags = new ArrayList<>();
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!arg.startsWith("-D")) {
                flags.add(arg);
            }
        }
        if (flags.stream().noneMatch(f -> f.startsWith("--enable-native-access"))) {
            flags.add("--enable-native-access=ALL-UNNAMED");
        }
        return flags;
    }

    static WorkerProcess startPytorch(PeersOptions options, int seq, Path checkpoint, Path work, PeerBlas blas) {
        return startPython(options, "torch_worker.py", workerFlags(options, seq, checkpoint), "pytorch", blas, work.resolve("pytorch-worker.log"));
    }

    /** A Python worker of bench/peers with the peer's environment: its thread pools pinned, the chosen OpenBLAS core type. */
    static WorkerProcess startPython(PeersOptions options, String script, List<String> flags, String side, PeerBlas blas, Path log) {
        Path file = Path.of(System.getProperty("overtune.peers.dir", "bench/peers"), script);
        List<String> command = new ArrayList<>(List.of(options.python(), file.toString()));
        command.addAll(flags);
        String threads = Integer.toString(options.threads());
        // torch.set_num_threads pins the intra-op pool; these pin OpenMP's and OpenBLAS's own pools the same way.
        // Passive waiting: libgomp's idle workers otherwise spin against OpenBLAS's pool on the same cores, which made
        // PyTorch 3-40x slower on a loaded 2-core machine. The peer should be PyTorch at its best, not its default.
        Map<String, String> env = new java.util.HashMap<>(Map.of("OMP_NUM_THREADS", threads, "OPENBLAS_NUM_THREADS", threads,
                "MKL_NUM_THREADS", threads, "OMP_WAIT_POLICY", "PASSIVE"));
        env.putAll(blas.env());
        return WorkerProcess.start(side, command, env, blas.unset(), log);
    }

    /**
     * The peer's OpenBLAS core type: the one given, or the fastest training step of the candidates this CPU runs whose
     * eval loss on the bench batch agrees with overtune's (computed here, in the harness, on the same checkpoint).
     */
    static PeerBlas choosePeerBlas(PeersOptions options, LanguageModel model, int seq, Path checkpoint, Path work) {
        if (options.coretype() != null) {
            return PeerBlas.given(options.coretype());
        }
        double overtuneLoss;
        try (OvertuneJobs jobs = new OvertuneJobs(model, checkpoint, options.batch(), seq, options.threads())) {
            overtuneLoss = jobs.run(Job.EVAL, 1);
        }
        List<String> candidates = PeerBlas.candidates(PeerBlas.cpuFlags(), System.getenv(PeerBlas.VARIABLE));
        System.err.println("bench-peers: choosing the peer's OpenBLAS core type among " + candidates
                + " (environment: " + PeerBlas.VARIABLE + "=" + Optional.ofNullable(System.getenv(PeerBlas.VARIABLE)).orElse("unset") + ")");
        return PeerBlas.choose(candidates, overtuneLoss, LOSS_AGREEMENT, candidate -> trial(options, seq, checkpoint, work, candidate),
                line -> System.err.println("bench-peers: " + line));
    }

    private static PeerBlas.Trial trial(PeersOptions options, int seq, Path checkpoint, Path work, String candidate) {
        PeerBlas blas = candidate.equals(PeerBlas.UNSET) ? new PeerBlas(null, "", "", List.of())
                : new PeerBlas(candidate, "", "", List.of());
        try (WorkerProcess w = startPython(options, "torch_worker.py", workerFlags(options, seq, checkpoint), "pytorch (" + candidate + ")",
                blas, work.resolve("pytorch-coretype-" + candidate + ".log"))) {
            String core = w.config().versions().getOrDefault("openblas core", "unknown");
            double loss = w.call(new WorkerProtocol.Command(Job.EVAL, 1)).loss();
            w.call(new WorkerProtocol.Command(Job.TRAIN, 1));
            double one = w.call(new WorkerProtocol.Command(Job.TRAIN, 1)).seconds();
            int count = (int) Math.max(1, Math.min(1000, Math.round(0.3 / one)));
            double step = one;
            for (int i = 0; i < 3; i++) {
                step = Math.min(step, w.call(new WorkerProtocol.Command(Job.TRAIN, count)).seconds() / count);
            }
            w.call(new WorkerProtocol.Command(Job.PEAK, 1));
            Call peak = w.call(new WorkerProtocol.Command(Job.PEAK, 4));
            return new PeerBlas.Trial(candidate, core, loss, step, peak.count() * (double) dev.overtune.bench.MatMulPeak.FLOPS / peak.seconds() / 1e9);
        }
    }

    static String blasReport(PeerBlas blas) {
        StringBuilder out = new StringBuilder("peer OpenBLAS: ").append(blas.label()).append(": ").append(blas.reason()).append('\n');
        for (String line : blas.tried()) {
            out.append("  ").append(line).append('\n');
        }
        return out.toString();
    }

    static List<String> workerFlags(PeersOptions options, int seq, Path checkpoint) {
        return List.of("--model", options.model(), "--batch", Integer.toString(options.batch()), "--seq", Integer.toString(seq),
                "--threads", Integer.toString(options.threads()), "--checkpoint", checkpoint.toString());
    }

    /** The checkpoint both sides load: the model at a fixed random init, in overtune's Hugging Face layout. */
    static void writeCheckpoint(Path dir, LanguageModel model) {
        try (Arena arena = Arena.ofConfined()) {
            ParamStore params = ParamStore.allocate(arena, model.params());
            params.initialize(42);
            ModelWeights.save(dir, model, params, Map.of("written_by", "bin/bench-peers"));
        }
    }

    static String loadAverage() {
        try {
            String[] words = Files.readString(Path.of("/proc/loadavg")).strip().split(" ");
            return String.join(" ", words[0], words[1], words[2]);
        } catch (IOException | ArrayIndexOutOfBoundsException e) {
            return "unknown";
        }
    }

    private static void writeJson(PeersOptions options, String[] args, WorkerConfig ot, WorkerConfig pt, Optional<String> noTorch,
                                  Call[] eval, List<JobResult> rows, double peakGflops, String loadBefore, String loadAfter)
            throws IOException {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode out = mapper.createObjectNode();
        out.put("command", "bin/bench-peers " + String.join(" ", args));
        out.put("git", System.getProperty("overtune.git", "unknown"));
        out.put("date", Instant.now().toString());
        out.put("cores", Runtime.getRuntime().availableProcessors());
        out.put("load_average_before", loadBefore).put("load_average_after", loadAfter);
        out.put("rounds", options.rounds()).put("round_seconds", options.roundSeconds());
        out.set("overtune", ot.toJson());
        if (pt != null) {
            out.set("pytorch", pt.toJson());
        } else {
            out.putNull("pytorch");
            out.put("pytorch_missing", noTorch.orElse(""));
        }
        out.put("matmul_peak_gflops", peakGflops);
        ObjectNode losses = out.putObject("eval_loss_at_checkpoint");
        number(losses, "overtune", eval[0].loss());
        number(losses, "pytorch", eval[1] == null ? Double.NaN : eval[1].loss());
        ArrayNode jobs = out.putArray("jobs");
        for (JobResult r : rows) {
            ObjectNode j = jobs.addObject();
            j.put("job", r.job().word()).put("label", r.job().label()).put("unit", r.job().unit().label());
            number(j, "overtune_median", r.overtuneMedian());
            number(j, "pytorch_median", r.pytorchMedian());
            double[] ratios = r.speedRatios();
            number(j, "speed_ratio_median", Stats.median(ratios));
            number(j, "speed_ratio_min", Stats.min(ratios));
            number(j, "speed_ratio_max", Stats.max(ratios));
            number(j, "overtune_fraction_of_peak", r.fractionOfPeak(peakGflops * 1e9));
            number(j, "pytorch_fraction_of_peak", r.pytorchFractionOfPeak(peakGflops * 1e9));
            j.put("matmul_flops_per_repetition", r.matmulFlops()).put("tokens_per_batch", r.tokensPerBatch());
            ObjectNode rss = j.putObject("peak_rss_kib");
            r.overtuneRss().ifPresentOrElse(v -> rss.put("overtune", v), () -> rss.putNull("overtune"));
            r.pytorchRss().ifPresentOrElse(v -> rss.put("pytorch", v), () -> rss.putNull("pytorch"));
            ArrayNode rounds = j.putArray("rounds");
            for (Round round : r.rounds()) {
                ObjectNode o = rounds.addObject();
                call(o, "overtune", round.overtune());
                call(o, "pytorch", round.pytorch());
            }
        }
        mapper.writeValue(options.json().toFile(), out);
    }

    private static void call(ObjectNode parent, String key, Call c) {
        if (c == null) {
            return;
        }
        ObjectNode o = parent.putObject(key).put("count", c.count()).put("seconds", c.seconds());
        number(o, "loss", c.loss());
    }

    /** JSON has no NaN: absent figures are null. */
    private static void number(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        } else {
            o.putNull(key);
        }
    }

    static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
