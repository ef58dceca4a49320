package dev.overtune.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.overtune.build.BuildInfo;
import dev.overtune.graph.Graph;
import dev.overtune.graph.Value;
import dev.overtune.onnx.OnnxEmitter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Writes a model's training-artifact bundle: {@code train.onnx} (loss and one gradient per
 * parameter), {@code eval.onnx} (loss, per-token log-likelihoods, logits) and {@code manifest.json}
 * (parameters with shapes and init std, inputs, outputs, opset, graph hashes). Plain ONNX: any ONNX
 * Runtime build runs them, no training build needed.
 */
public final class TrainingArtifacts {
    public static final String TRAIN = "train.onnx";
    public static final String EVAL = "eval.onnx";
    public static final String MANIFEST = "manifest.json";

    private TrainingArtifacts() {}

    /** Writes the bundle into dir and returns the manifest. */
    public static ObjectNode write(LanguageModel model, int batch, int seq, Path dir) {
        Graph train = TrainingGraphs.train(model, batch, seq);
        Graph eval = TrainingGraphs.eval(model, batch, seq);
        byte[] trainBytes = OnnxEmitter.emit(train, "overtune training graph: loss and d(loss)/d(parameter)").toByteArray();
        byte[] evalBytes = OnnxEmitter.emit(eval, "overtune evaluation graph: loss, token log-likelihoods, logits").toByteArray();
        ObjectNode manifest = manifest(model, batch, seq, train, eval, trainBytes, evalBytes);
        try {
            Files.createDirectories(dir);
            Files.write(dir.resolve(TRAIN), trainBytes);
            Files.write(dir.resolve(EVAL), evalBytes);
            Files.writeString(dir.resolve(MANIFEST), manifest.toPrettyString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write artifacts to " + dir + ": " + e.getMessage(), e);
        }
        return manifest;
    }

    private static ObjectNode manifest(LanguageModel model, int batch, int seq, Graph train, Graph eval, byte[] trainBytes, byte[] evalBytes) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode m = json.createObjectNode();
        m.put("producer", "overtune " + BuildInfo.engineVersion());
        m.put("model_type", model.family());
        try {
            m.set("config", json.readTree(model.configJson()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        m.put("opset", OnnxEmitter.OPSET);
        m.put("ir_version", OnnxEmitter.IR_VERSION);
        m.put("batch_size", batch);
        m.put("seq_len", seq);
        m.put("ignore_index", TrainingGraphs.IGNORE_INDEX);
        m.put("loss", "sum(w * nll) / sum(w), w = loss_mask * (targets != ignore_index)");
        ArrayNode params = m.putArray("parameters");
        for (ParamSpec p : model.params()) {
            ObjectNode o = params.addObject();
            o.put("name", p.name());
            ArrayNode shape = o.putArray("shape");
            for (int d : p.shape().dims()) {
                shape.add(d);
            }
            o.put("init", p.init().name().toLowerCase());
            o.put("init_std", p.initStd());
            o.put("weight_decay", p.decays());
        }
        m.set("train", describe(json, train, trainBytes));
        m.set("eval", describe(json, eval, evalBytes));
        return m;
    }

    private static ObjectNode describe(ObjectMapper json, Graph g, byte[] bytes) {
        ObjectNode o = json.createObjectNode();
        o.put("file", g.name().endsWith("_train") ? TRAIN : EVAL);
        o.put("sha256", sha256(bytes));
        o.put("nodes", g.nodes().size());
        ArrayNode data = o.putArray("data_inputs");
        for (Value v : g.inputs()) {
            if (v.name().equals(TrainingGraphs.INPUT_IDS) || v.name().equals(TrainingGraphs.TARGETS) || v.name().equals(TrainingGraphs.LOSS_MASK)) {
                data.add(v.name() + ":" + v.dtype() + v.shape());
            }
        }
        ArrayNode outputs = o.putArray("outputs");
        g.outputs().forEach((name, v) -> outputs.add(name + ":" + v.dtype() + v.shape()));
        return o;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
