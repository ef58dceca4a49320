package dev.overtune.cli;

import dev.overtune.scan.PlanCoverage;
import dev.overtune.scan.ResultStore;
import dev.overtune.scan.ScanStore;
import dev.overtune.scan.ScanStores;
import dev.overtune.scan.StoreMerge;
import dev.overtune.scan.UnitResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "merge-stores", mixinStandardHelpOptions = true,
        description = {"Merges result stores of one scan plan (shard stores, or a PostgreSQL store) into a new SQLite store: each unit once "
                + "by its id, a done result preferred to a failed one. Refuses stores of other plans and units measured differently, naming them; "
                + "then writes nothing.", "Says how much of the plan the merged store covers."})
final class MergeStoresCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "OUT", description = "The SQLite store to write (must not exist).")
    Path out;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "IN", description = "Stores to merge: SQLite files or postgresql://HOST[:PORT]/DB.")
    List<String> in;

    @Override
    public Integer call() {
        List<ScanStore> stores = new ArrayList<>();
        try {
            for (String s : in) {
                stores.add(ScanStores.read(s));
            }
            StoreMerge merged = StoreMerge.of(stores);
            try (ResultStore target = ResultStore.create(out, merged.meta())) {
                for (UnitResult u : merged.units()) {
                    target.record(u);
                }
            }
            PlanCoverage coverage = PlanCoverage.of(merged.planJson(), merged.meta(), merged.units());
            System.out.printf("merged %d store%s into %s: %d units (%d found in more than one store); %s%n", stores.size(),
                    stores.size() == 1 ? "" : "s", out, merged.units().size(), merged.duplicates(), coverage.describe());
            return ExitCodes.OK;
        } finally {
            stores.forEach(ScanStore::close);
        }
    }
}
