package dev.overtune.cuda.params;

import dev.overtune.backend.Parameters;
import dev.overtune.cuda.CudaDevice;
import dev.overtune.cuda.CudaModule;
import dev.overtune.cuda.KernelArgs;
import dev.overtune.cuda.KernelModule;
import dev.overtune.cuda.Release;
import dev.overtune.model.ParamSpec;
import dev.overtune.probe.NoiseScale;
import dev.overtune.probe.Perturbations;
import dev.overtune.probe.Perturber;
import dev.overtune.probe.Quantization;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The noise and quantisation probes on the GPU: base and output stay on the device, and each parameter
 * is one launch of {@code overtune_add_noise} or {@code overtune_quantize_rtn} (noise.cu, quantize.cu),
 * whose element functions the host harness checks bit for bit against {@link Perturbations}. The launches'
 * arguments come from {@link #noiseLaunches} and {@link #quantizeLaunches}, which a test replays through the
 * harness; parameters the host copies unchanged (σ = 0, tensors that are not matrices) are copied on the
 * device, so a −0.0 stays −0.0. Nothing is uploaded.
 */
public final class DevicePerturber implements Perturber {
    static final int NOISE_THREADS = 256;
    static final int QUANTIZE_THREADS = 256;

    private final CudaDevice device;
    private final CudaModule noise;
    private final CudaModule quantize;
    private final MemorySegment addNoise;
    private final MemorySegment rtn;

    /** Parameter {@code parameter} (spec index) at {@code offset} elements: out = base + sigma·z, or a copy where sigma is 0. */
    public record NoiseLaunch(int parameter, long offset, long count, double sigma) {}

    /** A [rows, cols] matrix at {@code offset} elements, rounded per (channel, group) of {@code group} weights; a copy where rows is 0. */
    public record QuantizeLaunch(int parameter, long offset, long count, int rows, int cols, int outputAxis, int group) {
        boolean copies() {
            return rows == 0;
        }
    }

    public DevicePerturber(CudaDevice device) {
        this.device = device;
        CudaModule n = device.load(KernelModule.NOISE);
        try {
            CudaModule q = device.load(KernelModule.QUANTIZE);
            this.noise = n;
            this.quantize = q;
            this.addNoise = n.function("overtune_add_noise");
            this.rtn = q.function("overtune_quantize_rtn");
        } catch (RuntimeException e) {
            throw Release.after(e, n::close);
        }
    }

    /** One launch per parameter, in spec order, as {@link Perturbations#addNoise} sizes its noise. */
    public static List<NoiseLaunch> noiseLaunches(ParamLayout layout, Parameters base, NoiseScale scale, double gamma) {
        List<NoiseLaunch> out = new ArrayList<>();
        List<ParamSpec> specs = layout.specs();
        for (int p = 0; p < specs.size(); p++) {
            ParamSpec spec = specs.get(p);
            double sigma = Perturbations.sigma(spec, base.host().tensor(spec.name()), scale, gamma);
            out.add(new NoiseLaunch(p, layout.offset(p), spec.shape().size(), sigma));
        }
        return out;
    }

    /** One launch per parameter, in spec order: matrices rounded along the model's output axis, the rest copied. */
    public static List<QuantizeLaunch> quantizeLaunches(ParamLayout layout, Quantization q, Perturbations.OutputAxes axes) {
        List<QuantizeLaunch> out = new ArrayList<>();
        List<ParamSpec> specs = layout.specs();
        for (int p = 0; p < specs.size(); p++) {
            ParamSpec spec = specs.get(p);
            long count = spec.shape().size();
            if (spec.shape().rank() != 2) {
                out.add(new QuantizeLaunch(p, layout.offset(p), count, 0, 0, 0, 0));
                continue;
            }
            int rows = spec.shape().dim(0);
            int cols = spec.shape().dim(1);
            int axis = axes.outputAxis(spec);
            int length = axis == 0 ? cols : rows;
            int group = q.groupSize() == 0 ? length : Math.min(q.groupSize(), length);
            out.add(new QuantizeLaunch(p, layout.offset(p), count, rows, cols, axis, group));
        }
        return out;
    }

    @Override
    public void addNoise(Parameters base, Parameters out, NoiseScale scale, double gamma, long seed, int stream) {
        DeviceParameters to = device(out, "output");
        DeviceParameters from = to.sameLayout(base, "base");
        long src = from.memory().pointer();
        long dst = to.memory().pointer();
        try (Arena a = Arena.ofConfined()) {
            for (NoiseLaunch l : noiseLaunches(from.layout(), base, scale, gamma)) {
                long bytes = l.offset() * Float.BYTES;
                if (l.count() == 0) {
                    continue;
                }
                if (l.sigma() == 0) {
                    if (src != dst) {
                        device.copyOnDevice(dst + bytes, src + bytes, l.count() * Float.BYTES);
                    }
                    continue;
                }
                long blocks = ((l.count() + 3) / 4 + NOISE_THREADS - 1) / NOISE_THREADS;
                device.launch(addNoise, Math.toIntExact(blocks), NOISE_THREADS, 0, new KernelArgs(a, 7)
                        .pointer(dst + bytes).pointer(src + bytes).i64(l.count()).f64(l.sigma()).i32(l.parameter()).i32(stream).i64(seed));
            }
        }
    }

    @Override
    public void quantize(Parameters base, Parameters out, Quantization q, Perturbations.OutputAxes axes) {
        DeviceParameters to = device(out, "output");
        DeviceParameters from = to.sameLayout(base, "base");
        long src = from.memory().pointer();
        long dst = to.memory().pointer();
        try (Arena a = Arena.ofConfined()) {
            for (QuantizeLaunch l : quantizeLaunches(from.layout(), q, axes)) {
                long bytes = l.offset() * Float.BYTES;
                if (l.count() == 0) {
                    continue;
                }
                if (l.copies()) {
                    if (src != dst) {
                        device.copyOnDevice(dst + bytes, src + bytes, l.count() * Float.BYTES);
                    }
                    continue;
                }
                int channels = l.outputAxis() == 0 ? l.rows() : l.cols();
                int length = l.outputAxis() == 0 ? l.cols() : l.rows();
                long blocks = (long) channels * ((length + l.group() - 1) / l.group());
                device.launch(rtn, Math.toIntExact(blocks), QUANTIZE_THREADS, 0, new KernelArgs(a, 7)
                        .pointer(dst + bytes).pointer(src + bytes).i32(l.rows()).i32(l.cols()).i32(l.outputAxis()).i32(l.group()).i32(q.bits()));
            }
        }
    }

    private DeviceParameters device(Parameters p, String role) {
        if (!(p instanceof DeviceParameters d) || d.device() != device) {
            throw new IllegalArgumentException(role + " parameters are not on " + device.name() + ": the CUDA backend perturbs its own parameters");
        }
        return d;
    }

    @Override
    public void close() {
        Release.all(noise::close, quantize::close);
    }
}
