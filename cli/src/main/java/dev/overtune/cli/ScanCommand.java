package dev.overtune.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.overtune.backend.Backend;
import dev.overtune.model.LanguageModel;
import dev.overtune.probe.NoiseScale;
import dev.overtune.probe.Quantization;
import dev.overtune.scan.FineTunedCheckpoints;
import dev.overtune.scan.Scan;
import dev.overtune.scan.ScanCheckpoint;
import dev.overtune.scan.ScanCheckpoints;
import dev.overtune.scan.ScanListener;
import dev.overtune.scan.ScanSettings;
import dev.overtune.scan.ScanTask;
import dev.overtune.scan.ScanTasks;
import dev.overtune.scan.TaskScanTask;
import dev.overtune.scan.UnitResult;
import dev.overtune.series.CheckpointSeries;
import dev.overtune.task.Task;
import dev.overtune.text.Corpus;
import dev.overtune.text.TextFiles;
import dev.overtune.text.Tokenizer;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;

@Command(name = "scan", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measures every checkpoint of a series: base loss, fine-tuning over a learning-rate grid and seeds, "
                + "Gaussian noise and quantisation. Results go to a SQLite store one unit at a time; run it again to resume."})
final class ScanCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameters(index = "0", paramLabel = "SERIES", description = "A series directory (series.json, stepN or OLMo-style subdirectories).")
    Path series;

    @Option(names = "--task", required = true, paramLabel = "TASK",
            description = "A shipped task (wordnet-supersense, wordnet-pos, wordnet-define, jargon-lm), "
                    + "a task directory (task.json + train/validation/test .jsonl), or a UTF-8 text file (split 80/10/10).")
    String task;

    @Option(names = "--ood", paramLabel = "FILE", description = "Held-out UTF-8 text of the pre-training distribution (default: the shipped wordnet-ood).")
    Path ood;

    @Option(names = "--store", paramLabel = "FILE|URL", description = "The result store: a SQLite file (default: SERIES/scan.db), or "
            + "postgresql://[USER@]HOST[:PORT]/DB[?schema=NAME] shared by many workers (password from PGPASSWORD or ~/.pgpass).")
    String store;

    @Option(names = "--lease", paramLabel = "SECONDS", defaultValue = "300", description = "How long a worker's claim on a unit lasts "
            + "unless renewed (every third of it while the unit runs); a killed worker's unit is taken over after it (default: ${DEFAULT-VALUE}).")
    double leaseSeconds;

    @Option(names = "--tokens-per-step", description = "Tokens per step, for series named stepN.")
    Long tokensPerStep;

    @Option(names = "--shard", paramLabel = "I/N", description = "Run only shard I of N (0-based): the checkpoints whose name hashes to I, "
            + "so each checkpoint is loaded by one shard and keeps its shard when checkpoints are added; merge the shard stores with merge-stores.")
    String shard;

    @Option(names = "--lrs", split = ",", description = "Fine-tune learning rates (default: ${DEFAULT-VALUE}).", defaultValue = "1e-3,3e-3,1e-2")
    List<Double> lrs;

    @Option(names = "--seeds", split = ",", description = "Fine-tune seeds (default: ${DEFAULT-VALUE}).", defaultValue = "0,1,2")
    List<Long> seeds;

    @Option(names = "--ft-steps", defaultValue = "40", description = "Steps per fine-tune (default: ${DEFAULT-VALUE}).")
    long ftSteps;

    @Option(names = "--ft-batch", defaultValue = "8", description = "Fine-tune batch size (default: ${DEFAULT-VALUE}).")
    int ftBatch;

    @Option(names = "--ft-seq-len", defaultValue = "64", description = "Fine-tune sequence length (default: ${DEFAULT-VALUE}).")
    int ftSeq;

    @Option(names = "--ft-warmup", description = "Fine-tune warm-up steps (default: 4, or --ft-steps if fewer).")
    Long ftWarmup;

    @Option(names = "--ft-weight-decay", defaultValue = "0", description = "Fine-tune AdamW weight decay (default: ${DEFAULT-VALUE}).")
    double ftWeightDecay;

    @Option(names = "--l2-to-init", defaultValue = "0", description = "Pull toward the pre-trained weights: adds lambda/2 |theta - theta0|^2 (default: ${DEFAULT-VALUE}).")
    double l2ToInit;

    @Option(names = "--noise-scale", defaultValue = "init", description = "init (gamma x each parameter's init std, the paper's), absolute or relative (default: ${DEFAULT-VALUE}).")
    String noiseScale;

    @Option(names = "--gammas", split = ",", defaultValue = "0.5,1,2", description = "Noise scales (default: ${DEFAULT-VALUE}).")
    List<Double> gammas;

    @Option(names = "--samples", defaultValue = "3", description = "Noise samples per scale (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--noise-seed", defaultValue = "1000", description = "Seed of the first noise sample (default: ${DEFAULT-VALUE}).")
    long noiseSeed;

    @Option(names = "--quant", split = ",", defaultValue = "int8,int4,int4-g32", description = "Formats: intB (per channel) or intB-gG (groups of G) (default: ${DEFAULT-VALUE}).")
    List<String> quant;

    @Option(names = "--eval-batch", defaultValue = "8", description = "Evaluation batch size (default: ${DEFAULT-VALUE}).")
    int evalBatch;

    @Option(names = "--eval-seq-len", defaultValue = "64", description = "Evaluation sequence length (default: ${DEFAULT-VALUE}).")
    int evalSeq;

    @Option(names = "--eval-batches", defaultValue = "all", paramLabel = "N|all", converter = EvalBatchesConverter.class,
            description = "all: the whole validation and test splits and the held-out text (up to 1,048,576 tokens, as pretrain "
                    + "evaluates it for series.json); N: at most N batches (N x --eval-batch windows or examples) of each (default: ${DEFAULT-VALUE}).")
    int evalBatches;

    @Mixin
    ThreadsOption threadsOption;

    @Option(names = "--lanes", paramLabel = "N", defaultValue = "0", description = "Units run at once in this process, the threads "
            + "shared out among them (0, the default: one per thread for models of at most 5M parameters, whose ops are too small "
            + "to share threads; otherwise 1).")
    int lanes;

    @Option(names = "--retry-failed", description = "Run the units stored as failed again, replacing their failed rows (e.g. after fixing a broken checkpoint).")
    boolean retryFailed;

    @Option(names = "--save-finetuned", paramLabel = "DIR",
            description = "Keep every model this run fine-tunes as a Hugging Face checkpoint (config.json, model.safetensors, the tokenizer) "
                    + "in DIR/<checkpoint>/finetune-lr<lr>-seed<seed>/, for eval, lm-eval or any other tool.")
    Path saveFineTuned;

    @Mixin
    BackendOption backendOption;

    @Mixin
    TokenizerOption tokenizerOption;

    @Mixin
    FormatOption output;

    @Override
    public Integer call() {
        int[] shardOf = Options.flags(() -> parseShard(shard));
        ScanSettings settings = Options.flags(this::settings);
        Options.requirePositive("--lease", leaseSeconds);
        Options.requireNonNegative("--lanes", lanes);
        if (tokensPerStep != null) {
            Options.requirePositive("--tokens-per-step", tokensPerStep);
        }
        CheckpointSeries discovered = CheckpointSeries.discover(series, tokensPerStep == null ? OptionalLong.empty() : OptionalLong.of(tokensPerStep));
        List<ScanCheckpoint> checkpoints = ScanCheckpoints.of(discovered);
        LanguageModel model = Models.resolve(checkpoints.get(0).dir().toString());
        Tokenizer tokenizer = tokenizerOption.resolve(checkpoints.get(0).dir(), model.vocabSize());
        String storePath = store != null ? store : series.resolve("scan.db").toString();
        String storeShown = CompareStoresCommand.shown(storePath);
        Scan.Builder scan = Scan.builder()
                .series(checkpoints)
                .model(model)
                .task(scanTask(tokenizer))
                .ood(tokenizer.encode(ood != null ? TextFiles.readUtf8(ood) : Corpus.WORDNET_OOD.text()))
                .settings(settings)
                .store(storePath)
                .shard(shardOf[0], shardOf[1])
                .claimLease(java.time.Duration.ofMillis(Math.round(leaseSeconds * 1000)))
                .retryFailed(retryFailed)
                .lanes(lanes);
        if (saveFineTuned != null) {
            scan.keepFineTuned(new FineTunedCheckpoints(saveFineTuned, tokenizer));
        }
        if (shardOf[1] > 1) {
            // On stderr, so that --format json stays one object: which checkpoints this shard has, out of the whole plan.
            dev.overtune.scan.ScanPlan plan = scan.plan();
            List<dev.overtune.scan.Unit> mine = plan.shard(shardOf[0], shardOf[1]);
            List<String> names = mine.stream().map(u -> u.checkpoint().name()).distinct().toList();
            System.err.printf("scan: shard %d/%d has %s (%d of the plan's %d units; a checkpoint's shard is the hash of its name)%n",
                    shardOf[0], shardOf[1], names.isEmpty() ? "none of the " + checkpoints.size() + " checkpoints" : String.join(", ", names),
                    mine.size(), plan.units().size());
        }
        ProgressBar bar = new ProgressBar(System.err, "scan");
        List<UnitResult> failed = new ArrayList<>();
        scan.listener(new ScanListener() {
            @Override
            public void started(int unitsInPlan, int pending, int failedStored, int retrying) {
                if (output.json()) {
                    ObjectNode o = JSON.createObjectNode().put("event", "start").put("series", series.toString())
                            .put("store", storeShown).put("checkpoints", checkpoints.size()).put("model_type", model.family())
                            .put("tokenizer", tokenizer.name()).put("vocab_size", tokenizer.vocabSize()).put("units_in_plan", unitsInPlan)
                            .put("units_pending", pending).put("units_failed_stored", failedStored);
                    System.out.println(JsonOutput.line(o));
                    System.out.flush();
                }
                if (output.format == OutputFormat.text) {
                    System.out.printf("%s: %d checkpoints of %s, tokenizer %s (%,d ids), %d units in the plan, %d to run (%d failed in the store), store %s%n",
                            series, checkpoints.size(), model.family(), tokenizer.name(), tokenizer.vocabSize(), unitsInPlan, pending, failedStored,
                            storeShown);
                }
                // Said whenever a scan starts, on stderr so that --format json stays one object.
                if (retrying > 0) {
                    System.err.printf("scan: retrying %d failed unit%s (their failed rows are replaced as they finish)%n", retrying, retrying == 1 ? "" : "s");
                } else if (failedStored > 0) {
                    System.err.printf("scan: %d unit%s of this plan %s failed in the store; rerun with --retry-failed to run them again%n",
                            failedStored, failedStored == 1 ? "" : "s", failedStored == 1 ? "is" : "are");
                }
            }

            @Override
            public void heldByOtherScans(int units) {
                System.err.printf("scan: %d unit%s of this plan %s being run by another scan on %s; it stores them%n",
                        units, units == 1 ? "" : "s", units == 1 ? "is" : "are", storeShown);
            }

            @Override
            public void waitingForOthers(int units) {
                System.err.printf("scan: nothing left to claim; %d unit%s held by other workers, waiting to take over any whose lease runs out%n",
                        units, units == 1 ? "" : "s");
            }

            @Override
            public void checkpointUnavailable(ScanCheckpoint c, String host, int units) {
                System.err.printf("scan: %s does not exist on %s; its %d unit%s of checkpoint %s %s left to workers that have it (released, not failed)%n",
                        c.dir(), host, units, units == 1 ? "" : "s", c.name(), units == 1 ? "is" : "are");
            }

            @Override
            public void unitFinished(UnitResult r, int finished, int pending) {
                if (!r.done()) {
                    failed.add(r);
                }
                bar.update(finished, pending, r.checkpoint() + " " + r.kind().label() + " " + r.probe().describe()
                        + (r.done() ? "" : " FAILED"));
                if (output.json()) {
                    System.out.println(JsonOutput.line(unitEvent(r, finished, pending)));
                    System.out.flush();
                }
            }
        });
        Scan.Outcome out;
        try (Backend b = backendOption.open(settings.threads())) {
            out = scan.backend(b).run();
        } finally {
            bar.close();
        }
        long failedTotal = out.results().stream().filter(r -> !r.done()).count();
        if (output.json()) {
            ObjectNode o = JSON.createObjectNode().put("event", "summary").put("store", storeShown).put("plan_hash", out.plan().planHash())
                    .put("units_in_plan", out.plan().units().size()).put("units_run_now", out.unitsRunNow())
                    .put("units_stored", out.results().size()).put("units_failed", failedTotal);
            System.out.println(JsonOutput.line(o));
        } else {
            for (UnitResult f : failed) {
                System.out.printf("failed: %s %s %s: %s%n", f.checkpoint(), f.kind().label(), f.probe().describe(), f.reason());
            }
            System.out.printf("ran %d units now; the store holds %d of %d (%d failed). Next: bin/overtune report %s --out DIR%n",
                    out.unitsRunNow(), out.results().size(), out.plan().units().size(), failedTotal, storeShown);
        }
        return ExitCodes.OK;
    }

    /** A shipped task name, a task directory, or a plain text file. */
    ScanTask scanTask(Tokenizer tokenizer) {
        return ScanTasks.resolve(task, tokenizer, evalExamples()).orElseThrow(() -> new IllegalArgumentException(
                "--task '" + task + "' is neither a shipped task " + Task.shipped() + " nor a task directory nor a text file"));
    }

    private int evalExamples() {
        return evalBatches == ScanSettings.Eval.ALL ? TaskScanTask.ALL : Math.multiplyExact(evalBatches, evalBatch);
    }

    /** {@code all} (no cap, stored as {@link ScanSettings.Eval#ALL}) or a positive count. */
    static final class EvalBatchesConverter implements CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            if (value.trim().equals("all")) {
                return ScanSettings.Eval.ALL;
            }
            try {
                int n = Integer.parseInt(value.trim());
                if (n > 0) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // refused below
            }
            throw new CommandLine.TypeConversionException("'" + value + "': give 'all' (the whole of each set) or a positive number of batches");
        }
    }

    /** One JSON Lines event per finished unit: what it measured and its metrics (the curve and per-window values stay in the store). */
    static ObjectNode unitEvent(UnitResult r, int finished, int pending) {
        ObjectNode o = JSON.createObjectNode().put("event", "unit").put("finished", finished).put("pending", pending)
                .put("unit_id", r.unitId()).put("checkpoint", r.checkpoint()).put("tokens", r.tokens()).put("probe", r.kind().label());
        ObjectNode setting = o.putObject("setting");
        new java.util.TreeMap<>(r.setting()).forEach(setting::put);
        o.put("seed", r.seed()).put("status", r.done() ? "done" : "failed");
        ObjectNode metrics = o.putObject("metrics");
        new java.util.TreeMap<>(r.metrics()).forEach((k, v) -> {
            if (Double.isFinite(v)) {
                metrics.put(k, v);
            } else {
                metrics.putNull(k);
            }
        });
        if (r.reason() != null) {
            o.put("reason", r.reason());
        }
        return o.put("backend", r.backend()).put("seconds", r.seconds());
    }

    ScanSettings settings() {
        List<Quantization> formats = new ArrayList<>();
        for (String q : quant) {
            formats.add(parseQuant(q));
        }
        int t = threadsOption.resolve();
        Options.requirePositive("--ft-steps", ftSteps);
        Options.requirePositive("--ft-batch", ftBatch);
        Options.requirePositive("--ft-seq-len", ftSeq);
        Options.requirePositive("--eval-batch", evalBatch);
        Options.requirePositive("--eval-seq-len", evalSeq);
        Options.requirePositive("--samples", samples);
        for (double lr : lrs) {
            Options.requirePositive("--lrs", lr);
        }
        for (double g : gammas) {
            Options.requirePositive("--gammas", g);
        }
        long warmup = ftWarmup != null ? ftWarmup : Math.min(4, ftSteps);
        if (warmup < 0 || warmup > ftSteps) {
            throw new IllegalArgumentException("--ft-warmup (" + warmup + ") must be between 0 and --ft-steps (" + ftSteps + ")");
        }
        Options.requireNonNegative("--ft-weight-decay", ftWeightDecay);
        Options.requireNonNegative("--l2-to-init", l2ToInit);
        return new ScanSettings(new ScanSettings.Eval(evalBatch, evalSeq, evalBatches),
                new ScanSettings.FineTune(lrs, seeds, ftSteps, ftBatch, ftSeq, warmup, ftWeightDecay, l2ToInit),
                new ScanSettings.Noise(NoiseScale.parse(noiseScale), gammas, samples, noiseSeed),
                new ScanSettings.Quant(formats), t);
    }

    static Quantization parseQuant(String s) {
        try {
            return Quantization.parse(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--quant " + e.getMessage(), e);
        }
    }

    static int[] parseShard(String s) {
        if (s == null) {
            return new int[] {0, 1};
        }
        var m = java.util.regex.Pattern.compile("(\\d+)/(\\d+)").matcher(s.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("--shard '" + s + "': use I/N with 0 <= I < N, e.g. 0/4");
        }
        int i = Integer.parseInt(m.group(1));
        int n = Integer.parseInt(m.group(2));
        if (n < 1 || i >= n) {
            throw new IllegalArgumentException("--shard '" + s + "': use I/N with 0 <= I < N, e.g. 0/4");
        }
        return new int[] {i, n};
    }
}
