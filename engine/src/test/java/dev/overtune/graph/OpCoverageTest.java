package dev.overtune.graph;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every op of the IR has a gradient check and a CUDA kernel check; a new op without them fails here by name. */
class OpCoverageTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @SuppressWarnings("unchecked")
    private static List<Class<? extends Op>> ops() {
        List<Class<? extends Op>> out = new java.util.ArrayList<>();
        for (Class<?> c : Op.class.getPermittedSubclasses()) {
            out.add((Class<? extends Op>) c);
        }
        return out;
    }

    @Test
    void everyOpHasAGradientCheckAndAKernelCheck() throws IOException {
        String gradient = Files.readString(ROOT.resolve("engine/src/test/java/dev/overtune/autodiff/VjpGradientTest.java"));
        String kernels;
        try (Stream<Path> files = Files.walk(ROOT.resolve("native/src/test/java"))) {
            // The kernel checks: native's tests that run a lowered plan against ONNX Runtime (PlanRunner.errors).
            kernels = files.filter(p -> p.toString().endsWith(".java")).map(OpCoverageTest::read)
                    .filter(s -> s.contains("PlanRunner.errors(")).collect(Collectors.joining("\n"));
        }
        assertTrue(kernels.contains("everyOpMatchesOnnxRuntime"), "native's NodeKernelTest (every op against ONNX Runtime) was not found");
        List<String> missing = OpCoverage.missing(ops(), gradient, kernels);
        assertEquals(List.of(), missing, String.join("\n", missing));
    }

    @Test
    void everyOpHasTheBuilderMethodTheCheckLooksFor() {
        for (Class<? extends Op> op : ops()) {
            String name = OpCoverage.builderMethod(op);
            boolean found = Arrays.stream(GraphBuilder.class.getMethods())
                    .filter(m -> Modifier.isPublic(m.getModifiers())).map(Method::getName).anyMatch(name::equals);
            assertTrue(found, op.getSimpleName() + ": GraphBuilder has no method " + name);
        }
    }

    @Test
    void anOpWithoutChecksIsNamed() {
        List<Class<? extends Op>> ops = List.of(Op.Add.class, Op.Tanh.class, Op.MatMul.class, Op.Zeros.class);
        String gradient = "@Test void add() { check((g, x) -> g.add(x.get(0), x.get(1))); }\n@Test void mm() { g.matmul(a, b); }";
        String kernels = "g.output(\"add\", g.add(x, y)); g.output(\"tanh\", g.tanh(x)); g.zeros(s, F32);";
        assertEquals(List.of("Tanh has no gradient check (g.tanh( in VjpGradientTest)",
                        "MatMul has no CUDA kernel check (g.matmul( in a native test against ONNX Runtime)"),
                OpCoverage.missing(ops, gradient, kernels));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
