package dev.overtune.cli;

/** What the process exit status means, for scripts. */
public final class ExitCodes {
    public static final int OK = 0;
    /** A bug or an unexpected failure: the message says what, please report it. */
    public static final int INTERNAL = 1;
    /** Wrong flags or arguments. */
    public static final int USAGE = 2;
    /** A missing, malformed or unsupported input: checkpoint, config, text. */
    public static final int BAD_INPUT = 3;
    /** Training diverged (NaN or infinite loss). */
    public static final int DIVERGED = 4;
    /** The native runtime (ONNX Runtime, CUDA) failed while running. */
    public static final int BACKEND = 5;
    /** The backend chosen with --backend is not available here (e.g. cuda without a usable GPU); nothing was run or written. */
    public static final int UNAVAILABLE = 6;

    private ExitCodes() {}
}
