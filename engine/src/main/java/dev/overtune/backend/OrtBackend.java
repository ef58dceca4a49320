package dev.overtune.backend;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.overtune.graph.Graph;
import dev.overtune.graph.Value;
import dev.overtune.onnx.OnnxEmitter;
import dev.overtune.tensor.HostTensor;
import dev.overtune.tensor.Shape;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs graphs on CPU with the stock ONNX Runtime: each graph is emitted as standard ONNX, and host
 * tensors are handed to it as zero-copy inputs and pinned outputs.
 */
public final class OrtBackend implements Backend {
    /** How much of ONNX Runtime's graph rewriting to allow. */
    public enum Optimization {
        /** Every fusion: the default, and what the benchmarks measure. */
        ALL(OrtSession.SessionOptions.OptLevel.ALL_OPT),
        /** None: double-precision graphs need it, since ONNX Runtime's fused kernels are float-only. */
        NONE(OrtSession.SessionOptions.OptLevel.NO_OPT);

        private final OrtSession.SessionOptions.OptLevel level;

        Optimization(OrtSession.SessionOptions.OptLevel level) {
            this.level = level;
        }
    }

    /** The session option naming ONNX Runtime graph transformers to leave out. */
    static final String DISABLED_OPTIMIZERS = "optimization.disable_specified_optimizers";
    /** The transformers left out, by ONNX Runtime's names; see {@link #compile}. */
    static final List<String> DISABLED_FUSIONS = List.of("MatMulAddFusion");

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final int intraOpThreads;
    private final Optimization optimization;
    /** Where ONNX Runtime's profiler writes (a file-name prefix per session), or null for none. */
    private final Path profilePrefix;
    private final List<Path> profiles = new ArrayList<>();

    public OrtBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    public OrtBackend(int intraOpThreads) {
        this(intraOpThreads, Optimization.ALL);
    }

    public OrtBackend(int intraOpThreads, Optimization optimization) {
        this(intraOpThreads, optimization, null);
    }

    private OrtBackend(int intraOpThreads, Optimization optimization, Path profilePrefix) {
        if (intraOpThreads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + intraOpThreads);
        }
        this.intraOpThreads = intraOpThreads;
        this.optimization = optimization;
        this.profilePrefix = profilePrefix;
    }

    /**
     * The same backend with ONNX Runtime's profiler on: every session it compiles records each kernel's time
     * and writes a Chrome-trace JSON file (named from {@code prefix} and the graph) when its program is closed;
     * {@link #profiles()} lists the files written so far.
     */
    public static OrtBackend profiling(int intraOpThreads, Path prefix) {
        return new OrtBackend(intraOpThreads, Optimization.ALL, prefix);
    }

    /** The profile files of the programs closed so far (none unless built by {@link #profiling}). */
    public synchronized List<Path> profiles() {
        return List.copyOf(profiles);
    }

    @Override
    public String name() {
        return "onnxruntime-cpu";
    }

    public int threads() {
        return intraOpThreads;
    }

    /** How sessions get CPU memory, for benchmark headers and logs. */
    public String memoryArena() {
        if (SharedCpuArena.register(env)) {
            return "one arena shared by all sessions, grown by what is asked";
        }
        return "an arena per session (the shared one failed: " + SharedCpuArena.failure() + ")";
    }

    @Override
    public Program compile(Graph graph) {
        byte[] model = OnnxEmitter.emit(graph, "").toByteArray();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            options.setIntraOpNumThreads(intraOpThreads);
            options.setInterOpNumThreads(1);
            // Idle intra-op threads wait passively instead of spinning (as the PyTorch peer runs with OMP_WAIT_POLICY=PASSIVE):
            // on a shared 2-core machine under load, spinning workers took the cores the other thread of the same op needed,
            // and an evaluation batch of the demo model took 16.9 ms with spinning against 2.2 ms without.
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(optimization.level);
            // Memory-pattern planning pre-sizes one block for every intermediate; on training graphs it
            // raised peak memory by ~60% (833 vs 502 MiB on the small preset) for no speed gain.
            options.setMemoryPatternOptimization(false);
            // ONNX Runtime's MatMulAddFusion turns x·W + b into Gemm, whose CPU kernel first broadcasts b into the
            // output on one thread and then accumulates the product onto it (beta = 1): for the small preset's
            // [2048, 256]·[256, 768] projection 3.5 ms against 2.4 ms for the MatMul alone, while the separate
            // Add of b runs on every thread in a fraction of a millisecond (README, Benchmarks).
            options.addConfigEntry(DISABLED_OPTIMIZERS, String.join(",", DISABLED_FUSIONS));
            if (profilePrefix != null) {
                options.enableProfiling(profilePrefix + "_" + graph.name());
            }
            if (SharedCpuArena.register(env)) {
                options.addConfigEntry(SharedCpuArena.USE_ENV_ALLOCATORS, "1");
            }
            OrtSession session = env.createSession(model, options);
            return new OrtProgram(graph, session, options);
        } catch (OrtException e) {
            options.close();
            throw new BackendException("ONNX Runtime could not load graph '" + graph.name() + "': " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        // The environment is process-wide and owned by ONNX Runtime.
    }

    private final class OrtProgram implements Program {
        private final Graph graph;
        private final OrtSession session;
        private final OrtSession.SessionOptions options;

        OrtProgram(Graph graph, OrtSession session, OrtSession.SessionOptions options) {
            this.graph = graph;
            this.session = session;
            this.options = options;
        }

        @Override
        public Binding bind(Map<String, HostTensor> inputs, Map<String, HostTensor> outputs) {
            List<OnnxTensor> owned = new ArrayList<>();
            try {
                Map<String, OnnxTensor> in = new LinkedHashMap<>();
                for (Value v : graph.inputs()) {
                    HostTensor t = inputs.get(v.name());
                    if (t == null) {
                        throw new BackendException("graph '" + graph.name() + "' needs input '" + v.name() + "' " + v.dtype() + v.shape() + ", which was not given");
                    }
                    check("input", v.name(), v.dtype(), v.shape(), t);
                    in.put(v.name(), wrap(t, owned));
                }
                Map<String, OnnxValue> out = new LinkedHashMap<>();
                for (Map.Entry<String, HostTensor> e : outputs.entrySet()) {
                    Value v = graph.outputs().get(e.getKey());
                    if (v == null) {
                        throw new BackendException("graph '" + graph.name() + "' has no output '" + e.getKey() + "'; it has " + graph.outputNames());
                    }
                    check("output", e.getKey(), v.dtype(), v.shape(), e.getValue());
                    out.put(e.getKey(), wrap(e.getValue(), owned));
                }
                return new OrtBinding(in, out, owned);
            } catch (RuntimeException e) {
                owned.forEach(OnnxTensor::close);
                throw e;
            }
        }

        private void check(String what, String name, dev.overtune.tensor.DType dtype, Shape shape, HostTensor t) {
            if (t.dtype() != dtype || !t.shape().equals(shape)) {
                throw new BackendException("graph '" + graph.name() + "' " + what + " '" + name + "' is " + dtype + shape + ", got " + t.dtype() + t.shape());
            }
        }

        private OnnxTensor wrap(HostTensor t, List<OnnxTensor> owned) {
            try {
                long[] shape = t.shape().longDims();
                OnnxTensor tensor = switch (t.dtype()) {
                    case F32 -> OnnxTensor.createTensor(env, t.floatBuffer(), shape);
                    case F64 -> OnnxTensor.createTensor(env, t.segment().asByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN).asDoubleBuffer(), shape);
                    case I64 -> OnnxTensor.createTensor(env, t.longBuffer(), shape);
                    case BOOL -> OnnxTensor.createTensor(env, t.segment().asByteBuffer(), shape, ai.onnxruntime.OnnxJavaType.BOOL);
                };
                owned.add(tensor);
                return tensor;
            } catch (OrtException e) {
                throw new BackendException("could not wrap a " + t.dtype() + t.shape() + " tensor for ONNX Runtime: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            try {
                if (profilePrefix != null) {
                    String file = session.endProfiling();
                    synchronized (OrtBackend.this) {
                        profiles.add(Path.of(file));
                    }
                }
                session.close();
                options.close();
            } catch (OrtException e) {
                throw new BackendException("closing graph '" + graph.name() + "': " + e.getMessage(), e);
            }
        }

        private final class OrtBinding implements Binding {
            private final Map<String, OnnxTensor> inputs;
            private final Map<String, OnnxValue> outputs;
            private final List<OnnxTensor> owned;

            OrtBinding(Map<String, OnnxTensor> inputs, Map<String, OnnxValue> outputs, List<OnnxTensor> owned) {
                this.inputs = inputs;
                this.outputs = outputs;
                this.owned = owned;
            }

            @Override
            public void run() {
                try (OrtSession.Result unpinned = session.run(inputs, outputs)) {
                    // Every requested output is pinned to our memory; nothing else to read.
                } catch (OrtException e) {
                    throw new BackendException("ONNX Runtime failed running graph '" + graph.name() + "': " + e.getMessage(), e);
                }
            }

            @Override
            public void close() {
                owned.forEach(OnnxTensor::close);
            }
        }
    }
}
