package dev.overtune.text;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

import static dev.overtune.text.Refusals.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CorpusTest {
    @TempDir Path dir;

    @Test
    void shippedCorporaLoadAndAreDisjoint() {
        String pretrain = Corpus.WORDNET_PRETRAIN.text();
        String ood = Corpus.WORDNET_OOD.text();
        String jargon = Corpus.JARGON.text();
        assertTrue(pretrain.length() > 5_000_000, "pre-training text: " + pretrain.length());
        assertTrue(ood.length() > 200_000, "held-out text: " + ood.length());
        assertTrue(jargon.length() > 1_000_000, "jargon: " + jargon.length());
        assertTrue(pretrain.startsWith("entity (noun): "), pretrain.substring(0, 40));
        assertTrue(jargon.contains("\nhacker (n.)\n"), "the Jargon File defines hacker");
        // Held-out synsets must not occur in the pre-training text, or OOD loss would be in-distribution.
        var pretrainLines = new java.util.HashSet<>(Arrays.asList(pretrain.split("\n")));
        long shared = ood.lines().filter(pretrainLines::contains).count();
        assertTrue(shared < ood.lines().count() / 100, shared + " held-out lines also in the pre-training text");
    }

    @Test
    void licencesShipBesideTheText() throws IOException {
        for (String name : new String[] {"LICENSE-wordnet.txt", "LICENSE-jargon.txt"}) {
            try (var in = Corpus.class.getResourceAsStream(Corpus.RESOURCE_DIR + name)) {
                assertNotNull(in, name);
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(text.contains("WordNet 3.0 Copyright 2006 by Princeton University") || text.contains("public domain"), name);
            }
        }
    }

    @Test
    void unknownCorpusNamesTheShippedOnes() {
        refused(() -> Corpus.named("c4"), "c4", "wordnet-pretrain", "jargon");
        assertEquals(Corpus.JARGON, Corpus.named("jargon"));
    }

    @Test
    void missingResourceIsNamed() {
        refused(() -> Corpus.readGzipResource("/dev/overtune/corpus/nothing.txt.gz"), "nothing.txt.gz", "classpath");
    }

    @Test
    void emptyCompressedFileIsRefused() throws IOException {
        Path file = dir.resolve("empty.txt.gz");
        Files.write(file, gzip(new byte[0]));
        refused(() -> TextFiles.readUtf8(file), file.toString(), "empty");
    }

    @Test
    void nonUtf8CompressedFileIsRefused() throws IOException {
        Path file = dir.resolve("latin1.txt.gz");
        Files.write(file, gzip("caf\u00e9 cr\u00e8me".getBytes(StandardCharsets.ISO_8859_1)));
        refused(() -> TextFiles.readUtf8(file), file.toString(), "not UTF-8");
    }

    @Test
    void truncatedOrPlainFileNamedGzIsRefused() throws IOException {
        byte[] whole = gzip("some text that is long enough to be cut in the middle of the stream".getBytes(StandardCharsets.UTF_8));
        Path cut = dir.resolve("cut.txt.gz");
        Files.write(cut, Arrays.copyOf(whole, whole.length / 2));
        refused(() -> TextFiles.readUtf8(cut), cut.toString(), "gzip");
        Path plain = dir.resolve("plain.txt.gz");
        Files.writeString(plain, "not compressed");
        refused(() -> TextFiles.readUtf8(plain), plain.toString(), "gzip");
    }

    @Test
    void plainAndCompressedFilesReadTheSame() throws IOException {
        String text = "h\u00e9llo \u2014 w\u00f6rld\n";
        Path plain = dir.resolve("a.txt");
        Path packed = dir.resolve("a.txt.gz");
        Files.writeString(plain, text);
        Files.write(packed, gzip(text.getBytes(StandardCharsets.UTF_8)));
        assertEquals(text, TextFiles.readUtf8(plain));
        assertEquals(text, TextFiles.readUtf8(packed));
        assertFalse(TextFiles.readUtf8(packed).isEmpty());
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }
}
