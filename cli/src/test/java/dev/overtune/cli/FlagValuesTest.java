package dev.overtune.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every zero, negative, malformed or non-finite flag value in every command is a usage error: exit 2, one line
 * naming the flag or the value and pointing at --help, and nothing written.
 */
class FlagValuesTest {
    @TempDir
    static Path dir;
    static Path series;
    static Path checkpoint;
    static Path text;
    static Path store;

    @BeforeAll
    static void inputs() throws Exception {
        series = dir.resolve("series");
        checkpoint = TinyCheckpoint.write(series.resolve("step1"), 1);
        text = MainTest.sampleText(dir);
        store = dir.resolve("never.db");
    }

    static String[] scan(String... flags) {
        List<String> a = new ArrayList<>(List.of("scan", series.toString(), "--task", text.toString(), "--store", store.toString()));
        if (!List.of(flags).contains("--tokens-per-step")) {
            a.addAll(List.of("--tokens-per-step", "64"));
        }
        a.addAll(List.of(flags));
        return a.toArray(String[]::new);
    }

    static String[] eval(String... flags) {
        List<String> a = new ArrayList<>(List.of("eval", checkpoint.toString(), "--text", text.toString()));
        a.addAll(List.of(flags));
        return a.toArray(String[]::new);
    }

    static String[] finetune(String... flags) {
        List<String> a = new ArrayList<>(List.of("finetune", "tiny", "--text", text.toString(), "--save", dir.resolve("never-ft").toString()));
        a.addAll(List.of(flags));
        return a.toArray(String[]::new);
    }

    static String[] pretrain(String... flags) {
        List<String> a = new ArrayList<>(List.of("pretrain", "--model", "tiny", "--corpus", text.toString(), "--budgets", "4K",
                "--out", dir.resolve("never-series").toString()));
        a.addAll(List.of(flags));
        return a.toArray(String[]::new);
    }

    /** The case, the arguments, and what the one-line message must name. */
    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("scan --shard 3/2", scan("--shard", "3/2"), "--shard"),
                Arguments.of("scan --shard 3/3", scan("--shard", "3/3"), "--shard"),
                Arguments.of("scan --shard -1/2", scan("--shard", "-1/2"), "--shard"),
                Arguments.of("scan --shard half", scan("--shard", "half"), "--shard"),
                Arguments.of("scan --lrs -1", scan("--lrs", "-1"), "--lrs"),
                Arguments.of("scan --lrs 0", scan("--lrs", "0"), "--lrs"),
                Arguments.of("scan --lrs Infinity", scan("--lrs", "Infinity"), "'Infinity' is not a finite number"),
                Arguments.of("scan --lrs 1e-3,NaN", scan("--lrs", "1e-3,NaN"), "'NaN' is not a finite number"),
                Arguments.of("scan --gammas -1", scan("--gammas", "-1"), "--gammas"),
                Arguments.of("scan --gammas Infinity", scan("--gammas", "Infinity"), "--gammas"),
                Arguments.of("scan --samples 0", scan("--samples", "0"), "--samples"),
                Arguments.of("scan --ft-steps 0", scan("--ft-steps", "0"), "--ft-steps"),
                Arguments.of("scan --ft-batch 0", scan("--ft-batch", "0"), "--ft-batch"),
                Arguments.of("scan --ft-seq-len 0", scan("--ft-seq-len", "0"), "--ft-seq-len"),
                Arguments.of("scan --ft-warmup -1", scan("--ft-warmup", "-1"), "--ft-warmup"),
                Arguments.of("scan --ft-weight-decay -1", scan("--ft-weight-decay", "-1"), "--ft-weight-decay"),
                Arguments.of("scan --l2-to-init -1", scan("--l2-to-init", "-1"), "--l2-to-init"),
                Arguments.of("scan --l2-to-init NaN", scan("--l2-to-init", "NaN"), "--l2-to-init"),
                Arguments.of("scan --eval-batch 0", scan("--eval-batch", "0"), "--eval-batch"),
                Arguments.of("scan --eval-seq-len 0", scan("--eval-seq-len", "0"), "--eval-seq-len"),
                Arguments.of("scan --eval-batches 0", scan("--eval-batches", "0"), "--eval-batches"),
                Arguments.of("scan --threads 0", scan("--threads", "0"), "--threads"),
                Arguments.of("scan --quant int4-g0", scan("--quant", "int4-g0"), "int4-g0"),
                Arguments.of("scan --quant int4-g-1", scan("--quant", "int4-g-1"), "int4-g-1"),
                Arguments.of("scan --quant int4-gx", scan("--quant", "int4-gx"), "int4-gx"),
                Arguments.of("scan --quant int1", scan("--quant", "int1"), "int1"),
                Arguments.of("scan --tokens-per-step 0", scan("--tokens-per-step", "0"), "--tokens-per-step"),
                Arguments.of("scan --noise-scale sideways", scan("--noise-scale", "sideways"), "sideways"),
                Arguments.of("eval --batch 0", eval("--batch", "0"), "--batch"),
                Arguments.of("eval --seq-len 0", eval("--seq-len", "0"), "--seq-len"),
                Arguments.of("eval --seq-len -5", eval("--seq-len", "-5"), "--seq-len"),
                Arguments.of("eval --threads 0", eval("--threads", "0"), "--threads"),
                Arguments.of("finetune --steps 0", finetune("--steps", "0"), "--steps"),
                Arguments.of("finetune --batch 0", finetune("--batch", "0"), "--batch"),
                Arguments.of("finetune --seq-len 0", finetune("--seq-len", "0"), "--seq-len"),
                Arguments.of("finetune --lr -1", finetune("--lr", "-1"), "--lr"),
                Arguments.of("finetune --lr Infinity", finetune("--lr", "Infinity"), "--lr"),
                Arguments.of("finetune --lr NaN", finetune("--lr", "NaN"), "--lr"),
                Arguments.of("finetune --min-lr -1", finetune("--min-lr", "-1"), "--min-lr"),
                Arguments.of("finetune --min-lr 1 (above --lr)", finetune("--min-lr", "1"), "--min-lr"),
                Arguments.of("finetune --warmup -1", finetune("--warmup", "-1"), "--warmup"),
                Arguments.of("finetune --clip 0", finetune("--clip", "0"), "--clip"),
                Arguments.of("finetune --weight-decay -1", finetune("--weight-decay", "-1"), "--weight-decay"),
                Arguments.of("finetune --save-every -1", finetune("--save-every", "-1"), "--save-every"),
                Arguments.of("finetune --threads 0", finetune("--threads", "0"), "--threads"),
                Arguments.of("pretrain --lr NaN", pretrain("--lr", "NaN"), "--lr"),
                Arguments.of("pretrain --batch 0", pretrain("--batch", "0"), "batch"),
                Arguments.of("compare-stores --rtol -1", new String[] {"compare-stores", "a.db", "b.db", "--rtol", "-1"}, "--rtol"),
                Arguments.of("compare-stores --atol NaN", new String[] {"compare-stores", "a.db", "b.db", "--atol", "NaN"}, "--atol"),
                Arguments.of("verify --tokens-per-step 0", new String[] {"verify", series.toString(), "--tokens-per-step", "0"}, "--tokens-per-step"),
                Arguments.of("artifacts --batch 0", new String[] {"artifacts", "--model", "tiny", "--out", dir.resolve("never-a").toString(), "--batch", "0"}, "--batch"),
                Arguments.of("artifacts --seq-len 0", new String[] {"artifacts", "--model", "tiny", "--out", dir.resolve("never-a").toString(), "--seq-len", "0"}, "--seq-len"),
                Arguments.of("demo --threads 0", new String[] {"demo", "--out", dir.resolve("never-demo").toString(), "--threads", "0"}, "--threads"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void flagValueErrorsExit2InOneLine(String name, String[] args, String needle) {
        MainTest.Run r = MainTest.run(args);
        if (Boolean.getBoolean("overtune.print.cases")) {
            System.out.printf("CASE | `%s` | %d | `%s` |%n", name, r.code(), r.err().strip().replace(dir.toString(), "…"));
        }
        MainTest.assertOneLineError(r, ExitCodes.USAGE, needle, "--help'");
        assertTrue(r.out().isEmpty(), name + " printed: " + r.out());
    }

    @AfterAll
    static void nothingWasWritten() {
        for (String never : new String[] {"never.db", "never-ft", "never-series", "never-a", "never-demo"}) {
            assertFalse(Files.exists(dir.resolve(never)), never + " was written by a refused command");
        }
    }

    @Test
    void anIntegerConfigFieldWithAFractionIsBadInputNamingTheFieldAndFile(@TempDir Path tmp) throws Exception {
        Path ckpt = TinyCheckpoint.write(tmp.resolve("ckpt"), 1);
        Path config = ckpt.resolve("config.json");
        String json = Files.readString(config);
        String broken = json.replaceFirst("\"n_layer\"\\s*:\\s*\\d+", "\"n_layer\": 2.5");
        assertTrue(!broken.equals(json), json);
        Files.writeString(config, broken);
        MainTest.Run r = MainTest.run("eval", ckpt.toString(), "--text", text.toString());
        if (Boolean.getBoolean("overtune.print.cases")) {
            System.out.printf("CASE | `\"n_layer\": 2.5` in config.json (eval) | %d | `%s` |%n", r.code(), r.err().strip().replace(tmp.toString(), "…"));
        }
        MainTest.assertOneLineError(r, ExitCodes.BAD_INPUT, "config.json", "'n_layer'", "must be an integer", "2.5");
    }
}
