package dev.overtune.bench.cuda;

import dev.overtune.cuda.driver.Outcome;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Runs {@link CudaCallBenchmark} and prints FFM against JCuda per call. Checks first, in this JVM,
 * that both bindings can open device 0; where one cannot, says why in one line and runs nothing
 * (exit 0: no GPU is an answer, not a failure). {@code --summary FILE} writes one line
 * {@code STATUS<TAB>NOTE} for native/gpu-check.sh's table.
 */
public final class CudaCallMain {
    private CudaCallMain() {}

    public static void main(String[] args) throws IOException {
        boolean quick = false;
        Path summary = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--summary" -> {
                    if (++i == args.length) {
                        throw new IllegalArgumentException("--summary needs a file");
                    }
                    summary = Path.of(args[i]);
                }
                default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'; usage: CudaCallMain [--quick] [--summary FILE]");
            }
        }
        String missing = unavailable();
        if (missing != null) {
            System.out.println("FFM vs JCuda: NOT RUN: " + missing);
            write(summary, "NOT RUN", missing);
            return;
        }
        ChainedOptionsBuilder options = new OptionsBuilder().include(Pattern.quote(CudaCallBenchmark.class.getName()) + "\\.");
        if (quick) {
            options.warmupIterations(2).warmupTime(TimeValue.milliseconds(500))
                    .measurementIterations(3).measurementTime(TimeValue.milliseconds(500));
        }
        Collection<RunResult> results;
        try {
            results = new Runner(options.build()).run();
        } catch (Exception e) {
            write(summary, "FAILED", "JMH: " + e.getMessage());
            throw new IllegalStateException("JMH run of CudaCallBenchmark failed: " + e.getMessage(), e);
        }
        Map<String, Double> micros = new HashMap<>();
        for (RunResult r : results) {
            String method = r.getParams().getBenchmark().substring(CudaCallBenchmark.class.getName().length() + 1);
            micros.put(method, r.getPrimaryResult().getScore());
        }
        StringBuilder note = new StringBuilder();
        System.out.println("| call (synchronised) | FFM µs | JCuda µs | JCuda / FFM |");
        System.out.println("|---|---|---|---|");
        for (String call : new String[] {"Copy4KiB", "EmptyLaunch"}) {
            Double ffm = micros.get("ffm" + call);
            Double jni = micros.get("jcuda" + call);
            if (ffm == null || jni == null) {
                write(summary, "FAILED", "JMH returned no result for " + call);
                throw new IllegalStateException("JMH returned no result for " + call + "; was the benchmark list generated?");
            }
            System.out.printf("| %s | %.2f | %.2f | %.2f |%n", call, ffm, jni, jni / ffm);
            note.append(String.format("%s FFM %.2f µs vs JCuda %.2f µs; ", call, ffm, jni));
        }
        write(summary, "MEASURED", note.toString().strip());
    }

    /** Why the benchmark cannot run here, or null when both bindings open device 0. */
    static String unavailable() {
        Outcome<CudaCalls> ffm = FfmCalls.open();
        Outcome<CudaCalls> jcuda = JCudaCalls.open();
        try {
            if (!ffm.available()) {
                return "FFM: " + ffm.reason();
            }
            if (!jcuda.available()) {
                return jcuda.reason();
            }
            return null;
        } finally {
            if (ffm.available()) {
                ffm.orElseThrow().close();
            }
            if (jcuda.available()) {
                jcuda.orElseThrow().close();
            }
        }
    }

    private static void write(Path summary, String status, String note) throws IOException {
        if (summary != null) {
            Files.writeString(summary, status + "\t" + note.replace('\t', ' ').replace('\n', ' ') + "\n");
        }
    }
}
