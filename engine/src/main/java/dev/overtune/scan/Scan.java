package dev.overtune.scan;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.overtune.backend.Backend;
import dev.overtune.backend.OrtBackend;
import dev.overtune.build.BuildInfo;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The engine's scan API: describe the series, the task, the held-out text and the probes, point at a
 * store, run. Everything {@code overtune scan} does is these calls.
 *
 * <pre>{@code
 * ScanOutcome out = Scan.builder()
 *         .series(checkpoints)            // List<ScanCheckpoint>: name, directory, tokens
 *         .task(new TextTask("jargon", taskTokens))
 *         .ood(heldOutTokens)
 *         .settings(ScanSettings.defaults())
 *         .store(Path.of("scan.db"))
 *         .listener(myProgress)
 *         .run();
 * }</pre>
 */
public final class Scan {
    private Scan() {}

    public static Builder builder() {
        return new Builder();
    }

    /** What a run did, and everything the store now holds. */
    public record Outcome(ScanPlan plan, int unitsRunNow, List<UnitResult> results) {}

    public static final class Builder {
        private List<ScanCheckpoint> series;
        private LanguageModel model;
        private ScanTask task;
        private int[] ood;
        private ScanSettings settings = ScanDefaults.settings();
        private String store;
        private int shardIndex = 0;
        private int shardCount = 1;
        private Backend backend;
        private ScanListener listener = ScanListener.NONE;
        private boolean retryFailed;
        private java.time.Duration claimLease;
        private FineTunedCheckpoints fineTuned;
        private int members = ScanRunner.MEMBERS_FROM_MEMORY;

        public Builder series(List<ScanCheckpoint> checkpoints) {
            this.series = List.copyOf(checkpoints);
            return this;
        }

        /** The architecture; by default read from the first checkpoint's config.json. */
        public Builder model(LanguageModel m) {
            this.model = m;
            return this;
        }

        public Builder task(ScanTask t) {
            this.task = t;
            return this;
        }

        /** Held-out tokens of the pre-training distribution (the paper's "C4" loss). */
        public Builder ood(int[] tokens) {
            this.ood = tokens.clone();
            return this;
        }

        public Builder settings(ScanSettings s) {
            this.settings = s;
            return this;
        }

        public Builder store(Path file) {
            this.store = file.toString();
            return this;
        }

        /** A SQLite file, or {@code postgresql://[USER@]HOST[:PORT]/DB[?schema=NAME]} for a store shared by many workers. */
        public Builder store(String location) {
            this.store = location;
            return this;
        }

        /** Runs only shard {@code index} of {@code count}; shards are disjoint and together cover the plan. */
        public Builder shard(int index, int count) {
            this.shardIndex = index;
            this.shardCount = count;
            return this;
        }

        /** By default ONNX Runtime on CPU with the settings' thread count. */
        public Builder backend(Backend b) {
            this.backend = b;
            return this;
        }

        /** Runs the units stored as failed again, replacing their failed rows (e.g. after fixing a broken checkpoint). */
        public Builder retryFailed(boolean retry) {
            this.retryFailed = retry;
            return this;
        }

        /** How long a claim on a unit lasts unless renewed (default five minutes; renewed every third of it while the unit runs). */
        public Builder claimLease(java.time.Duration lease) {
            this.claimLease = lease;
            return this;
        }

        /** Keeps each model the scan fine-tunes now as a Hugging Face checkpoint (see {@link FineTunedCheckpoints}). */
        public Builder keepFineTuned(FineTunedCheckpoints checkpoints) {
            this.fineTuned = checkpoints;
            return this;
        }

        /**
         * At most how many noise draws, or base and quantisation units, of a checkpoint are evaluated in one member-axis
         * forward, and how many of its fine-tunes are trained in one member-axis training graph: 1 for one by one; by
         * default as many as memory allows. The units and their stored results are the same either way (to float
         * reassociation).
         */
        public Builder members(int max) {
            this.members = max;
            return this;
        }

        public Builder listener(ScanListener l) {
            this.listener = l;
            return this;
        }

        public ScanPlan plan() {
            Objects.requireNonNull(series, "series");
            Objects.requireNonNull(task, "task");
            Objects.requireNonNull(ood, "ood");
            return ScanPlan.of(series, task.name(), task.contentHash(), Unit.sha256(java.util.Arrays.toString(ood)).substring(0, 16), settings);
        }

        public Outcome run() {
            Objects.requireNonNull(store, "store");
            Objects.requireNonNull(ood, "ood");
            ScanPlan plan = plan();
            List<Unit> units = plan.shard(shardIndex, shardCount);
            LanguageModel m = model != null ? model : ModelConfigs.resolve(series.get(0).dir().toString());
            Backend b = backend != null ? backend : new OrtBackend(settings.threads());
            try (ScanStore results = ScanStores.open(store, plan, planJson(plan, m.params().stream().mapToLong(p -> p.shape().size()).sum()))) {
                if (claimLease != null) {
                    results.claimLease(claimLease);
                }
                if (shardCount > 1) {
                    results.noteShard(shardIndex, shardCount);
                }
                int ran = new ScanRunner(b, m, task, ood, settings, results, listener).members(members).keepFineTuned(fineTuned).run(units, retryFailed);
                return new Outcome(plan, ran, results.results());
            } finally {
                if (backend == null) {
                    b.close();
                }
            }
        }
    }

    /** 2: snake_case settings written field by field (1, unversioned, had the records' Java names, e.g. learningRates, "INIT"). */
    public static final int PLAN_SCHEMA_VERSION = 2;

    /** The settings as other programs read them: snake_case names, lower-case labels, formats as the CLI spells them. */
    static ObjectNode settingsJson(ObjectMapper json, ScanSettings s) {
        ObjectNode o = json.createObjectNode();
        o.putObject("eval").put("batch_size", s.eval().batchSize()).put("seq_len", s.eval().seqLen())
                .put("max_batches", s.eval().maxBatches()).put("all", s.eval().all());
        ScanSettings.FineTune f = s.fineTune();
        ObjectNode ft = o.putObject("fine_tune");
        f.learningRates().forEach(ft.putArray("learning_rates")::add);
        f.seeds().forEach(ft.putArray("seeds")::add);
        ft.put("steps", f.steps()).put("batch_size", f.batchSize()).put("seq_len", f.seqLen()).put("warmup_steps", f.warmupSteps())
                .put("weight_decay", f.weightDecay()).put("l2_to_init", f.l2ToInit());
        ObjectNode noise = o.putObject("noise").put("scale", s.noise().scale().label());
        s.noise().gammas().forEach(noise.putArray("gammas")::add);
        noise.put("samples", s.noise().samples()).put("seed", s.noise().seed());
        ArrayNode formats = o.putObject("quant").putArray("formats");
        s.quant().formats().forEach(q -> formats.add(q.label()));
        o.put("threads", s.threads());
        return o;
    }

    static String planJson(ScanPlan plan) {
        return planJson(plan, 0);
    }

    /** @param parameters the model's parameter count (for tokens per parameter), 0 when not known */
    static String planJson(ScanPlan plan, long parameters) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode o = json.createObjectNode();
        o.put("schema_version", PLAN_SCHEMA_VERSION);
        o.put("plan_hash", plan.planHash());
        o.put("task", plan.taskName());
        o.set("settings", settingsJson(json, plan.settings()));
        ArrayNode cps = o.putArray("checkpoints");
        for (ScanCheckpoint c : plan.checkpoints()) {
            cps.addObject().put("name", c.name()).put("dir", c.dir().toString()).put("tokens", c.tokens());
        }
        o.put("units", plan.units().size());
        if (parameters > 0) {
            o.put("parameters", parameters);
        }
        o.put("engine_version", BuildInfo.engineVersion());
        o.put("git_hash", BuildInfo.gitHash());
        return o.toString();
    }
}
