package dev.overtune.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.overtune.checkpoint.CheckpointException;
import dev.overtune.checkpoint.ModelWeights;
import dev.overtune.checkpoint.SafetensorsFile;
import dev.overtune.checkpoint.SafetensorsWriter;
import dev.overtune.checkpoint.ShardedCheckpoint;
import dev.overtune.model.ParamSpec;
import dev.overtune.model.ParamStore;
import dev.overtune.tensor.HostTensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A resumable training state: a Hugging Face checkpoint directory (config.json, model.safetensors)
 * plus optimizer.safetensors (AdamW moments) and trainer_state.json (step, settings, caller's notes).
 * Written to a temporary directory and swapped in, so a crash never leaves a half-written state.
 */
public final class TrainingCheckpoint {
    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final String STATE = "trainer_state.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private TrainingCheckpoint() {}

    public static void save(Path dir, Trainer trainer, ObjectNode notes) {
        save(dir, trainer, notes, d -> { });
    }

    /** As {@link #save(Path, Trainer, ObjectNode)}, with {@code extraFiles} writing more files into the new directory first. */
    public static void save(Path dir, Trainer trainer, ObjectNode notes, java.util.function.Consumer<Path> extraFiles) {
        Path parent = dir.toAbsolutePath().getParent();
        Path tmp = parent.resolve(dir.getFileName() + ".tmp");
        Path old = parent.resolve(dir.getFileName() + ".old");
        try {
            deleteRecursively(tmp);
            trainer.syncToHost();
            ModelWeights.save(tmp, trainer.model(), trainer.params(), Map.of("step", Long.toString(trainer.nextStep())));
            Map<String, HostTensor> moments = new LinkedHashMap<>();
            AdamW adam = trainer.optimizer();
            for (ParamSpec p : trainer.params().specs()) {
                moments.put("exp_avg." + p.name(), adam.firstMoment().tensor(p.name()));
                moments.put("exp_avg_sq." + p.name(), adam.secondMoment().tensor(p.name()));
            }
            SafetensorsWriter.write(tmp.resolve(OPTIMIZER), moments, Map.of("step", Long.toString(adam.step())));
            ObjectNode state = JSON.createObjectNode();
            state.put("step", trainer.nextStep());
            state.set("train_config", describe(trainer.config()));
            state.set("notes", notes == null ? JSON.createObjectNode() : notes);
            Files.writeString(tmp.resolve(STATE), state.toPrettyString());
            extraFiles.accept(tmp);
            deleteRecursively(old);
            if (Files.exists(dir)) {
                Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            deleteRecursively(old);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save training state to " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Whether dir holds a saved state. A crash between the two renames of {@link #save} leaves the
     * previous state in {@code dir.old} alone; it is moved back first, so no finished work is lost.
     */
    public static boolean exists(Path dir) {
        Path old = dir.toAbsolutePath().getParent().resolve(dir.getFileName() + ".old");
        try {
            if (!Files.exists(dir) && Files.exists(old.resolve(STATE))) {
                Files.move(old, dir, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot recover the training state in " + old + ": " + e.getMessage(), e);
        }
        return Files.exists(dir.resolve(STATE));
    }

    /** The saved trainer_state.json: step, train_config, notes. */
    public static JsonNode readState(Path dir) {
        try {
            return JSON.readTree(Files.readString(dir.resolve(STATE)));
        } catch (IOException e) {
            throw new CheckpointException(dir.resolve(STATE) + ": cannot read training state (" + e.getMessage() + "); start again without --resume");
        }
    }

    /** The settings as saved, for comparing with a run that wants to continue. */
    public static JsonNode describe(TrainConfig config) {
        return JSON.valueToTree(config);
    }

    /** Restores parameters, moments and step into a trainer built for the same model; returns the saved notes. */
    public static JsonNode restore(Path dir, Trainer trainer) {
        JsonNode state = readState(dir);
        try (ShardedCheckpoint weights = ShardedCheckpoint.open(dir);
             SafetensorsFile optimizer = SafetensorsFile.open(dir.resolve(OPTIMIZER));
             Arena arena = Arena.ofConfined()) {
            ModelWeights.load(weights, trainer.model(), trainer.params());
            ParamStore m = ParamStore.allocate(arena, trainer.params().specs());
            ParamStore v = ParamStore.allocate(arena, trainer.params().specs());
            for (ParamSpec p : trainer.params().specs()) {
                m.tensor(p.name()).copyFrom(optimizer.tensor("exp_avg." + p.name()));
                v.tensor(p.name()).copyFrom(optimizer.tensor("exp_avg_sq." + p.name()));
            }
            trainer.optimizer().restore(state.path("step").asLong(), m, v);
            trainer.syncFromHost();
        }
        return state.path("notes");
    }

    /** Deletes a directory and everything under it; nothing happens if it is not there. */
    public static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
