package dev.overtune.cli;

import dev.overtune.backends.BackendsNotice;
import dev.overtune.backends.CudaBackends;
import dev.overtune.cuda.CudaDevice;
import dev.overtune.cuda.driver.Cublas;
import dev.overtune.cuda.driver.Outcome;
import dev.overtune.scan.ResultStore;
import dev.overtune.scan.UnitResult;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static dev.overtune.cli.MainTest.assertOneLineError;
import static dev.overtune.cli.MainTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** --backend on every command that runs graphs, and compare-stores on two CPU stores of one plan. */
class BackendOptionTest {
    @TempDir
    static Path dir;
    static Path text;
    static Path series;

    @BeforeAll
    static void makeSeries() throws Exception {
        text = MainTest.sampleText(dir);
        series = dir.resolve("series");
        TinyCheckpoint.write(series.resolve("step1"), 1);
        TinyCheckpoint.write(series.resolve("step2"), 2);
    }

    static String[] scanArgs(Path store, String... extra) {
        String[] base = {"scan", series.toString(), "--tokens-per-step", "64", "--task", text.toString(), "--ood", text.toString(),
                "--ft-steps", "2", "--ft-batch", "2", "--ft-seq-len", "32", "--lrs", "3e-3", "--seeds", "0", "--gammas", "1",
                "--samples", "1", "--quant", "int8", "--eval-batch", "2", "--eval-seq-len", "32", "--eval-batches", "1", "--format", "json",
                "--store", store.toString()};
        return concat(base, extra);
    }

    @Test
    void everyCommandThatRunsGraphsTakesTheOptionAndDefaultsToTheCpu() {
        String[][] commands = {{"demo"}, {"scan", "S", "--task", "t"}, {"pretrain", "--model", "tiny", "--corpus", "c", "--budgets", "1K", "--out", "o"},
                {"finetune", "tiny", "--text", "t"}, {"eval", "c", "--text", "t"}};
        for (String[] command : commands) {
            assertEquals(BackendOption.Choice.cpu, parsedBackend(command), command[0]);
            for (BackendOption.Choice choice : BackendOption.Choice.values()) {
                assertEquals(choice, parsedBackend(concat(command, "--backend", choice.name())), command[0] + " --backend " + choice);
            }
        }
    }

    private static Object parsedBackend(String... args) {
        return parsed(args, "--backend");
    }

    private static Object parsed(String[] args, String option) {
        CommandLine.ParseResult parsed = Main.commandLine().parseArgs(args);
        return parsed.subcommand().commandSpec().findOption(option).getValue();
    }

    @Test
    void everyCommandThatRunsGraphsTakesPrecisionAndDefaultsToTf32() {
        String[][] commands = {{"demo"}, {"scan", "S", "--task", "t"}, {"pretrain", "--model", "tiny", "--corpus", "c", "--budgets", "1K", "--out", "o"},
                {"finetune", "tiny", "--text", "t"}, {"eval", "c", "--text", "t"}};
        for (String[] command : commands) {
            assertEquals(null, parsed(command, "--precision"), command[0] + ": not given");
            for (BackendOption.PrecisionChoice p : BackendOption.PrecisionChoice.values()) {
                assertEquals(p, parsed(concat(command, "--backend", "cuda", "--precision", p.name()), "--precision"), command[0] + " --precision " + p);
            }
        }
        BackendOption option = new BackendOption();
        assertEquals(BackendOption.PrecisionChoice.tf32, option.precision());
        assertEquals(Cublas.Precision.TF32, option.precision().gemms);
        assertEquals(Cublas.Precision.FP32, BackendOption.PrecisionChoice.fp32.gemms);
        assertEquals(Cublas.Precision.BF16, BackendOption.PrecisionChoice.bf16.gemms);
        assertEquals(List.of(), option.forwarded(), "the defaults are not handed on");
        option.choice = BackendOption.Choice.cuda;
        option.precision = BackendOption.PrecisionChoice.bf16;
        assertEquals(List.of("--backend", "cuda", "--precision", "bf16"), option.forwarded());
    }

    @Test
    void anUnknownPrecisionIsAUsageErrorListingTheChoices() {
        assertOneLineError(run("eval", series.resolve("step1").toString(), "--text", text.toString(), "--precision", "fp16"),
                ExitCodes.USAGE, "--precision", "fp16", "fp32, tf32, bf16");
    }

    @Test
    void precisionOnTheCpuIsIgnoredSayingSoOnce() {
        BackendOption.resetPrecisionNotice();
        String[] eval = {"eval", series.resolve("step1").toString(), "--text", text.toString(), "--seq-len", "32", "--format", "json"};
        MainTest.Run bf16 = run(concat(eval, "--precision", "bf16"));
        assertEquals(ExitCodes.OK, bf16.code(), bf16.err());
        String notice = "overtune: --precision bf16 applies to the CUDA backend only; onnxruntime-cpu computes in FP32";
        assertTrue(bf16.err().contains(notice), bf16.err());
        assertEquals(run(eval).out(), bf16.out(), "the CPU's results do not change");
        MainTest.Run again = run(concat(eval, "--precision", "fp32"));
        assertTrue(!again.err().contains("--precision"), "once per process: " + again.err());
    }

    @Test
    void anUnknownBackendIsAUsageErrorListingTheChoices() {
        assertOneLineError(run("eval", series.resolve("step1").toString(), "--text", text.toString(), "--backend", "gpu"),
                ExitCodes.USAGE, "--backend", "gpu", "cpu, cuda, auto");
    }

    @Test
    void cudaWithoutAUsableGpuSaysWhyExitsUnavailableAndWritesNothing(@TempDir Path tmp) throws Exception {
        Outcome<CudaDevice> device = CudaBackends.open();
        if (device instanceof Outcome.Available<CudaDevice>(CudaDevice d)) {
            d.close();
            Assumptions.abort("a CUDA device is usable here");
        }
        String reason = device.reason();
        String[][] commands = {
                {"demo", "--quick", "--out", tmp.resolve("demo").toString()},
                {"pretrain", "--model", "tiny", "--corpus", text.toString(), "--budgets", "4K", "--batch", "2", "--seq-len", "32",
                        "--out", tmp.resolve("pretrained").toString()},
                scanArgs(tmp.resolve("scan.db")),
                {"finetune", "tiny", "--text", text.toString(), "--steps", "2", "--batch", "2", "--seq-len", "32", "--save", tmp.resolve("ft").toString()},
                {"eval", series.resolve("step1").toString(), "--text", text.toString()}};
        for (String[] command : commands) {
            for (String[] precision : new String[][] {{}, {"--precision", "bf16"}}) {
                MainTest.Run r = run(concat(concat(command, "--backend", "cuda"), precision));
                assertOneLineError(r, ExitCodes.UNAVAILABLE, "--backend cuda: ", reason);
                try (Stream<Path> written = Files.list(tmp)) {
                    assertEquals(List.of(), written.toList(), command[0] + " wrote something");
                }
            }
        }
    }

    @Test
    void cpuGivesTheDefaultsResultsAndCompareStoresSaysTheyAgree(@TempDir Path tmp) throws Exception {
        Path byDefault = tmp.resolve("default.db");
        Path cpu = tmp.resolve("cpu.db");
        assertEquals(ExitCodes.OK, run(scanArgs(byDefault)).code());
        MainTest.Run r = run(scanArgs(cpu, "--backend", "cpu"));
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertEquals(List.of("onnxruntime-cpu"), backends(cpu));

        MainTest.Run same = run("compare-stores", byDefault.toString(), cpu.toString(), "--atol", "0", "--rtol", "0");
        assertEquals(ExitCodes.OK, same.code(), same.err() + same.out());
        assertTrue(same.out().contains("all 8 units agree") && same.out().contains("backend onnxruntime-cpu"), same.out());
        assertTrue(same.out().contains("step2") && same.out().contains("ood_loss"), "every unit's metrics, side by side: " + same.out());

        String[] eval = {"eval", series.resolve("step1").toString(), "--text", text.toString(), "--seq-len", "32", "--format", "json"};
        assertEquals(run(eval).out(), run(concat(eval, "--backend", "cpu")).out());
    }

    @Test
    void compareStoresNamesTheUnitAndMetricThatDiffer(@TempDir Path tmp) throws Exception {
        Path a = tmp.resolve("a.db");
        assertEquals(ExitCodes.OK, run(scanArgs(a)).code());
        Path b = tmp.resolve("b.db");
        Files.copy(a, b);
        sql(b, "UPDATE unit SET metrics = json_set(metrics, '$.ood_loss', json_extract(metrics, '$.ood_loss') + 0.01) "
                + "WHERE probe = 'noise' AND checkpoint = 'step2'");

        MainTest.Run differ = run("compare-stores", a.toString(), b.toString(), "--rtol", "1e-5");
        assertOneLineError(differ, ExitCodes.BAD_INPUT, "a.db", "b.db", "differ", "step2 noise", "seed=1000 ood_loss");
        assertTrue(differ.out().contains("BEYOND") && differ.out().contains("1 difference beyond"), differ.out());
        assertTrue(differ.out().contains("largest absolute difference 1.0e-02: step2 noise"), differ.out());

        MainTest.Run json = run("compare-stores", a.toString(), b.toString(), "--rtol", "1e-5", "--format", "json");
        assertOneLineError(json, ExitCodes.BAD_INPUT, "a.db", "b.db", "differ", "step2 noise");
        com.fasterxml.jackson.databind.JsonNode root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out());
        assertEquals(1, json.out().strip().lines().count(), "one JSON document");
        assertEquals(JsonOutput.SCHEMA_VERSION, root.get("schema_version").asInt());
        assertFalse(root.get("agree").asBoolean());
        assertEquals(8, root.get("units").size());
        assertEquals(1, root.get("beyond_tolerance").size());
        com.fasterxml.jackson.databind.JsonNode d = root.get("beyond_tolerance").get(0);
        assertEquals("step2", d.get("checkpoint").asText());
        assertEquals("noise", d.get("probe").asText());
        assertEquals("ood_loss", d.get("metric").asText());
        assertEquals(0.01, d.get("absolute_difference").asDouble(), 1e-6);
        assertEquals(d, root.get("largest_absolute"));

        MainTest.Run loose = run("compare-stores", a.toString(), b.toString(), "--atol", "0.02");
        assertEquals(ExitCodes.OK, loose.code(), loose.out() + loose.err());
        MainTest.Run looseJson = run("compare-stores", a.toString(), b.toString(), "--atol", "0.02", "--format", "json");
        assertEquals(ExitCodes.OK, looseJson.code(), looseJson.out() + looseJson.err());
        assertTrue(new com.fasterxml.jackson.databind.ObjectMapper().readTree(looseJson.out()).get("agree").asBoolean());

        sql(b, "DELETE FROM unit WHERE probe = 'quant' AND checkpoint = 'step1'");
        assertOneLineError(run("compare-stores", a.toString(), b.toString(), "--atol", "0.02"), ExitCodes.BAD_INPUT,
                "step1 quant bits=8 group=0: only in store A");

        Path other = tmp.resolve("other.db");
        String[] otherPlan = scanArgs(other, "--shard", "0/8");
        otherPlan[Arrays.asList(otherPlan).indexOf("--eval-seq-len") + 1] = "16";
        assertEquals(ExitCodes.OK, run(otherPlan).code());
        assertOneLineError(run("compare-stores", a.toString(), other.toString()), ExitCodes.BAD_INPUT, "different scan plans");
        assertOneLineError(run("compare-stores", a.toString(), tmp.resolve("nope.db").toString()), ExitCodes.BAD_INPUT, "nope.db");
    }

    @Test
    void autoSaysWhyOnceOnStderrAndRunsOnTheCpu(@TempDir Path tmp) throws Exception {
        BackendsNotice.reset();
        Path store = tmp.resolve("auto.db");
        MainTest.Run r = run(scanArgs(store, "--backend", "auto"));
        assertEquals(ExitCodes.OK, r.code(), r.err());
        String notice = "overtune: using the CPU backend (onnxruntime-cpu): ";
        assertEquals(1, r.err().split(java.util.regex.Pattern.quote(notice), -1).length - 1, r.err());
        assertEquals(List.of("onnxruntime-cpu"), backends(store));
        MainTest.Run again = run("eval", series.resolve("step1").toString(), "--text", text.toString(), "--backend", "auto");
        assertEquals(ExitCodes.OK, again.code(), again.err());
        assertTrue(!again.err().contains(notice), "once per process: " + again.err());
    }

    @Test
    void demoOnAutoSaysWhyOnceAcrossPretrainAndScanAndCanStopAfterTheScan(@TempDir Path tmp) throws Exception {
        BackendsNotice.reset();
        Path out = tmp.resolve("demo");
        MainTest.Run r = run("demo", "--quick", "--no-report", "--backend", "auto", "--out", out.toString());
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertEquals(1, r.err().split(java.util.regex.Pattern.quote("using the CPU backend (onnxruntime-cpu): "), -1).length - 1, r.err());
        assertTrue(r.out().contains("--backend auto") && !r.out().contains("$ overtune report"), r.out());
        assertEquals(List.of("onnxruntime-cpu"), backends(out.resolve("scan.db")));
        assertTrue(!Files.exists(out.resolve("report")));
    }

    private static List<String> backends(Path store) {
        try (ResultStore s = ResultStore.read(store)) {
            return s.results().stream().map(UnitResult::backend).distinct().toList();
        }
    }

    private static void sql(Path db, String statement) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.executeUpdate(statement);
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
