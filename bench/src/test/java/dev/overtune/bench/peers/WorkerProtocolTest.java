package dev.overtune.bench.peers;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkerProtocolTest {
    /** A hello line exactly as bench/peers/torch_worker.py printed it (Python's JSON: 1e-05, true). */
    static final String PYTHON_HELLO = "hello {\"side\":\"pytorch\",\"model\":\"tiny\",\"model_type\":\"gpt2\",\"config\":{\"model_type\":\"gpt2\","
            + "\"architectures\":[\"GPT2LMHeadModel\"],\"vocab_size\":512,\"n_positions\":64,\"n_embd\":64,\"n_layer\":2,\"n_head\":4,"
            + "\"layer_norm_epsilon\":1e-05,\"activation_function\":\"gelu_new\",\"tie_word_embeddings\":true},\"params\":136960,"
            + "\"batch\":8,\"seq\":64,\"threads\":2,\"versions\":{\"torch\":\"1.13.0a0\",\"python\":\"3.11.2\"},"
            + "\"probes\":\"torch normal_ + add_ in place\"}";

    @Test
    void commandsRoundTripAndRejectNonsense() {
        WorkerProtocol.Command c = new WorkerProtocol.Command(Job.TRAIN, 20);
        assertEquals("train 20", c.line());
        assertEquals(c, WorkerProtocol.Command.parse("train 20"));
        assertEquals(new WorkerProtocol.Command(Job.PEAK, 3), WorkerProtocol.Command.parse("  peak   3 "));
        for (String bad : new String[] {"train", "train 0", "train -1", "train x", "fly 2", "train 2 3", ""}) {
            assertThrows(WorkerProtocol.ProtocolException.class, () -> WorkerProtocol.Command.parse(bad), bad);
        }
    }

    @Test
    void repliesParseAsEitherSidePrintsThem() {
        assertEquals(new WorkerProtocol.Reply(0.25, 6.5), WorkerProtocol.Reply.parse("ok 0.250000000 6.5"));
        WorkerProtocol.Reply python = WorkerProtocol.Reply.parse("ok 0.001338362 nan");
        assertTrue(Double.isNaN(python.loss()));
        WorkerProtocol.Reply java = new WorkerProtocol.Reply(1.5, Double.NaN);
        assertEquals("ok 1.500000000 nan", java.line());
        assertEquals(1.5, WorkerProtocol.Reply.parse(java.line()).seconds());
        assertEquals(6.263583660125732, WorkerProtocol.Reply.parse("ok 0.79 6.263583660125732").loss());
    }

    @Test
    void errorsAndMalformedRepliesFailWithTheWorkersWords() {
        var e = assertThrows(WorkerProtocol.ProtocolException.class,
                () -> WorkerProtocol.Reply.parse("error ValueError: seq 300 exceeds the model's context 256"));
        assertEquals("ValueError: seq 300 exceeds the model's context 256", e.getMessage());
        assertTrue(assertThrows(WorkerProtocol.ProtocolException.class, () -> WorkerProtocol.Reply.parse(null))
                .getMessage().contains("closed its output"));
        for (String bad : new String[] {"ok", "ok 1.0", "ok abc 1.0", "ok 0 1.0", "ok -1 1.0", "ok inf 1.0", "done 1 2", "ok 1 2 3"}) {
            assertThrows(WorkerProtocol.ProtocolException.class, () -> WorkerProtocol.Reply.parse(bad), bad);
        }
    }

    @Test
    void helloFromPythonParses() {
        WorkerConfig c = WorkerProtocol.parseHello(PYTHON_HELLO);
        assertEquals("pytorch", c.side());
        assertEquals("tiny", c.model());
        assertEquals(136960, c.params());
        assertEquals(8, c.batch());
        assertEquals(64, c.seq());
        assertEquals(2, c.threads());
        assertEquals("1.13.0a0", c.versions().get("torch"));
        assertEquals(512, c.config().get("vocab_size").asInt());
    }

    @Test
    void helloRoundTripsThroughItsLine() {
        WorkerConfig c = WorkerProtocol.parseHello(PYTHON_HELLO);
        assertEquals(c, WorkerProtocol.parseHello(WorkerProtocol.hello(c)));
    }

    @Test
    void badHellosSayWhatIsWrong() {
        assertTrue(assertThrows(WorkerProtocol.ProtocolException.class, () -> WorkerProtocol.parseHello(null))
                .getMessage().contains("exited before saying hello"));
        assertEquals("no such preset", assertThrows(WorkerProtocol.ProtocolException.class,
                () -> WorkerProtocol.parseHello("error no such preset")).getMessage());
        assertThrows(WorkerProtocol.ProtocolException.class, () -> WorkerProtocol.parseHello("hi there"));
        assertThrows(WorkerProtocol.ProtocolException.class, () -> WorkerProtocol.parseHello("hello {not json"));
        assertThrows(WorkerProtocol.ProtocolException.class, () -> WorkerProtocol.parseHello("hello [1, 2]"));
        assertTrue(assertThrows(WorkerProtocol.ProtocolException.class,
                () -> WorkerProtocol.parseHello(PYTHON_HELLO.replace("\"threads\":2,", ""))).getMessage().contains("'threads'"));
    }
}
