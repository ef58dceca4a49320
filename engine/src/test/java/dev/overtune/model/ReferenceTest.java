package dev.overtune.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.overtune.backend.OrtBackend;
import dev.overtune.checkpoint.ModelWeights;
import dev.overtune.checkpoint.SafetensorsFile;
import dev.overtune.checkpoint.ShardedCheckpoint;
import dev.overtune.data.Batch;
import dev.overtune.tensor.HostTensor;
import dev.overtune.train.AdamW;
import dev.overtune.train.Evaluator;
import dev.overtune.train.LrSchedule;
import dev.overtune.train.StepResult;
import dev.overtune.train.TrainConfig;
import dev.overtune.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * llm.c-style check of every family against independent PyTorch implementations computed in float64
 * (engine/src/test/python/make_reference.py for GPT-2, make_reference_families.py for the others):
 * logits, loss, every parameter gradient, ten AdamW steps and the final weights.
 */
class ReferenceTest {
    static final Path ROOT = Path.of("src/test/resources/reference");
    /** fp32 against a float64 truth: max |ours - ref| over a tensor, relative to max |ref|. */
    static final double FORWARD_TOLERANCE = 1e-5;
    static final double GRAD_TOLERANCE = 1e-5;
    static final double STEP_LOSS_TOLERANCE = 1e-5;
    /**
     * Looser than the gradients': Adam's update m/sqrt(v) has magnitude ~1 even for near-zero
     * gradients, so fp32 noise in such a gradient's sign moves that weight by up to lr per step
     * (PyTorch's own float32 run lands at 5e-5..8e-5 against the float64 truth).
     */
    static final double FINAL_WEIGHT_TOLERANCE = 5e-4;

    /** One fixture directory, opened; the weights go through the same loader as any checkpoint. */
    record Fixture(String name, LanguageModel model, ShardedCheckpoint weights, SafetensorsFile batch, SafetensorsFile expected,
                   JsonNode train) implements AutoCloseable {
        static Fixture open(String name) {
            Path dir = ROOT.resolve(name);
            try {
                return new Fixture(name, ModelConfigs.load(dir.resolve("config.json")), ShardedCheckpoint.open(dir),
                        SafetensorsFile.open(dir.resolve("batch.safetensors")), SafetensorsFile.open(dir.resolve("expected.safetensors")),
                        new ObjectMapper().readTree(Files.readString(dir.resolve("train.json"))));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        ParamStore params(Arena arena) {
            ParamStore p = ParamStore.allocate(arena, model.params());
            ModelWeights.load(weights, model, p);
            return p;
        }

        void fillBatch(Batch b) {
            b.inputIds().copyFrom(batch.tensor("input_ids"));
            b.targets().copyFrom(batch.tensor("targets"));
            b.lossMask().copyFrom(batch.tensor("loss_mask"));
        }

        TrainConfig trainConfig() {
            AdamW.Config adam = new AdamW.Config(train.get("betas").get(0).asDouble(), train.get("betas").get(1).asDouble(),
                    train.get("eps").asDouble(), train.get("weight_decay").asDouble());
            LrSchedule schedule = new LrSchedule(train.get("lr_peak").asDouble(), train.get("lr_min").asDouble(),
                    train.get("warmup_steps").asLong(), train.get("steps").asLong());
            return new TrainConfig(train.get("batch_size").asInt(), train.get("seq_len").asInt(), schedule, adam,
                    train.get("grad_clip_norm").asDouble());
        }

        @Override
        public void close() {
            weights.close();
            batch.close();
            expected.close();
        }
    }

    /** max |a - b| / max |b| over the tensor. */
    static double relativeError(HostTensor ours, HostTensor ref) {
        assertEquals(ref.shape(), ours.shape());
        double maxDiff = 0;
        double maxRef = 0;
        for (long i = 0; i < ref.size(); i++) {
            maxDiff = Math.max(maxDiff, Math.abs(ours.getDouble(i) - ref.getDouble(i)));
            maxRef = Math.max(maxRef, Math.abs(ref.getDouble(i)));
        }
        return maxDiff / Math.max(maxRef, 1e-30);
    }

    @Test
    void fixturesCoverEveryFamily() {
        Set<String> families = new TreeSet<>();
        for (String name : new String[] {"gpt2-tiny", "neox-tiny", "neox-sequential-tiny", "llama-tiny", "olmo2-tiny", "olmo-tiny", "qwen2-tiny", "mistral-tiny"}) {
            families.add(ModelConfigs.load(ROOT.resolve(name).resolve("config.json")).family());
        }
        assertEquals(Set.of("gpt2", "gpt_neox", "llama", "olmo2", "olmo", "qwen2", "mistral"), families);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "neox-tiny", "neox-sequential-tiny", "llama-tiny", "olmo2-tiny", "olmo-tiny", "qwen2-tiny", "mistral-tiny"})
    void logitsAndLossMatch(String name) {
        try (Fixture f = Fixture.open(name); Arena arena = Arena.ofConfined(); OrtBackend backend = new OrtBackend()) {
            TrainConfig cfg = f.trainConfig();
            try (Evaluator eval = new Evaluator(backend, f.model(), f.params(arena), cfg.batchSize(), cfg.seqLen(), arena, true)) {
                f.fillBatch(eval.batch());
                eval.run();
                double logitsError = relativeError(eval.logits(), f.expected().tensor("logits"));
                double loss = eval.nllSum() / eval.weightSum();
                double refLoss = f.expected().tensor("loss").getDouble(0);
                System.out.printf("reference %s: logits max rel err %.2e, loss %.8f vs %.8f (rel err %.2e)%n", name, logitsError, loss, refLoss,
                        Math.abs(loss - refLoss) / refLoss);
                assertTrue(logitsError < FORWARD_TOLERANCE, name + ": logits relative error " + logitsError);
                assertEquals(refLoss, loss, refLoss * FORWARD_TOLERANCE, name + ": loss");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "neox-tiny", "neox-sequential-tiny", "llama-tiny", "olmo2-tiny", "olmo-tiny", "qwen2-tiny", "mistral-tiny"})
    void everyGradientMatches(String name) {
        try (Fixture f = Fixture.open(name); Arena arena = Arena.ofConfined(); OrtBackend backend = new OrtBackend();
             Trainer trainer = new Trainer(backend, f.model(), f.params(arena), f.trainConfig(), arena)) {
            f.fillBatch(trainer.batch());
            double loss = trainer.computeGradients();
            double refLoss = f.expected().tensor("loss").getDouble(0);
            assertEquals(refLoss, loss, refLoss * FORWARD_TOLERANCE, name + ": loss");
            double worst = 0;
            String worstName = "";
            for (ParamSpec spec : f.model().params()) {
                double err = relativeError(trainer.grads().tensor(spec.name()), f.expected().tensor("grad." + spec.name()));
                assertTrue(err < GRAD_TOLERANCE, name + ": gradient of " + spec.name() + " relative error " + err);
                if (err > worst) {
                    worst = err;
                    worstName = spec.name();
                }
            }
            System.out.printf("reference %s: %d gradients, worst max rel err %.2e (%s)%n", name, f.model().params().size(), worst, worstName);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "neox-tiny", "neox-sequential-tiny", "llama-tiny", "olmo2-tiny", "olmo-tiny", "qwen2-tiny", "mistral-tiny"})
    void tenAdamWStepsMatch(String name) {
        try (Fixture f = Fixture.open(name); Arena arena = Arena.ofConfined(); OrtBackend backend = new OrtBackend();
             Trainer trainer = new Trainer(backend, f.model(), f.params(arena), f.trainConfig(), arena)) {
            HostTensor refLosses = f.expected().tensor("step_losses");
            HostTensor refLrs = f.expected().tensor("step_lrs");
            double worstLoss = 0;
            for (int s = 0; s < refLosses.size(); s++) {
                StepResult r = trainer.step((b, step) -> f.fillBatch(b));
                assertEquals(refLrs.getDouble(s), r.lr(), 1e-9, name + ": lr at step " + s);
                double err = Math.abs(r.loss() - refLosses.getDouble(s)) / refLosses.getDouble(s);
                worstLoss = Math.max(worstLoss, err);
                assertTrue(err < STEP_LOSS_TOLERANCE, name + ": step " + s + " loss " + r.loss() + " vs " + refLosses.getDouble(s));
            }
            double worstParam = 0;
            String worstName = "";
            for (ParamSpec spec : f.model().params()) {
                double err = relativeError(trainer.params().tensor(spec.name()), f.expected().tensor("final." + spec.name()));
                if (err > worstParam) {
                    worstParam = err;
                    worstName = spec.name();
                }
                assertTrue(err < FINAL_WEIGHT_TOLERANCE, name + ": final " + spec.name() + " relative error " + err);
            }
            System.out.printf("reference %s: %d AdamW steps, worst loss rel err %.2e, worst final-weight rel err %.2e (%s)%n", name,
                    refLosses.size(), worstLoss, worstParam, worstName);
        }
    }
}
