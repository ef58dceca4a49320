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
 * {@code --model PRESET_OR_CONFIG --batch B --seq T --threads N --checkpoint DIR}.
 */
public final class OvertuneWorker {
    private OvertuneWorker() {}

    public static void main(String[] args) throws IOException {
        // stdout carries only protocol lines: anything a library prints goes to stderr instead.
        PrintStream protocol = System.out;
        System.setOut(System.err);
        Map<String, String> flags = flags(args);
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
        Map<String, String> versions = new LinkedHashMap<>();
        versions.put("overtune", BuildInfo.engineVersion());
        versions.put("onnxruntime", ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion());
        versions.put("java", Runtime.version().toString());
        versions.put("jvm flags", String.join(" ", BenchPeers.launcherFlags()));
        versions.put("threading", "onnxruntime intra-op " + jobs.threads() + ", inter-op 1, sequential");
        versions.put("memory", jobs.memoryArena());
        try {
            return new WorkerConfig("overtune", preset, model.family(), new ObjectMapper().readTree(model.configJson()),
                    jobs.paramCount(), jobs.batch(), jobs.seq(), jobs.threads(), versions, jobs.probes());
        } catch (IOException e) {
            throw new IllegalStateException("the model's own config.json does not parse: " + e.getMessage(), e);
        }
    }

    private static Map<String, String> flags(String[] args) {
        Map<String, String> flags = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            flags.put(args[i], args[i + 1]);
        }
        for (String required : new String[] {"--model", "--batch", "--seq", "--threads", "--checkpoint"}) {
            if (!flags.containsKey(required)) {
                System.err.println("overtune worker: missing " + required + "; started by bin/bench-peers, not by hand");
                System.exit(2);
            }
        }
        return flags;
    }
}
