package dev.overtune.pretrain;

import dev.overtune.train.LrSchedule;
import dev.overtune.train.Schedule;
import dev.overtune.train.WarmupStableDecay;

import java.util.ArrayList;
import java.util.List;

/**
 * A series as the legs of training that make it. A leg starts from the random init, from where the
 * previous leg ended, or from the saved WSD trunk; it runs its schedule to its end step and may end
 * in a budget's checkpoint. All three schedules are then one loop over legs, and resuming is picking
 * up a leg part-way.
 */
public final class SeriesPlan {
    public enum Start {
        /** Fresh parameters from the seed, fresh optimizer. */
        INIT,
        /** Where the previous leg ended. */
        CONTINUE,
        /** The stable trunk as the last trunk leg left it (WSD). */
        TRUNK
    }

    /**
     * @param budget the budget whose checkpoint ends this leg, or -1
     * @param savesTrunk whether the state at the end is the trunk a later leg restarts from
     */
    public record Leg(int index, String label, Start start, long startStep, long endStep, Schedule schedule, int budget,
                      boolean savesTrunk) {
        public long steps() {
            return endStep - startStep;
        }

        public boolean endsInCheckpoint() {
            return budget >= 0;
        }
    }

    private final PretrainSettings settings;
    private final long[] budgetSteps;
    private final long warmupSteps;
    private final List<Leg> legs;

    private SeriesPlan(PretrainSettings settings, long[] budgetSteps, long warmupSteps, List<Leg> legs) {
        this.settings = settings;
        this.budgetSteps = budgetSteps;
        this.warmupSteps = warmupSteps;
        this.legs = List.copyOf(legs);
    }

    public static SeriesPlan of(PretrainSettings s) {
        Budgets budgets = s.budgets();
        long perStep = s.tokensPerStep();
        long[] steps = new long[budgets.size()];
        for (int b = 0; b < steps.length; b++) {
            steps[b] = budgets.get(b) / perStep;
            if (steps[b] == 0) {
                throw new IllegalArgumentException("budget " + TokenCount.label(budgets.get(b)) + " is less than one step of " + s.batchSize()
                        + " x " + s.seqLen() + " = " + perStep + " tokens; raise it or lower --batch/--seq-len");
            }
            if (b > 0 && steps[b] == steps[b - 1]) {
                throw new IllegalArgumentException("budgets " + TokenCount.label(budgets.get(b - 1)) + " and " + TokenCount.label(budgets.get(b))
                        + " both come to " + steps[b] + " steps of " + perStep + " tokens; space them further apart or lower --batch/--seq-len");
            }
        }
        return switch (s.schedule()) {
            case intermediate -> intermediate(s, steps);
            case annealed -> annealed(s, steps);
            case wsd -> wsd(s, steps);
        };
    }

    private static SeriesPlan intermediate(PretrainSettings s, long[] steps) {
        long last = steps[steps.length - 1];
        long warmup = warmup(s, steps[0] / 10, last, "the " + last + " steps of the largest budget");
        Schedule cosine = new LrSchedule(s.lr(), s.minLr(), warmup, last);
        List<Leg> legs = new ArrayList<>();
        for (int b = 0; b < steps.length; b++) {
            legs.add(new Leg(b, "to " + s.budgets().checkpointName(b), b == 0 ? Start.INIT : Start.CONTINUE,
                    b == 0 ? 0 : steps[b - 1], steps[b], cosine, b, false));
        }
        return new SeriesPlan(s, steps, warmup, legs);
    }

    private static SeriesPlan annealed(PretrainSettings s, long[] steps) {
        long warmup = warmup(s, steps[0] / 10, steps[0], "the " + steps[0] + " steps of the smallest budget (every run warms up fully)");
        List<Leg> legs = new ArrayList<>();
        for (int b = 0; b < steps.length; b++) {
            legs.add(new Leg(b, "run " + (b + 1) + "/" + steps.length + " to " + s.budgets().checkpointName(b), Start.INIT, 0, steps[b],
                    new LrSchedule(s.lr(), s.minLr(), warmup, steps[b]), b, false));
        }
        return new SeriesPlan(s, steps, warmup, legs);
    }

    private static SeriesPlan wsd(PretrainSettings s, long[] steps) {
        long[] decayStart = new long[steps.length];
        for (int b = 0; b < steps.length; b++) {
            decayStart[b] = steps[b] - Math.max(1, Math.round(s.decayFraction() * steps[b]));
            if (b > 0 && decayStart[b] < decayStart[b - 1]) {
                throw new IllegalStateException("decay starts must not go back: " + decayStart[b - 1] + " then " + decayStart[b]);
            }
        }
        long warmup = warmup(s, Math.min(steps[0] / 10, decayStart[0]), decayStart[0],
                "step " + decayStart[0] + ", where the smallest budget starts decaying (lower --decay-fraction to decay later)");
        List<Leg> legs = new ArrayList<>();
        for (int b = 0; b < steps.length; b++) {
            Schedule branch = new WarmupStableDecay(s.lr(), s.minLr(), warmup, decayStart[b], steps[b]);
            String name = s.budgets().checkpointName(b);
            legs.add(new Leg(legs.size(), "stable trunk to step " + decayStart[b], b == 0 ? Start.INIT : Start.TRUNK,
                    b == 0 ? 0 : decayStart[b - 1], decayStart[b], branch, -1, b < steps.length - 1));
            legs.add(new Leg(legs.size(), "decay branch to " + name, Start.CONTINUE, decayStart[b], steps[b], branch, b, false));
        }
        return new SeriesPlan(s, steps, warmup, legs);
    }

    private static long warmup(PretrainSettings s, long byDefault, long limit, String limitWhat) {
        if (s.warmupSteps() == null) {
            return byDefault;
        }
        if (s.warmupSteps() > limit) {
            throw new IllegalArgumentException("--warmup " + s.warmupSteps() + " runs past " + limitWhat + "; lower --warmup");
        }
        return s.warmupSteps();
    }

    public PretrainSettings settings() {
        return settings;
    }

    public List<Leg> legs() {
        return legs;
    }

    public long warmupSteps() {
        return warmupSteps;
    }

    /** The optimizer steps that reach budget b's tokens. */
    public long budgetSteps(int b) {
        return budgetSteps[b];
    }

    /** The tokens budget b's checkpoint has seen: its steps × tokens per step (999,424 for a 1M budget at 1,024 per step). */
    public long trainedTokens(int b) {
        return Math.multiplyExact(budgetSteps[b], settings.tokensPerStep());
    }

    /** Every optimizer step the series takes, over all legs: its cost. */
    public long totalSteps() {
        return stepsBefore(legs.size());
    }

    /** The steps taken by legs 0..leg-1. */
    public long stepsBefore(int leg) {
        long n = 0;
        for (int i = 0; i < leg; i++) {
            n += legs.get(i).steps();
        }
        return n;
    }
}
