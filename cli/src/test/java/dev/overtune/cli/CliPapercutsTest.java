package dev.overtune.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.overtune.model.ModelConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.overtune.cli.MainTest.assertOneLineError;
import static dev.overtune.cli.MainTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line's small faults, one test each: help without warnings, defaults that fit, one prefix, one preset list, progress. */
class CliPapercutsTest {
    @Test
    void everyHelpPrintsWithoutPicocliWarnings() {
        for (String command : List.of("demo", "linear-theory", "scan", "report", "pretrain", "finetune", "eval", "verify", "artifacts",
                "compare-stores", "calibrate")) {
            MainTest.Run r = run(command, "--help");
            assertEquals(ExitCodes.OK, r.code(), command + ": " + r.err());
            assertFalse(r.err().contains("picocli WARN") || r.out().contains("picocli WARN"), command + ": " + r.err());
        }
        assertTrue(run("finetune", "--help").out().contains("(10% is held out"), "the percent sign is printed as written");
    }

    @Test
    void finetuneTakesALowLearningRateWithItsOwnFloor(@TempDir Path tmp) throws Exception {
        MainTest.Run r = run("finetune", "tiny", "--text", MainTest.sampleText(tmp).toString(), "--lr", "1e-4", "--steps", "4", "--warmup", "1",
                "--batch", "2", "--seq-len", "16", "--format", "json");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        List<Double> rates = new ArrayList<>();
        for (String line : r.out().strip().split("\n")) {
            JsonNode e = new ObjectMapper().readTree(line);
            if (e.get("event").asText().equals("step")) {
                rates.add(e.get("lr").asDouble());
            }
        }
        assertEquals(4, rates.size());
        for (double lr : rates) {
            assertTrue(lr <= 1e-4 * (1 + 1e-9) && lr >= 1e-5 * (1 - 1e-6), "lr " + lr + " outside [--lr / 10, --lr]: " + rates);
        }
        assertTrue(rates.getLast() < 1e-4, "the cosine decays towards --lr / 10: " + rates);
    }

    @Test
    void picocliErrorsSayErrorOnce(@TempDir Path tmp) {
        MainTest.Run missing = run("eval", tmp.toString());
        assertOneLineError(missing, ExitCodes.USAGE, "Missing required argument", "--text=FILE | --token-ids=FILE.json", "'overtune eval --help'");
        assertFalse(missing.err().contains("Error:"), missing.err());
        MainTest.Run both = run("eval", tmp.toString(), "--text", "a", "--token-ids", "b");
        assertOneLineError(both, ExitCodes.USAGE, "mutually exclusive");
        assertFalse(both.err().contains("Error:"), both.err());
    }

    @Test
    void everyPresetListIsTheEnginesOwn() throws Exception {
        Set<String> presets = ModelConfigs.PRESETS.keySet();
        for (String[] help : List.of(new String[] {"pretrain", "--help"}, new String[] {"artifacts", "--help"}, new String[] {"finetune", "--help"})) {
            String out = run(help).out().replaceAll("\\s+", " ");
            assertTrue(out.contains("A preset (" + String.join(", ", presets) + ")")
                    || out.contains("a preset (" + String.join(", ", presets) + ")"), help[0] + " --help: " + out);
        }
        String readme = Files.readString(Path.of("..", "README.md"));
        int from = readme.indexOf("\nPresets");
        int to = readme.indexOf("Checkpoints of model_type", from);
        assertTrue(from >= 0 && to > from, "README's Presets paragraph");
        Set<String> named = new TreeSet<>();
        Matcher m = Pattern.compile("`([a-z0-9-]+)`").matcher(readme.substring(from, to));
        while (m.find()) {
            named.add(m.group(1));
        }
        assertEquals(new TreeSet<>(presets), named, "README's presets");
    }

    @Test
    void verifyAndEvalShowProgressOnStderrOnceWorkTakesAWhile(@TempDir Path tmp) throws Exception {
        Path series = tmp.resolve("series");
        for (int step : new int[] {1000, 2000, 3000}) {
            TinyCheckpoint.write(series.resolve("step" + step), step);
        }
        Path text = Files.writeString(tmp.resolve("t.txt"), "The quick brown fox jumps over the lazy dog. ".repeat(8));
        String old = System.getProperty(ProgressBar.DELAY_PROPERTY);
        System.setProperty(ProgressBar.DELAY_PROPERTY, "0"); // "a while" is now: every run counts as long
        try {
            MainTest.Run v = run("verify", series.toString(), "--tokens-per-step", "1024");
            assertEquals(ExitCodes.OK, v.code(), v.err());
            assertTrue(v.err().contains("verify [") && v.err().contains("3/3") && v.err().contains("step3000"), v.err());
            assertFalse(v.out().contains("verify ["), "progress stays off stdout: " + v.out());
            MainTest.Run vj = run("verify", series.toString(), "--tokens-per-step", "1024", "--format", "json");
            assertEquals(ExitCodes.OK, vj.code(), vj.err());
            assertTrue(vj.err().contains("verify [") && vj.err().contains("3/3"), vj.err());
            new ObjectMapper().readTree(vj.out()); // stdout is still one JSON document

            MainTest.Run e = run("eval", series.resolve("step1000").toString(), "--text", text.toString(), "--seq-len", "32", "--batch", "2");
            assertEquals(ExitCodes.OK, e.code(), e.err());
            assertTrue(e.err().contains("eval [") && e.err().contains("6/6"), e.err()); // 360 bytes: 11 windows of 32, 6 batches of 2
        } finally {
            if (old == null) {
                System.clearProperty(ProgressBar.DELAY_PROPERTY);
            } else {
                System.setProperty(ProgressBar.DELAY_PROPERTY, old);
            }
        }
        // Without the property, quick work prints nothing (VerifyCommandTest asserts an empty stderr).
        assertEquals("", run("verify", series.toString(), "--tokens-per-step", "1024").err());
    }
}
