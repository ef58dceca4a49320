package dev.overtune.layering;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The floors of overtune's packages, lowest first, and the rules they keep (ARCHITECTURE.md says why each package is
 * where it is): a package uses only packages on its own floor or below; no two packages use each other, directly or
 * round a loop; {@code engine} uses nothing of {@code native}; and every package has a floor, so a new one is placed
 * on purpose. Packages of {@code native} share one floor above the engine, {@code cli} and {@code bench} the top.
 */
final class Layering {
    static final int NATIVE = 11;
    static final int TOP = 12;

    /** Engine packages by floor. */
    static final Map<String, Integer> ENGINE_FLOORS = Map.ofEntries(
            Map.entry("dev.overtune", 0),
            Map.entry("dev.overtune.tensor", 0),
            Map.entry("dev.overtune.build", 0),
            Map.entry("dev.overtune.analysis", 0),
            Map.entry("dev.overtune.graph", 1),
            Map.entry("dev.overtune.text", 1),
            Map.entry("dev.overtune.autodiff", 2),
            Map.entry("dev.overtune.onnx", 2),
            Map.entry("dev.overtune.model", 3),
            Map.entry("dev.overtune.backend", 3),
            Map.entry("dev.overtune.checkpoint", 4),
            Map.entry("dev.overtune.data", 4),
            Map.entry("dev.overtune.task", 5),
            Map.entry("dev.overtune.series", 5),
            Map.entry("dev.overtune.train", 6),
            Map.entry("dev.overtune.probe", 7),
            Map.entry("dev.overtune.pretrain", 7),
            Map.entry("dev.overtune.scan", 8),
            Map.entry("dev.overtune.findings", 9),
            Map.entry("dev.overtune.synth", 9),
            Map.entry("dev.overtune.report", 10));

    private final Map<String, Integer> engineFloors;

    Layering(Map<String, Integer> engineFloors) {
        this.engineFloors = engineFloors;
    }

    static Layering overtune() {
        return new Layering(ENGINE_FLOORS);
    }

    /** The floor of a package: engine's from the table, native's and the top modules' by their module; null if none. */
    Integer floor(ImportScan scan, String pkg) {
        String module = scan.modules().get(pkg);
        if (module == null) {
            return null;
        }
        return switch (module) {
            case "engine" -> engineFloors.get(pkg);
            case "native" -> NATIVE;
            default -> TOP;
        };
    }

    /** Every rule broken, one line each naming the packages and a file that shows it; empty when the floors hold. */
    List<String> violations(ImportScan scan) {
        List<String> out = new ArrayList<>();
        for (String pkg : scan.packages()) {
            if (floor(scan, pkg) == null) {
                out.add(pkg + " (" + scan.modules().get(pkg) + ") has no floor: add it to Layering.ENGINE_FLOORS and ARCHITECTURE.md");
            }
        }
        scan.edges().forEach((from, targets) -> targets.forEach((to, file) -> {
            if (!scan.modules().containsKey(to)) {
                return; // a package of a module not scanned (a test helper, a library): the compiler judges those
            }
            String fromModule = scan.modules().get(from);
            String toModule = scan.modules().get(to);
            if (fromModule.equals("engine") && !toModule.equals("engine")) {
                out.add(from + " uses " + to + " (" + toModule + "): engine must not use " + toModule + " (" + file + ")");
                return;
            }
            Integer a = floor(scan, from);
            Integer b = floor(scan, to);
            if (a != null && b != null && b > a) {
                out.add(from + " (floor " + a + ") uses " + to + " (floor " + b + "), a higher floor (" + file + ")");
            }
        }));
        for (List<String> cycle : cycles(scan)) {
            out.add("package cycle: " + String.join(" -> ", cycle) + " -> " + cycle.getFirst());
        }
        return out;
    }

    /** The strongly connected components of more than one package (Tarjan), each as a list of its packages. */
    static List<List<String>> cycles(ImportScan scan) {
        Map<String, Set<String>> graph = new HashMap<>();
        scan.edges().forEach((from, targets) -> {
            Set<String> to = new TreeSet<>(targets.keySet());
            to.retainAll(scan.modules().keySet());
            graph.put(from, to);
        });
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new java.util.HashSet<>();
        List<List<String>> out = new ArrayList<>();
        int[] counter = {0};
        for (String v : new TreeSet<>(graph.keySet())) {
            if (!index.containsKey(v)) {
                strongConnect(v, graph, index, low, stack, onStack, out, counter);
            }
        }
        return out;
    }

    private static void strongConnect(String v, Map<String, Set<String>> graph, Map<String, Integer> index, Map<String, Integer> low,
                                      Deque<String> stack, Set<String> onStack, List<List<String>> out, int[] counter) {
        index.put(v, counter[0]);
        low.put(v, counter[0]);
        counter[0]++;
        stack.push(v);
        onStack.add(v);
        for (String w : graph.getOrDefault(v, Set.of())) {
            if (!index.containsKey(w)) {
                strongConnect(w, graph, index, low, stack, onStack, out, counter);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            List<String> component = new ArrayList<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            if (component.size() > 1) {
                component.sort(null);
                out.add(component);
            }
        }
    }
}
