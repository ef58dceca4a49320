package dev.overtune.scan;

import dev.overtune.data.BatchSource;
import dev.overtune.train.Evaluator;
import dev.overtune.train.MemberEvaluator;

import java.util.List;
import java.util.Map;

/** The fine-tuning task of a scan (the "in-distribution" data): what to train on and how to score it. */
public interface ScanTask {
    String name();

    /** A hash of the task's content, so a store is never shared between different data under one name. */
    String contentHash();

    /** Training batches for the fine-tune probe; a pure function of (seed, step). */
    BatchSource train(long seed);

    /**
     * Scores the parameters the evaluator is bound to: at least {@code id_val_loss} (what the best
     * learning rate is chosen by) and {@code id_test_loss}; accuracies where the task has labels.
     */
    Map<String, Double> evaluate(Evaluator evaluator, int maxBatches);

    /**
     * The same scores with the per-window or per-example values behind each (see {@link Scores}); a task that
     * keeps none scores with {@link #evaluate} alone. {@code maxBatches} 0 evaluates the whole of each split.
     */
    default Scores score(Evaluator evaluator, int maxBatches) {
        Scores s = new Scores();
        evaluate(evaluator, maxBatches).forEach(s::put);
        return s;
    }

    /**
     * Whether {@link #score(MemberEvaluator, int)} scores the members of a member-axis evaluator together; a task
     * without it has every unit that scores the task (base, quantisation) measured one by one.
     */
    default boolean scoresMembers() {
        return false;
    }

    /**
     * {@link #score(Evaluator, int)} for every member of a member-axis evaluator, in member order: member m's metrics
     * and samples are what the one-by-one path gives on member m's parameters, up to float reassociation, and do not
     * depend on the other members. Only for tasks whose {@link #scoresMembers()} is true.
     */
    default List<Scores> score(MemberEvaluator evaluator, int maxBatches) {
        throw new UnsupportedOperationException("task '" + name() + "' scores its units one by one");
    }
}
