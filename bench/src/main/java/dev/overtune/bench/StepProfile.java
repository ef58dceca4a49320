package dev.overtune.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.overtune.backend.OrtBackend;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigException;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamStore;
import dev.overtune.model.TrainingGraphs;
import dev.overtune.train.AdamW;
import dev.overtune.train.Evaluator;
import dev.overtune.train.LrSchedule;
import dev.overtune.train.TrainConfig;
import dev.overtune.train.Trainer;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where a training or evaluation step's time goes: runs it under ONNX Runtime's profiler and prints the kernel
 * time per op type and per node (per run, after warm-up), beside the time the graph's MatMul FLOPs would take at
 * the 1024³ matmul peak measured in the same process. {@code bin/bench-profile --model small --job train}.
 */
public final class StepProfile {
    private static final String USAGE = """
            usage: bin/bench-profile [--model NAME] [--job train|eval] [--batch B] [--seq T] [--threads N]
                                     [--runs R] [--warmup W] [--top K] [--out DIR]
              --model    a preset (default small)         --job      train (forward+backward) or eval (default train)
              --batch    sequences per batch (default 8)  --seq      tokens per sequence (default 256)
              --threads  intra-op threads (default 2)     --runs     profiled runs after warm-up (default 10)
              --warmup   runs left out (default 2)        --top      nodes listed (default 25)
              --out      where the profile JSON goes (default a temporary directory)""";

    static final class Flags {
        @Option(names = "--model") String model = "small";
        @Option(names = "--job") String job = "train";
        @Option(names = "--batch") int batch = 8;
        @Option(names = "--seq") int seq = 256;
        @Option(names = "--threads") int threads = 2;
        @Option(names = "--runs") int runs = 10;
        @Option(names = "--warmup") int warmup = 2;
        @Option(names = "--top") int top = 25;
        @Option(names = "--out") Path out;
        @Option(names = {"-h", "--help"}) boolean help;
    }

    public static void main(String[] args) throws Exception {
        Flags f;
        try {
            f = BenchFlags.parse(new Flags(), args);
            if (!f.job.equals("train") && !f.job.equals("eval")) {
                throw new IllegalArgumentException("--job is train or eval, got '" + f.job + "'");
            }
            if (f.runs < 1 || f.warmup < 0 || f.batch < 1 || f.seq < 1 || f.threads < 1) {
                throw new IllegalArgumentException("--runs, --batch, --seq and --threads need at least 1, --warmup at least 0");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("bench-profile: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        if (f.help) {
            System.out.println(USAGE);
            return;
        }
        LanguageModel model;
        try {
            model = ModelConfigs.resolve(f.model);
        } catch (ModelConfigException e) {
            System.err.println("bench-profile: --model: " + e.getMessage());
            System.exit(3);
            return;
        }
        Path dir = f.out != null ? Files.createDirectories(f.out) : Files.createTempDirectory("overtune-profile");
        boolean train = f.job.equals("train");
        long flops = GraphFlops.matmul(train ? TrainingGraphs.train(model, f.batch, f.seq) : TrainingGraphs.eval(model, f.batch, f.seq));

        double peakFlops = peak(f.threads);
        OrtBackend backend = OrtBackend.profiling(f.threads, dir.resolve(f.job));
        double[] wall = new double[f.runs];
        double[] cpu = new double[f.runs];
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        try (Arena arena = Arena.ofShared()) {
            ParamStore params = ParamStore.allocate(arena, model.params());
            params.initialize(1);
            if (train) {
                TrainConfig config = new TrainConfig(f.batch, f.seq, new LrSchedule(1e-4, 1e-4, 0, Long.MAX_VALUE), AdamW.Config.defaults(), 1.0);
                try (Trainer t = new Trainer(backend, model, params, config, arena)) {
                    FixedBatch.fill(t.batch(), model.vocabSize());
                    for (int i = 0; i < f.warmup + f.runs; i++) {
                        long cpuStart = os.getProcessCpuTime();
                        long start = System.nanoTime();
                        t.step();
                        if (i >= f.warmup) {
                            wall[i - f.warmup] = (System.nanoTime() - start) / 1e6;
                            cpu[i - f.warmup] = (os.getProcessCpuTime() - cpuStart) / 1e6;
                        }
                    }
                }
            } else {
                try (Evaluator e = new Evaluator(backend, model, params, f.batch, f.seq, arena)) {
                    FixedBatch.fill(e.batch(), model.vocabSize());
                    for (int i = 0; i < f.warmup + f.runs; i++) {
                        long cpuStart = os.getProcessCpuTime();
                        long start = System.nanoTime();
                        e.run();
                        if (i >= f.warmup) {
                            wall[i - f.warmup] = (System.nanoTime() - start) / 1e6;
                            cpu[i - f.warmup] = (os.getProcessCpuTime() - cpuStart) / 1e6;
                        }
                    }
                }
            }
        }
        Path file = backend.profiles().getLast();
        Profile p = Profile.read(file, f.warmup);
        Arrays.sort(wall);
        Arrays.sort(cpu);
        double matmulAtPeakMs = flops / peakFlops * 1e3;
        System.out.printf(Locale.ROOT, "%s %s, batch %d x %d, %d threads: %d runs after %d warm-up; profile %s%n",
                f.model, f.job, f.batch, f.seq, f.threads, p.runs, f.warmup, file);
        System.out.printf(Locale.ROOT, "step wall (Java) median %.1f ms, fastest %.1f ms; session run (median) %.1f ms; kernels %.1f ms per run%n",
                wall[wall.length / 2], wall[0], p.medianRunMs, p.kernelMs);
        // On a loaded machine the process's CPU time per step (all threads) moves less than its wall time, and each
        // node's fastest run, summed, is the closest to what the step costs on a quiet one.
        System.out.printf(Locale.ROOT, "process CPU time per step (median) %.0f ms; kernels at each node's fastest run, summed: %.1f ms%n",
                cpu[cpu.length / 2], p.fastestKernelsMs);
        System.out.printf(Locale.ROOT, "matmul peak %.1f GFLOP/s; graph MatMul %.2f GFLOP -> %.1f ms at peak: %.1f%% of peak at the median wall, %.1f%% at the fastest%n",
                peakFlops / 1e9, flops / 1e9, matmulAtPeakMs, 100 * matmulAtPeakMs / wall[wall.length / 2], 100 * matmulAtPeakMs / wall[0]);
        System.out.println();
        System.out.printf(Locale.ROOT, "%-28s %6s %9s %7s%n", "op type", "nodes", "ms/run", "share");
        for (Cost c : p.byType) {
            System.out.printf(Locale.ROOT, "%-28s %6d %9.2f %6.1f%%%n", c.name, c.count, c.ms, 100 * c.ms / p.kernelMs);
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "%-70s %-22s %8s %7s%n", "node", "op type", "ms/run", "share");
        for (Cost c : p.byNode.subList(0, Math.min(f.top, p.byNode.size()))) {
            System.out.printf(Locale.ROOT, "%-70s %-22s %8.2f %6.1f%%%n", abbreviate(c.name, 70), c.type, c.ms, 100 * c.ms / p.kernelMs);
        }
    }

    private static String abbreviate(String s, int width) {
        return s.length() <= width ? s : "…" + s.substring(s.length() - width + 1);
    }

    /** The fastest of a few 1024³ matmuls on an unprofiled backend with the same threads. */
    private static double peak(int threads) {
        try (MatMulPeak peak = new MatMulPeak(new OrtBackend(threads))) {
            long best = Long.MAX_VALUE;
            for (int i = 0; i < 24; i++) {
                long start = System.nanoTime();
                peak.run();
                best = Math.min(best, System.nanoTime() - start);
            }
            return MatMulPeak.FLOPS / (best / 1e9);
        }
    }

    record Cost(String name, String type, int count, double ms) {}

    /** Kernel times of an ONNX Runtime profile, per run, leaving out the first {@code warmup} runs. */
    record Profile(int runs, double medianRunMs, double kernelMs, double fastestKernelsMs, List<Cost> byType, List<Cost> byNode) {
        static Profile read(Path file, int warmup) throws IOException {
            JsonNode events = new ObjectMapper().readTree(file.toFile());
            List<long[]> runs = new ArrayList<>();
            for (JsonNode e : events) {
                if (e.path("name").asText().equals("model_run")) {
                    runs.add(new long[] {e.path("ts").asLong(), e.path("dur").asLong()});
                }
            }
            runs.sort((a, b) -> Long.compare(a[0], b[0]));
            List<long[]> kept = runs.subList(Math.min(warmup, runs.size()), runs.size());
            if (kept.isEmpty()) {
                throw new IllegalStateException("the profile " + file + " has no model runs after " + warmup + " warm-up runs");
            }
            long from = kept.getFirst()[0];
            Map<String, double[]> type = new HashMap<>();
            Map<String, double[]> node = new HashMap<>();
            Map<String, String> typeOf = new HashMap<>();
            Map<String, Double> fastest = new HashMap<>();
            double total = 0;
            for (JsonNode e : events) {
                String name = e.path("name").asText();
                if (!e.path("cat").asText().equals("Node") || !name.endsWith("_kernel_time") || e.path("ts").asLong() < from) {
                    continue;
                }
                String op = e.path("args").path("op_name").asText("?");
                double us = e.path("dur").asDouble();
                String nodeName = name.substring(0, name.length() - "_kernel_time".length());
                type.computeIfAbsent(op, k -> new double[2])[1] += us;
                node.computeIfAbsent(nodeName, k -> new double[2])[1] += us;
                typeOf.put(nodeName, op);
                fastest.merge(nodeName, us, Math::min);
                total += us;
            }
            Map<String, Integer> nodesPerType = new HashMap<>();
            typeOf.values().forEach(op -> nodesPerType.merge(op, 1, Integer::sum));
            int n = kept.size();
            List<Cost> byType = new ArrayList<>();
            type.forEach((k, v) -> byType.add(new Cost(k, k, nodesPerType.getOrDefault(k, 0), v[1] / n / 1e3)));
            List<Cost> byNode = new ArrayList<>();
            node.forEach((k, v) -> byNode.add(new Cost(k, typeOf.get(k), 1, v[1] / n / 1e3)));
            byType.sort((a, b) -> Double.compare(b.ms, a.ms));
            byNode.sort((a, b) -> Double.compare(b.ms, a.ms));
            double[] durations = kept.stream().mapToDouble(r -> r[1] / 1e3).sorted().toArray();
            double fastestSum = fastest.values().stream().mapToDouble(Double::doubleValue).sum();
            return new Profile(n, durations[n / 2], total / n / 1e3, fastestSum / 1e3, byType, byNode);
        }
    }
}
