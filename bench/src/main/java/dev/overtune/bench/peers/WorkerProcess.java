package dev.overtune.bench.peers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A running worker: started once, says hello, then answers {@link WorkerProtocol} commands. Its stderr goes to a log file. */
public final class WorkerProcess implements AutoCloseable {
    private final String side;
    private final Process process;
    private final BufferedReader out;
    private final Writer in;
    private final Path log;
    private final WorkerConfig config;

    private WorkerProcess(String side, Process process, Path log) {
        this.side = side;
        this.process = process;
        this.log = log;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        WorkerConfig hello;
        try {
            hello = WorkerProtocol.parseHello(out.readLine());
        } catch (IOException | WorkerProtocol.ProtocolException e) {
            process.destroyForcibly();
            throw failure("did not start: " + e.getMessage());
        }
        this.config = hello;
    }

    /** Starts the command with extra environment variables; returns once the worker said hello. */
    public static WorkerProcess start(String side, List<String> command, Map<String, String> env, Path log) {
        return start(side, command, env, java.util.Set.of(), log);
    }

    /** The same, with the variables named in {@code unset} removed from the environment it inherits. */
    public static WorkerProcess start(String side, List<String> command, Map<String, String> env, java.util.Set<String> unset, Path log) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(log.toFile());
        builder.environment().keySet().removeAll(unset);
        builder.environment().putAll(env);
        try {
            return new WorkerProcess(side, builder.start(), log);
        } catch (IOException e) {
            throw new WorkerFailure(side + " worker: cannot run " + command.getFirst() + " (" + e.getMessage() + ")");
        }
    }

    public String side() {
        return side;
    }

    public WorkerConfig config() {
        return config;
    }

    public long pid() {
        return process.pid();
    }

    public Call call(WorkerProtocol.Command command) {
        try {
            in.write(command.line() + "\n");
            in.flush();
            return Call.of(command, WorkerProtocol.Reply.parse(out.readLine()));
        } catch (IOException e) {
            throw failure("'" + command.line() + "' failed: " + e.getMessage());
        } catch (WorkerProtocol.ProtocolException e) {
            throw failure("'" + command.line() + "' failed: " + e.getMessage());
        }
    }

    /** A failure naming the side and quoting the end of its stderr, where the cause usually is. */
    private WorkerFailure failure(String what) {
        return new WorkerFailure(side + " worker " + what + logTail());
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            if (lines.isEmpty()) {
                return "";
            }
            return "\n  its stderr (" + log + ") ends:\n    " + String.join("\n    ", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        try {
            in.write(WorkerProtocol.QUIT + "\n");
            in.flush();
            in.close();
        } catch (IOException ignored) {
            // Already gone: nothing left to stop politely.
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** A worker that failed to start or to answer. */
    public static final class WorkerFailure extends RuntimeException {
        public WorkerFailure(String message) {
            super(message);
        }
    }
}
