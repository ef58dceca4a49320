package dev.overtune.text;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.overtune.text.Refusals.refused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class BpeRanksTest {
    @TempDir Path dir;

    static Map<Integer, byte[]> bytesOnly() {
        Map<Integer, byte[]> tokens = new HashMap<>();
        for (int b = 0; b < 256; b++) {
            tokens.put(b, new byte[] {(byte) b});
        }
        return tokens;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void writeThenReadIsTheSame() {
        Map<Integer, byte[]> tokens = bytesOnly();
        tokens.put(300, ascii("ab"));
        tokens.put(256, ascii("\n\n"));
        BpeRanks ranks = BpeRanks.of(tokens, "test");
        Path file = dir.resolve("r.tiktoken");
        ranks.write(file);
        BpeRanks back = BpeRanks.read(file);
        assertEquals(258, back.size());
        assertEquals(301, back.idLimit());
        assertArrayEquals(ascii("ab"), back.bytes(300));
        assertEquals(256, back.rank(ascii("\n\n")));
        assertEquals(-1, back.rank(ascii("abc")));
    }

    @Test
    void mergeFollowsRankOrderAndLimit() {
        Map<Integer, byte[]> tokens = bytesOnly();
        tokens.put(256, ascii("bc"));
        tokens.put(257, ascii("ab"));
        tokens.put(258, ascii("abc"));
        BpeRanks ranks = BpeRanks.of(tokens, "test");
        // "bc" has the lower rank, so BPE forms a + bc, never ab + c.
        List<byte[]> parts = ranks.merge(ascii("abc"), 258);
        assertEquals(2, parts.size());
        assertArrayEquals(ascii("a"), parts.get(0));
        assertArrayEquals(ascii("bc"), parts.get(1));
        assertEquals(1, ranks.merge(ascii("abc"), Integer.MAX_VALUE).size());
        assertEquals(3, ranks.merge(ascii("abc"), 256).size());
    }

    @Test
    void badLinesAreReportedWithTheirNumber() {
        String good = Base64.getEncoder().encodeToString(new byte[] {0}) + " 0\n";
        refused(() -> BpeRanks.read(in(good + "not-a-pair\n"), "v.tiktoken"), "v.tiktoken:2", "base64-token rank");
        refused(() -> BpeRanks.read(in(good + "QQ== x\n"), "v.tiktoken"), "v.tiktoken:2");
        refused(() -> BpeRanks.read(in(good + "%%%% 1\n"), "v.tiktoken"), "v.tiktoken:2");
        refused(() -> BpeRanks.read(in(good + "AQ== 0\n"), "v.tiktoken"), "v.tiktoken:2", "rank 0 appears twice");
        refused(() -> BpeRanks.read(in(""), "v.tiktoken"), "v.tiktoken", "no ranks");
    }

    @Test
    void vocabulariesThatCannotEncodeEveryByteAreRefused() {
        Map<Integer, byte[]> tokens = bytesOnly();
        tokens.remove(0x41);
        refused(() -> BpeRanks.of(tokens, "v"), "v", "0x41", "every byte");
        Map<Integer, byte[]> noInvalidUtf8Bytes = bytesOnly();
        noInvalidUtf8Bytes.remove(0xC0);
        noInvalidUtf8Bytes.remove(0xFF);
        assertEquals(254, BpeRanks.of(noInvalidUtf8Bytes, "v").size());
        Map<Integer, byte[]> duplicate = bytesOnly();
        duplicate.put(256, ascii("A"));
        refused(() -> BpeRanks.of(duplicate, "v"), "ranks 65 and 256", "'A'");
        Map<Integer, byte[]> empty = bytesOnly();
        empty.put(256, new byte[0]);
        refused(() -> BpeRanks.of(empty, "v"), "rank 256", "empty");
    }

    @Test
    void missingFileIsNamed() {
        Path file = dir.resolve("absent.tiktoken");
        refused(() -> BpeRanks.read(file), file.toString(), "no such file");
    }

    @Test
    void nonUtf8RankFileIsRefused() throws IOException {
        Path file = dir.resolve("bad.tiktoken");
        Files.write(file, new byte[] {(byte) 0xff, (byte) 0xfe, ' ', '1', '\n'});
        refused(() -> BpeRanks.read(file), file.toString());
    }

    private static ByteArrayInputStream in(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }
}
