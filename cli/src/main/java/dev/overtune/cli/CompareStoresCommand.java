package dev.overtune.cli;

import dev.overtune.findings.StoreComparison;
import dev.overtune.findings.Tolerance;
import dev.overtune.scan.ScanStore;
import dev.overtune.scan.ScanStores;
import dev.overtune.scan.UnitResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.Callable;

@Command(name = "compare-stores", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compares two result stores of the same scan plan (e.g. the same scan on --backend cuda and --backend cpu): "
                + "every unit's metrics side by side with their absolute and relative differences, and the largest of each.",
                "Exit 0 when every unit is in both stores, finished alike, and every metric agrees within "
                        + "|a - b| <= ATOL + RTOL * max(|a|, |b|); exit 3 otherwise, naming each unit and metric."})
final class CompareStoresCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "STORE_A", description = "A result store a scan wrote: a SQLite file or postgresql://HOST[:PORT]/DB.")
    String storeA;

    @Parameters(index = "1", paramLabel = "STORE_B", description = "Another store of the same plan.")
    String storeB;

    @Option(names = "--rtol", defaultValue = "1e-5", description = "Relative tolerance (default: ${DEFAULT-VALUE}).")
    double rtol;

    @Option(names = "--atol", defaultValue = "1e-6", description = "Absolute tolerance (default: ${DEFAULT-VALUE}).")
    double atol;

    @Option(names = "--differences-only", description = "List only the metrics beyond the tolerance, not every one.")
    boolean differencesOnly;

    @Override
    public Integer call() {
        Options.requireNonNegative("--atol", atol);
        Options.requireNonNegative("--rtol", rtol);
        Tolerance tolerance = Options.flags(() -> new Tolerance(atol, rtol));
        List<UnitResult> a;
        List<UnitResult> b;
        String backendsA;
        String backendsB;
        try (ScanStore sa = ScanStores.read(storeA); ScanStore sb = ScanStores.read(storeB)) {
            if (!sa.planHash().equals(sb.planHash())) {
                throw new IllegalArgumentException(shown(storeA) + " and " + shown(storeB) + " were made by different scan plans (" + sa.planHash() + " vs "
                        + sb.planHash() + "); compare stores of one plan: the same series names, task, held-out text and settings");
            }
            a = sa.results();
            b = sb.results();
        }
        backendsA = backends(a);
        backendsB = backends(b);
        StoreComparison c = StoreComparison.of(a, b, tolerance);
        PrintStream out = System.out;
        out.printf("A: %s (%d units, %s)%nB: %s (%d units, %s)%n%n", shown(storeA), a.size(), backendsA, shown(storeB), b.size(), backendsB);
        printTable(out, c);
        c.largestAbsolute().ifPresent(d -> out.printf("%nlargest absolute difference %s: %s%n", sci(d.metric().absolute()), d.describe()));
        c.largestRelative().ifPresent(d -> out.printf("largest relative difference %s: %s%n", sci(d.metric().relative()), d.describe()));
        List<StoreComparison.Difference> beyond = c.beyondTolerance();
        if (beyond.isEmpty()) {
            out.printf("all %d units agree within --atol %s --rtol %s%n", c.units().size(), atol, rtol);
            return ExitCodes.OK;
        }
        out.printf("%d difference%s beyond --atol %s --rtol %s:%n", beyond.size(), beyond.size() == 1 ? "" : "s", atol, rtol);
        beyond.forEach(d -> out.println("  " + d.describe()));
        System.err.printf("overtune: %s and %s differ: %s%s%n", shown(storeA), shown(storeB), beyond.getFirst().describe(),
                beyond.size() > 1 ? " (and " + (beyond.size() - 1) + " more on stdout)" : "");
        return ExitCodes.BAD_INPUT;
    }

    private void printTable(PrintStream out, StoreComparison c) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("checkpoint", "probe", "setting", "metric", "A", "B", "abs diff", "rel diff", ""));
        for (StoreComparison.UnitPair u : c.units()) {
            UnitResult r = u.either();
            String setting = StoreComparison.label(r).strip();
            if (u.problem().isPresent()) {
                rows.add(List.of(r.checkpoint(), r.kind().label(), setting, "", "", "", "", "", u.problem().get()));
                continue;
            }
            for (StoreComparison.MetricPair m : u.metrics()) {
                boolean within = c.tolerance().within(m.a(), m.b());
                if (differencesOnly && within) {
                    continue;
                }
                rows.add(List.of(r.checkpoint(), r.kind().label(), setting, m.metric(), fixed(m.a()), fixed(m.b()),
                        sci(m.absolute()), sci(m.relative()), within ? "" : "BEYOND"));
            }
        }
        int[] width = new int[rows.getFirst().size()];
        for (List<String> row : rows) {
            for (int i = 0; i < width.length; i++) {
                width[i] = Math.max(width[i], row.get(i).length());
            }
        }
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < width.length; i++) {
                line.append(row.get(i)).append(" ".repeat(width[i] - row.get(i).length() + 2));
            }
            out.println(line.toString().stripTrailing());
        }
    }

    /** A store as messages name it: a PostgreSQL URL without its password. */
    static String shown(String store) {
        return dev.overtune.scan.PgLocation.isUrl(store) ? store.replaceFirst("(://[^:/@]*):[^@/]*@", "$1@") : store;
    }

    private static String backends(List<UnitResult> units) {
        TreeSet<String> names = new TreeSet<>();
        units.forEach(u -> names.add(String.valueOf(u.backend())));
        return names.isEmpty() ? "no backend" : "backend " + String.join(", ", names);
    }

    private static String fixed(double v) {
        return String.format(Locale.ROOT, "%.7f", v);
    }

    private static String sci(double v) {
        return String.format(Locale.ROOT, "%.1e", v);
    }
}
