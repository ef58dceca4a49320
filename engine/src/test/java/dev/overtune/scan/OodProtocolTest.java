package dev.overtune.scan;

import dev.overtune.backend.OrtBackend;
import dev.overtune.model.ModelConfigs;
import dev.overtune.pretrain.Budgets;
import dev.overtune.pretrain.PretrainData;
import dev.overtune.pretrain.PretrainListener;
import dev.overtune.pretrain.PretrainManifest;
import dev.overtune.pretrain.PretrainRun;
import dev.overtune.pretrain.PretrainSettings;
import dev.overtune.pretrain.PretrainedCheckpoint;
import dev.overtune.pretrain.ScheduleKind;
import dev.overtune.pretrain.SeriesPlan;
import dev.overtune.pretrain.TextCorpus;
import dev.overtune.probe.ProbeKind;
import dev.overtune.series.CheckpointSeries;
import dev.overtune.text.ByteTokenizer;
import dev.overtune.train.AdamW;
import dev.overtune.train.StreamLoss;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** series.json's OOD loss and the scan's are one measurement: the same windows of the same text, the same number. */
class OodProtocolTest {
    @Test
    void pretrainAndScanAgreeOnEveryCheckpointsOodLoss(@TempDir Path tmp) {
        String text = new String(bytes(TinySeries.sampleTokens()), StandardCharsets.UTF_8);
        int cut = text.length() * 2 / 3;
        String heldOut = text.substring(cut) + "\n";
        TextCorpus corpus = new TextCorpus(Path.of("train"), List.of(new TextCorpus.Document("train.txt", text.substring(0, cut))));
        TextCorpus ood = new TextCorpus(Path.of("ood"), List.of(new TextCorpus.Document("ood.txt", heldOut)));
        PretrainData data = PretrainData.separate(corpus, ood, new ByteTokenizer());
        // Pre-training evaluates in batches of 4, the scan in batches of 8: the windows are the same, only their grouping differs.
        PretrainSettings settings = new PretrainSettings(Budgets.parse("2K,4K"), ScheduleKind.wsd, 4, 32, 3e-3, 3e-4, null, 0.2,
                AdamW.Config.defaults(), 1.0, 1);
        Path seriesDir = tmp.resolve("series");
        PretrainManifest manifest;
        try (OrtBackend backend = new OrtBackend(2)) {
            manifest = PretrainRun.run(backend, ModelConfigs.resolve("tiny"), SeriesPlan.of(settings), data,
                    new PretrainRun.Options(seriesDir, "toy", false, 1000), new PretrainListener() {});
        }

        List<ScanCheckpoint> series = ScanCheckpoints.of(CheckpointSeries.discover(seriesDir, OptionalLong.empty()));
        ScanSettings s = TinySeries.settings();
        ScanSettings whole = new ScanSettings(new ScanSettings.Eval(8, 32, ScanSettings.Eval.ALL), s.fineTune(), s.noise(), s.quant(), s.threads());
        Scan.Outcome out = Scan.builder().series(series).task(TinySeries.task()).ood(new ByteTokenizer().encode(heldOut))
                .settings(whole).store(tmp.resolve("scan.db")).run();

        assertEquals(2, manifest.checkpoints().size());
        for (PretrainedCheckpoint c : manifest.checkpoints()) {
            UnitResult base = out.results().stream().filter(r -> r.checkpoint().equals(c.name()) && r.kind() == ProbeKind.BASE).findFirst().orElseThrow();
            assertEquals(c.oodLoss(), base.metric("ood_loss"), 1e-6, c.name());
            long windows = StreamLoss.fullWindows(data.heldOut().length, 32);
            assertEquals(windows, base.samples("ood_loss").length, "every full window of the held-out text");
            assertEquals(windows * 32, c.oodTokens(), "series.json names the tokens it evaluated");
        }
        assertNotEquals(manifest.checkpoints().get(0).oodLoss(), manifest.checkpoints().get(1).oodLoss());
    }

    private static byte[] bytes(int[] ids) {
        byte[] b = new byte[ids.length];
        for (int i = 0; i < ids.length; i++) {
            b[i] = (byte) ids[i];
        }
        return b;
    }
}
