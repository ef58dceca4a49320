package dev.overtune.series;

import dev.overtune.checkpoint.ModelWeights;
import dev.overtune.checkpoint.SafetensorsWriter;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.Stream;

/** Real (tiny-preset) checkpoints for series tests: about half a megabyte each. */
final class TinyCheckpoints {
    static final LanguageModel MODEL = ModelConfigs.resolve("tiny");

    private TinyCheckpoints() {}

    /** A checkpoint initialised from {@code seed}, with {@code metadata} in its safetensors header. */
    static Path write(Path dir, long seed, Map<String, String> metadata) {
        try (Arena arena = Arena.ofConfined()) {
            ParamStore params = ParamStore.allocate(arena, MODEL.params());
            params.initialize(seed);
            ModelWeights.save(dir, MODEL, params, metadata);
        }
        return dir;
    }

    static Path write(Path dir, long seed) {
        return write(dir, seed, Map.of());
    }

    /** The same weights as {@link #write} with this seed, split over two shards named by an index. */
    static Path writeSharded(Path dir, long seed) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            ParamStore params = ParamStore.allocate(arena, MODEL.params());
            params.initialize(seed);
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(ModelWeights.CONFIG), MODEL.configJson());
            var first = new java.util.TreeMap<String, dev.overtune.tensor.HostTensor>();
            var second = new java.util.TreeMap<String, dev.overtune.tensor.HostTensor>();
            StringBuilder weightMap = new StringBuilder();
            params.tensors().forEach((name, t) -> {
                boolean inFirst = name.contains(".h.0.") || name.contains("wte");
                (inFirst ? first : second).put(name, t);
                weightMap.append(weightMap.isEmpty() ? "" : ",").append('"').append(name).append("\":\"model-0000")
                        .append(inFirst ? 1 : 2).append("-of-00002.safetensors\"");
            });
            SafetensorsWriter.write(dir.resolve("model-00001-of-00002.safetensors"), first, Map.of("format", "pt"));
            SafetensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"), second, Map.of("format", "pt"));
            Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\":{" + weightMap + "}}");
        }
        return dir;
    }

    static void copyDirectory(Path from, Path to) {
        try (Stream<Path> files = Files.list(from)) {
            Files.createDirectories(to);
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SHA-256 of a whole file, computed the plain way (reads it all) to check the streaming one. */
    static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
