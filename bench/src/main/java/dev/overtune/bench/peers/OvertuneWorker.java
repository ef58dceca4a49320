package dev.overtune.bench.peers;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.overtune.build.BuildInfo;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * overtune's worker for bin/bench-peers: loads the checkpoint, says hello, then serves
 * {@link WorkerProtocol} commands on stdin/stdout until {@code quit}. Flags (all required):
 * {@code --model PRESET_OR_CONFIG --batch B --seq T --threads N --checkpoint DIR}; or, for {@code --job scan},
 * {@code --model M --checkpoint DIR --protocol FILE --results FILE}, answering {@code scan <count>} only.
 */
public final class OvertuneWorker {
    private OvertuneWorker() {}

    public static void main(String[] args) throws IOException {
        // stdout carries only protocol lines: anything a library prints goes to stderr instead.
        PrintStream protocol = System.out;
        System.setOut(System.err);
        Map<String, String> flags = flags(args);
        if (flags.containsKey("--protocol")) {
            serveScan(protocol, flags);
            return;
        }
        String preset = flags.get("--model");
        LanguageModel model;
        OvertuneJobs jobs;
        try {
            model = ModelConfigs.resolve(preset);
            int seq = Integer.parseInt(flags.get("--seq"));
            if (seq > model.contextLength()) {
                throw new IllegalArgumentException("seq " + seq + " exceeds the model's context " + model.contextLength());
            }
            jobs = new OvertuneJobs(model, Path.of(flags.get("--checkpoint")), Integer.parseInt(flags.get("--batch")), seq,
                    Integer.parseInt(flags.get("--threads")));
            protocol.println(WorkerProtocol.hello(hello(preset, model, jobs)));
            protocol.flush();
        } catch (RuntimeException e) {
            protocol.println(WorkerProtocol.error(String.valueOf(e.getMessage())));
            protocol.flush();
            System.exit(3);
            return;
        }
        try (jobs; BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null && !line.strip().equals(WorkerProtocol.QUIT); line = in.readLine()) {
                protocol.println(answer(jobs, line));
                protocol.flush();
            }
        }
    }

    /** The scan-protocol worker of {@code --job scan}: {@code scan <count>} runs the whole protocol count times. */
    private static void serveScan(PrintStream protocol, Map<String, String> flags) throws IOException {
        String preset = flags.get("--model");
        OvertuneScan scan;
        ScanProtocol p;
        LanguageModel model;
        try {
            model = ModelConfigs.resolve(preset);
            p = ScanProtocol.read(Path.of(flags.get("--protocol")));
            scan = new OvertuneScan(model, Path.of(flags.get("--checkpoint")), p, Path.of(flags.get("--results")),
                    Integer.parseInt(flags.getOrDefault("--lanes", "0")));
            Map<String, String> versions = versions(scan.threading(), scan.memoryArena());
            protocol.println(WorkerProtocol.hello(new WorkerConfig("overtune", preset, model.family(),
                    new ObjectMapper().readTree(model.configJson()), model.params().stream().mapToLong(s -> s.shape().size()).sum(),
                    p.settings().fineTune().batchSize(), p.settings().fineTune().seqLen(), scan.threads(), versions, scan.probes(),
                    p.summary())));
            protocol.flush();
        } catch (RuntimeException e) {
            protocol.println(WorkerProtocol.error(String.valueOf(e.getMessage())));
            protocol.flush();
            System.exit(3);
            return;
        }
        try (scan; BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null && !line.strip().equals(WorkerProtocol.QUIT); line = in.readLine()) {
                String reply;
                try {
                    WorkerProtocol.Command command = WorkerProtocol.Command.parse(line);
                    if (command.job() != Job.SCAN) {
                        throw new WorkerProtocol.ProtocolException("this worker runs the scan protocol only, got '" + line + "'");
                    }
                    long start = System.nanoTime();
                    double loss = scan.run(command.count());
                    reply = new WorkerProtocol.Reply((System.nanoTime() - start) / 1e9, loss).line();
                } catch (RuntimeException e) {
                    e.printStackTrace();
                    reply = WorkerProtocol.error(e.getClass().getSimpleName() + ": " + e.getMessage());
                }
                protocol.println(reply);
                protocol.flush();
            }
        }
    }

    private static Map<String, String> versions(String threading, String arena) {
        Map<String, String> versions = new LinkedHashMap<>();
        versions.put("overtune", BuildInfo.engineVersion());
        versions.put("onnxruntime", ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion());
        versions.put("java", Runtime.version().toString());
        versions.put("jvm flags", String.join(" ", BenchPeers.launcherFlags()));
        versions.put("threading", threading);
        versions.put("memory", arena);
        return versions;
    }

    private static String answer(OvertuneJobs jobs, String line) {
        try {
            WorkerProtocol.Command command = WorkerProtocol.Command.parse(line);
            long start = System.nanoTime();
            double loss = jobs.run(command.job(), command.count());
            return new WorkerProtocol.Reply((System.nanoTime() - start) / 1e9, loss).line();
        } catch (RuntimeException e) {
            // The harness reports it and stops; the worker stays answerable.
            e.printStackTrace();
            return WorkerProtocol.error(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private static WorkerConfig hello(String preset, LanguageModel model, OvertuneJobs jobs) {
        Map<String, String> versions = versions("onnxruntime intra-op " + jobs.threads() + ", inter-op 1, sequential", jobs.memoryArena());
        try {
            return new WorkerConfig("overtune", preset, model.family(), new ObjectMapper().readTree(model.configJson()),
                    jobs.paramCount(), jobs.batch(), jobs.seq(), jobs.threads(), versions, jobs.probes(),
                    new ObjectMapper().createObjectNode());
        } catch (IOException e) {
            throw new IllegalStateException("the model's own config.json does not parse: " + e.getMessage(), e);
        }
    }

    private static Map<String, String> flags(String[] args) {
        Map<String, String> flags = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            flags.put(args[i], args[i + 1]);
        }
        String[] needed = flags.containsKey("--protocol") ? new String[] {"--model", "--checkpoint", "--results"}
                : new String[] {"--model", "--batch", "--seq", "--threads", "--checkpoint"};
        for (String required : needed) {
            if (!flags.containsKey(required)) {
                System.err.println("overtune worker: missing " + required + "; started by bin/bench-peers, not by hand");
                System.exit(2);
            }
        }
        return flags;
    }
}
