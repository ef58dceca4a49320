package dev.overtune.checkpoint;

import java.nio.file.Path;

/**
 * A checkpoint could not be read or written. The message is one line: the file, the tensor when
 * there is one, what is wrong and what to do about it.
 */
public final class CheckpointException extends RuntimeException {
    static final String REEXPORT = "re-download or re-export the checkpoint";

    public CheckpointException(String message) {
        super(oneLine(message));
    }

    public CheckpointException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    /** "FILE: PROBLEM; REMEDY". */
    static CheckpointException of(Path file, String problem, String remedy) {
        return new CheckpointException(file + ": " + problem + "; " + remedy);
    }

    /** "FILE: tensor 'NAME': PROBLEM; REMEDY". */
    static CheckpointException of(Path file, String tensor, String problem, String remedy) {
        return of(file, "tensor " + quote(tensor) + ": " + problem, remedy);
    }

    /** Quotes a name taken from a file, shortened so a hostile header cannot flood the message. */
    static String quote(String name) {
        String shown = name.length() > 120 ? name.substring(0, 120) + "..." : name;
        return "'" + shown + "'";
    }

    // Names and paths come from files we do not trust; control characters would break the one-line rule.
    private static String oneLine(String message) {
        StringBuilder out = new StringBuilder(message.length());
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
