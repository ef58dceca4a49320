package dev.overtune.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.overtune.backend.OrtBackend;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.TrainingGraphs;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Runs the training-step and matmul-peak benchmarks in one JMH run, then reports step time, tokens/s,
 * training FLOP/s and its fraction of the matmul peak measured alongside.
 */
public final class BenchMain {
    private static final String USAGE = """
            usage: bin/bench [--quick] [--json FILE]
              --quick      fewer, shorter iterations (a smoke run, not a measurement)
              --json FILE  also write the figures as JSON to FILE""";

    public static void main(String[] args) throws Exception {
        Flags flags;
        try {
            flags = BenchFlags.parse(new Flags(), args);
        } catch (IllegalArgumentException e) {
            usage(e.getMessage());
            return;
        }
        if (flags.help) {
            System.out.println(USAGE);
            return;
        }
        boolean quick = flags.quick;
        Path json = flags.json;

        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(Pattern.quote(TrainStepBenchmark.class.getName()) + "\\.")
                .include(Pattern.quote(MatMulPeakBenchmark.class.getName()) + "\\.");
        if (quick) {
            options.warmupIterations(1).warmupTime(TimeValue.seconds(1))
                    .measurementIterations(2).measurementTime(TimeValue.seconds(1));
        }
        Collection<RunResult> results = new Runner(options.build()).run();

        Result<?> peak = null;
        Map<String, Result<?>> steps = new HashMap<>();
        for (RunResult r : results) {
            if (r.getParams().getBenchmark().startsWith(MatMulPeakBenchmark.class.getName())) {
                peak = r.getPrimaryResult();
            } else {
                steps.put(r.getParams().getParam("model"), r.getPrimaryResult());
            }
        }
        if (peak == null) {
            throw new IllegalStateException("JMH returned no matmul result; was the benchmark list generated?");
        }
        // The peak is the fastest iteration: what the machine achieves when nothing else holds its cores.
        double peakMs = best(peak);
        double peakFlops = MatMulPeakBenchmark.FLOPS / (peakMs / 1e3);

        ObjectNode out = new ObjectMapper().createObjectNode();
        int threads = new OrtBackend().threads();
        out.put("threads", threads);
        out.put("quick", quick);
        ArrayNode rows = out.putArray("models");
        System.out.println();
        System.out.printf("Training step on ONNX Runtime CPU, %d threads. ms/step is the median measurement iteration,%n", threads);
        System.out.println("the matmul peak the fastest one. GFLOP counts only the MatMul nodes of the train graph");
        System.out.println("(2*M*N*K*batch each, not the 6N rule): other ops are left out.");
        System.out.printf("%-6s %10s %6s %8s %17s %9s %10s %8s %8s%n",
                "model", "params", "batch", "ms/step", "(mean ± 99.9%)", "tokens/s", "GFLOP/step", "GFLOP/s", "of peak");
        for (String model : TrainStepBenchmark.class.getField("model").getAnnotation(Param.class).value()) {
            Result<?> step = steps.get(model);
            if (step == null) {
                continue;
            }
            LanguageModel m = ModelConfigs.resolve(model);
            int batch = TrainStepBenchmark.BATCH;
            int seq = TrainStepBenchmark.seqLen(model);
            long params = m.params().stream().mapToLong(p -> p.shape().size()).sum();
            long flops = GraphFlops.matmul(TrainingGraphs.train(m, batch, seq));
            double ms = median(step);
            double tokensPerS = batch * seq / (ms / 1e3);
            double flopsPerS = flops / (ms / 1e3);
            System.out.printf("%-6s %,10d %6s %8.1f %17s %,9.0f %10.2f %8.1f %7.1f%%%n",
                    model, params, batch + "x" + seq, ms, "(" + meanAndError(step) + ")", tokensPerS,
                    flops / 1e9, flopsPerS / 1e9, 100 * flopsPerS / peakFlops);
            rows.addObject()
                    .put("model", model).put("params", params).put("batch", batch).put("seq", seq)
                    .put("ms_per_step_median", ms).put("ms_per_step_mean", step.getScore())
                    .put("ms_per_step_error", error(step)).put("tokens_per_s", tokensPerS)
                    .put("matmul_flops_per_step", flops).put("flops_per_s", flopsPerS)
                    .put("fraction_of_peak", flopsPerS / peakFlops);
        }
        System.out.printf("matmul peak: 1024x1024 @ 1024x1024 f32, best %.2f ms (mean %s) = %.1f GFLOP/s%n",
                peakMs, meanAndError(peak), peakFlops / 1e9);
        out.putObject("matmul_peak").put("ms_best", peakMs).put("ms_median", median(peak)).put("ms_mean", peak.getScore())
                .put("ms_error", error(peak)).put("flops_per_s", peakFlops);

        if (json != null) {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), out);
            System.out.println("wrote " + json);
        }
    }

    /**
     * The median iteration in ms. On a shared machine the noise is other processes stealing cores,
     * which makes a few iterations much slower; the median ignores them where the mean does not.
     */
    private static double median(Result<?> r) {
        return inMillis(r).getStatistics().getPercentile(50);
    }

    private static double best(Result<?> r) {
        return inMillis(r).getStatistics().getMin();
    }

    private static Result<?> inMillis(Result<?> r) {
        if (!r.getScoreUnit().equals("ms/op")) {
            throw new IllegalStateException("expected ms/op, got " + r.getScoreUnit());
        }
        return r;
    }

    /** JMH's 99.9% confidence half-width, or null where it has too few iterations to give one. */
    private static Double error(Result<?> r) {
        return Double.isFinite(r.getScoreError()) ? r.getScoreError() : null;
    }

    private static String meanAndError(Result<?> r) {
        String mean = String.format("%.1f", r.getScore());
        return error(r) == null ? mean : mean + String.format(" ± %.1f", r.getScoreError());
    }

    /** The flags as picocli reads them; {@link #USAGE} is the help. */
    static final class Flags {
        @Option(names = "--quick")
        boolean quick;
        @Option(names = "--json")
        Path json;
        @Option(names = {"-h", "--help"})
        boolean help;
    }

    private static void usage(String problem) {
        System.err.println("bench: " + problem);
        System.err.println(USAGE);
        System.exit(2);
    }
}
