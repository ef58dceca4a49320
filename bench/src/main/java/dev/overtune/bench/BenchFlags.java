package dev.overtune.bench;

import picocli.CommandLine;

/**
 * Reads a benchmark's flags with picocli into an object whose fields carry {@code @Option}s, and words what it
 * refuses the way the benchmarks always have, one line naming the flag: {@code unknown argument '--fast'},
 * {@code --rounds needs a value}, {@code --threads needs a whole number, got 'two'}.
 */
public final class BenchFlags {
    private BenchFlags() {}

    /** Fills {@code flags} from {@code args}; IllegalArgumentException naming the flag for anything wrong. */
    public static <T> T parse(T flags, String... args) {
        CommandLine cl = new CommandLine(flags);
        try {
            cl.parseArgs(args);
            return flags;
        } catch (CommandLine.UnmatchedArgumentException e) {
            throw new IllegalArgumentException("unknown argument '" + e.getUnmatched().getFirst() + "'", e);
        } catch (CommandLine.MissingParameterException e) {
            CommandLine.Model.ArgSpec spec = e.getMissing() == null || e.getMissing().isEmpty() ? e.getArgSpec() : e.getMissing().getFirst();
            throw new IllegalArgumentException(name(spec, e) + " needs a value", e);
        } catch (CommandLine.ParameterException e) {
            if (e.getArgSpec() instanceof CommandLine.Model.OptionSpec o && e.getValue() != null) {
                Class<?> type = o.type();
                String kind = type == int.class || type == Integer.class || type == long.class || type == Long.class
                        ? "a whole number" : "a number";
                throw new IllegalArgumentException(o.longestName() + " needs " + kind + ", got '" + e.getValue() + "'", e);
            }
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static String name(CommandLine.Model.ArgSpec spec, CommandLine.ParameterException e) {
        if (spec instanceof CommandLine.Model.OptionSpec o) {
            return o.longestName();
        }
        return e.getMessage();
    }
}
