package dev.overtune.cli;

import dev.overtune.backend.BackendException;
import dev.overtune.checkpoint.CheckpointException;
import dev.overtune.model.ModelConfigException;
import dev.overtune.pretrain.SeriesConflictException;
import dev.overtune.train.DivergenceException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.UncheckedIOException;

/** The {@code overtune} command: thin wrappers over the engine's API. */
@Command(name = "overtune", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Scans pre-training checkpoints for how well they fine-tune and how sensitive their weights are.",
        subcommands = {DemoCommand.class, LinearTheoryCommand.class, ScanCommand.class, ReportCommand.class, PretrainCommand.class, FinetuneCommand.class, EvalCommand.class, VerifyCommand.class, SeriesCommand.class, ArtifactsCommand.class, CompareStoresCommand.class, MergeStoresCommand.class, CalibrateCommand.class,
                CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:internal error (please report)", "2:wrong flags or arguments",
                "3:bad input (checkpoint, config, text, corpus, store); verify or compare-stores found a difference", "4:training diverged", "5:ONNX Runtime or CUDA failed",
                "6:the --backend asked for is not available here (nothing was run)"})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        try {
            System.exit(run(args));
        } catch (OutOfMemoryError e) {
            System.err.println("overtune: out of memory (" + e.getMessage() + "); lower --batch or --seq-len, use a smaller model, "
                    + "or give the JVM more with JAVA_TOOL_OPTIONS=-Xmx...");
            System.exit(ExitCodes.INTERNAL);
        }
    }

    static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The command line with overtune's error handling: one line on stderr and a named exit code. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.registerConverter(Double.class, new Options.FiniteDouble());
        cli.registerConverter(Double.TYPE, new Options.FiniteDouble());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof Options.FlagValueException) {
                return usage(cmd, e.getMessage());
            }
            cmd.getErr().println("overtune: " + oneLine(e));
            cmd.getErr().flush();
            return exitCode(e);
        });
        cli.setParameterExceptionHandler((e, a) -> usage(e.getCommandLine(), e.getMessage()));
        return cli;
    }

    /** The one way a wrong flag or flag value ends: one line naming it, where to read about it, exit 2. */
    private static int usage(CommandLine cmd, String message) {
        cmd.getErr().println("overtune: " + message.replace('\n', ' ').strip() + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
        cmd.getErr().flush();
        return ExitCodes.USAGE;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command: demo, linear-theory, pretrain, scan, report, finetune, eval, verify, series, artifacts, compare-stores, merge-stores, calibrate");
    }

    static int exitCode(Exception e) {
        return switch (e) {
            case DivergenceException d -> ExitCodes.DIVERGED;
            case CommandLine.ParameterException p -> ExitCodes.USAGE;
            case Options.FlagValueException f -> ExitCodes.USAGE;
            case SeriesConflictException s -> ExitCodes.USAGE;
            case CheckpointException c -> ExitCodes.BAD_INPUT;
            case ModelConfigException m -> ExitCodes.BAD_INPUT;
            case IllegalArgumentException i -> ExitCodes.BAD_INPUT;
            case UncheckedIOException u -> ExitCodes.BAD_INPUT;
            case dev.overtune.scan.StoreException s -> ExitCodes.BAD_INPUT;
            case BackendException b -> ExitCodes.BACKEND;
            case BackendUnavailableException u -> ExitCodes.UNAVAILABLE;
            default -> ExitCodes.INTERNAL;
        };
    }

    static String oneLine(Exception e) {
        String m = e.getMessage();
        if (m == null || exitCode(e) == ExitCodes.INTERNAL) {
            m = e.getClass().getSimpleName() + (m == null ? "" : ": " + m) + " (this is a bug; please report it with the command you ran)";
        }
        return m.replace('\n', ' ').strip();
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"overtune " + dev.overtune.build.BuildInfo.engineVersion(), "Java " + Runtime.version()};
        }
    }
}
