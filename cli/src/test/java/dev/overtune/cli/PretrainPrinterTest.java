package dev.overtune.cli;

import dev.overtune.backend.OrtBackend;
import dev.overtune.model.ModelConfigs;
import dev.overtune.pretrain.Budgets;
import dev.overtune.pretrain.HeldOutSplit;
import dev.overtune.pretrain.PretrainData;
import dev.overtune.pretrain.PretrainSettings;
import dev.overtune.pretrain.ScheduleKind;
import dev.overtune.pretrain.PretrainedCheckpoint;
import dev.overtune.pretrain.SeriesPlan;
import dev.overtune.pretrain.TextCorpus;
import dev.overtune.text.ByteTokenizer;
import dev.overtune.train.AdamW;
import dev.overtune.train.StepResult;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The progress line: rewritten in place on a terminal, one line per report in a log. */
class PretrainPrinterTest {
    record Printed(String out, String err) {}

    static Printed drive(boolean terminal) {
        var data = PretrainData.split(new TextCorpus(Path.of("t"), List.of(new TextCorpus.Document("t.txt", DemoCommand.sampleText()))),
                new ByteTokenizer(), new HeldOutSplit(0.05));
        SeriesPlan plan = SeriesPlan.of(new PretrainSettings(Budgets.parse("1K,2K"), ScheduleKind.intermediate, 4, 32, 3e-3, 3e-4, null, 0.2,
                AdamW.Config.defaults(), 1.0, 0));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (OrtBackend backend = new OrtBackend(1)) {
            PretrainPrinter p = new PretrainPrinter(new PretrainPrinter.Run(ModelConfigs.resolve("tiny"), "preset 'tiny'", data, Path.of("s"), backend),
                    OutputFormat.text, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                    terminal, 0);
            p.onStart(plan, 0);
            for (int i = 0; i < 3; i++) {
                p.onStep(plan.legs().getFirst(), new StepResult(i, 5.0 - i, 1.0, 3e-3));
            }
            p.onCheckpoint(new PretrainedCheckpoint("tokens-1K", "tokens-1K", 896, 1000, 7, Map.of("model.safetensors", "ab12"), 4.5, 100));
        }
        return new Printed(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void terminalRewritesOneLineAndClearsItBeforeResults() {
        Printed p = drive(true);
        assertFalse(p.err().contains("\n"), "no new lines on a terminal: " + p.err());
        assertEquals(4, p.err().split("\r\033\\[K", -1).length - 1, "three redraws and one clear: " + p.err());
        assertTrue(p.err().endsWith("\r\033[K"), "the line is cleared before a checkpoint is printed");
        assertTrue(p.err().contains("tok/s") && p.err().contains("loss ") && p.err().contains("ETA "), p.err());
        assertTrue(p.out().contains("tokens-1K") && p.out().contains("ood loss 4.5000"), p.out());
        assertTrue(p.out().contains("896 tokens trained"), "7 steps of 4 x 32, not the 1K budget: " + p.out());
    }

    @Test
    void logGetsWholeLines() {
        Printed p = drive(false);
        assertFalse(p.err().contains("\r"), p.err());
        assertEquals(3, p.err().lines().filter(l -> l.startsWith("pretrain ") && l.contains("tok/s")).count(), p.err());
    }
}
