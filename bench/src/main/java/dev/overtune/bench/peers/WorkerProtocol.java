package dev.overtune.bench.peers;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Locale;

/**
 * The line protocol between bin/bench-peers and its workers (bench/peers/torch_worker.py speaks the
 * same). On start-up a worker prints {@code hello <json>} (a {@link WorkerConfig}); it then answers each
 * command {@code <job> <count>} with {@code ok <seconds> <loss>} ({@code nan} where the job computes no
 * loss) or {@code error <message>}, and ends on {@code quit}. The seconds are measured inside the worker
 * around the repetitions only.
 */
public final class WorkerProtocol {
    public static final String QUIT = "quit";
    private static final String HELLO = "hello ";
    private static final String OK = "ok ";
    private static final String ERROR = "error ";
    private static final ObjectMapper JSON = new ObjectMapper();

    private WorkerProtocol() {}

    /** A malformed line, or a worker that answered with an error. */
    public static final class ProtocolException extends RuntimeException {
        public ProtocolException(String message) {
            super(message);
        }
    }

    /** A command a worker accepts. */
    public record Command(Job job, int count) {
        public Command {
            if (count < 1) {
                throw new IllegalArgumentException("count must be at least 1, got " + count);
            }
        }

        public String line() {
            return job.word() + " " + count;
        }

        public static Command parse(String line) {
            String[] words = line.strip().split(" +");
            if (words.length != 2) {
                throw new ProtocolException("expected '<job> <count>', got '" + line + "'");
            }
            try {
                return new Command(Job.ofWord(words[0]), Integer.parseInt(words[1]));
            } catch (IllegalArgumentException e) {
                throw new ProtocolException("expected '<job> <count>' with count >= 1, got '" + line + "' (" + e.getMessage() + ")");
            }
        }
    }

    /** A successful answer: wall seconds for all repetitions, and the loss of the last one (NaN if none). */
    public record Reply(double seconds, double loss) {
        public String line() {
            return String.format(Locale.ROOT, "ok %.9f %s", seconds, Double.isNaN(loss) ? "nan" : Double.toString(loss));
        }

        public static Reply parse(String line) {
            if (line == null) {
                throw new ProtocolException("the worker closed its output instead of answering");
            }
            if (line.startsWith(ERROR)) {
                throw new ProtocolException(line.substring(ERROR.length()));
            }
            String[] words = line.strip().split(" +");
            if (!line.startsWith(OK) || words.length != 3) {
                throw new ProtocolException("expected 'ok <seconds> <loss>', got '" + line + "'");
            }
            double seconds;
            double loss;
            try {
                seconds = number(words[1]);
                loss = number(words[2]);
            } catch (NumberFormatException e) {
                throw new ProtocolException("expected 'ok <seconds> <loss>', got '" + line + "'");
            }
            if (!(seconds > 0) || Double.isInfinite(seconds)) {
                throw new ProtocolException("a call cannot take " + words[1] + " seconds: '" + line + "'");
            }
            return new Reply(seconds, loss);
        }
    }

    /** A decimal number as Java or Python prints it (Python writes nan, inf, -inf). */
    static double number(String word) {
        return switch (word.toLowerCase(Locale.ROOT)) {
            case "nan" -> Double.NaN;
            case "inf", "+inf", "infinity" -> Double.POSITIVE_INFINITY;
            case "-inf", "-infinity" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(word);
        };
    }

    public static String error(String message) {
        return ERROR + message.replace('\n', ' ');
    }

    public static String hello(WorkerConfig config) {
        return HELLO + config.toJson();
    }

    public static WorkerConfig parseHello(String line) {
        if (line == null) {
            throw new ProtocolException("the worker exited before saying hello");
        }
        if (line.startsWith(ERROR)) {
            throw new ProtocolException(line.substring(ERROR.length()));
        }
        if (!line.startsWith(HELLO)) {
            throw new ProtocolException("expected 'hello <json>', got '" + line + "'");
        }
        try {
            JsonNode json = JSON.readTree(line.substring(HELLO.length()));
            if (json == null || !json.isObject()) {
                throw new ProtocolException("hello needs a JSON object, got '" + line + "'");
            }
            return WorkerConfig.fromJson(json);
        } catch (JacksonException e) {
            throw new ProtocolException("hello with malformed JSON (" + e.getOriginalMessage() + "): '" + line + "'");
        }
    }
}
