package dev.overtune.pretrain;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/** Decides whether a run may write its series into a directory, and with which series.json it continues. */
public final class SeriesDirectory {
    private SeriesDirectory() {}

    /**
     * A new or empty directory gets {@code wanted}; one holding the same series is continued with
     * {@code --resume} (its checkpoints kept) and refused without; anything else is refused.
     */
    public static PretrainManifest open(Path out, PretrainManifest wanted, boolean resume) {
        try {
            if (Files.exists(out) && !Files.isDirectory(out)) {
                throw new SeriesConflictException(out + ": exists and is not a directory; choose another --out");
            }
            Files.createDirectories(out);
            Optional<PretrainManifest> existing = PretrainManifest.read(out);
            if (existing.isEmpty()) {
                if (!isEmpty(out)) {
                    throw new SeriesConflictException(out + ": holds files but no " + PretrainManifest.FILE + "; choose an empty or new --out");
                }
                wanted.write(out);
                return wanted;
            }
            wanted.requireSameSeries(existing.get(), out);
            if (!resume) {
                throw new SeriesConflictException(out + " already holds this series (" + existing.get().checkpoints().size()
                        + " checkpoints so far); add --resume to continue it, or choose another --out");
            }
            return existing.get();
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": cannot create or list (" + e.getMessage() + ")", e);
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }
}
