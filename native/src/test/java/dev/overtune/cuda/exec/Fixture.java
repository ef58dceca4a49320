package dev.overtune.cuda.exec;

import dev.overtune.checkpoint.ModelWeights;
import dev.overtune.checkpoint.SafetensorsFile;
import dev.overtune.checkpoint.ShardedCheckpoint;
import dev.overtune.graph.Graph;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamStore;
import dev.overtune.model.TrainingGraphs;
import dev.overtune.tensor.HostTensor;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One of the engine's reference fixtures (engine/src/test/resources/reference): its model, its
 * weights and its batch as the named host tensors a train or eval graph takes.
 */
record Fixture(String name, LanguageModel model, int batch, int seq, Map<String, HostTensor> inputs,
               ShardedCheckpoint weights, SafetensorsFile batchFile) implements AutoCloseable {
    /** The engine's fixtures from the native module's directory; gpu-check.sh points this at the bundle's copy. */
    static final Path ROOT = Path.of(System.getProperty("overtune.reference.fixtures", "../engine/src/test/resources/reference"));

    static Fixture open(String name, Arena arena) {
        Path dir = ROOT.resolve(name);
        LanguageModel model = ModelConfigs.load(dir.resolve("config.json"));
        ShardedCheckpoint weights = ShardedCheckpoint.open(dir);
        SafetensorsFile batch = SafetensorsFile.open(dir.resolve("batch.safetensors"));
        ParamStore params = ParamStore.allocate(arena, model.params());
        ModelWeights.load(weights, model, params);
        Map<String, HostTensor> inputs = new LinkedHashMap<>(params.tensors());
        HostTensor ids = batch.tensor(TrainingGraphs.INPUT_IDS);
        inputs.put(TrainingGraphs.INPUT_IDS, ids);
        inputs.put(TrainingGraphs.TARGETS, batch.tensor(TrainingGraphs.TARGETS));
        inputs.put(TrainingGraphs.LOSS_MASK, batch.tensor(TrainingGraphs.LOSS_MASK));
        return new Fixture(name, model, ids.shape().dim(0), ids.shape().dim(1), inputs, weights, batch);
    }

    Graph train() {
        return TrainingGraphs.train(model, batch, seq);
    }

    Graph eval() {
        return TrainingGraphs.eval(model, batch, seq);
    }

    @Override
    public void close() {
        weights.close();
        batchFile.close();
    }
}
