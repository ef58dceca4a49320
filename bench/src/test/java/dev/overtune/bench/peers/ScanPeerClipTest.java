package dev.overtune.bench.peers;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The loop peer's gradient clipping (bench/peers/scan_peer.py clip_grad_norm_) takes the global norm as overtune's
 * GradClip does, in float64: on a gradient shaped like small's tied embedding (4096 x 256, a few large rows) torch's
 * float32 norm is far enough off to make the loop's fine-tunes other work. Runs where a Python with torch is installed.
 */
class ScanPeerClipTest {
    private static final String PYTHON = "/usr/bin/python3";
    private static final String CHECK = """
            import math, sys
            sys.path.insert(0, sys.argv[1])
            import torch, scan_peer
            gen = torch.Generator().manual_seed(0)
            emb = torch.randn(4096, 256, generator=gen) * 1e-4
            emb[:256] *= 1e3
            bias = torch.randn(768, generator=gen)
            params = [torch.nn.Parameter(torch.zeros_like(emb)), torch.nn.Parameter(torch.zeros_like(bias))]
            params[0].grad, params[1].grad = emb.clone(), bias.clone()
            exact = math.sqrt(emb.double().pow(2).sum().item() + bias.double().pow(2).sum().item())
            norm = scan_peer.clip_grad_norm_(params, 1.0).item()
            coef = torch.tensor(1.0 / (exact + 1e-6), dtype=torch.float32)
            scaled = max((p.grad - g * coef).abs().max().item() for p, g in zip(params, (emb, bias)))
            after = math.sqrt(sum(p.grad.double().pow(2).sum().item() for p in params))
            print("%r %r %r %r" % (exact, norm, scaled, after))
            """;

    @Test
    void theLoopClipsByTheFloat64GlobalNorm() throws Exception {
        assumeTrue(TorchAvailability.problem(PYTHON).isEmpty(), "no Python with torch: the peer is not run here");
        Path peers = Path.of("peers").toAbsolutePath();
        assertTrue(Files.isRegularFile(peers.resolve("scan_peer.py")), peers + " has no scan_peer.py");
        Process p = new ProcessBuilder(List.of(PYTHON, "-c", CHECK, peers.toString())).redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the check did not finish in 120 s");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.exitValue(), out);
        String[] w = out.lines().toList().getLast().split(" ");
        double exact = Double.parseDouble(w[0]);
        double norm = Double.parseDouble(w[1]);
        // torch's float32 norm of these gradients is 3.5e-6 off; a float64 one is off in the last digits only.
        assertEquals(exact, norm, exact * 1e-12, "the norm clip_grad_norm_ returns");
        assertEquals(0.0, Double.parseDouble(w[2]), "every gradient scaled by max / (norm + 1e-6) in float32");
        assertEquals(1.0, Double.parseDouble(w[3]), 1e-6, "the global norm after clipping");
    }
}
