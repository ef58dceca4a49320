package dev.overtune.bench.peers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.overtune.probe.NoiseScale;
import dev.overtune.probe.ProbeKind;
import dev.overtune.probe.Quantization;
import dev.overtune.scan.ScanCheckpoint;
import dev.overtune.scan.ScanDefaults;
import dev.overtune.scan.ScanPlan;
import dev.overtune.scan.ScanSettings;
import dev.overtune.scan.Unit;
import dev.overtune.text.ByteTokenizer;
import dev.overtune.text.Corpus;
import dev.overtune.data.TokenWindows;
import dev.overtune.train.AdamW;
import dev.overtune.data.Batch;
import dev.overtune.train.LrSchedule;
import dev.overtune.train.StreamLoss;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One checkpoint's scan protocol, as {@code bin/bench-peers --job scan} runs it on every side: the scan defaults
 * (LR × seed fine-tunes, γ × K noise draws, quantisation formats, whole-split evaluation) on the shipped Jargon
 * text as the task and WordNet's held-out glosses as the OOD text, both as UTF-8 bytes. {@link #toJson} writes
 * everything the PyTorch peer needs to do the same work without reimplementing overtune's sampling: the split
 * streams, every fine-tune batch (cut by the task's own {@link TokenWindows}), each step's learning rate (the
 * scan's own {@link LrSchedule}), the evaluation windows and each unit's key.
 */
public record ScanProtocol(String model, ScanSettings settings, int[] taskTokens, int[] oodTokens) {
    /** The task stream: 80/10/10 train/validation/test, so 3,999 validation and 4,000 test windows' worth of bytes. */
    static final int TASK_TOKENS = 40_000;
    static final int OOD_TOKENS = 16_384;
    /** The scan's clip norm (ScanRunner.fineTuneConfig). */
    static final double CLIP = 1.0;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The scan defaults on the shipped texts, with {@code threads}. */
    public static ScanProtocol standard(String model, int threads) {
        ScanSettings d = ScanDefaults.settings();
        ScanSettings settings = new ScanSettings(d.eval(), d.fineTune(), d.noise(), d.quant(), threads);
        return new ScanProtocol(model, settings, bytes(Corpus.JARGON, TASK_TOKENS), bytes(Corpus.WORDNET_OOD, OOD_TOKENS));
    }

    private static int[] bytes(Corpus corpus, int count) {
        int[] all = new ByteTokenizer().encode(corpus.text());
        if (all.length < count) {
            throw new IllegalStateException(corpus + " has " + all.length + " bytes, fewer than the protocol's " + count);
        }
        return Arrays.copyOf(all, count);
    }

    /** The plan of one checkpoint: base, LR × seed fine-tunes, γ × K noise draws, quantisations, in that order. */
    public ScanPlan plan(ScanCheckpoint checkpoint) {
        return ScanPlan.of(List.of(checkpoint), "bench-jargon", "bench", "bench-ood", settings);
    }

    public int units() {
        return plan(new ScanCheckpoint("c", Path.of("."), 0)).units().size();
    }

    /** TextTask's split: train, validation, test. */
    int[][] splits() {
        int a = (int) (taskTokens.length * 0.8);
        int b = (int) (taskTokens.length * 0.9);
        return new int[][] {Arrays.copyOfRange(taskTokens, 0, a), Arrays.copyOfRange(taskTokens, a, b),
                Arrays.copyOfRange(taskTokens, b, taskTokens.length)};
    }

    /** Evaluation windows per split: every full window (capped by the eval batches where the settings cap them). */
    ObjectNode windows() {
        ScanSettings.Eval ev = settings.eval();
        int[][] s = splits();
        ObjectNode w = JSON.createObjectNode();
        w.put("ood", cap(StreamLoss.oodWindows(oodTokens.length, ev.seqLen())));
        w.put("test", cap(StreamLoss.fullWindows(s[2].length, ev.seqLen())));
        w.put("val", cap(StreamLoss.fullWindows(s[1].length, ev.seqLen())));
        return w;
    }

    private long cap(long windows) {
        ScanSettings.Eval ev = settings.eval();
        return ev.all() ? windows : Math.min(windows, (long) ev.maxBatches() * ev.batchSize());
    }

    /** What the harness compares between the sides; the PyTorch peer reports the same keys (scan_peer.Protocol.summary). */
    public ObjectNode summary() {
        ScanSettings.FineTune ft = settings.fineTune();
        ObjectNode o = JSON.createObjectNode();
        o.put("members", ft.learningRates().size() * ft.seeds().size()).put("steps", ft.steps());
        o.put("ft_batch", ft.batchSize()).put("ft_seq", ft.seqLen());
        o.put("eval_batch", settings.eval().batchSize()).put("eval_seq", settings.eval().seqLen());
        o.set("windows", windows());
        o.put("noise_draws", settings.noise().gammas().size() * settings.noise().samples());
        o.put("quant_formats", settings.quant().formats().size());
        o.put("units", units());
        return o;
    }

    /** Everything either side needs, as the file both read. */
    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("model", model);
        int[][] s = splits();
        ObjectNode streams = o.putObject("streams");
        ints(streams.putArray("train"), s[0]);
        ints(streams.putArray("val"), s[1]);
        ints(streams.putArray("test"), s[2]);
        ints(streams.putArray("ood"), oodTokens);
        ints(o.putArray("task_tokens"), taskTokens);
        ScanSettings.Eval ev = settings.eval();
        o.putObject("eval").put("batch", ev.batchSize()).put("seq", ev.seqLen()).put("max_batches", ev.maxBatches())
                .set("windows", windows());
        ScanSettings.FineTune ft = settings.fineTune();
        AdamW.Config adam = AdamW.Config.defaults();
        ObjectNode f = o.putObject("finetune");
        ft.learningRates().forEach(f.putArray("lrs")::add);
        ft.seeds().forEach(f.putArray("seeds")::add);
        f.put("steps", ft.steps()).put("batch", ft.batchSize()).put("seq", ft.seqLen()).put("warmup", ft.warmupSteps())
                .put("weight_decay", ft.weightDecay()).put("l2_to_init", ft.l2ToInit()).put("clip", CLIP)
                .put("beta1", adam.beta1()).put("beta2", adam.beta2()).put("eps", adam.eps());
        ArrayNode schedules = f.putArray("schedules");
        for (double lr : ft.learningRates()) {
            // ScanRunner.fineTuneConfig: warm-up, then cosine to a tenth of the peak.
            LrSchedule schedule = new LrSchedule(lr, lr / 10, ft.warmupSteps(), ft.steps());
            ArrayNode rates = schedules.addArray();
            for (long step = 0; step < ft.steps(); step++) {
                rates.add(schedule.at(step));
            }
        }
        ArrayNode batches = f.putArray("batches");
        try (Arena arena = Arena.ofConfined()) {
            Batch batch = Batch.allocate(arena, ft.batchSize(), ft.seqLen());
            for (long seed : ft.seeds()) {
                TokenWindows windows = new TokenWindows(s[0], seed);
                ArrayNode steps = batches.addArray();
                for (long step = 0; step < ft.steps(); step++) {
                    windows.fill(batch, step);
                    ArrayNode rows = steps.addArray();
                    for (int r = 0; r < ft.batchSize(); r++) {
                        ArrayNode row = rows.addArray();
                        for (int t = 0; t < ft.seqLen(); t++) {
                            row.add(batch.inputIds().getLong((long) r * ft.seqLen() + t));
                        }
                        row.add(batch.targets().getLong((long) r * ft.seqLen() + ft.seqLen() - 1));
                    }
                }
            }
        }
        ScanSettings.Noise n = settings.noise();
        ObjectNode noise = o.putObject("noise").put("scale", n.scale().label()).put("samples", n.samples()).put("seed", n.seed());
        n.gammas().forEach(noise.putArray("gammas")::add);
        ArrayNode quant = o.putArray("quant");
        settings.quant().formats().forEach(q -> quant.addObject().put("bits", q.bits()).put("group", q.groupSize()));
        o.put("threads", settings.threads());
        o.set("units", unitKeys());
        return o;
    }

    /** Each unit's key ({@link #key}), laid out as the peer indexes them: base; finetune[lr][seed]; noise[γ][k]; quant[q]. */
    private ObjectNode unitKeys() {
        List<Unit> units = plan(new ScanCheckpoint("c", Path.of("."), 0)).units();
        ScanSettings.FineTune ft = settings.fineTune();
        ScanSettings.Noise n = settings.noise();
        ObjectNode keys = JSON.createObjectNode();
        int at = 0;
        keys.put("base", key(units.get(at++)));
        ArrayNode f = keys.putArray("finetune");
        for (int i = 0; i < ft.learningRates().size(); i++) {
            ArrayNode seeds = f.addArray();
            for (int j = 0; j < ft.seeds().size(); j++) {
                seeds.add(key(units.get(at++)));
            }
        }
        ArrayNode noise = keys.putArray("noise");
        for (int i = 0; i < n.gammas().size(); i++) {
            ArrayNode samples = noise.addArray();
            for (int k = 0; k < n.samples(); k++) {
                samples.add(key(units.get(at++)));
            }
        }
        ArrayNode quant = keys.putArray("quant");
        while (at < units.size()) {
            quant.add(key(units.get(at++)));
        }
        return keys;
    }

    /** A unit's name in the results both sides write: "finetune lr=0.001 seed=2". */
    static String key(Unit u) {
        return key(u.kind(), u.setting(), u.seed());
    }

    static String key(ProbeKind kind, java.util.Map<String, String> setting, long seed) {
        if (kind == ProbeKind.BASE) {
            return "base";
        }
        StringBuilder b = new StringBuilder(kind.label());
        new java.util.TreeMap<>(setting).forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
        return b.append(" seed=").append(seed).toString();
    }

    public void write(Path file) {
        try {
            JSON.writeValue(file.toFile(), toJson());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the scan protocol " + file + ": " + e.getMessage(), e);
        }
    }

    /** The protocol a harness wrote, as the overtune worker runs it. */
    public static ScanProtocol read(Path file) {
        JsonNode o;
        try {
            o = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the scan protocol " + file + ": " + e.getMessage(), e);
        }
        JsonNode ev = o.get("eval");
        JsonNode f = o.get("finetune");
        JsonNode n = o.get("noise");
        List<Double> lrs = new ArrayList<>();
        f.get("lrs").forEach(v -> lrs.add(v.asDouble()));
        List<Long> seeds = new ArrayList<>();
        f.get("seeds").forEach(v -> seeds.add(v.asLong()));
        List<Double> gammas = new ArrayList<>();
        n.get("gammas").forEach(v -> gammas.add(v.asDouble()));
        List<Quantization> quant = new ArrayList<>();
        o.get("quant").forEach(q -> quant.add(new Quantization(q.get("bits").asInt(), q.get("group").asInt())));
        ScanSettings settings = new ScanSettings(
                new ScanSettings.Eval(ev.get("batch").asInt(), ev.get("seq").asInt(), ev.get("max_batches").asInt()),
                new ScanSettings.FineTune(lrs, seeds, f.get("steps").asLong(), f.get("batch").asInt(), f.get("seq").asInt(),
                        f.get("warmup").asLong(), f.get("weight_decay").asDouble(), f.get("l2_to_init").asDouble()),
                new ScanSettings.Noise(NoiseScale.parse(n.get("scale").asText()), gammas, n.get("samples").asInt(), n.get("seed").asLong()),
                new ScanSettings.Quant(quant), o.get("threads").asInt());
        return new ScanProtocol(o.get("model").asText(), settings, ints(o.get("task_tokens")), ints(o.get("streams").get("ood")));
    }

    private static void ints(ArrayNode out, int[] values) {
        for (int v : values) {
            out.add(v);
        }
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
