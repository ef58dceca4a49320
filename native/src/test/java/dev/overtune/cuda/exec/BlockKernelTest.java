package dev.overtune.cuda.exec;

import dev.overtune.graph.Constant;
import dev.overtune.graph.Graph;
import dev.overtune.graph.GraphBuilder;
import dev.overtune.graph.Value;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.HostTensor;
import dev.overtune.tensor.Shape;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The block-per-row kernels, the chunked reductions and the sorted ScatterAddRows on shapes where
 * their structure matters (rows longer than the block and not a multiple of it, several tiles of
 * updates, rows with no updates), executed on the host against ONNX Runtime, and bit for bit
 * against the order they promise.
 */
class BlockKernelTest {
    static final double TOLERANCE = 1e-5;
    static final int GPT2_VOCAB = 50257;

    @BeforeAll
    static void nvcc() {
        assumeTrue(HostLibrary.nvcc().isPresent(), "no nvcc: the plans cannot be compiled for the host");
    }

    /** Softmax, LogSoftmax, LayerNorm, cross-entropy and reductions of every lowering, rows longer than the block. */
    static Graph rowGraph() {
        GraphBuilder g = new GraphBuilder("block_rows");
        Value wide = g.input("wide", DType.F32, Shape.of(3, 1000));
        Value strided = g.input("strided", DType.F32, Shape.of(2, 300, 3));
        Value odd = g.input("odd", DType.F32, Shape.of(2, 513));
        Value x = g.input("x", DType.F32, Shape.of(4, 700));
        Value scale = g.input("scale", DType.F32, Shape.of(700));
        Value bias = g.input("bias", DType.F32, Shape.of(700));
        Value logits = g.input("logits", DType.F32, Shape.of(6, 1300));
        Value batch = g.input("batch", DType.F32, Shape.of(8, 64, 5));
        Value tall = g.input("tall", DType.F32, Shape.of(600, 7));
        Value mixed = g.input("mixed", DType.F32, Shape.of(300, 3, 2));
        Value targets = g.constant("targets", DType.I64, Shape.of(6), new Constant.Longs(new long[] {1299, -100, 0, 700, -100, 256}));

        g.output("softmax_wide", g.softmax(wide, -1));
        g.output("softmax_strided", g.softmax(strided, 1));
        g.output("log_softmax_odd", g.logSoftmax(odd, -1));
        g.output("log_softmax_strided", g.logSoftmax(strided, 1));
        g.output("layer_norm", g.layerNorm(x, scale, bias, 1e-5));
        g.output("cross_entropy", g.softmaxCrossEntropy(logits, targets, -100));
        g.output("sum_last", g.reduceSum(wide, false, 1));
        g.output("mean_last_two_keep", g.reduceMean(strided, true, 1, 2));
        g.output("max_last", g.reduceMax(odd, false, 1));
        g.output("sum_batch_axes", g.reduceSum(batch, false, 0, 1));
        g.output("mean_rows_keep", g.reduceMean(tall, true, 0));
        g.output("max_outer", g.reduceMax(mixed, false, 0, 2));
        g.output("sum_all", g.reduceSum(x, false, 0, 1));
        return g.build();
    }

    /** Rows as wide as GPT-2's vocabulary (cross-entropy, softmax) and its width (LayerNorm, a chunked bias gradient). */
    static Graph gpt2RowsGraph() {
        GraphBuilder g = new GraphBuilder("gpt2_rows");
        Value logits = g.input("logits", DType.F32, Shape.of(64, GPT2_VOCAB));
        Value targets = g.input("targets", DType.I64, Shape.of(64));
        Value x = g.input("x", DType.F32, Shape.of(8, 64, 768));
        g.output("loss", g.softmaxCrossEntropy(logits, targets, -100));
        g.output("probs", g.softmax(logits, 1));
        g.output("bias_grad", g.reduceSum(x, false, 0, 1));
        g.output("layer_norm", g.layerNorm(x, g.reduceMean(x, false, 0, 1), g.reduceMax(x, false, 0, 1), 1e-5));
        return g.build();
    }

    /**
     * Row ids for {@code count} updates into {@code rows} rows: a third to row 0 (a padding token), a
     * sixth negative (counting from the end), the rest spread over the first rows - 10, so the ten rows
     * before the last two get nothing.
     */
    static long[] scatterIds(int count, int rows, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long[] ids = new long[count];
        for (int m = 0; m < count; m++) {
            int pick = random.nextInt(6);
            ids[m] = pick < 2 ? 0 : pick == 2 ? -1 - random.nextInt(2) : random.nextInt(rows - 10);
        }
        return ids;
    }

    static Graph scatterGraph(long[] ids, int rows, int width) {
        GraphBuilder g = new GraphBuilder("scatter_sorted");
        Value indices = g.constant("indices", DType.I64, Shape.of(ids.length), new Constant.Longs(ids));
        Value updates = g.input("updates", DType.F32, Shape.of(ids.length, width));
        g.output("scatter", g.scatterAddRows(indices, updates, rows));
        return g.build();
    }

    /** ScatterAddRows as a sequential loop in index order, each row from 0: the order the kernels promise. */
    static float[] sequentialScatter(long[] ids, HostTensor updates, int rows, int width) {
        float[] expected = new float[rows * width];
        for (int m = 0; m < ids.length; m++) {
            int r = (int) (ids[m] < 0 ? ids[m] + rows : ids[m]);
            for (int c = 0; c < width; c++) {
                expected[r * width + c] = expected[r * width + c] + updates.getFloat((long) m * width + c);
            }
        }
        return expected;
    }

    @Test
    void rowOpsAndReductionsMatchOnnxRuntime() throws Exception {
        Graph graph = rowGraph();
        ExecutionPlan plan = GraphLowering.lower(graph);
        assertTrue(plan.steps().stream().anyMatch(s -> s instanceof Step.Kernel k && k.function().endsWith("_partial")),
                "the strided reductions are chunked");
        try (Arena arena = Arena.ofConfined()) {
            Map<String, HostTensor> in = PlanRunner.randomInputs(graph, arena, 11, 1);
            Map<String, Double> errors = PlanRunner.errors(graph, in, arena);
            errors.forEach((name, err) -> assertTrue(err < TOLERANCE, name + ": relative error " + err));
            System.out.println("host plan: " + errors.size() + " block-row and chunked outputs match ONNX Runtime; worst "
                    + errors.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow());
        }
    }

    @Test
    void gpt2SizedRowsMatchOnnxRuntime() throws Exception {
        Graph graph = gpt2RowsGraph();
        try (Arena arena = Arena.ofConfined()) {
            Map<String, HostTensor> in = PlanRunner.randomInputs(graph, arena, 13, GPT2_VOCAB);
            Map<String, Double> errors = PlanRunner.errors(graph, in, arena);
            errors.forEach((name, err) -> assertTrue(err < TOLERANCE, name + ": relative error " + err));
        }
    }

    @Test
    void scatterIntoTheGpt2VocabularyIsTheSequentialSum() throws Exception {
        int width = 64;
        long[] ids = scatterIds(4096, GPT2_VOCAB, 17);
        Graph graph = scatterGraph(ids, GPT2_VOCAB, width);
        try (Arena arena = Arena.ofConfined()) {
            Map<String, HostTensor> in = PlanRunner.randomInputs(graph, arena, 19, 1);
            assertSequentialSum(graph, in, ids, GPT2_VOCAB, width, arena);
        }
    }

    @Test
    void blockSumFollowsTheFixedTree() throws Exception {
        GraphBuilder g = new GraphBuilder("block_tree");
        Value x = g.input("x", DType.F32, Shape.of(5, 1000));
        g.output("sum", g.reduceSum(x, false, 1));
        Graph graph = g.build();
        try (Arena arena = Arena.ofConfined()) {
            Map<String, HostTensor> in = PlanRunner.randomInputs(graph, arena, 3, 1);
            HostTensor sum = PlanRunner.host(graph, in, arena).get("sum");
            for (int r = 0; r < 5; r++) {
                float[] lanes = new float[Grid.LANES];
                for (int t = 0; t < Grid.LANES; t++) {
                    float acc = 0f;
                    for (int j = t; j < 1000; j += Grid.LANES) {
                        acc = acc + in.get("x").getFloat(r * 1000L + j);
                    }
                    lanes[t] = acc;
                }
                for (int s = Grid.LANES / 2; s > 0; s /= 2) {
                    for (int t = 0; t < s; t++) {
                        lanes[t] = lanes[t] + lanes[t + s];
                    }
                }
                assertEquals(lanes[0], sum.getFloat(r), 0f, "row " + r);
            }
        }
    }

    @Test
    void scatterAddRowsSumsEachRowInIndexOrder() throws Exception {
        int rows = 50;
        int width = 3;
        long[] ids = scatterIds(700, rows, 5);
        Graph graph = scatterGraph(ids, rows, width);
        try (Arena arena = Arena.ofConfined()) {
            Map<String, HostTensor> in = PlanRunner.randomInputs(graph, arena, 9, 1);
            HostTensor out = assertSequentialSum(graph, in, ids, rows, width, arena);
            for (int i = (rows - 10) * width; i < (rows - 2) * width; i++) {
                assertEquals(0f, out.getFloat(i), 0f, "an empty row is zero");
            }
            Map<String, Double> errors = PlanRunner.errors(graph, in, arena);
            errors.forEach((name, err) -> assertTrue(err < TOLERANCE, name + ": relative error " + err));
        }
    }

    /** Runs the scatter plan on the host and checks it bit for bit against adding the updates row by row in index order. */
    private static HostTensor assertSequentialSum(Graph graph, Map<String, HostTensor> in, long[] ids, int rows, int width, Arena arena)
            throws Exception {
        HostTensor out = PlanRunner.host(graph, in, arena).get("scatter");
        float[] expected = sequentialScatter(ids, in.get("updates"), rows, width);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], out.getFloat(i), 0f, "row " + i / width + ", column " + i % width);
        }
        return out;
    }
}
