package dev.overtune.text;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.GptBytePairEncodingParams;
import com.knuddels.jtokkit.api.IntArrayList;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A byte-level BPE given by {@link BpeRanks}, encoded by jtokkit: the text is split by a
 * pre-tokenizer regex and each piece is merged by rank. Optionally, as Hugging Face tokenizers do,
 * added tokens (such as {@code <|endoftext|>}) are cut out of the text first and the text is
 * Unicode-normalised.
 */
public final class RankTokenizer implements Tokenizer {
    /** GPT-2's pre-tokenizer (also GPT-NeoX's): contractions, letters, digits, other symbols, whitespace. */
    public static final String GPT2_PATTERN = "'(?:[sdmt]|ll|ve|re)| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
    public static final String END_OF_TEXT = "<|endoftext|>";

    private final String name;
    private final BpeRanks ranks;
    private final Map<String, Integer> addedTokens;
    private final Map<Integer, String> addedById;
    private final Pattern addedTokenPattern;
    private final Normalizer.Form normalization;
    private final Encoding encoding;
    private final int vocabSize;

    /**
     * @param addedTokens text matched literally before BPE, to its id (none for a plain rank file)
     * @param normalization applied to the text before encoding, or null for none
     */
    public RankTokenizer(String name, BpeRanks ranks, String pattern, Map<String, Integer> addedTokens,
                         Normalizer.Form normalization) {
        this.name = name;
        this.ranks = ranks;
        this.addedTokens = Map.copyOf(addedTokens);
        this.addedById = new HashMap<>();
        int limit = ranks.idLimit();
        for (Map.Entry<String, Integer> e : addedTokens.entrySet()) {
            if (e.getKey().isEmpty() || ranks.bytes(e.getValue()) != null || addedById.put(e.getValue(), e.getKey()) != null) {
                throw new IllegalArgumentException(name + ": added token '" + e.getKey() + "' (id " + e.getValue()
                        + ") is empty or shares its id with another token; give each added token an id of its own");
            }
            limit = Math.max(limit, e.getValue() + 1);
        }
        this.vocabSize = limit;
        // Longest first, so that an added token containing another one wins.
        this.addedTokenPattern = addedTokens.isEmpty() ? null : Pattern.compile(addedTokens.keySet().stream()
                .sorted(Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()))
                .map(Pattern::quote).collect(Collectors.joining("|")));
        this.normalization = normalization;
        // A registry of its own, so that names never clash with jtokkit's built-in encodings.
        this.encoding = Encodings.newLazyEncodingRegistry()
                .registerGptBytePairEncoding(new GptBytePairEncodingParams("overtune:" + name,
                        Pattern.compile(pattern, Pattern.UNICODE_CHARACTER_CLASS), ranks.asEncoderMap(), Map.of()))
                .getEncoding("overtune:" + name)
                .orElseThrow();
    }

    /** A plain rank file (no added tokens, no normalisation) with GPT-2's pre-tokenizer. */
    public static RankTokenizer of(String name, BpeRanks ranks) {
        return new RankTokenizer(name, ranks, GPT2_PATTERN, Map.of(), null);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    public BpeRanks ranks() {
        return ranks;
    }

    /** Added token text to id. */
    public Map<String, Integer> addedTokens() {
        return addedTokens;
    }

    @Override
    public OptionalInt endOfText() {
        Integer id = addedTokens.get(END_OF_TEXT);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public int[] encode(String text) {
        String input = normalization == null ? text : Normalizer.normalize(text, normalization);
        if (addedTokenPattern == null) {
            return encoding.encodeOrdinary(input).toArray();
        }
        IntArrayList out = new IntArrayList(input.length() / 3 + 8);
        Matcher m = addedTokenPattern.matcher(input);
        int from = 0;
        while (m.find()) {
            appendOrdinary(input.substring(from, m.start()), out);
            out.add(addedTokens.get(m.group()));
            from = m.end();
        }
        appendOrdinary(input.substring(from), out);
        return out.toArray();
    }

    private void appendOrdinary(String text, IntArrayList out) {
        IntArrayList ids = encoding.encodeOrdinary(text);
        for (int i = 0; i < ids.size(); i++) {
            out.add(ids.get(i));
        }
    }

    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(ids.length * 4);
        for (int id : ids) {
            byte[] token = ranks.bytes(id);
            if (token == null) {
                String added = addedById.get(id);
                if (added == null) {
                    throw new IllegalArgumentException("token id " + id + " is not in the vocabulary of " + name
                            + " (" + vocabSize + " ids)");
                }
                token = added.getBytes(StandardCharsets.UTF_8);
            }
            bytes.writeBytes(token);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return name + " (" + ranks.size() + " ranks" + (addedTokens.isEmpty() ? "" : ", added " + new TreeMap<>(addedById).values()) + ")";
    }
}
