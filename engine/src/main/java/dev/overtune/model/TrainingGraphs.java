package dev.overtune.model;

import dev.overtune.autodiff.Autodiff;
import dev.overtune.graph.Constant;
import dev.overtune.graph.Graph;
import dev.overtune.graph.GraphBuilder;
import dev.overtune.graph.MemberAxis;
import dev.overtune.graph.Value;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.Shape;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The two graphs every model is run as: {@code train} (loss and one gradient per parameter) and
 * {@code eval} (loss, per-token log-likelihoods, logits). Shapes are fixed per (batch, seq).
 *
 * <p>Inputs of both: every parameter by name, {@code input_ids} and {@code targets} (int64 [B,T],
 * targets equal to {@link #IGNORE_INDEX} are not scored) and {@code loss_mask} (float [B,T]). The loss
 * is {@code sum(w * nll) / sum(w)} with {@code w = loss_mask * (targets != IGNORE_INDEX)}.
 */
public final class TrainingGraphs {
    public static final long IGNORE_INDEX = -100;
    public static final String INPUT_IDS = "input_ids";
    public static final String TARGETS = "targets";
    public static final String LOSS_MASK = "loss_mask";
    public static final String LOSS = "loss";
    public static final String NLL_SUM = "nll_sum";
    public static final String WEIGHT_SUM = "weight_sum";
    public static final String TOKEN_LOGPROBS = "token_logprobs";
    public static final String LOGITS = "logits";
    public static final String GRAD_PREFIX = "grad.";
    /** Inputs and outputs of {@link #memberTrain}: every member's parameters, and their gradients, as [M, P]. */
    public static final String MEMBER_PARAMS = "member_params";
    public static final String MEMBER_GRADS = "member_grads";

    private TrainingGraphs() {}

    public static Graph train(LanguageModel model, int batch, int seq) {
        GraphBuilder g = new GraphBuilder(model.family() + "_train");
        Map<String, Value> params = params(g, model);
        Loss loss = loss(g, model, params, batch, seq);
        Map<Value, Value> grads = Autodiff.gradients(g, g.nodes(), loss.mean, List.copyOf(params.values()));
        g.output(LOSS, loss.mean);
        for (Map.Entry<String, Value> p : params.entrySet()) {
            g.output(GRAD_PREFIX + p.getKey(), grads.get(p.getValue()));
        }
        return g.build();
    }

    /**
     * The training graph of {@code members} independent runs of one model, each with its own parameters and its own
     * batch: inputs {@link #MEMBER_PARAMS} [M, P] (member m's parameters as one flat row, in spec order, as a
     * {@link ParamStore} lays them out) and the batch inputs as [M, B, T]; outputs {@link #LOSS} [M] (each member's
     * mean loss) and {@link #MEMBER_GRADS} [M, P]. It is the loss graph with a member axis ({@link MemberAxis}),
     * differentiated as a whole: the gradient of the members' summed losses by member m's parameters is member m's
     * own loss gradient, so no backward op needs a member rule of its own.
     */
    public static Graph memberTrain(LanguageModel model, int members, int batch, int seq) {
        Graph loss = lossOnly(model, batch, seq);
        GraphBuilder g = new GraphBuilder(model.family() + "_train_x" + members);
        long total = model.params().stream().mapToLong(p -> p.shape().size()).sum();
        Value flat = g.input(MEMBER_PARAMS, DType.F32, Shape.of(members, Math.toIntExact(total)));
        Map<String, Value> inputs = new LinkedHashMap<>();
        int offset = 0;
        for (ParamSpec p : model.params()) {
            int size = Math.toIntExact(p.shape().size());
            int[] dims = new int[p.shape().rank() + 1];
            dims[0] = members;
            System.arraycopy(p.shape().dims(), 0, dims, 1, p.shape().rank());
            inputs.put(p.name(), g.reshape(g.slice(flat, 1, offset, offset + size), dims));
            offset += size;
        }
        inputs.put(INPUT_IDS, g.input(INPUT_IDS, DType.I64, Shape.of(members, batch, seq)));
        inputs.put(TARGETS, g.input(TARGETS, DType.I64, Shape.of(members, batch, seq)));
        inputs.put(LOSS_MASK, g.input(LOSS_MASK, DType.F32, Shape.of(members, batch, seq)));
        Value perMember = MemberAxis.into(g, loss, members, inputs, inputs.keySet()).get(LOSS);
        Value summed = g.reduceSum(perMember, false, 0);
        // The slices of the flat row tile it, so their gradients are joined back into one [M, P] block.
        Value grads = Autodiff.gradients(g, g.nodes(), summed, List.of(flat)).get(flat);
        g.output(LOSS, perMember);
        g.output(MEMBER_GRADS, grads);
        return g.build();
    }

    /** The mean loss alone: the forward a member-axis training graph differentiates. */
    static Graph lossOnly(LanguageModel model, int batch, int seq) {
        GraphBuilder g = new GraphBuilder(model.family() + "_loss");
        Map<String, Value> params = params(g, model);
        g.output(LOSS, loss(g, model, params, batch, seq).mean);
        return g.build();
    }

    public static Graph eval(LanguageModel model, int batch, int seq) {
        GraphBuilder g = new GraphBuilder(model.family() + "_eval");
        Map<String, Value> params = params(g, model);
        Loss loss = loss(g, model, params, batch, seq);
        g.output(LOSS, loss.mean);
        g.output(NLL_SUM, loss.nllSum);
        g.output(WEIGHT_SUM, loss.weightSum);
        g.output(TOKEN_LOGPROBS, g.reshape(g.neg(loss.nll), batch, seq));
        g.output(LOGITS, loss.logits);
        return g.build();
    }

    private record Loss(Value mean, Value nllSum, Value weightSum, Value nll, Value logits) {}

    private static Map<String, Value> params(GraphBuilder g, LanguageModel model) {
        Map<String, Value> params = new LinkedHashMap<>();
        for (ParamSpec p : model.params()) {
            params.put(p.name(), g.input(p.name(), DType.F32, p.shape()));
        }
        return params;
    }

    private static Loss loss(GraphBuilder g, LanguageModel model, Map<String, Value> params, int batch, int seq) {
        Value ids = g.input(INPUT_IDS, DType.I64, Shape.of(batch, seq));
        Value targets = g.input(TARGETS, DType.I64, Shape.of(batch, seq));
        Value mask = g.input(LOSS_MASK, DType.F32, Shape.of(batch, seq));
        Value logits = model.logits(g, params, ids);
        int rows = batch * seq;
        Value flatTargets = g.reshape(targets, rows);
        Value nll = g.softmaxCrossEntropy(g.reshape(logits, rows, model.vocabSize()), flatTargets, IGNORE_INDEX);
        Value ignore = g.constant("ignore_index", DType.I64, Shape.scalar(), new Constant.Longs(new long[] {IGNORE_INDEX}));
        Value scored = g.sub(g.scalar(1.0, DType.F32), g.cast(g.equal(flatTargets, ignore), DType.F32));
        Value weights = g.mul(g.reshape(mask, rows), scored);
        Value nllSum = g.reduceSum(g.mul(nll, weights), false, 0);
        Value weightSum = g.reduceSum(weights, false, 0);
        return new Loss(g.div(nllSum, weightSum), nllSum, weightSum, g.mul(nll, scored), logits);
    }
}
