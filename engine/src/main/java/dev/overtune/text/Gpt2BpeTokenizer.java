package dev.overtune.text;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;

import java.util.OptionalInt;

/** GPT-2's byte-level BPE (tiktoken's r50k_base) through jtokkit, which ships the ranks. */
public final class Gpt2BpeTokenizer implements Tokenizer {
    public static final String NAME = "gpt2-r50k";
    public static final int VOCAB_SIZE = 50257;
    public static final int END_OF_TEXT = 50256;
    // The lazy registry parses only r50k's ranks; the default one parses all four of jtokkit's encodings (7 MB).
    private final Encoding encoding = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int vocabSize() {
        return VOCAB_SIZE;
    }

    @Override
    public OptionalInt endOfText() {
        return OptionalInt.of(END_OF_TEXT);
    }

    @Override
    public int[] encode(String text) {
        return encoding.encodeOrdinary(text).toArray();
    }

    @Override
    public String decode(int[] ids) {
        IntArrayList list = new IntArrayList(ids.length);
        for (int id : ids) {
            list.add(id);
        }
        return encoding.decode(list);
    }
}
