package dev.overtune.text;

import java.nio.charset.StandardCharsets;

/** One token per UTF-8 byte: lossless, needs no vocabulary file, fits any model with >= 256 ids. */
public final class ByteTokenizer implements Tokenizer {
    public static final String NAME = "bytes";
    public static final int VOCAB_SIZE = 256;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int vocabSize() {
        return VOCAB_SIZE;
    }

    @Override
    public int[] encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = bytes[i] & 0xFF;
        }
        return ids;
    }

    @Override
    public String decode(int[] ids) {
        byte[] bytes = new byte[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] > 255) {
                throw new IllegalArgumentException("token id " + ids[i] + " is not a byte");
            }
            bytes[i] = (byte) ids[i];
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
