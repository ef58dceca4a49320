package dev.overtune.autodiff;

import dev.overtune.backend.Backend;
import dev.overtune.backend.OrtBackend;
import dev.overtune.graph.Constant;
import dev.overtune.graph.GraphBuilder;
import dev.overtune.graph.Value;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.HostTensor;
import dev.overtune.tensor.Shape;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Central finite differences against the autodiff gradient, both run through the emitted ONNX on
 * ONNX Runtime. The checked function is {@code L = sum(f(x...) * R)} with a fixed random R, so that
 * every output element's gradient matters.
 */
final class GradCheck {
    private final DType dtype;
    private final List<Shape> shapes = new ArrayList<>();
    private final List<Double> lows = new ArrayList<>();
    private final List<Double> highs = new ArrayList<>();
    private double step;
    private double tolerance;

    private GradCheck(DType dtype) {
        this.dtype = dtype;
        this.step = dtype == DType.F64 ? 1e-6 : 1e-2;
        this.tolerance = dtype == DType.F64 ? 1e-6 : 2e-2;
    }

    static GradCheck f64() {
        return new GradCheck(DType.F64);
    }

    /**
     * For ops ONNX Runtime implements in single precision only. Double-precision graphs run
     * unoptimised, since ONNX Runtime's fusions (FusedMatMul, ...) have float kernels only.
     */
    static GradCheck f32() {
        return new GradCheck(DType.F32);
    }

    GradCheck input(int... dims) {
        return range(-1.0, 1.0, dims);
    }

    /** An input drawn uniformly from [low, high). */
    GradCheck range(double low, double high, int... dims) {
        shapes.add(Shape.of(dims));
        lows.add(low);
        highs.add(high);
        return this;
    }

    /** Checks f, whose arguments are the builder and the declared inputs. */
    void check(BiFunction<GraphBuilder, List<Value>, Value> f) {
        GraphBuilder g = new GraphBuilder("gradcheck");
        List<Value> xs = new ArrayList<>();
        for (int i = 0; i < shapes.size(); i++) {
            xs.add(g.input("x" + i, dtype, shapes.get(i)));
        }
        Value y = f.apply(g, xs);
        Random rnd = new Random(7);
        double[] r = new double[Math.toIntExact(y.shape().size())];
        for (int i = 0; i < r.length; i++) {
            r[i] = rnd.nextDouble() * 2 - 1;
        }
        Value weights = g.constant("R", y.dtype(), y.shape(), new Constant.Floats(r));
        int[] all = new int[y.shape().rank()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        Value weighted = g.mul(y, weights);
        Value loss = all.length == 0 ? weighted : g.reduceSum(weighted, false, all);
        Map<Value, Value> grads = Autodiff.gradients(g, g.nodes(), loss, xs);
        g.output("loss", loss);
        for (int i = 0; i < xs.size(); i++) {
            g.output("grad" + i, grads.get(xs.get(i)));
        }

        try (Arena arena = Arena.ofConfined(); Backend backend = new OrtBackend(1, dtype == DType.F64 ? OrtBackend.Optimization.NONE : OrtBackend.Optimization.ALL);
             Backend.Program program = backend.compile(g.build())) {
            Map<String, HostTensor> in = new LinkedHashMap<>();
            Map<String, HostTensor> out = new LinkedHashMap<>();
            for (int i = 0; i < xs.size(); i++) {
                HostTensor t = HostTensor.allocate(arena, dtype, shapes.get(i));
                for (long k = 0; k < t.size(); k++) {
                    t.setDouble(k, lows.get(i) + rnd.nextDouble() * (highs.get(i) - lows.get(i)));
                }
                in.put("x" + i, t);
                out.put("grad" + i, HostTensor.allocate(arena, dtype, shapes.get(i)));
            }
            HostTensor lossOut = HostTensor.allocate(arena, dtype, loss.shape());
            out.put("loss", lossOut);
            try (Backend.Binding run = program.bind(in, out)) {
                run.run();
                List<double[]> analytic = new ArrayList<>();
                for (int i = 0; i < xs.size(); i++) {
                    HostTensor gt = out.get("grad" + i);
                    double[] a = new double[Math.toIntExact(gt.size())];
                    for (int k = 0; k < a.length; k++) {
                        a[k] = gt.getDouble(k);
                    }
                    analytic.add(a);
                }
                double worst = 0;
                String worstAt = "";
                for (int i = 0; i < xs.size(); i++) {
                    HostTensor x = in.get("x" + i);
                    double[] a = analytic.get(i);
                    double scale = 1e-3;
                    for (double v : a) {
                        scale = Math.max(scale, Math.abs(v));
                    }
                    int probes = (int) Math.min(x.size(), 24);
                    for (int p = 0; p < probes; p++) {
                        long k = x.size() <= 24 ? p : rnd.nextLong(x.size());
                        double orig = x.getDouble(k);
                        x.setDouble(k, orig + step);
                        run.run();
                        double plus = lossOut.getDouble(0);
                        x.setDouble(k, orig - step);
                        run.run();
                        double minus = lossOut.getDouble(0);
                        x.setDouble(k, orig);
                        double numeric = (plus - minus) / (2 * step);
                        double err = Math.abs(numeric - a[(int) k]) / scale;
                        if (err > worst) {
                            worst = err;
                            worstAt = "x" + i + "[" + k + "]: analytic " + a[(int) k] + " numeric " + numeric;
                        }
                    }
                }
                assertTrue(worst <= tolerance, "gradient mismatch, relative error " + worst + " at " + worstAt);
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            fail(e);
        }
    }
}
