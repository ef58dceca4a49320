package dev.overtune.text;

import java.io.ByteArrayOutputStream;

/**
 * GPT-2's reversible byte-to-character mapping, in which byte-level BPE vocabularies
 * ({@code tokenizer.json}, {@code vocab.json}/{@code merges.txt}) spell their tokens: printable
 * Latin-1 bytes stand for themselves; the 68 others (controls, space, 0x7f-0xa0, soft hyphen)
 * become U+0100 onwards, in byte order, so that every token is a visible, space-free string.
 */
public final class ByteLevelAlphabet {
    private static final char[] CHAR_OF_BYTE = new char[256];
    private static final int[] BYTE_OF_CHAR = new int[512];

    static {
        java.util.Arrays.fill(BYTE_OF_CHAR, -1);
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = (char) (printable ? b : next++);
            CHAR_OF_BYTE[b] = c;
            BYTE_OF_CHAR[c] = b;
        }
    }

    private ByteLevelAlphabet() {}

    public static String spell(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            sb.append(CHAR_OF_BYTE[b & 0xFF]);
        }
        return sb.toString();
    }

    /** The bytes a token spelling stands for, or null if it has a character outside the alphabet. */
    public static byte[] bytesOf(String spelling) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(spelling.length());
        for (int i = 0; i < spelling.length(); i++) {
            char c = spelling.charAt(i);
            int b = c < BYTE_OF_CHAR.length ? BYTE_OF_CHAR[c] : -1;
            if (b < 0) {
                return null;
            }
            out.write(b);
        }
        return out.toByteArray();
    }
}
