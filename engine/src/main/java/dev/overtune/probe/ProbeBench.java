package dev.overtune.probe;

import dev.overtune.backend.Parameters;
import dev.overtune.data.BatchSource;
import dev.overtune.train.TrainConfig;
import dev.overtune.train.Trainer;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

/**
 * Where a probe runs: the checkpoint's parameters as loaded ({@code base}), the set the probed parameters are
 * written to and measured from ({@code work}), and the tools the probes use. Both sets live where the backend
 * computes (the host for ONNX Runtime, the GPU for CUDA), and the perturber and trainer work on them there.
 * One bench serves a whole scan; {@code trainer} is null when no unit fine-tunes.
 */
public record ProbeBench(Parameters base, Parameters work, Perturber perturber, Perturbations.OutputAxes outputAxes,
                         Trainer trainer, FineTuneProtocol protocol, LongFunction<BatchSource> trainData) {
    /** How every fine-tune of a scan trains, whatever its learning rate and seed. */
    public interface FineTuneProtocol {
        long steps();

        /** The strength of the L2 pull towards the checkpoint's own parameters (0: none). */
        double l2ToInit();

        TrainConfig trainConfig(double lr);
    }

    /** Fine-tunes work from base at one learning rate on the data order of one seed; returns the loss of every step. */
    List<Double> fineTune(double lr, long seed) {
        if (trainer == null) {
            throw new IllegalStateException("this scan was set up without a trainer, so it cannot run a fine-tune unit");
        }
        work.copyFrom(base);
        trainer.restart(protocol.trainConfig(lr));
        trainer.anchorTo(base, protocol.l2ToInit());
        BatchSource data = trainData.apply(seed);
        List<Double> curve = new ArrayList<>();
        while (trainer.nextStep() < protocol.steps()) {
            curve.add(trainer.step(data).loss());
        }
        // Trained in place: the evaluation that follows reads work where it lives, so nothing is synced.
        return curve;
    }
}
