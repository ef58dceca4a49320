package dev.overtune.text;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads training text strictly: a missing, empty or non-UTF-8 file is an error naming the file.
 * Files whose name ends in {@code .gz} are decompressed first.
 */
public final class TextFiles {
    private TextFiles() {}

    public static String readUtf8(Path file) {
        byte[] bytes = readBytes(file);
        if (file.getFileName() != null && file.getFileName().toString().endsWith(".gz")) {
            bytes = gunzip(new ByteArrayInputStream(bytes), file.toString());
        }
        return decodeUtf8(bytes, file.toString());
    }

    /** Decompresses a whole gzip stream; a truncated or non-gzip stream is an error naming the source. */
    /** The whole file; a missing or unreadable one is a one-line error naming it. */
    public static byte[] readBytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file");
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read (" + e.getMessage() + ")");
        }
    }

    public static byte[] gunzip(InputStream in, String source) {
        try (InputStream gz = new GZIPInputStream(in)) {
            return gz.readAllBytes();
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": not a complete gzip file (" + e.getMessage() + "); regenerate or re-download it");
        }
    }

    /** Strict UTF-8: the empty text and malformed bytes are errors naming the source. */
    public static String decodeUtf8(byte[] bytes, String source) {
        if (bytes.length == 0) {
            throw new IllegalArgumentException(source + ": empty; give a file with text in it");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(source + ": not UTF-8 text; convert it (e.g. iconv -t UTF-8)");
        }
    }
}
