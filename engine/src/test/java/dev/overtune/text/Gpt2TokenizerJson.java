package dev.overtune.text;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Builds GPT-2's {@code tokenizer.json} (Hugging Face layout) from jtokkit's own r50k ranks, as no
 * copy can be downloaded: the vocab is each rank's bytes spelled in GPT-2's byte alphabet, and each
 * multi-byte token's merge is the pair BPE joins to make it (BPE on its bytes with lower ranks only).
 */
final class Gpt2TokenizerJson {
    static final String R50K_RESOURCE = "/com/knuddels/jtokkit/r50k_base.tiktoken";

    private Gpt2TokenizerJson() {}

    static BpeRanks r50kRanks() {
        try (InputStream in = com.knuddels.jtokkit.Encodings.class.getResourceAsStream(R50K_RESOURCE)) {
            return BpeRanks.read(in, R50K_RESOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The merges of r50k in rank order, each as its two spelled parts. */
    static List<String[]> merges(BpeRanks ranks) {
        return ranks.tokens().entrySet().stream()
                .filter(e -> e.getValue().length > 1)
                .map(e -> {
                    List<byte[]> parts = ranks.merge(e.getValue(), e.getKey());
                    if (parts.size() != 2) {
                        throw new IllegalStateException("rank " + e.getKey() + " is not one merge of lower ranks");
                    }
                    return new String[] {ByteLevelAlphabet.spell(parts.get(0)), ByteLevelAlphabet.spell(parts.get(1))};
                })
                .toList();
    }

    /** @param mergesAsPairs the newer layout (["a", "b"]) instead of "a b" strings */
    static ObjectNode build(BpeRanks ranks, boolean mergesAsPairs) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode pre = f.objectNode().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true)
                .put("use_regex", true);
        return build(ranks, mergesAsPairs, pre, 50256);
    }

    /**
     * Llama-3's layout: a {@code Split} on a regex (isolated pieces), then ByteLevel without its own
     * regex; the ranks are cl100k's, whose regex Llama-3 adopted.
     */
    static ObjectNode buildSplit(BpeRanks ranks, String regex, int endOfTextId) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode pre = f.objectNode().put("type", "Sequence");
        ArrayNode seq = pre.putArray("pretokenizers");
        ObjectNode split = seq.addObject().put("type", "Split");
        split.putObject("pattern").put("Regex", regex);
        split.put("behavior", "Isolated").put("invert", false);
        seq.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", false);
        return build(ranks, true, pre, endOfTextId);
    }

    static BpeRanks cl100kRanks() {
        String resource = "/com/knuddels/jtokkit/cl100k_base.tiktoken";
        try (InputStream in = com.knuddels.jtokkit.Encodings.class.getResourceAsStream(resource)) {
            return BpeRanks.read(in, resource);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ObjectNode build(BpeRanks ranks, boolean mergesAsPairs, ObjectNode preTokenizer, int endOfTextId) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode root = f.objectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        root.putArray("added_tokens").addObject()
                .put("id", endOfTextId).put("content", "<|endoftext|>").put("single_word", false).put("lstrip", false)
                .put("rstrip", false).put("normalized", true).put("special", true);
        root.putNull("normalizer");
        root.set("pre_tokenizer", preTokenizer);
        root.putObject("post_processor").put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", false)
                .put("use_regex", true);
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true)
                .put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").putNull("dropout").putNull("unk_token");
        model.put("continuing_subword_prefix", "").put("end_of_word_suffix", "").put("fuse_unk", false).put("byte_fallback", false);
        ObjectNode vocab = model.putObject("vocab");
        for (Map.Entry<Integer, byte[]> e : ranks.tokens().entrySet()) {
            vocab.put(ByteLevelAlphabet.spell(e.getValue()), e.getKey());
        }
        vocab.put("<|endoftext|>", endOfTextId);
        ArrayNode merges = model.putArray("merges");
        for (String[] m : merges(ranks)) {
            if (mergesAsPairs) {
                merges.addArray().add(m[0]).add(m[1]);
            } else {
                merges.add(m[0] + " " + m[1]);
            }
        }
        return root;
    }

    static Path write(ObjectNode root, Path file) {
        try {
            new JsonMapper().writeValue(file.toFile(), root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
