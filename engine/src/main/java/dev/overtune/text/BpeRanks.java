package dev.overtune.text;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A byte-level BPE vocabulary in tiktoken's form: each token is a byte string with a rank, which is
 * both its id and its merge priority (adjacent parts whose concatenation has the lowest rank merge
 * first). Every byte that UTF-8 text can contain is a token of its own, so any text can be
 * encoded (0xc0, 0xc1 and 0xf5-0xff never occur in UTF-8, and GPT-NeoX's vocabulary omits them). The file format is one
 * {@code base64(token bytes) rank} per line.
 */
public final class BpeRanks {
    private final SortedMap<Integer, byte[]> byRank;
    // Keys are the token bytes as ISO-8859-1 strings: one char per byte, with content equality.
    private final Map<String, Integer> rankOf;

    private BpeRanks(SortedMap<Integer, byte[]> byRank, Map<String, Integer> rankOf) {
        this.byRank = byRank;
        this.rankOf = rankOf;
    }

    /** Checks that ranks are non-negative, tokens distinct and non-empty, and every UTF-8 byte present. */
    public static BpeRanks of(Map<Integer, byte[]> tokens, String source) {
        SortedMap<Integer, byte[]> byRank = new TreeMap<>();
        Map<String, Integer> rankOf = new HashMap<>(tokens.size() * 2);
        for (Map.Entry<Integer, byte[]> e : new TreeMap<>(tokens).entrySet()) {
            int rank = e.getKey();
            byte[] bytes = e.getValue();
            if (rank < 0) {
                throw new IllegalArgumentException(source + ": rank " + rank + " is negative; ranks are token ids >= 0");
            }
            if (bytes.length == 0) {
                throw new IllegalArgumentException(source + ": rank " + rank + " is an empty token; every token needs at least one byte");
            }
            Integer previous = rankOf.putIfAbsent(key(bytes), rank);
            if (previous != null) {
                throw new IllegalArgumentException(source + ": ranks " + previous + " and " + rank + " are the same token "
                        + describe(bytes) + "; each byte string may have one rank only");
            }
            byRank.put(rank, bytes.clone());
        }
        for (int b = 0; b < 256; b++) {
            boolean inUtf8 = b < 0xC0 || (b >= 0xC2 && b <= 0xF4);
            if (inUtf8 && !rankOf.containsKey(key(new byte[] {(byte) b}))) {
                throw new IllegalArgumentException(source + ": byte 0x" + String.format("%02x", b)
                        + " has no rank; a byte-level BPE needs a token for every byte UTF-8 text can contain");
            }
        }
        return new BpeRanks(Collections.unmodifiableSortedMap(byRank), rankOf);
    }

    public static BpeRanks read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /** Reads the tiktoken format; a bad line is reported with its number. */
    public static BpeRanks read(InputStream in, String source) {
        Map<Integer, byte[]> tokens = new HashMap<>();
        int lineNo = 0;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                String[] parts = line.trim().split(" ");
                if (parts.length != 2) {
                    throw new IllegalArgumentException(source + ":" + lineNo + ": expected 'base64-token rank', got "
                            + abbreviate(line));
                }
                byte[] bytes;
                int rank;
                try {
                    bytes = Base64.getDecoder().decode(parts[0]);
                    rank = Integer.parseInt(parts[1]);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(source + ":" + lineNo + ": expected 'base64-token rank', got "
                            + abbreviate(line));
                }
                if (tokens.putIfAbsent(rank, bytes) != null) {
                    throw new IllegalArgumentException(source + ":" + lineNo + ": rank " + rank + " appears twice");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(source + ": cannot read (" + e.getMessage() + ")", e);
        }
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException(source + ": no ranks; a rank file has one 'base64-token rank' per line");
        }
        return of(tokens, source);
    }

    public void write(Path file) {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (Map.Entry<Integer, byte[]> e : byRank.entrySet()) {
                w.write(Base64.getEncoder().encodeToString(e.getValue()) + " " + e.getKey() + "\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    public int size() {
        return byRank.size();
    }

    /** One more than the highest rank. */
    public int idLimit() {
        return byRank.lastKey() + 1;
    }

    /** The bytes of the token of this rank, or null if no token has it. */
    public byte[] bytes(int rank) {
        byte[] b = byRank.get(rank);
        return b == null ? null : b.clone();
    }

    /** The rank of this byte string, or -1 if it is not a token. */
    public int rank(byte[] bytes) {
        return rankOf.getOrDefault(key(bytes), -1);
    }

    /** Rank to token bytes, lowest rank first (the arrays are copies). */
    public SortedMap<Integer, byte[]> tokens() {
        SortedMap<Integer, byte[]> copy = new TreeMap<>();
        byRank.forEach((rank, bytes) -> copy.put(rank, bytes.clone()));
        return copy;
    }

    /**
     * Applies BPE to one piece using only ranks below {@code rankLimit}: repeatedly merges the
     * adjacent pair whose concatenation has the lowest rank. With the limit set to a token's own
     * rank this gives the two parts that BPE joins to make it.
     */
    public List<byte[]> merge(byte[] piece, int rankLimit) {
        List<byte[]> parts = new ArrayList<>(piece.length);
        for (byte b : piece) {
            parts.add(new byte[] {b});
        }
        while (parts.size() > 1) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < parts.size(); i++) {
                int r = rank(concat(parts.get(i), parts.get(i + 1)));
                if (r >= 0 && r < rankLimit && r < bestRank) {
                    bestRank = r;
                    best = i;
                }
            }
            if (best < 0) {
                break;
            }
            parts.set(best, concat(parts.get(best), parts.remove(best + 1)));
        }
        return parts;
    }

    Map<byte[], Integer> asEncoderMap() {
        Map<byte[], Integer> map = new HashMap<>(byRank.size() * 2);
        byRank.forEach((rank, bytes) -> map.put(bytes.clone(), rank));
        return map;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] c = new byte[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    static String key(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    static String describe(byte[] bytes) {
        StringBuilder sb = new StringBuilder("'");
        for (byte b : bytes) {
            int u = b & 0xFF;
            if (u >= 0x20 && u < 0x7F && u != '\'') {
                sb.append((char) u);
            } else {
                sb.append(String.format("\\x%02x", u));
            }
        }
        return sb.append('\'').toString();
    }

    private static String abbreviate(String line) {
        return "'" + (line.length() > 60 ? line.substring(0, 60) + "..." : line) + "'";
    }
}
