package dev.overtune.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.overtune.backend.HostTensor;
import dev.overtune.backend.OrtBackend;
import dev.overtune.checkpoint.SafetensorsFile;
import dev.overtune.train.AdamW;
import dev.overtune.train.Batch;
import dev.overtune.train.Evaluator;
import dev.overtune.train.LrSchedule;
import dev.overtune.train.StepResult;
import dev.overtune.train.TrainConfig;
import dev.overtune.train.Trainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * llm.c-style check against an independent PyTorch GPT-2 (engine/src/test/python/make_reference.py,
 * computed in float64): logits, loss, every parameter gradient, ten AdamW steps and the final weights.
 */
class Gpt2ReferenceTest {
    static final Path DIR = Path.of("src/test/resources/reference/gpt2-tiny");
    /** fp32 against a float64 truth: max |ours - ref| over a tensor, relative to max |ref|. */
    static final double FORWARD_TOLERANCE = 1e-5;
    static final double GRAD_TOLERANCE = 1e-5;
    /**
     * Looser than the gradients': Adam's update m/sqrt(v) has magnitude ~1 even for near-zero
     * gradients, so fp32 noise in such a gradient's sign moves that weight by up to lr per step.
     */
    static final double FINAL_WEIGHT_TOLERANCE = 5e-4;

    static SafetensorsFile weights;
    static SafetensorsFile batchFile;
    static SafetensorsFile expected;
    static JsonNode train;
    static LanguageModel model;

    @BeforeAll
    static void load() throws Exception {
        weights = SafetensorsFile.open(DIR.resolve("model.safetensors"));
        batchFile = SafetensorsFile.open(DIR.resolve("batch.safetensors"));
        expected = SafetensorsFile.open(DIR.resolve("expected.safetensors"));
        train = new ObjectMapper().readTree(Files.readString(DIR.resolve("train.json")));
        model = ModelConfigs.load(DIR.resolve("config.json"));
    }

    @AfterAll
    static void close() {
        weights.close();
        batchFile.close();
        expected.close();
    }

    static ParamStore referenceParams(Arena arena) {
        ParamStore p = ParamStore.allocate(arena, model.params());
        for (ParamSpec spec : model.params()) {
            p.tensor(spec.name()).copyFrom(weights.tensor(spec.name()));
        }
        return p;
    }

    static void fillReferenceBatch(Batch b) {
        b.inputIds().copyFrom(batchFile.tensor("input_ids"));
        b.targets().copyFrom(batchFile.tensor("targets"));
        b.lossMask().copyFrom(batchFile.tensor("loss_mask"));
    }

    static TrainConfig referenceTrainConfig() {
        AdamW.Config adam = new AdamW.Config(train.get("betas").get(0).asDouble(), train.get("betas").get(1).asDouble(),
                train.get("eps").asDouble(), train.get("weight_decay").asDouble());
        LrSchedule schedule = new LrSchedule(train.get("lr_peak").asDouble(), train.get("lr_min").asDouble(),
                train.get("warmup_steps").asLong(), train.get("steps").asLong());
        return new TrainConfig(train.get("batch_size").asInt(), train.get("seq_len").asInt(), schedule, adam,
                train.get("grad_clip_norm").asDouble());
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
    void logitsAndLossMatch() {
        TrainConfig cfg = referenceTrainConfig();
        try (Arena arena = Arena.ofConfined(); OrtBackend backend = new OrtBackend();
             Evaluator eval = new Evaluator(backend, model, referenceParams(arena), cfg.batchSize(), cfg.seqLen(), arena)) {
            fillReferenceBatch(eval.batch());
            eval.run();
            double logitsError = relativeError(eval.logits(), expected.tensor("logits"));
            double loss = eval.nllSum() / eval.weightSum();
            double refLoss = expected.tensor("loss").getDouble(0);
            System.out.printf("reference: logits max rel err %.2e, loss %.8f vs %.8f%n", logitsError, loss, refLoss);
            assertTrue(logitsError < FORWARD_TOLERANCE, "logits relative error " + logitsError);
            assertEquals(refLoss, loss, refLoss * FORWARD_TOLERANCE);
        }
    }

    @Test
    void everyGradientMatches() {
        TrainConfig cfg = referenceTrainConfig();
        try (Arena arena = Arena.ofConfined(); OrtBackend backend = new OrtBackend();
             Trainer trainer = new Trainer(backend, model, referenceParams(arena), cfg, arena)) {
            fillReferenceBatch(trainer.batch());
            double loss = trainer.computeGradients();
            double refLoss = expected.tensor("loss").getDouble(0);
            assertEquals(refLoss, loss, refLoss * FORWARD_TOLERANCE);
            double worst = 0;
            String worstName = "";
            for (ParamSpec spec : model.params()) {
                double err = relativeError(trainer.grads().tensor(spec.name()), expected.tensor("grad." + spec.name()));
                assertTrue(err < GRAD_TOLERANCE, "gradient of " + spec.name() + " relative error " + err);
                if (err > worst) {
                    worst = err;
                    worstName = spec.name();
                }
            }
            System.out.printf("reference: %d gradients, worst max rel err %.2e (%s)%n", model.params().size(), worst, worstName);
        }
    }

    @Test
    void tenAdamWStepsMatch() {
        TrainConfig cfg = referenceTrainConfig();
        HostTensor refLosses = expected.tensor("step_losses");
        HostTensor refLrs = expected.tensor("step_lrs");
        try (Arena arena = Arena.ofConfined(); OrtBackend backend = new OrtBackend();
             Trainer trainer = new Trainer(backend, model, referenceParams(arena), cfg, arena)) {
            double worstLoss = 0;
            for (int s = 0; s < refLosses.size(); s++) {
                StepResult r = trainer.step(Gpt2ReferenceTest::fillStep);
                assertEquals(refLrs.getDouble(s), r.lr(), 1e-9, "lr at step " + s);
                double err = Math.abs(r.loss() - refLosses.getDouble(s)) / refLosses.getDouble(s);
                worstLoss = Math.max(worstLoss, err);
                assertTrue(err < 1e-5, "step " + s + " loss " + r.loss() + " vs " + refLosses.getDouble(s));
            }
            double worstParam = 0;
            for (ParamSpec spec : model.params()) {
                double err = relativeError(trainer.params().tensor(spec.name()), expected.tensor("final." + spec.name()));
                worstParam = Math.max(worstParam, err);
                assertTrue(err < FINAL_WEIGHT_TOLERANCE, "final " + spec.name() + " relative error " + err);
            }
            System.out.printf("reference: 10 AdamW steps, worst loss rel err %.2e, worst final-weight rel err %.2e%n", worstLoss, worstParam);
        }
    }

    private static void fillStep(Batch b, long step) {
        fillReferenceBatch(b);
    }
}
