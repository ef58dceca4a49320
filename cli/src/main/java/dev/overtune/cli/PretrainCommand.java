package dev.overtune.cli;

import dev.overtune.backend.Backend;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.pretrain.Budgets;
import dev.overtune.pretrain.HeldOutSplit;
import dev.overtune.pretrain.PretrainData;
import dev.overtune.pretrain.PretrainRun;
import dev.overtune.pretrain.PretrainSettings;
import dev.overtune.pretrain.PretrainTokenizers;
import dev.overtune.pretrain.ScheduleKind;
import dev.overtune.pretrain.SeriesPlan;
import dev.overtune.pretrain.TextCorpus;
import dev.overtune.text.Tokenizer;
import dev.overtune.train.AdamW;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

@Command(name = "pretrain", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Pre-trains a model from random init on a corpus and saves a checkpoint at every token budget: "
                + "a controlled checkpoint series (config.json + model.safetensors per budget, and series.json).",
                "Schedules: intermediate = one warm-up + cosine run over the largest budget, saved as it passes each budget; "
                        + "annealed = one warm-up + cosine run per budget, all from the same init; "
                        + "wsd = one warm-up-stable trunk with a short decay branch per budget."})
final class PretrainCommand implements Callable<Integer> {
    static final double DEFAULT_OOD_FRACTION = 0.05;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "PRESET_OR_CONFIG", completionCandidates = Presets.class,
            description = "A preset (${COMPLETION-CANDIDATES}) or a config.json; initialised at random from --seed.")
    String model;

    @Option(names = "--corpus", required = true, paramLabel = "DIR_OR_FILE",
            description = "A directory of UTF-8 .txt / .txt.gz files (read in path order) or one text file.")
    Path corpus;

    @Option(names = "--budgets", required = true, paramLabel = "LIST", converter = BudgetsConverter.class,
            description = "Token budgets, strictly increasing, e.g. 1M,2M,4M (K = 1,000, M, B).")
    Budgets budgets;

    @Option(names = "--schedule", defaultValue = "annealed", paramLabel = "KIND",
            description = "intermediate, annealed or wsd (default: ${DEFAULT-VALUE}).")
    ScheduleKind schedule;

    @Option(names = "--out", required = true, paramLabel = "SERIES", description = "The series directory (new, empty, or this series with --resume).")
    Path out;

    @Option(names = "--name", description = "The series' name in series.json (default: the --out directory's name).")
    String name;

    @Option(names = "--batch", defaultValue = "16", description = "Sequences per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--seq-len", description = "Tokens per sequence (default: the model's context length).")
    Integer seqLen;

    @Option(names = "--lr", defaultValue = "3e-3", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--min-lr", description = "The rate every decay ends at (default: --lr / 10).")
    Double minLr;

    @Option(names = "--warmup", paramLabel = "STEPS", description = "Linear warm-up steps (default: a tenth of the smallest budget's steps).")
    Long warmup;

    @Option(names = "--decay-fraction", defaultValue = "0.2",
            description = "wsd: the share of each budget's steps its branch spends decaying to --min-lr (default: ${DEFAULT-VALUE}).")
    double decayFraction;

    @Option(names = "--weight-decay", defaultValue = "0.1", description = "AdamW decoupled weight decay on matrices (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--clip", defaultValue = "1.0", description = "Global gradient-norm clip (default: ${DEFAULT-VALUE}).")
    double clip;

    @Option(names = "--seed", defaultValue = "0", description = "Seed for the init and the data order (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--ood", paramLabel = "DIR_OR_FILE",
            description = "Held-out text of the pre-training distribution for each checkpoint's OOD loss (default: part of the corpus, see --ood-fraction).")
    Path ood;

    @Option(names = "--ood-fraction", description = "Without --ood: the share of the corpus held out, in evenly spaced chunks (default: "
            + DEFAULT_OOD_FRACTION + ").")
    Double oodFraction;

    @Option(names = "--resume", description = "Continue the series in --out from its last saved state.")
    boolean resume;

    @Option(names = "--state-every", defaultValue = "200", paramLabel = "STEPS",
            description = "Save the resumable state every this many steps, besides at every budget (default: ${DEFAULT-VALUE}).")
    long stateEvery;

    @Mixin
    ThreadsOption threadsOption;

    @Mixin
    BackendOption backendOption;

    @Mixin
    FormatOption output;

    @Override
    public Integer call() {
        LanguageModel m = Models.resolve(model);
        SeriesPlan plan = flags(() -> SeriesPlan.of(settings(m)));
        HeldOutSplit split = flags(this::heldOutSplit);
        PretrainRun.Options runOptions = flags(() -> new PretrainRun.Options(out, name != null ? name : seriesName(out), resume, stateEvery));
        int nThreads = flags(this::threadCount);
        Tokenizer tokenizer = PretrainTokenizers.forModel(m);
        PretrainData data = split != null
                ? PretrainData.split(TextCorpus.read(corpus), tokenizer, split)
                : PretrainData.separate(TextCorpus.read(corpus), TextCorpus.read(ood), tokenizer);
        String origin = ModelConfigs.PRESETS.containsKey(model) ? "preset '" + model + "'" : model;
        try (Backend backend = backendOption.open(nThreads)) {
            PretrainPrinter printer = PretrainPrinter.toStandardStreams(new PretrainPrinter.Run(m, origin, data, out, backend), output.format);
            PretrainRun.run(backend, m, plan, data, runOptions, printer);
        }
        return ExitCodes.OK;
    }

    private PretrainSettings settings(LanguageModel m) {
        AdamW.Config d = AdamW.Config.defaults();
        // lr / 10 in decimal, so that series.json says 3.0E-4 rather than 3.0000000000000003E-4.
        double floor = minLr != null ? minLr : BigDecimal.valueOf(lr).movePointLeft(1).doubleValue();
        PretrainSettings s = new PretrainSettings(budgets, schedule, batch, seqLen != null ? seqLen : m.contextLength(), lr, floor, warmup,
                decayFraction, new AdamW.Config(d.beta1(), d.beta2(), d.eps(), weightDecay), clip, seed);
        s.requireFits(m);
        return s;
    }

    /** The share of the corpus to hold out, or null when --ood gives the held-out text. */
    private HeldOutSplit heldOutSplit() {
        if (ood != null && oodFraction != null) {
            throw new IllegalArgumentException("--ood and --ood-fraction exclude each other: hold out a file, or a share of the corpus");
        }
        return ood != null ? null : new HeldOutSplit(oodFraction != null ? oodFraction : DEFAULT_OOD_FRACTION);
    }

    private int threadCount() {
        return threadsOption.resolve();
    }

    /** Runs a check of flag values: what it refuses is a usage error (exit 2), not bad input. */
    private <T> T flags(Supplier<T> check) {
        try {
            return check.get();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private static String seriesName(Path out) {
        Path file = out.toAbsolutePath().normalize().getFileName();
        return file == null ? "series" : file.toString();
    }

    static final class BudgetsConverter implements CommandLine.ITypeConverter<Budgets> {
        @Override
        public Budgets convert(String value) {
            try {
                return Budgets.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
