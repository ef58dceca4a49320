package dev.overtune.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Learns a byte-level BPE vocabulary from text, GPT-2 style: the text is split by
 * {@link RankTokenizer#GPT2_PATTERN}, ranks 0-255 are the single bytes, and each further rank is
 * the most frequent adjacent pair of the current pieces, merged. Ties go to the pair with the
 * lowest (left rank, right rank), so the result depends on the text alone.
 */
public final class BpeTrainer {
    private static final Pattern SPLIT = Pattern.compile(RankTokenizer.GPT2_PATTERN, Pattern.UNICODE_CHARACTER_CLASS);

    private BpeTrainer() {}

    /** Trains up to {@code vocabSize} ranks; stops early if no pair occurs twice. */
    public static BpeRanks train(String text, int vocabSize) {
        if (vocabSize < 256) {
            throw new IllegalArgumentException("a byte-level BPE vocabulary needs at least 256 entries, not " + vocabSize);
        }
        return new Run(countPieces(text)).train(vocabSize);
    }

    private static Map<String, Integer> countPieces(String text) {
        Map<String, Integer> counts = new HashMap<>();
        Matcher m = SPLIT.matcher(text);
        while (m.find()) {
            counts.merge(m.group(), 1, Integer::sum);
        }
        return counts;
    }

    private static long pairKey(int left, int right) {
        return ((long) left << 32) | right;
    }

    /** The mutable state of one training run: every distinct piece as a sequence of token ids. */
    private static final class Run {
        private final int[][] words;
        private final int[] wordLength;
        private final long[] frequency;
        private final Map<Long, Long> pairCount = new HashMap<>();
        // Words that contained the pair when it was counted; stale entries are skipped on use.
        private final Map<Long, List<Integer>> pairWords = new HashMap<>();
        // Highest count first, then lowest left rank, then lowest right rank.
        private final PriorityQueue<long[]> queue = new PriorityQueue<>((x, y) -> x[0] != y[0]
                ? Long.compare(y[0], x[0]) : x[1] != y[1] ? Long.compare(x[1], y[1]) : Long.compare(x[2], y[2]));
        private final List<byte[]> tokens = new ArrayList<>();
        private final Map<String, Integer> rankOf = new HashMap<>();

        Run(Map<String, Integer> pieceCounts) {
            // Sorted, so that word indices (and with them every tie) do not depend on hashing.
            TreeMap<String, Integer> sorted = new TreeMap<>(pieceCounts);
            words = new int[sorted.size()][];
            wordLength = new int[sorted.size()];
            frequency = new long[sorted.size()];
            int w = 0;
            for (Map.Entry<String, Integer> e : sorted.entrySet()) {
                byte[] bytes = e.getKey().getBytes(StandardCharsets.UTF_8);
                words[w] = new int[bytes.length];
                for (int i = 0; i < bytes.length; i++) {
                    words[w][i] = bytes[i] & 0xFF;
                }
                wordLength[w] = bytes.length;
                frequency[w] = e.getValue();
                w++;
            }
            for (int b = 0; b < 256; b++) {
                addToken(new byte[] {(byte) b});
            }
            for (w = 0; w < words.length; w++) {
                countPairs(w, +1);
            }
            pairCount.forEach((key, count) -> push(key, count));
        }

        BpeRanks train(int vocabSize) {
            while (tokens.size() < vocabSize && !queue.isEmpty()) {
                long[] top = queue.poll();
                long key = pairKey((int) top[1], (int) top[2]);
                long current = pairCount.getOrDefault(key, 0L);
                if (current != top[0]) {
                    continue; // stale entry; the current count was pushed when it changed
                }
                if (current < 2) {
                    break;
                }
                merge((int) top[1], (int) top[2]);
            }
            Map<Integer, byte[]> ranks = new HashMap<>();
            for (int r = 0; r < tokens.size(); r++) {
                ranks.put(r, tokens.get(r));
            }
            return BpeRanks.of(ranks, "trained BPE");
        }

        private void merge(int left, int right) {
            byte[] bytes = BpeRanks.concat(tokens.get(left), tokens.get(right));
            // A byte string can arise from two different pairs; it keeps its first rank.
            Integer existing = rankOf.get(BpeRanks.key(bytes));
            int made = existing != null ? existing : addToken(bytes);
            Map<Long, Long> changed = new HashMap<>();
            List<Integer> candidates = pairWords.remove(pairKey(left, right));
            int lastWord = -1;
            for (int w : candidates) {
                if (w == lastWord) {
                    continue;
                }
                lastWord = w;
                if (!contains(w, left, right)) {
                    continue;
                }
                countPairs(w, -1, changed);
                replace(w, left, right, made);
                countPairs(w, +1, changed);
            }
            pairCount.remove(pairKey(left, right));
            changed.remove(pairKey(left, right));
            changed.forEach((key, ignored) -> push(key, pairCount.getOrDefault(key, 0L)));
        }

        private boolean contains(int w, int left, int right) {
            int[] word = words[w];
            for (int i = 0; i + 1 < wordLength[w]; i++) {
                if (word[i] == left && word[i + 1] == right) {
                    return true;
                }
            }
            return false;
        }

        private void replace(int w, int left, int right, int made) {
            int[] word = words[w];
            int out = 0;
            for (int i = 0; i < wordLength[w]; i++) {
                if (i + 1 < wordLength[w] && word[i] == left && word[i + 1] == right) {
                    word[out++] = made;
                    i++;
                } else {
                    word[out++] = word[i];
                }
            }
            wordLength[w] = out;
        }

        private void countPairs(int w, int sign) {
            countPairs(w, sign, null);
        }

        private void countPairs(int w, int sign, Map<Long, Long> changed) {
            int[] word = words[w];
            for (int i = 0; i + 1 < wordLength[w]; i++) {
                long key = pairKey(word[i], word[i + 1]);
                long count = pairCount.merge(key, sign * frequency[w], Long::sum);
                if (count == 0) {
                    pairCount.remove(key);
                }
                if (sign > 0) {
                    List<Integer> list = pairWords.computeIfAbsent(key, k -> new ArrayList<>());
                    if (list.isEmpty() || list.getLast() != w) {
                        list.add(w);
                    }
                }
                if (changed != null) {
                    changed.put(key, 0L);
                }
            }
        }

        private void push(long key, long count) {
            if (count > 0) {
                queue.add(new long[] {count, key >>> 32, key & 0xFFFFFFFFL});
            }
        }

        private int addToken(byte[] bytes) {
            int rank = tokens.size();
            tokens.add(bytes);
            rankOf.put(BpeRanks.key(bytes), rank);
            return rank;
        }
    }

    /** Trains on a corpus and writes the rank file: {@code BpeTrainer CORPUS_NAME VOCAB_SIZE OUT}. */
    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: BpeTrainer CORPUS_NAME VOCAB_SIZE OUT_FILE (corpora: " + Arrays.toString(Corpus.values()) + ")");
            System.exit(2);
        }
        BpeRanks ranks = train(Corpus.named(args[0]).text(), Integer.parseInt(args[1]));
        ranks.write(java.nio.file.Path.of(args[2]));
        System.out.println(args[2] + ": " + ranks.size() + " ranks");
    }
}
