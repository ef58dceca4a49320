package dev.overtune.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.TrainingArtifacts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "artifacts", mixinStandardHelpOptions = true,
        description = "Writes a model's training-artifact bundle: train.onnx, eval.onnx and manifest.json (standard ONNX, opset 17).")
final class ArtifactsCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "CONFIG_OR_PRESET", completionCandidates = Presets.class,
            description = "A preset (${COMPLETION-CANDIDATES}), a config.json, or a checkpoint directory.")
    String model;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write the bundle.")
    Path out;

    @Option(names = "--batch", defaultValue = "8", description = "Batch size baked into the graphs (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--seq-len", description = "Sequence length baked into the graphs (default: the model's context).")
    Integer seqLen;

    @Mixin
    FormatOption output;

    @Override
    public Integer call() {
        LanguageModel m = Models.resolve(model);
        int seq = seqLen != null ? seqLen : m.contextLength();
        Options.requirePositive("--batch", batch);
        Options.requirePositive("--seq-len", seq);
        ObjectNode manifest = TrainingArtifacts.write(m, batch, seq, out);
        if (output.json()) {
            System.out.println(JsonOutput.line(manifest));
        } else {
            System.out.printf("wrote %s/{%s,%s,%s}: %s, %d parameters tensors, batch %d x seq %d, opset %d%n", out,
                    TrainingArtifacts.TRAIN, TrainingArtifacts.EVAL, TrainingArtifacts.MANIFEST, m.family(),
                    m.params().size(), batch, seq, manifest.get("opset").asInt());
            System.out.printf("train.onnx: %d nodes, sha256 %s%n", manifest.get("train").get("nodes").asInt(), manifest.get("train").get("sha256").asText());
            System.out.printf("eval.onnx:  %d nodes, sha256 %s%n", manifest.get("eval").get("nodes").asInt(), manifest.get("eval").get("sha256").asText());
        }
        return ExitCodes.OK;
    }
}
