package dev.overtune.text;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads training text strictly: a missing, empty or non-UTF-8 file is an error naming the file. */
public final class TextFiles {
    private TextFiles() {}

    public static String readUtf8(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file");
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read (" + e.getMessage() + ")");
        }
        return decodeUtf8(file, bytes);
    }

    /** The text of a file already read (or unpacked), decoded strictly; the errors name the file. */
    public static String decodeUtf8(Path file, byte[] bytes) {
        if (bytes.length == 0) {
            throw new IllegalArgumentException(file + ": empty; give a file with text in it");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(file + ": not UTF-8 text; convert it (e.g. iconv -t UTF-8)");
        }
    }
}
