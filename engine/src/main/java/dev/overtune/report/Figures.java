package dev.overtune.report;

import dev.overtune.findings.CheckpointSummary;
import dev.overtune.findings.FineTuneOutcome;
import dev.overtune.findings.Format;
import dev.overtune.findings.Inflection;
import dev.overtune.findings.NoiseDelta;
import dev.overtune.findings.NoiseLevel;
import dev.overtune.findings.QuantFormat;
import dev.overtune.findings.ScanAnalysis;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The report's four figures, built from an analysis: (1) the paper's Figure 1, base against fine-tuned
 * loss over pre-training tokens; (2) OOD loss increase under Gaussian noise; (3) fine-tuning at each fixed
 * learning rate; (4) loss increase under quantisation. A figure whose probe has no data is left out.
 */
final class Figures {
    /** A rendered figure and the file name and words that go with it. */
    record Figure(String file, String title, String caption, BufferedImage image) {}

    private static final Color BASE = new Color(0x55, 0x55, 0x55);
    /** Tableau-10 without its red, which marks failed checkpoints. */
    private static final Color[] PALETTE = {
        new Color(0x1f, 0x77, 0xb4), new Color(0xff, 0x7f, 0x0e), new Color(0x2c, 0xa0, 0x2c), new Color(0x94, 0x67, 0xbd),
        new Color(0x8c, 0x56, 0x4b), new Color(0xe3, 0x77, 0xc2), new Color(0xbc, 0xbd, 0x22), new Color(0x17, 0xbe, 0xcf)};
    private static final String TOKENS = "pre-training tokens (log scale)";

    private Figures() {}

    static List<Figure> all(ScanAnalysis a, String task) {
        List<Figure> out = new ArrayList<>();
        baseVsFineTuned(a, task).ifPresent(out::add);
        noise(a).ifPresent(out::add);
        byLearningRate(a, task).ifPresent(out::add);
        quant(a).ifPresent(out::add);
        return out;
    }

    static Optional<Figure> baseVsFineTuned(ScanAnalysis a, String task) {
        Color tunedColor = PALETTE[0];
        List<Chart.Series> id = List.of(
                series("base", BASE, true, a, CheckpointSummary::baseIdTestLoss),
                series("after fine-tuning (best LR)", tunedColor, false, a, c -> c.tuned() == null ? Double.NaN : c.tuned().idTestLoss()));
        List<Chart.Series> ood = List.of(
                series("base", BASE, true, a, CheckpointSummary::baseOodLoss),
                series("after fine-tuning (best LR)", tunedColor, false, a, c -> c.tuned() == null ? Double.NaN : c.tuned().oodLoss()));
        if (empty(id) && empty(ood)) {
            return Optional.empty();
        }
        List<Chart.Panel> panels = List.of(
                panel("ID loss: " + task + " test set", "ID test loss (nats/token)", false, id, a,
                        markers(a, "finetune.tuned.id_test_loss", tunedColor, Figures::markerText)),
                panel("OOD loss: held-out pre-training text", "OOD loss (nats/token)", false, ood, a,
                        markers(a, "finetune.tuned.ood_loss", tunedColor, Figures::markerText)));
        String title = "Base vs fine-tuned loss across pre-training";
        String foot = "After fine-tuning: per checkpoint, the learning rate with the lowest mean ID validation loss over seeds; "
                + "ringed: the fine-tuned curve's minimum.";
        return Optional.of(new Figure("fig1_base_vs_finetuned.png", title,
                "The paper's Figure 1 analogue: the base model keeps improving with pre-training tokens; the fine-tuned model "
                        + "need not. Left: loss on the fine-tuning task's test split; right: loss on held-out pre-training text.",
                Chart.render(title, panels, foot)));
    }

    static Optional<Figure> noise(ScanAnalysis a) {
        List<Chart.Series> series = new ArrayList<>();
        List<Chart.Series> perturbed = new ArrayList<>();
        List<Chart.Marker> minima = new ArrayList<>();
        perturbed.add(series("base", BASE, true, a, CheckpointSummary::baseOodLoss));
        int i = 0;
        for (NoiseLevel level : a.noiseLevels()) {
            Color color = PALETTE[i++ % PALETTE.length];
            List<Chart.Point> pts = new ArrayList<>();
            for (CheckpointSummary c : a.checkpoints()) {
                NoiseDelta d = c.noise().get(level);
                if (d != null) {
                    pts.add(new Chart.Point(c.tokens(), d.meanDeltaOod(), d.ci().lo(), d.ci().hi()));
                }
            }
            series.add(new Chart.Series(level.label(), color, false, pts));
            perturbed.add(series(level.label(), color, false, a, c -> c.noise().containsKey(level)
                    ? c.baseOodLoss() + c.noise().get(level).meanDeltaOod() : Double.NaN));
            a.perturbedMinima().stream().filter(m -> m.label().contains(level.label() + " (" + level.scale() + " scale)") && m.beforeEnd())
                    .forEach(m -> minima.add(new Chart.Marker(m.minTokens(), m.minValue(), color, Format.tokens(m.minTokens()))));
        }
        if (empty(series)) {
            return Optional.empty();
        }
        String scales = String.join(", ", a.noiseLevels().stream().map(NoiseLevel::scale).distinct().toList());
        String title = "Sensitivity to Gaussian noise";
        List<Chart.Panel> panels = List.of(panel("OOD loss increase under noise", "Δ OOD loss vs base (nats/token)", true, series, a, List.of()),
                panel("OOD loss of the perturbed model", "OOD loss (nats/token)", false, perturbed, a, minima));
        String foot = "θ + ε, ε ~ N(0, γ²σ²), σ: " + scales + " scale; mean over samples, bars: 95% measurement interval (samples"
                + (a.perWindowLosses() ? " and evaluation windows)" : ")") + "; ringed: each γ's minimum before the last checkpoint.";
        return Optional.of(new Figure("fig2_noise_delta_ood.png", title,
                "Left: increase in OOD loss when Gaussian noise of scale γ is added to the weights, against pre-training tokens; "
                        + "a line that rises means the parameters grow more sensitive with pre-training. Right: the perturbed model's "
                        + "OOD loss itself, whose minimum the paper finds earlier for larger γ (§3.3).",
                Chart.render(title, panels, foot)));
    }

    static Optional<Figure> byLearningRate(ScanAnalysis a, String task) {
        List<Chart.Series> id = new ArrayList<>();
        List<Chart.Series> ood = new ArrayList<>();
        List<Chart.Marker> idMarks = new ArrayList<>();
        List<Chart.Marker> oodMarks = new ArrayList<>();
        id.add(series("base", BASE, true, a, CheckpointSummary::baseIdTestLoss));
        ood.add(series("base", BASE, true, a, CheckpointSummary::baseOodLoss));
        int i = 0;
        for (double lr : a.learningRates()) {
            Color color = PALETTE[i++ % PALETTE.length];
            String name = "LR " + Format.number(lr);
            id.add(series(name, color, false, a, c -> at(c, lr, FineTuneOutcome::idTestLoss)));
            ood.add(series(name, color, false, a, c -> at(c, lr, FineTuneOutcome::oodLoss)));
            String key = "finetune.lr=" + Format.number(lr);
            idMarks.addAll(markers(a, key + ".id_test_loss", color, Figures::shortMarkerText));
            oodMarks.addAll(markers(a, key + ".ood_loss", color, Figures::shortMarkerText));
        }
        if (a.learningRates().isEmpty() || empty(id.subList(1, id.size()))) {
            return Optional.empty();
        }
        String title = "Fine-tuning at fixed learning rates";
        List<Chart.Panel> panels = List.of(
                panel("ID loss after fine-tuning: " + task, "ID test loss (nats/token)", false, id, a, idMarks),
                panel("OOD loss after fine-tuning", "OOD loss (nats/token)", false, ood, a, oodMarks));
        return Optional.of(new Figure("fig3_finetune_by_lr.png", title,
                "Each learning rate of the grid on its own (mean over seeds): larger rates modify the parameters more, "
                        + "and the paper predicts their inflection comes earlier.",
                Chart.render(title, panels, "Mean over seeds; ringed and labelled with its token budget: each curve's minimum, where it is not at the last checkpoint.")));
    }

    static Optional<Figure> quant(ScanAnalysis a) {
        List<Chart.Series> ood = new ArrayList<>();
        List<Chart.Series> id = new ArrayList<>();
        int i = 0;
        for (QuantFormat q : a.quantFormats()) {
            Color color = PALETTE[i++ % PALETTE.length];
            ood.add(series(q.label(), color, false, a, c -> c.quant().containsKey(q) ? c.quant().get(q).deltaOod() : Double.NaN));
            id.add(series(q.label(), color, false, a, c -> c.quant().containsKey(q) ? c.quant().get(q).deltaIdTest() : Double.NaN));
        }
        if (empty(ood) && empty(id)) {
            return Optional.empty();
        }
        String title = "Sensitivity to post-training quantisation";
        List<Chart.Panel> panels = List.of(
                panel("OOD loss increase", "Δ OOD loss vs base (nats/token)", true, ood, a, List.of()),
                panel("ID loss increase", "Δ ID test loss vs base (nats/token)", true, id, a, List.of()));
        return Optional.of(new Figure("fig4_quant_delta.png", title,
                "Loss increase after round-to-nearest quantisation of the weights (per channel, or per group of g weights), "
                        + "against pre-training tokens.",
                Chart.render(title, panels, "Round-to-nearest, symmetric grid; Δ relative to the unmodified checkpoint.")));
    }

    private static double at(CheckpointSummary c, double lr, ToDoubleFunction<FineTuneOutcome> f) {
        FineTuneOutcome o = c.byLr().get(lr);
        return o == null ? Double.NaN : f.applyAsDouble(o);
    }

    private static Chart.Series series(String name, Color color, boolean dashed, ScanAnalysis a, ToDoubleFunction<CheckpointSummary> y) {
        return new Chart.Series(name, color, dashed, a.checkpoints().stream().map(c -> Chart.Point.of(c.tokens(), y.applyAsDouble(c))).toList());
    }

    private static boolean empty(List<Chart.Series> series) {
        return series.stream().allMatch(s -> s.points().isEmpty());
    }

    private static Chart.Panel panel(String title, String yLabel, boolean delta, List<Chart.Series> series, ScanAnalysis a,
                                     List<Chart.Marker> markers) {
        List<Double> failed = a.unusableCheckpoints().stream().map(c -> (double) c.tokens()).toList();
        return new Chart.Panel(title, TOKENS, yLabel, true, delta, series, markers, failed);
    }

    private static List<Chart.Marker> markers(ScanAnalysis a, String metric, Color color, Function<Inflection, String> text) {
        return a.inflection(metric).filter(Inflection::hasMinimumBeforeEnd)
                .map(i -> List.of(new Chart.Marker(i.minTokens(), i.minValue(), color, text.apply(i)))).orElse(List.of());
    }

    static String markerText(Inflection i) {
        String at = Format.tokens(i.minTokens()) + " tokens";
        return switch (i.verdict()) {
            case SIGNIFICANT -> "inflection: " + at;
            case NOT_SIGNIFICANT -> "min " + at + " (n.s.)";
            case CANNOT_CONCLUDE -> "min " + at + " (untestable)";
            default -> at;
        };
    }

    /** Where several curves share a panel: the token budget alone, the colour says which curve. */
    static String shortMarkerText(Inflection i) {
        String at = Format.tokens(i.minTokens());
        return switch (i.verdict()) {
            case NOT_SIGNIFICANT -> at + " (n.s.)";
            case CANNOT_CONCLUDE -> at + " (untestable)";
            default -> at;
        };
    }
}
