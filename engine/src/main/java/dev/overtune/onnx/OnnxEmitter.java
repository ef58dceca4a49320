package dev.overtune.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.overtune.build.BuildInfo;
import dev.overtune.graph.Constant;
import dev.overtune.graph.Graph;
import dev.overtune.graph.Node;
import dev.overtune.graph.Op;
import dev.overtune.graph.Value;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.Shape;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import java.util.Set;

/**
 * Writes an IR {@link Graph} as an ONNX model using standard {@code ai.onnx} operators only, so
 * that any ONNX Runtime build (and any ONNX tool) can run it. Knows nothing about training.
 */
public final class OnnxEmitter {
    public static final int OPSET = 17;
    public static final int IR_VERSION = 8;

    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final Map<Value, String> names = new HashMap<>();
    private final Set<String> usedNames = new HashSet<>();
    private int counter;

    private OnnxEmitter() {}

    public static ModelProto emit(Graph g, String docString) {
        OnnxEmitter e = new OnnxEmitter();
        e.emitGraph(g);
        return ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName("overtune")
                .setProducerVersion(BuildInfo.engineVersion())
                .setDocString(docString)
                .setGraph(e.graph)
                .build();
    }

    private void emitGraph(Graph g) {
        graph.setName(g.name());
        // Graph outputs take over the name of the value that computes them when they can.
        Map<Value, String> outputOf = new HashMap<>();
        for (Entry<String, Value> out : g.outputs().entrySet()) {
            Value v = out.getValue();
            if (v.kind() == Value.Kind.NODE && !outputOf.containsKey(v)) {
                outputOf.put(v, out.getKey());
                usedNames.add(out.getKey());
            }
        }
        for (Value in : g.inputs()) {
            names.put(in, in.name());
            usedNames.add(in.name());
            graph.addInput(valueInfo(in.name(), in.dtype(), in.shape()));
        }
        Set<Value> live = live(g);
        for (Value c : g.constants()) {
            if (!live.contains(c)) {
                continue;
            }
            names.put(c, c.name());
            usedNames.add(c.name());
            graph.addInitializer(tensor(c.name(), c.dtype(), c.shape(), c.constant()));
        }
        for (Node n : g.nodes()) {
            if (!live.contains(n.output())) {
                continue;
            }
            String outName = outputOf.getOrDefault(n.output(), "v" + n.output().id());
            names.put(n.output(), outName);
            emitNode(n, outName);
        }
        for (Entry<String, Value> out : g.outputs().entrySet()) {
            Value v = out.getValue();
            String have = names.get(v);
            if (!have.equals(out.getKey())) {
                graph.addNode(node("Identity", out.getKey() + "/Identity", List.of(have), out.getKey()));
            }
            graph.addOutput(valueInfo(out.getKey(), v.dtype(), v.shape()));
        }
    }

    /**
     * The values the outputs depend on. Autodiff can leave nodes nobody reads (the gradient of an
     * operand that needs none); ONNX Runtime would still run them, so they are not emitted.
     */
    private static Set<Value> live(Graph g) {
        Set<Value> live = new HashSet<>(g.outputs().values());
        List<Node> nodes = g.nodes();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node n = nodes.get(i);
            if (live.contains(n.output())) {
                live.addAll(n.inputs());
            }
        }
        return live;
    }

    private void emitNode(Node n, String out) {
        List<String> in = n.inputs().stream().map(names::get).toList();
        String nm = n.name();
        switch (n.op()) {
            case Op.Add o -> graph.addNode(node("Add", nm, in, out));
            case Op.Sub o -> graph.addNode(node("Sub", nm, in, out));
            case Op.Mul o -> graph.addNode(node("Mul", nm, in, out));
            case Op.Div o -> graph.addNode(node("Div", nm, in, out));
            case Op.Neg o -> graph.addNode(node("Neg", nm, in, out));
            case Op.Exp o -> graph.addNode(node("Exp", nm, in, out));
            case Op.Log o -> graph.addNode(node("Log", nm, in, out));
            case Op.Sqrt o -> graph.addNode(node("Sqrt", nm, in, out));
            case Op.Tanh o -> graph.addNode(node("Tanh", nm, in, out));
            case Op.Erf o -> graph.addNode(node("Erf", nm, in, out));
            case Op.Where o -> graph.addNode(node("Where", nm, in, out));
            case Op.Gelu o -> gelu(n, in.get(0), out, o.tanhApproximation());
            case Op.AddAtTargets o -> addAtTargets(n, in, out, o.ignoreIndex());
            case Op.Equal o -> graph.addNode(node("Equal", nm, in, out));
            case Op.Cast o -> graph.addNode(node("Cast", nm, in, out).toBuilder().addAttribute(intAttr("to", onnxType(o.to()))).build());
            case Op.MatMul o -> graph.addNode(node("MatMul", nm, in, out));
            case Op.ReduceSum o -> graph.addNode(node("ReduceSum", nm, List.of(in.get(0), longs(o.axes())), out).toBuilder()
                    .addAttribute(intAttr("keepdims", o.keepDims() ? 1 : 0)).build());
            case Op.ReduceMean o -> graph.addNode(node("ReduceMean", nm, in, out).toBuilder()
                    .addAttribute(intsAttr("axes", o.axes())).addAttribute(intAttr("keepdims", o.keepDims() ? 1 : 0)).build());
            case Op.ReduceMax o -> graph.addNode(node("ReduceMax", nm, in, out).toBuilder()
                    .addAttribute(intsAttr("axes", o.axes())).addAttribute(intAttr("keepdims", o.keepDims() ? 1 : 0)).build());
            case Op.Softmax o -> graph.addNode(node("Softmax", nm, in, out).toBuilder().addAttribute(intAttr("axis", o.axis())).build());
            case Op.LogSoftmax o -> graph.addNode(node("LogSoftmax", nm, in, out).toBuilder().addAttribute(intAttr("axis", o.axis())).build());
            case Op.LayerNorm o -> graph.addNode(node("LayerNormalization", nm, in, out).toBuilder()
                    .addAttribute(intAttr("axis", -1)).addAttribute(floatAttr("epsilon", (float) o.epsilon())).build());
            case Op.Gather o -> graph.addNode(node("Gather", nm, in, out).toBuilder().addAttribute(intAttr("axis", 0)).build());
            case Op.ScatterAddRows o -> scatterAddRows(n, in, out);
            case Op.OneHot o -> {
                long[] range = new long[o.depth()];
                for (int i = 0; i < range.length; i++) {
                    range[i] = i;
                }
                String rangeName = fresh(nm + "/range");
                graph.addInitializer(tensor(rangeName, DType.I64, Shape.of(o.depth()), new Constant.Longs(range)));
                String col = fresh(nm + "/unsqueezed");
                graph.addNode(node("Unsqueeze", nm + "/unsqueeze", List.of(in.get(0), longs(new int[] {-1})), col));
                String eq = fresh(nm + "/equal");
                graph.addNode(node("Equal", nm + "/equal", List.of(col, rangeName), eq));
                graph.addNode(node("Cast", nm, List.of(eq), out).toBuilder().addAttribute(intAttr("to", onnxType(o.dtype()))).build());
            }
            case Op.SoftmaxCrossEntropy o -> crossEntropy(n, in, out, o.ignoreIndex());
            case Op.Reshape o -> graph.addNode(node("Reshape", nm, List.of(in.get(0), longs(o.to().dims())), out));
            case Op.Transpose o -> graph.addNode(node("Transpose", nm, in, out).toBuilder().addAttribute(intsAttr("perm", o.perm())).build());
            case Op.Slice o -> graph.addNode(node("Slice", nm, List.of(in.get(0),
                    longs(new int[] {o.start()}), longs(new int[] {o.end()}), longs(new int[] {o.axis()})), out));
            case Op.Pad o -> {
                int rank = n.input(0).shape().rank();
                int[] pads = new int[2 * rank];
                pads[o.axis()] = o.before();
                pads[rank + o.axis()] = o.after();
                graph.addNode(node("Pad", nm, List.of(in.get(0), longs(pads)), out));
            }
            case Op.Concat o -> graph.addNode(node("Concat", nm, in, out).toBuilder().addAttribute(intAttr("axis", o.axis())).build());
            case Op.Expand o -> graph.addNode(node("Expand", nm, List.of(in.get(0), longs(o.to().dims())), out));
            case Op.Zeros o -> graph.addNode(node("ConstantOfShape", nm, List.of(longs(o.shape().dims())), out).toBuilder()
                    .addAttribute(tensorAttr("value", zeroTensor(o.dtype()))).build());
        }
    }

    /**
     * GELU in exactly the node order and constants ONNX Runtime's FastGeluFusion / GeluFusion match,
     * so on CPU the whole subgraph becomes one fused kernel (the intermediates have no other consumer).
     */
    private void gelu(Node n, String x, String out, boolean tanh) {
        String nm = n.name();
        DType dt = n.output().dtype();
        if (tanh) {
            String half = mul(nm + "/half_x", x, scalar(nm, dt, 0.5), dt);
            String kx = mul(nm + "/k_x", x, scalar(nm, dt, 0.7978845834732056), dt);
            String cx = mul(nm + "/c_x", x, scalar(nm, dt, 0.044715), dt);
            String cxx = mul(nm + "/c_xx", cx, x, dt);
            String onePlus = binary("Add", nm + "/one_plus", cxx, scalar(nm, dt, 1.0));
            String inner = mul(nm + "/inner", kx, onePlus, dt);
            String t = fresh(nm + "/tanh");
            graph.addNode(node("Tanh", nm + "/tanh", List.of(inner), t));
            String onePlusT = binary("Add", nm + "/one_plus_tanh", t, scalar(nm, dt, 1.0));
            graph.addNode(node("Mul", nm, List.of(half, onePlusT), out));
        } else {
            String scaled = binary("Div", nm + "/div_sqrt2", x, scalar(nm, dt, Math.sqrt(2.0)));
            String e = fresh(nm + "/erf");
            graph.addNode(node("Erf", nm + "/erf", List.of(scaled), e));
            String onePlus = binary("Add", nm + "/one_plus_erf", e, scalar(nm, dt, 1.0));
            String xTimes = mul(nm + "/x_times", x, onePlus, dt);
            graph.addNode(node("Mul", nm, List.of(xTimes, scalar(nm, dt, 0.5)), out));
        }
    }

    /**
     * zeros(rows, width) with update row i added at row indices[i], as ScatterElements along axis 0 with the
     * indices broadcast over the row. ScatterND(reduction=add) gave different sums run to run on two intra-op
     * threads: it splits the updates across threads, which race on repeated indices (onnxruntime#18048; up to
     * 1% relative L2 in the small preset's embedding gradient). ScatterElements adds them in order on one
     * thread: 5.1 ms instead of 0.7 ms of a 410 ms step, the price of gradients that repeat.
     */
    private void scatterAddRows(Node n, List<String> in, String out) {
        String nm = n.name();
        Shape outShape = n.output().shape();
        int rows = (int) n.input(0).shape().size();
        int width = (int) (outShape.size() / outShape.dim(0));
        String zeros = fresh(nm + "/zeros");
        graph.addNode(node("ConstantOfShape", nm + "/zeros", List.of(longs(new int[] {outShape.dim(0), width})), zeros).toBuilder()
                .addAttribute(tensorAttr("value", zeroTensor(n.input(1).dtype()))).build());
        String column = fresh(nm + "/indices");
        graph.addNode(node("Reshape", nm + "/indices", List.of(in.get(0), longs(new int[] {rows, 1})), column));
        String indices = fresh(nm + "/indices_per_element");
        graph.addNode(node("Expand", nm + "/indices_per_element", List.of(column, longs(new int[] {rows, width})), indices));
        String updates = fresh(nm + "/updates");
        graph.addNode(node("Reshape", nm + "/updates", List.of(in.get(1), longs(new int[] {rows, width})), updates));
        String summed = fresh(nm + "/summed");
        graph.addNode(node("ScatterElements", nm, List.of(zeros, indices, updates), summed).toBuilder()
                .addAttribute(intAttr("axis", 0)).addAttribute(stringAttr("reduction", "add")).build());
        graph.addNode(node("Reshape", nm + "/shape", List.of(summed, longs(outShape.dims())), out));
    }

    /** Which rows a target vector ignores, and each row's target as a gather/scatter column (0 where ignored). */
    private record Targets(String ignored, String column) {}

    private Targets targets(String nm, String targets, long ignoreIndex) {
        String ignore = fresh(nm + "/ignore");
        graph.addInitializer(tensor(ignore, DType.I64, Shape.scalar(), new Constant.Longs(new long[] {ignoreIndex})));
        String ignored = fresh(nm + "/ignored");
        graph.addNode(node("Equal", nm + "/ignored", List.of(targets, ignore), ignored));
        String zeroIndex = fresh(nm + "/zero_index");
        graph.addInitializer(tensor(zeroIndex, DType.I64, Shape.scalar(), new Constant.Longs(new long[] {0})));
        String safe = fresh(nm + "/safe_targets");
        graph.addNode(node("Where", nm + "/safe_targets", List.of(ignored, zeroIndex, targets), safe));
        String column = fresh(nm + "/column");
        graph.addNode(node("Unsqueeze", nm + "/column", List.of(safe, longs(new int[] {1})), column));
        return new Targets(ignored, column);
    }

    private void addAtTargets(Node n, List<String> in, String out, long ignoreIndex) {
        String nm = n.name();
        Targets t = targets(nm, in.get(1), ignoreIndex);
        String values = fresh(nm + "/values");
        graph.addNode(node("Where", nm + "/values", List.of(t.ignored(), scalar(nm, n.output().dtype(), 0.0), in.get(2)), values));
        String update = fresh(nm + "/update");
        graph.addNode(node("Unsqueeze", nm + "/update", List.of(values, longs(new int[] {1})), update));
        graph.addNode(node("ScatterElements", nm, List.of(in.get(0), t.column(), update), out).toBuilder()
                .addAttribute(intAttr("axis", 1)).addAttribute(stringAttr("reduction", "add")).build());
    }

    /**
     * −log softmax(x)[target] per row, 0 where ignored. Written out rather than as SoftmaxCrossEntropyLoss:
     * ONNX Runtime expands that op into a LogSoftmax over axis 1 of an [N, V, 1] view, a strided pass that
     * took 10.7 of 450 ms in a small-preset training step (3× its backward's last-axis Softmax).
     */
    private void crossEntropy(Node n, List<String> in, String out, long ignoreIndex) {
        String nm = n.name();
        String logProbs = fresh(nm + "/log_probs");
        graph.addNode(node("LogSoftmax", nm + "/log_probs", List.of(in.get(0)), logProbs).toBuilder().addAttribute(intAttr("axis", 1)).build());
        Targets t = targets(nm, in.get(1), ignoreIndex);
        String picked = fresh(nm + "/picked");
        graph.addNode(node("GatherElements", nm + "/picked", List.of(logProbs, t.column()), picked).toBuilder().addAttribute(intAttr("axis", 1)).build());
        String row = fresh(nm + "/row");
        graph.addNode(node("Squeeze", nm + "/row", List.of(picked, longs(new int[] {1})), row));
        String nll = fresh(nm + "/nll");
        graph.addNode(node("Neg", nm + "/nll", List.of(row), nll));
        graph.addNode(node("Where", nm, List.of(t.ignored(), scalar(nm, n.output().dtype(), 0.0), nll), out));
    }

    private String scalar(String base, DType dt, double v) {
        String name = fresh(base + "/const");
        graph.addInitializer(tensor(name, dt, Shape.scalar(), new Constant.Floats(new double[] {v})));
        return name;
    }

    private String mul(String name, String a, String b, DType dt) {
        return binary("Mul", name, a, b);
    }

    private String binary(String op, String name, String a, String b) {
        String out = fresh(name);
        graph.addNode(node(op, name, List.of(a, b), out));
        return out;
    }

    // ---- protobuf helpers ---------------------------------------------------------------------

    private String fresh(String base) {
        String n = base;
        while (!usedNames.add(n)) {
            n = base + "_" + counter++;
        }
        return n;
    }

    /** An int64 1-D initializer (axes, shapes, pads) and its name. */
    private String longs(int[] values) {
        long[] l = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            l[i] = values[i];
        }
        String name = fresh("const_i64_" + counter++);
        graph.addInitializer(tensor(name, DType.I64, Shape.of(values.length), new Constant.Longs(l)));
        return name;
    }

    private static NodeProto node(String opType, String name, List<String> inputs, String output) {
        return NodeProto.newBuilder().setOpType(opType).setName(name).addAllInput(inputs).addOutput(output).build();
    }

    static int onnxType(DType t) {
        return switch (t) {
            case F32 -> TensorProto.DataType.FLOAT_VALUE;
            case F64 -> TensorProto.DataType.DOUBLE_VALUE;
            case I64 -> TensorProto.DataType.INT64_VALUE;
            case BOOL -> TensorProto.DataType.BOOL_VALUE;
        };
    }

    private static ValueInfoProto valueInfo(String name, DType dtype, Shape shape) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (int d : shape.dims()) {
            s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        TypeProto type = TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(onnxType(dtype)).setShape(s)).build();
        return ValueInfoProto.newBuilder().setName(name).setType(type).build();
    }

    private static TensorProto zeroTensor(DType dtype) {
        Constant zero = dtype == DType.I64 ? new Constant.Longs(new long[] {0}) : new Constant.Floats(new double[] {0});
        return tensor("zero", dtype, Shape.of(1), zero);
    }

    private static TensorProto tensor(String name, DType dtype, Shape shape, Constant data) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(onnxType(dtype));
        for (int d : shape.dims()) {
            t.addDims(d);
        }
        switch (data) {
            case Constant.Floats f -> {
                for (double v : f.values()) {
                    if (dtype == DType.F32) {
                        t.addFloatData((float) v);
                    } else if (dtype == DType.F64) {
                        t.addDoubleData(v);
                    } else {
                        t.addInt64Data((long) v);
                    }
                }
            }
            case Constant.Longs l -> {
                for (long v : l.values()) {
                    t.addInt64Data(v);
                }
            }
            case Constant.Bools b -> {
                for (boolean v : b.values()) {
                    t.addInt32Data(v ? 1 : 0);
                }
            }
        }
        return t.build();
    }

    private static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    private static AttributeProto floatAttr(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
    }

    private static AttributeProto stringAttr(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(com.google.protobuf.ByteString.copyFromUtf8(v)).build();
    }

    private static AttributeProto intsAttr(String name, int[] v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (int x : v) {
            a.addInts(x);
        }
        return a.build();
    }

    private static AttributeProto tensorAttr(String name, TensorProto t) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.TENSOR).setT(t).build();
    }
}
