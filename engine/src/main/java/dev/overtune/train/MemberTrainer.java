package dev.overtune.train;

import dev.overtune.backend.Backend;
import dev.overtune.backend.OrtBackend;
import dev.overtune.data.Batch;
import dev.overtune.data.BatchSource;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ParamSpec;
import dev.overtune.model.ParamStore;
import dev.overtune.model.TrainingGraphs;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.HostTensor;
import dev.overtune.tensor.Shape;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Up to M independent training runs of one model from the same start in one member-axis training graph
 * ({@link TrainingGraphs#memberTrain}): each member has its own data order, learning-rate schedule, global-norm
 * clipping and AdamW moments, exactly as a {@link Trainer} on the host would run it alone. The graph reads every
 * member's parameters from one [M, P] block and writes the gradients into another, in place; clipping, the anchor
 * and AdamW then run on each member's row with the one-by-one code, so only the graph's grouping of the arithmetic
 * differs from a run alone. A member whose loss or gradient norm is not finite stops alone with the
 * {@link DivergenceException} a trainer would throw; its row is reset to the start and no longer updated.
 */
public final class MemberTrainer implements AutoCloseable {
    /** At most this many members in one graph, as for {@link MemberEvaluator#MAX_MEMBERS}. */
    public static final int MAX_MEMBERS = MemberEvaluator.MAX_MEMBERS;
    /**
     * What {@link #membersFor} lets the members take: measured on {@code demo}, nine members raised the peak RSS by
     * 113 MB and three by 32 MB, where the whole scan otherwise peaks near 190 MiB and the PyTorch loop near 270 MiB.
     */
    public static final long BUDGET_BYTES = 64L << 20;

    /** One member's run: its settings (rate schedule, AdamW, clipping) and its data order. */
    public record Run(TrainConfig config, BatchSource data) {}

    /** What one member's run gave: the loss of every step it completed, and why it stopped early (null: it did not). */
    public record Outcome(List<Double> curve, RuntimeException failure) {
        public Outcome {
            curve = List.copyOf(curve);
        }
    }

    private final int members;
    private final int slots;
    private final int batchSize;
    private final int seqLen;
    private final HostTensor paramBlock;
    private final HostTensor gradBlock;
    private final HostTensor loss;
    private final Batch all;
    private final ParamStore[] params;
    private final ParamStore[] grads;
    private final AdamW[] adam;
    private final Batch[] batches;
    private final Backend.Program program;
    private final Backend.Binding binding;
    private final FlatChunks chunks;

    public MemberTrainer(Backend backend, LanguageModel model, int members, int batchSize, int seqLen, Arena arena) {
        if (members < 1) {
            throw new IllegalArgumentException("a member trainer needs at least one member, got " + members);
        }
        this.members = members;
        // At least two slots: ONNX Runtime multiplies a batch of one with large inner dimensions (the logits' backward,
        // K = vocabulary) split differently over its threads than a batch of several, which would make a lone
        // member's bits differ from the same member's in a group. From two on, a member's product is the same.
        int slots = Math.max(2, members);
        this.slots = slots;
        this.batchSize = batchSize;
        this.seqLen = seqLen;
        List<ParamSpec> specs = model.params();
        int total = Math.toIntExact(specs.stream().mapToLong(p -> p.shape().size()).sum());
        this.paramBlock = zeroed(arena, DType.F32, Shape.of(slots, total));
        this.gradBlock = zeroed(arena, DType.F32, Shape.of(slots, total));
        this.loss = zeroed(arena, DType.F32, Shape.of(slots));
        Shape tokens = Shape.of(slots, batchSize, seqLen);
        this.all = new Batch(zeroed(arena, DType.I64, tokens), zeroed(arena, DType.I64, tokens), zeroed(arena, DType.F32, tokens));
        this.params = new ParamStore[slots];
        this.grads = new ParamStore[slots];
        this.adam = new AdamW[slots];
        this.batches = new Batch[slots];
        for (int m = 0; m < slots; m++) {
            params[m] = ParamStore.over(row(paramBlock, m, total), specs);
            grads[m] = ParamStore.over(row(gradBlock, m, total), specs);
            adam[m] = new AdamW(arena, params[m], AdamW.Config.defaults());
            batches[m] = new Batch(slice(all.inputIds(), m), slice(all.targets(), m), slice(all.lossMask(), m));
        }
        this.program = backend.compile(TrainingGraphs.memberTrain(model, slots, batchSize, seqLen));
        Map<String, HostTensor> inputs = new java.util.HashMap<>(all.asInputs());
        inputs.put(TrainingGraphs.MEMBER_PARAMS, paramBlock);
        try {
            this.binding = program.bind(inputs, Map.of(TrainingGraphs.LOSS, loss, TrainingGraphs.MEMBER_GRADS, gradBlock));
        } catch (RuntimeException e) {
            program.close();
            throw e;
        }
        // Clipping and AdamW use as many threads as the backend was given (--threads), no more.
        this.chunks = new FlatChunks(backend instanceof OrtBackend ort ? ort.threads() : Runtime.getRuntime().availableProcessors());
    }

    /**
     * How many members fit a memory budget: each holds its parameters, gradients and two AdamW moments, and the
     * backward keeps, roughly, three times the activations a forward does ({@link MemberEvaluator#membersFor}'s four
     * float copies of the logits and as much again for the layers); at least one, at most {@link #MAX_MEMBERS}. The
     * budget is {@link #BUDGET_BYTES} (a quarter of the free physical memory where that is less): training more members
     * at once saves no arithmetic on a CPU (each member's elementwise passes are its own), while every member's
     * activations stay in the process's arena for the rest of the scan.
     */
    public static int membersFor(LanguageModel model, int batchSize, int seqLen) {
        return membersFor(model, batchSize, seqLen, BUDGET_BYTES);
    }

    /** The same within {@code budgetBytes} (a scan's lanes share the budget). */
    public static int membersFor(LanguageModel model, int batchSize, int seqLen, long budgetBytes) {
        long params = model.params().stream().mapToLong(p -> p.shape().size()).sum();
        long perMember = 4L * 4 * params + 3L * 2 * 4 * 4 * batchSize * seqLen * (long) model.vocabSize();
        return fit(perMember, budgetBytes);
    }

    /** Members of {@code perMember} bytes in the budget, or a quarter of the free physical memory where that is less: 1..{@link #MAX_MEMBERS}. */
    static int fit(long perMember, long budgetBytes) {
        long free = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getFreeMemorySize() : 1L << 30;
        long budget = Math.min(budgetBytes, free / 4);
        return (int) Math.max(1, Math.min(MAX_MEMBERS, budget / perMember));
    }

    public int members() {
        return members;
    }

    /** Member m's parameters: after {@link #train}, what its run left (the start again where it failed). */
    public ParamStore params(int m) {
        return params[m];
    }

    /**
     * Trains runs.size() members (at most {@link #members()}) from {@code start}, each for {@code steps} steps of its
     * own schedule, with gradients pulled towards {@code start} at strength {@code l2ToInit} (0: none), as a
     * {@link Trainer} restarted with the member's config and anchored to start would. The start must not change
     * while this runs. Slots beyond the runs hold the start on a fixed batch; their results are not read.
     */
    public List<Outcome> train(ParamStore start, List<Run> runs, long steps, double l2ToInit) {
        int count = runs.size();
        if (count < 1 || count > members) {
            throw new IllegalArgumentException("a member trainer of " + members + " members trains 1 to " + members + " runs, got " + count);
        }
        if (l2ToInit < 0) {
            throw new IllegalArgumentException("anchor strength must be >= 0, got " + l2ToInit);
        }
        for (Run r : runs) {
            TrainConfig c = r.config();
            if (c.batchSize() != batchSize || c.seqLen() != seqLen) {
                throw new IllegalArgumentException("this member trainer's graph takes batches of " + batchSize + "x" + seqLen
                        + ", got a run of " + c.batchSize() + "x" + c.seqLen());
            }
        }
        List<List<Double>> curves = new ArrayList<>();
        RuntimeException[] failure = new RuntimeException[count];
        double[] lastFiniteLoss = new double[count];
        long[] lastFiniteStep = new long[count];
        for (int m = 0; m < slots; m++) {
            params[m].copyFrom(start);
            if (m < count) {
                adam[m].reset(runs.get(m).config().adam());
                curves.add(new ArrayList<>());
                lastFiniteLoss[m] = Double.NaN;
                lastFiniteStep[m] = -1;
            } else {
                fixedBatch(batches[m]);
            }
        }
        ParamStore anchor = l2ToInit > 0 ? start : null;
        float strength = (float) l2ToInit;
        for (long s = 0; s < steps; s++) {
            boolean any = false;
            for (int m = 0; m < count; m++) {
                if (failure[m] != null) {
                    continue;
                }
                runs.get(m).data().fill(batches[m], s);
                if (batches[m].scoredTokens() == 0) {
                    failure[m] = new IllegalStateException("step " + s + ": the batch has no scored tokens (loss mask all zero)");
                    freeze(m, start);
                    continue;
                }
                any = true;
            }
            if (!any) {
                break;
            }
            binding.run();
            long step = s;
            chunks.forEachTask(count, m -> {
                if (failure[m] != null) {
                    return;
                }
                double l = loss.getFloat(m);
                if (!Double.isFinite(l)) {
                    failure[m] = new DivergenceException(step, "loss is " + l, lastFiniteLoss[m], lastFiniteStep[m]);
                    freeze(m, start);
                    return;
                }
                if (anchor != null) {
                    AnchorGradient.add(grads[m].flat(), params[m].flat(), anchor.flat(), strength);
                }
                TrainConfig c = runs.get(m).config();
                double norm = GradClip.clip(grads[m].flat(), c.clipNorm(), FlatChunks.SEQUENTIAL);
                if (!Double.isFinite(norm)) {
                    failure[m] = new DivergenceException(step, "gradient norm is " + norm, lastFiniteLoss[m], lastFiniteStep[m]);
                    freeze(m, start);
                    return;
                }
                adam[m].update(params[m], grads[m], c.schedule().at(step), FlatChunks.SEQUENTIAL);
                curves.get(m).add(l);
                lastFiniteLoss[m] = l;
                lastFiniteStep[m] = step;
            }, paramBlock.segment(), gradBlock.segment(), start.flat().segment(), adam[0].firstMoment().flat().segment());
        }
        List<Outcome> out = new ArrayList<>();
        for (int m = 0; m < count; m++) {
            out.add(new Outcome(curves.get(m), failure[m]));
        }
        return out;
    }

    /** A failed member: back to the start (finite, so it cannot disturb anything) and no more updates. */
    private void freeze(int m, ParamStore start) {
        params[m].copyFrom(start);
    }

    /** Token 0 predicting token 0 everywhere, every position scored: a finite loss for a slot no run uses. */
    private static void fixedBatch(Batch b) {
        b.inputIds().segment().fill((byte) 0);
        b.targets().segment().fill((byte) 0);
        b.lossMask().fill(1.0);
    }

    @Override
    public void close() {
        binding.close();
        program.close();
        chunks.close();
    }

    private static HostTensor zeroed(Arena arena, DType dtype, Shape shape) {
        HostTensor t = HostTensor.allocate(arena, dtype, shape);
        t.segment().fill((byte) 0);
        return t;
    }

    private static HostTensor row(HostTensor block, int m, int width) {
        long bytes = (long) width * Float.BYTES;
        return new HostTensor(block.segment().asSlice(m * bytes, bytes), DType.F32, Shape.of(width));
    }

    /** Member m's [batch, seq] of a [M, batch, seq] block. */
    private static HostTensor slice(HostTensor block, int m) {
        Shape s = Shape.of(block.shape().dim(1), block.shape().dim(2));
        long bytes = s.size() * block.dtype().byteSize();
        MemorySegment part = block.segment().asSlice(m * bytes, bytes);
        return new HostTensor(part, block.dtype(), s);
    }
}
