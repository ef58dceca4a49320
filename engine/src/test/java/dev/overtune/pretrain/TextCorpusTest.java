package dev.overtune.pretrain;

import dev.overtune.text.ByteTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TextCorpusTest {
    static void gzip(Path file, String text) throws Exception {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void readsTextAndGzipInPathOrderSkippingOthers(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("b.txt"), "second");
        gzip(dir.resolve("a.txt.gz"), "first\n");
        Files.createDirectories(dir.resolve("c"));
        Files.writeString(dir.resolve("c/d.txt"), "third – ünïcode\n");
        Files.writeString(dir.resolve("README.md"), "not corpus");
        Files.writeString(dir.resolve(".hidden.txt"), "not corpus");
        TextCorpus c = TextCorpus.read(dir);
        assertEquals(3, c.documents().size());
        assertEquals("a.txt.gz", c.documents().get(0).name());
        String joined = new ByteTokenizer().decode(c.tokens(new ByteTokenizer()));
        assertEquals("first\nsecond\nthird – ünïcode\n", joined, "documents end in a newline, in path order");
    }

    @Test
    void oneFileIsACorpus(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("x.txt"), "hello");
        assertEquals(1, TextCorpus.read(f).documents().size());
    }

    @Test
    void emptyDirectoryIsAnErrorNamingIt(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextCorpus.read(dir));
        assertTrue(e.getMessage().startsWith(dir.toString()) && e.getMessage().contains("no .txt"), e.getMessage());
    }

    @Test
    void nonUtf8EmptyAndCorruptFilesAreNamed(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("latin1.txt");
        Files.write(bad, new byte[] {'c', 'a', 'f', (byte) 0xe9});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextCorpus.read(dir));
        assertTrue(e.getMessage().contains("latin1.txt") && e.getMessage().contains("UTF-8"), e.getMessage());
        Files.delete(bad);
        Files.write(dir.resolve("empty.txt"), new byte[0]);
        e = assertThrows(IllegalArgumentException.class, () -> TextCorpus.read(dir));
        assertTrue(e.getMessage().contains("empty.txt") && e.getMessage().contains("empty"), e.getMessage());
        Files.delete(dir.resolve("empty.txt"));
        Files.write(dir.resolve("cut.txt.gz"), new byte[] {0x1f, (byte) 0x8b, 8, 0, 0});
        e = assertThrows(IllegalArgumentException.class, () -> TextCorpus.read(dir));
        assertTrue(e.getMessage().contains("cut.txt.gz") && e.getMessage().contains("gzip"), e.getMessage());
    }

    @Test
    void missingPathIsNamed(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextCorpus.read(dir.resolve("nope")));
        assertTrue(e.getMessage().contains("nope") && e.getMessage().contains("no such file"), e.getMessage());
    }

    @Test
    void heldOutChunksAreEvenlySpacedAndPartitionTheStream() {
        int[] tokens = new int[10_000];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = i;
        }
        HeldOutSplit split = new HeldOutSplit(0.05);
        HeldOutSplit.Split s = split.apply(tokens);
        assertEquals(500, s.heldOut().length);
        assertEquals(9_500, s.train().length);
        // Chunks 19, 39, 59, 79, 99 of 100 tokens each: spread over the whole stream, the end included.
        assertEquals(1900, s.heldOut()[0]);
        assertEquals(3900, s.heldOut()[100]);
        assertEquals(9999, s.heldOut()[499]);
        int[] merged = new int[tokens.length];
        System.arraycopy(s.train(), 0, merged, 0, s.train().length);
        System.arraycopy(s.heldOut(), 0, merged, s.train().length, s.heldOut().length);
        java.util.Arrays.sort(merged);
        assertArrayEquals(tokens, merged, "every token lands in exactly one part");
        assertArrayEquals(s.heldOut(), split.apply(tokens).heldOut(), "deterministic");
    }
}
