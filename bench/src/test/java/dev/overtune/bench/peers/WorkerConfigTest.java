package dev.overtune.bench.peers;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class WorkerConfigTest {
    private static final WorkerConfig PYTORCH = WorkerProtocol.parseHello(WorkerProtocolTest.PYTHON_HELLO);

    /** The overtune worker's hello for the same set-up: Java writes 1.0E-5 where Python writes 1e-05. */
    private static WorkerConfig overtune(String... edits) {
        String line = WorkerProtocolTest.PYTHON_HELLO.replace("\"side\":\"pytorch\"", "\"side\":\"overtune\"")
                .replace("1e-05", "1.0E-5").replace("\"torch\":\"1.13.0a0\"", "\"onnxruntime\":\"1.23.2\"")
                .replace("torch normal_ + add_ in place", "plain Java loops");
        for (int i = 0; i < edits.length; i += 2) {
            line = line.replace(edits[i], edits[i + 1]);
        }
        return WorkerProtocol.parseHello(line);
    }

    @Test
    void theSameSetUpHasNoDifferencesWhateverTheVersionsAndProbes() {
        assertEquals(List.of(), overtune().differencesFrom(PYTORCH));
    }

    @Test
    void differentThreadsAreNamedWithBothValues() {
        assertEquals(List.of("threads: overtune 2, pytorch 1"),
                overtune().differencesFrom(WorkerProtocol.parseHello(WorkerProtocolTest.PYTHON_HELLO.replace("\"threads\":2", "\"threads\":1"))));
    }

    @Test
    void differentBatchShapesAreNamed() {
        assertEquals(List.of("batch: overtune 4, pytorch 8", "seq: overtune 32, pytorch 64"),
                overtune("\"batch\":8,\"seq\":64", "\"batch\":4,\"seq\":32").differencesFrom(PYTORCH));
    }

    @Test
    void differentModelsAreNamedByConfigKeyAndParameterCount() {
        WorkerConfig wider = overtune("\"n_embd\":64", "\"n_embd\":128", "\"params\":136960", "\"params\":400000");
        assertEquals(List.of("parameter count: overtune 400000, pytorch 136960", "config n_embd: overtune 128, pytorch 64"),
                wider.differencesFrom(PYTORCH));
        assertEquals(List.of("config activation_function: overtune \"gelu\", pytorch \"gelu_new\""),
                overtune("\"gelu_new\"", "\"gelu\"").differencesFrom(PYTORCH));
        assertEquals(List.of("model: overtune small, pytorch tiny"), overtune("\"model\":\"tiny\"", "\"model\":\"small\"").differencesFrom(PYTORCH));
    }

    @Test
    void aConfigKeyOnOneSideOnlyIsADifference() {
        assertEquals(List.of("config rotary_pct: overtune 0.25, pytorch (absent)"),
                overtune("\"tie_word_embeddings\":true", "\"tie_word_embeddings\":true,\"rotary_pct\":0.25").differencesFrom(PYTORCH));
    }

    @Test
    void theHarnessRefusesMismatchesSayingWhichDiffer() {
        assertEquals(Optional.empty(), BenchPeers.refusal(overtune(), PYTORCH));
        assertEquals(Optional.of("""
                refusing to compare: the two workers report different set-ups:
                  seq: overtune 32, pytorch 64
                  threads: overtune 1, pytorch 2"""),
                BenchPeers.refusal(overtune("\"seq\":64", "\"seq\":32", "\"threads\":2", "\"threads\":1"), PYTORCH));
    }

    @Test
    void scanWorkersThatRunDifferentProtocolsAreRefusedNamingWhatDiffers() {
        String protocol = ",\"protocol\":{\"members\":9,\"steps\":40,\"windows\":{\"ood\":255,\"test\":62,\"val\":62}}}";
        WorkerConfig ot = overtune("\"probes\":\"plain Java loops\"}", "\"probes\":\"plain Java loops\"" + protocol);
        WorkerConfig same = WorkerProtocol.parseHello(WorkerProtocolTest.PYTHON_HELLO.replaceFirst("}$", protocol));
        assertEquals(List.of(), ot.differencesFrom(same));
        WorkerConfig fewer = WorkerProtocol.parseHello(WorkerProtocolTest.PYTHON_HELLO.replaceFirst("}$",
                protocol.replace("\"members\":9", "\"members\":6").replace("\"val\":62", "\"val\":31")));
        assertEquals(List.of("protocol members: overtune 9, pytorch 6",
                        "protocol windows: overtune {\"ood\":255,\"test\":62,\"val\":62}, pytorch {\"ood\":255,\"test\":62,\"val\":31}"),
                ot.differencesFrom(fewer));
        WorkerConfig none = WorkerProtocol.parseHello(WorkerProtocolTest.PYTHON_HELLO);
        assertEquals("protocol steps: overtune 40, pytorch (absent)", ot.differencesFrom(none).get(1));
    }
}
