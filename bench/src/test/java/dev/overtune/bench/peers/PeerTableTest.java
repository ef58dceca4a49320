package dev.overtune.bench.peers;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalLong;

import static dev.overtune.bench.peers.JobResultTest.call;
import static org.junit.jupiter.api.Assertions.assertEquals;

class PeerTableTest {
    @Test
    void rendersMediansRatiosPeakAndMemory() {
        JobResult train = new JobResult(Job.TRAIN, List.of(
                new Round(call(1, 0.5), call(1, 1.0)),
                new Round(call(1, 0.4), call(1, 1.2)),
                new Round(call(1, 0.5), call(1, 1.1))),
                2048, 20_000_000_000L, OptionalLong.of(300 * 1024), OptionalLong.of(512 * 1024));
        JobResult load = new JobResult(Job.LOAD, List.of(new Round(call(100, 0.5), call(100, 1.0))),
                0, 0, OptionalLong.of(1536 * 1024), OptionalLong.empty());
        String expected = """
                job                 unit          overtune     PyTorch  overtune/PyTorch      overtune   PyTorch  ceiling  peak RSS      MiB
                                                    median      median  speed (min–max)      % of peak % of peak    ratio  overtune  PyTorch
                training step       tokens/s         4,096       1,862  2.20 (2.00–3.00)         40.0%     18.2%     5.50       300      512
                checkpoint load     ms/load           5.00        10.0  2.00 (2.00–2.00)             —         —        —     1,536        —
                """;
        assertEquals(expected, PeerTable.render(List.of(train, load), 100));
    }

    @Test
    void withoutPytorchItsColumnsAreDashes() {
        JobResult eval = new JobResult(Job.EVAL, List.of(new Round(call(3, 1.0), null)),
                512, 0, OptionalLong.empty(), OptionalLong.empty());
        String row = PeerTable.render(List.of(eval), 100).lines().toList().get(2);
        assertEquals("evaluation          tokens/s         1,536           —  —                            —         —        —         —        —", row);
    }

    @Test
    void figuresKeepThreeSignificantDigitsOrGroupThousands() {
        assertEquals("123,457", PeerTable.figure(123456.7));
        assertEquals("457", PeerTable.figure(456.7));
        assertEquals("45.7", PeerTable.figure(45.67));
        assertEquals("4.57", PeerTable.figure(4.567));
        assertEquals("0.457", PeerTable.figure(0.4567));
        assertEquals("—", PeerTable.figure(Double.NaN));
        assertEquals("12.5%", PeerTable.percent(0.125));
        assertEquals("2", PeerTable.mib(OptionalLong.of(2048)));
    }
}
