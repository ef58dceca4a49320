package dev.overtune.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which ops lack a check: every op of the IR needs a finite-difference gradient check (engine's VjpGradientTest) and an
 * appearance in a native test that runs the lowered CUDA plan against ONNX Runtime ({@code PlanRunner.errors}: NodeKernelTest
 * for the generated kernels, GemmLoweringTest for MatMul's cuBLAS calls). An op is found in a test's source by the
 * GraphBuilder call that makes it ({@code g.matmul(}, {@code g.reduceSum(}).
 */
final class OpCoverage {
    /** Ops without a gradient: their results are integers or booleans, or constants (Vjp gives them none). */
    static final Set<Class<? extends Op>> NO_GRADIENT = Set.of(Op.Equal.class, Op.OneHot.class, Op.Zeros.class);

    private OpCoverage() {}

    /** The GraphBuilder method that adds an op: its name with a small first letter ({@code MatMul} is {@code matmul}). */
    static String builderMethod(Class<? extends Op> op) {
        String name = op.getSimpleName();
        if (name.equals("MatMul")) {
            return "matmul";
        }
        return name.substring(0, 1).toLowerCase(Locale.ROOT) + name.substring(1);
    }

    /** One line per missing check, e.g. "Tanh has no gradient check (g.tanh( in VjpGradientTest)". */
    static List<String> missing(List<Class<? extends Op>> ops, String gradientTests, String kernelTests) {
        List<String> out = new ArrayList<>();
        for (Class<? extends Op> op : ops) {
            Pattern call = Pattern.compile("\\bg\\." + Pattern.quote(builderMethod(op)) + "\\(");
            if (!NO_GRADIENT.contains(op) && !call.matcher(gradientTests).find()) {
                out.add(op.getSimpleName() + " has no gradient check (g." + builderMethod(op) + "( in VjpGradientTest)");
            }
            if (!call.matcher(kernelTests).find()) {
                out.add(op.getSimpleName() + " has no CUDA kernel check (g." + builderMethod(op) + "( in a native test against ONNX Runtime)");
            }
        }
        return out;
    }
}
