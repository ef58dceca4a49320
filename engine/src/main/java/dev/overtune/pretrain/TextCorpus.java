package dev.overtune.pretrain;

import dev.overtune.text.TextFiles;
import dev.overtune.text.Tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Text read from disk for pre-training: one UTF-8 file ({@code .gz} unpacked), or every
 * {@code .txt} and {@code .txt.gz} file under a directory (hidden files skipped), in path order so
 * the token stream never depends on the file system's listing order. Reading is strict: an empty,
 * non-UTF-8 or corrupt file is an error naming it.
 */
public record TextCorpus(Path source, List<Document> documents) {
    public record Document(String name, String text) {}

    public static TextCorpus read(Path dirOrFile) {
        if (Files.isDirectory(dirOrFile)) {
            List<Path> files = textFiles(dirOrFile);
            if (files.isEmpty()) {
                throw new IllegalArgumentException(dirOrFile + ": no .txt or .txt.gz files in it; give a directory of UTF-8 text or one text file");
            }
            List<Document> docs = new ArrayList<>();
            for (Path f : files) {
                docs.add(new Document(dirOrFile.relativize(f).toString(), TextFiles.readUtf8(f)));
            }
            return new TextCorpus(dirOrFile, docs);
        }
        if (!Files.exists(dirOrFile)) {
            throw new IllegalArgumentException(dirOrFile + ": no such file or directory; give a directory of .txt/.txt.gz files or one text file");
        }
        return new TextCorpus(dirOrFile, List.of(new Document(dirOrFile.getFileName().toString(), TextFiles.readUtf8(dirOrFile))));
    }

    /** Every document's tokens, in order; each document ends with a newline so files never run into each other. */
    public int[] tokens(Tokenizer tokenizer) {
        List<int[]> parts = new ArrayList<>();
        long total = 0;
        for (Document d : documents) {
            String text = d.text().endsWith("\n") ? d.text() : d.text() + "\n";
            int[] ids = tokenizer.encode(text);
            parts.add(ids);
            total += ids.length;
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(source + ": " + total + " tokens is more than one in-memory stream holds (2^31); use a smaller corpus");
        }
        int[] out = new int[(int) total];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static List<Path> textFiles(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile)
                    .filter(p -> !isHidden(dir.relativize(p)))
                    .filter(p -> p.getFileName().toString().endsWith(".txt") || p.getFileName().toString().endsWith(".txt.gz"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot list (" + e.getMessage() + ")", e);
        }
    }

    private static boolean isHidden(Path relative) {
        for (Path part : relative) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }
}
