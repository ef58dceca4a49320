package dev.overtune.train;

import dev.overtune.backend.Backend;
import dev.overtune.data.Batch;
import dev.overtune.tensor.HostTensor;
import dev.overtune.tensor.DType;
import dev.overtune.graph.MemberAxis;
import dev.overtune.tensor.Shape;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ParamSpec;
import dev.overtune.model.ParamStore;
import dev.overtune.model.TrainingGraphs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Forward-only evaluation of M copies of a model in one run: the eval graph with a member axis on every parameter
 * ({@link MemberAxis}), one batch shared by all members. Member m's sums and per-token log-likelihoods are what an
 * {@link Evaluator} gives on member m's parameters, up to float reassociation. Members are written with
 * {@link #setMember}; a member slot not written holds zeros.
 */
public final class MemberEvaluator implements AutoCloseable {
    /** At most this many members in one graph: beyond it the per-node overhead is already spread thin. */
    public static final int MAX_MEMBERS = 16;

    private final int members;
    private final Batch batch;
    private final Map<String, HostTensor> memberParams = new LinkedHashMap<>();
    private final HostTensor nllSum;
    private final HostTensor weightSum;
    private final HostTensor tokenLogprobs;
    private final Backend.Program program;
    private final Backend.Binding binding;

    public MemberEvaluator(Backend backend, LanguageModel model, int members, int batchSize, int seqLen, Arena arena) {
        this.members = members;
        this.batch = Batch.allocate(arena, batchSize, seqLen);
        for (ParamSpec p : model.params()) {
            int[] d = new int[p.shape().rank() + 1];
            d[0] = members;
            System.arraycopy(p.shape().dims(), 0, d, 1, p.shape().rank());
            HostTensor t = HostTensor.allocate(arena, DType.F32, Shape.of(d));
            t.segment().fill((byte) 0);
            memberParams.put(p.name(), t);
        }
        this.nllSum = HostTensor.allocate(arena, DType.F32, Shape.of(members));
        this.weightSum = HostTensor.allocate(arena, DType.F32, Shape.of(members));
        this.tokenLogprobs = HostTensor.allocate(arena, DType.F32, Shape.of(members, batchSize, seqLen));
        Set<String> names = model.params().stream().map(ParamSpec::name).collect(Collectors.toSet());
        this.program = backend.compile(MemberAxis.batch(TrainingGraphs.eval(model, batchSize, seqLen), members, names));
        Map<String, HostTensor> inputs = new HashMap<>(memberParams);
        inputs.putAll(batch.asInputs());
        try {
            this.binding = program.bind(inputs, Map.of(TrainingGraphs.NLL_SUM, nllSum, TrainingGraphs.WEIGHT_SUM, weightSum,
                    TrainingGraphs.TOKEN_LOGPROBS, tokenLogprobs));
        } catch (RuntimeException e) {
            program.close();
            throw e;
        }
    }

    /**
     * How many members fit a memory budget: each costs its parameters plus, roughly, four float copies of its
     * logits (logits, log-softmax, their reshapes) and as much again for the layers' activations. The budget is
     * {@link MemberTrainer#BUDGET_BYTES} (a quarter of the free physical memory where that is less), as for training:
     * a member forward saves per-run overhead, not arithmetic, so more members than that buy no speed, while each
     * keeps its activations (the 'small' preset's nine noise draws in one forward held 750 MB). At least one member,
     * at most {@link #MAX_MEMBERS}.
     */
    public static int membersFor(LanguageModel model, int batchSize, int seqLen) {
        return membersFor(model, batchSize, seqLen, MemberTrainer.BUDGET_BYTES);
    }

    /** The same within {@code budgetBytes} (a scan's lanes share the budget). */
    public static int membersFor(LanguageModel model, int batchSize, int seqLen, long budgetBytes) {
        long params = model.params().stream().mapToLong(p -> p.shape().size()).sum();
        long perMember = 4 * params + 2L * 4 * 4 * batchSize * seqLen * (long) model.vocabSize();
        return MemberTrainer.fit(perMember, budgetBytes);
    }

    public int members() {
        return members;
    }

    public Batch batch() {
        return batch;
    }

    /** Writes member m's parameters (copied: the store may be reused for the next member). */
    public void setMember(int m, ParamStore params) {
        if (m < 0 || m >= members) {
            throw new IllegalArgumentException("member " + m + " outside 0.." + (members - 1));
        }
        for (Map.Entry<String, HostTensor> e : memberParams.entrySet()) {
            HostTensor src = params.tensor(e.getKey());
            long bytes = src.size() * Float.BYTES;
            MemorySegment.copy(src.segment(), 0, e.getValue().segment(), m * bytes, bytes);
        }
    }

    /** Runs the current batch for every member. */
    public void run() {
        binding.run();
    }

    public double nllSum(int m) {
        return nllSum.getFloat(m);
    }

    public double weightSum(int m) {
        return weightSum.getFloat(m);
    }

    /** [members, batch, seq] log p(target) of the last run; 0 where the target is ignored. */
    public HostTensor tokenLogprobs() {
        return tokenLogprobs;
    }

    @Override
    public void close() {
        binding.close();
        program.close();
    }
}
