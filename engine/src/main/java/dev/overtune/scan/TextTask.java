package dev.overtune.scan;

import dev.overtune.data.Batch;
import dev.overtune.data.BatchSource;
import dev.overtune.data.TokenWindows;
import dev.overtune.probe.MetricKeys;
import dev.overtune.train.Evaluator;
import dev.overtune.train.MemberEvaluator;
import dev.overtune.train.StreamLoss;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Language modelling on one token stream, split 80/10/10 into train, validation and test by position
 * (contiguous, so no window straddles two splits). Validation and test are scored window by window.
 */
public final class TextTask implements ScanTask {
    private final String name;
    private final int[] train;
    private final int[] validation;
    private final int[] test;
    private final String hash;

    public TextTask(String name, int[] tokens) {
        if (tokens.length < 100) {
            throw new IllegalArgumentException("task '" + name + "' has " + tokens.length + " tokens; a scan task needs at least 100");
        }
        this.name = name;
        int a = (int) (tokens.length * 0.8);
        int b = (int) (tokens.length * 0.9);
        this.train = Arrays.copyOfRange(tokens, 0, a);
        this.validation = Arrays.copyOfRange(tokens, a, b);
        this.test = Arrays.copyOfRange(tokens, b, tokens.length);
        this.hash = Unit.sha256(Arrays.toString(tokens)).substring(0, 16);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String contentHash() {
        return hash;
    }

    @Override
    public BatchSource train(long seed) {
        return new TokenWindows(train, seed);
    }

    @Override
    public Map<String, Double> evaluate(Evaluator evaluator, int maxBatches) {
        return score(evaluator, maxBatches).metrics();
    }

    @Override
    public Scores score(Evaluator evaluator, int maxBatches) {
        return new Scores()
                .sampled(MetricKeys.ID_VAL_LOSS, windowLosses(evaluator, validation, maxBatches, "the validation split of task '" + name + "'"))
                .sampled(MetricKeys.ID_TEST_LOSS, windowLosses(evaluator, test, maxBatches, "the test split of task '" + name + "'"));
    }

    /** Every member scored as {@link #score(Evaluator, int)} scores one model: the same windows in the same batches. */
    @Override
    public boolean scoresMembers() {
        return true;
    }

    @Override
    public List<Scores> score(MemberEvaluator evaluator, int maxBatches) {
        return splitScores(windowLosses(evaluator, validation, maxBatches, "the validation split of task '" + name + "'"),
                windowLosses(evaluator, test, maxBatches, "the test split of task '" + name + "'"));
    }

    /** Member m's validation and test scores from [member][window] losses. */
    static List<Scores> splitScores(double[][] validation, double[][] test) {
        List<Scores> out = new ArrayList<>();
        for (int m = 0; m < validation.length; m++) {
            out.add(new Scores().sampled(MetricKeys.ID_VAL_LOSS, validation[m]).sampled(MetricKeys.ID_TEST_LOSS, test[m]));
        }
        return out;
    }

    /** The loss of each full window of a stream ({@link StreamLoss}): all of them, or at most {@code maxBatches} batches' worth. */
    static double[] windowLosses(Evaluator evaluator, int[] tokens, int maxBatches, String what) {
        return StreamLoss.windowLosses(evaluator, tokens, windows(StreamLoss.fullWindows(tokens.length, evaluator.batch().seqLen()), maxBatches,
                evaluator.batch(), tokens, what));
    }

    /** {@link #windowLosses} for every member of a member-axis evaluator: [member][window]. */
    static double[][] windowLosses(MemberEvaluator evaluator, int[] tokens, int maxBatches, String what) {
        return StreamLoss.windowLosses(evaluator, tokens, windows(StreamLoss.fullWindows(tokens.length, evaluator.batch().seqLen()), maxBatches,
                evaluator.batch(), tokens, what));
    }

    /** The OOD text's windows: as {@code pretrain} evaluates them ({@link StreamLoss#oodWindows}), or at most {@code maxBatches} batches' worth. */
    static double[] oodWindowLosses(Evaluator evaluator, int[] tokens, int maxBatches) {
        return StreamLoss.windowLosses(evaluator, tokens, windows(StreamLoss.oodWindows(tokens.length, evaluator.batch().seqLen()), maxBatches,
                evaluator.batch(), tokens, OOD));
    }

    /** {@link #oodWindowLosses} for every member of a member-axis evaluator: [member][window]. */
    static double[][] oodWindowLosses(MemberEvaluator evaluator, int[] tokens, int maxBatches) {
        return StreamLoss.windowLosses(evaluator, tokens, windows(StreamLoss.oodWindows(tokens.length, evaluator.batch().seqLen()), maxBatches,
                evaluator.batch(), tokens, OOD));
    }

    private static final String OOD = "the held-out (--ood) text";

    private static long windows(long available, int maxBatches, Batch batch, int[] tokens, String what) {
        int seq = batch.seqLen();
        if (available < 1) {
            throw new IllegalArgumentException(what + " has " + tokens.length + " tokens; evaluation needs at least one window of "
                    + (seq + 1) + ": give more text or a shorter --eval-seq-len");
        }
        return maxBatches == ScanSettings.Eval.ALL ? available : Math.min(available, (long) maxBatches * batch.batchSize());
    }
}
