package dev.overtune.cuda.exec;

import dev.overtune.cuda.KernelModule;
import dev.overtune.cuda.driver.Nvrtc;
import dev.overtune.cuda.driver.Outcome;
import dev.overtune.graph.GraphBuilder;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.TrainingGraphs;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The generated source as device code: every kernel the launches name is an entry of the PTX,
 * compiled by nvcc here, and by NVRTC (what CudaBackend uses) wherever libnvrtc is installed.
 */
class GeneratedSourceTest {
    /**
     * Plans that between them have every form of generated kernel: llama-tiny's and GPT-2 tiny's train
     * graphs (block kernels, the sorted embedding gradient) and a strided sum over 512 rows (the chunked
     * two-launch reduction, which the train graphs no longer need: their bias sums are GEMMs).
     */
    static List<ExecutionPlan> trainPlans() {
        ExecutionPlan llama = GraphLowering.lower(TrainingGraphs.train(ModelConfigs.PRESETS.get("llama-tiny"), 2, 16));
        ExecutionPlan gpt2 = GraphLowering.lower(TrainingGraphs.train(ModelConfigs.PRESETS.get("tiny"), 8, 64));
        GraphBuilder g = new GraphBuilder("strided_sum");
        g.output("sum", g.reduceSum(g.input("x", DType.F32, Shape.of(8, 64, 32)), false, 0, 1));
        ExecutionPlan strided = GraphLowering.lower(g.build());
        assertTrue(gpt2.kernelFunctions().stream().anyMatch(f -> f.endsWith("_sort")), "GPT-2 tiny 8x64 has a _sort kernel");
        assertTrue(strided.kernelFunctions().stream().anyMatch(f -> f.endsWith("_partial")), "a 512-row strided sum has a _partial kernel");
        assertTrue(llama.steps().stream().anyMatch(s -> s instanceof Step.Kernel k && k.grid() == Grid.BLOCK_PER_ITEM), "llama-tiny has block kernels");
        return List.of(llama, gpt2, strided);
    }

    private static List<String> entries(ExecutionPlan plan) {
        List<String> names = new ArrayList<>();
        for (String f : plan.kernelFunctions()) {
            names.add(f + "_kernel");
        }
        names.add(GraphLowering.COPY_KERNEL);
        return names;
    }

    private static void assertEntries(String ptx, ExecutionPlan plan, String compiler) {
        List<String> names = entries(plan);
        for (String name : names) {
            assertTrue(ptx.contains(".visible .entry " + name + "("), compiler + ": PTX lacks the entry " + name);
        }
        System.out.println(compiler + ": " + names.size() + " kernel entries of " + plan.describe());
    }

    @Test
    void nvccCompilesEveryKernelEntry() throws Exception {
        var nvcc = HostLibrary.nvcc();
        assumeTrue(nvcc.isPresent(), "no nvcc");
        Path dir = Path.of(System.getProperty("overtune.build.dir", "target"), "exec-ptx");
        Files.createDirectories(dir);
        for (ExecutionPlan plan : trainPlans()) {
            Path cu = dir.resolve(plan.graph().name() + ".cu");
            Path ptx = dir.resolve(plan.graph().name() + ".ptx");
            Files.writeString(cu, plan.source());
            Process p = new ProcessBuilder(nvcc.get().toString(), "-ptx", "-arch=compute_80", "-std=c++17", cu.toString(), "-o", ptx.toString())
                    .redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(600, TimeUnit.SECONDS), "nvcc took over 10 minutes");
            assertEquals(0, p.exitValue(), "nvcc -ptx failed: " + log);
            assertEntries(Files.readString(ptx), plan, "nvcc -ptx compute_80");
        }
    }

    @Test
    void nvrtcCompilesEveryKernelEntry() {
        Outcome<Nvrtc> nvrtc = Nvrtc.load();
        assumeTrue(nvrtc.available(), "no NVRTC: " + nvrtc.reason());
        for (ExecutionPlan plan : trainPlans()) {
            String ptx = nvrtc.orElseThrow().compileToPtx(plan.graph().name() + ".cu", plan.source(), KernelModule.headers(),
                    List.of(Nvrtc.architectureOption(80), "--std=c++17"));
            assertEntries(ptx, plan, "NVRTC compute_80");
        }
    }
}
