package dev.overtune.pretrain;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.overtune.build.BuildInfo;
import dev.overtune.model.LanguageModel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * A series' {@code series.json} ({@value #FORMAT}): what made it (model config, schedule, seed,
 * hyperparameters, tokenizer, sha256 of the training tokens) and the checkpoints saved so far.
 * The settings that decide the weights are this series' identity: a run may only add to a
 * directory whose series.json has the same ones.
 */
public final class PretrainManifest {
    public static final String FILE = dev.overtune.series.SeriesManifest.FILE;
    public static final String FORMAT = dev.overtune.series.SeriesManifest.FORMAT;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A field of the identity and the flag (or thing) that sets it, in the order a mismatch is reported. */
    private record Setting(String pointer, String flag) {}

    private static final List<Setting> IDENTITY = List.of(
            new Setting("/format", "the series format"),
            new Setting("/model", "--model"),
            new Setting("/tokenizer", "the tokenizer"),
            new Setting("/data/ood_fraction", "--ood-fraction"),
            new Setting("/data_sha256", "--corpus (sha256 of its training tokens)"),
            new Setting("/data/ood_sha256", "--ood (sha256 of the held-out tokens)"),
            new Setting("/schedule", "--schedule"),
            new Setting("/train/budgets", "--budgets"),
            new Setting("/seed", "--seed"),
            new Setting("/train/batch", "--batch"),
            new Setting("/train/seq_len", "--seq-len"),
            new Setting("/train/lr", "--lr"),
            new Setting("/train/min_lr", "--min-lr"),
            new Setting("/train/warmup_steps", "--warmup"),
            new Setting("/train/decay_fraction", "--decay-fraction"),
            new Setting("/train/weight_decay", "--weight-decay"),
            new Setting("/train/clip", "--clip"),
            new Setting("/train/adam", "the AdamW betas and eps"));

    private final ObjectNode root;

    private PretrainManifest(ObjectNode root) {
        this.root = root;
    }

    /** A new series with no checkpoints yet. */
    public static PretrainManifest create(String name, SeriesPlan plan, LanguageModel model, PretrainData data) {
        PretrainSettings s = plan.settings();
        ObjectNode o = JSON.createObjectNode();
        o.put("format", FORMAT);
        o.put("name", name);
        o.put("schedule", s.schedule().name());
        o.put("seed", s.seed());
        o.put("tokenizer", data.tokenizer());
        o.put("data_sha256", data.trainSha256());
        try {
            o.set("model", JSON.readTree(model.configJson()));
        } catch (JacksonException e) {
            throw new IllegalStateException("the model's own config.json does not parse: " + e.getOriginalMessage(), e);
        }
        ObjectNode train = o.putObject("train");
        ArrayNode budgets = train.putArray("budgets");
        s.budgets().tokens().forEach(budgets::add);
        train.put("batch", s.batchSize());
        train.put("seq_len", s.seqLen());
        train.put("tokens_per_step", s.tokensPerStep());
        train.put("lr", s.lr());
        train.put("min_lr", s.minLr());
        train.put("warmup_steps", plan.warmupSteps());
        if (s.schedule() == ScheduleKind.wsd) {
            train.put("decay_fraction", s.decayFraction());
        }
        train.put("weight_decay", s.adam().weightDecay());
        train.put("clip", s.clipNorm());
        train.putObject("adam").put("beta1", s.adam().beta1()).put("beta2", s.adam().beta2()).put("eps", s.adam().eps());
        train.put("optimizer_steps", plan.totalSteps());
        ObjectNode d = o.putObject("data");
        d.put("corpus", data.source());
        d.put("files", data.files());
        d.put("train_tokens", data.train().length);
        if (data.split() != null) {
            d.put("ood_fraction", data.split().fraction());
        } else {
            d.put("ood_corpus", data.heldOutSource());
        }
        d.put("ood_tokens", data.heldOut().length);
        d.put("ood_sha256", data.heldOutSha256());
        o.put("producer", "overtune " + BuildInfo.engineVersion());
        o.put("complete", false);
        o.putArray("checkpoints");
        return new PretrainManifest(reparsed(o));
    }

    /** The series.json in dir, if there is one. */
    public static Optional<PretrainManifest> read(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            JsonNode node = JSON.readTree(Files.readString(file));
            if (!(node instanceof ObjectNode o) || !o.path("checkpoints").isArray()) {
                throw new IllegalArgumentException(file + ": not a series.json (no checkpoints list); choose another --out");
            }
            return Optional.of(new PretrainManifest(o));
        } catch (JacksonException e) {
            throw new IllegalArgumentException(file + ": malformed JSON (" + e.getOriginalMessage() + "); fix it or choose another --out");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /** Refuses, naming the first setting that differs, unless {@code existing} (found in dir) is this same series. */
    public void requireSameSeries(PretrainManifest existing, Path dir) {
        for (Setting s : IDENTITY) {
            JsonNode mine = root.at(s.pointer());
            JsonNode theirs = existing.root.at(s.pointer());
            if (!mine.equals(theirs)) {
                throw new SeriesConflictException(dir + " holds a different series: " + s.flag() + " was " + describe(theirs, mine)
                        + "; rerun with that series' settings to --resume it, or choose another --out");
            }
        }
    }

    /** "X there, Y now", naming the first differing field when both are objects (a model config). */
    private static String describe(JsonNode there, JsonNode now) {
        if (there.isObject() && now.isObject()) {
            for (Iterator<String> it = now.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!now.get(f).equals(there.get(f))) {
                    return f + " " + text(there.get(f)) + " there, " + text(now.get(f)) + " now";
                }
            }
            for (Iterator<String> it = there.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!now.has(f)) {
                    return f + " " + text(there.get(f)) + " there, absent now";
                }
            }
        }
        return text(there) + " there, " + text(now) + " now";
    }

    private static String text(JsonNode n) {
        if (n == null || n.isMissingNode()) {
            return "absent";
        }
        String t = n.isTextual() ? n.asText() : n.toString();
        return t.length() > 80 ? t.substring(0, 77) + "..." : t;
    }

    public String name() {
        return root.path("name").asText();
    }

    public boolean complete() {
        return root.path("complete").asBoolean(false);
    }

    public void markComplete() {
        root.put("complete", true);
    }

    public List<PretrainedCheckpoint> checkpoints() {
        List<PretrainedCheckpoint> out = new ArrayList<>();
        root.path("checkpoints").forEach(c -> out.add(PretrainedCheckpoint.fromJson(c)));
        return out;
    }

    /** Adds a checkpoint, replacing one of the same name (a resumed run re-saving it), kept in token order. */
    public void put(PretrainedCheckpoint checkpoint) {
        List<PretrainedCheckpoint> all = new ArrayList<>(checkpoints());
        all.removeIf(c -> c.name().equals(checkpoint.name()));
        all.add(checkpoint);
        all.sort(Comparator.comparingLong(PretrainedCheckpoint::tokens));
        ArrayNode list = root.putArray("checkpoints");
        all.forEach(c -> list.add(c.toJson()));
    }

    /** Writes series.json into dir, replacing the old one in one move so a reader never sees half a file. */
    public void write(Path dir) {
        Path file = dir.resolve(FILE);
        Path tmp = dir.resolve("." + FILE + ".tmp");
        try {
            Files.writeString(tmp, root.toPrettyString() + "\n");
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Through text and back, so numbers compare equal to ones read from a file (LongNode 5 is not IntNode 5). */
    private static ObjectNode reparsed(ObjectNode o) {
        try {
            return (ObjectNode) JSON.readTree(o.toString());
        } catch (JacksonException e) {
            throw new IllegalStateException(e);
        }
    }
}
