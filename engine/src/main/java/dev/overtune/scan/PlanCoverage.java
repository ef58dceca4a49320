package dev.overtune.scan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * How much of its plan a store (or several merged) holds: units stored of units planned, the checkpoints with no unit
 * stored, and, for shard stores, the shards none of them ran. A report of a partial plan says so before any finding.
 */
public record PlanCoverage(int stored, int planned, List<String> checkpointsMissing, List<String> shardsMissing) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param planJson the stored plan (its unit count and checkpoints); null for a store that has none
     * @param meta     the stores' metadata: {@code shard:i/n} keys name the shards that wrote into them
     */
    public static PlanCoverage of(String planJson, Map<String, String> meta, List<UnitResult> units) {
        int planned = unitsInPlan(planJson);
        Set<String> stored = units.stream().map(UnitResult::unitId).collect(Collectors.toSet());
        Set<String> withUnits = units.stream().map(UnitResult::checkpoint).collect(Collectors.toSet());
        List<String> missing = new ArrayList<>();
        List<String> names = new ArrayList<>();
        try {
            if (planJson != null) {
                for (JsonNode c : JSON.readTree(planJson).path("checkpoints")) {
                    names.add(c.path("name").asText());
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            names.clear();
        }
        for (String n : names) {
            if (!withUnits.contains(n)) {
                missing.add(n);
            }
        }
        return new PlanCoverage(stored.size(), planned < 0 ? stored.size() : planned, missing, shardsMissing(meta, names));
    }

    /** With every shard store of one count n given, none; otherwise the shards i/n whose checkpoints have nothing stored. */
    private static List<String> shardsMissing(Map<String, String> meta, List<String> checkpoints) {
        TreeSet<Integer> counts = new TreeSet<>();
        Set<String> seen = new TreeSet<>();
        for (String key : meta.keySet()) {
            if (key.startsWith(ResultStore.SHARD)) {
                String s = key.substring(ResultStore.SHARD.length());
                seen.add(s);
                counts.add(Integer.parseInt(s.substring(s.indexOf('/') + 1)));
            }
        }
        List<String> out = new ArrayList<>();
        if (counts.size() != 1) {
            return out;
        }
        int n = counts.first();
        for (int i = 0; i < n; i++) {
            int shard = i;
            boolean hasCheckpoints = checkpoints.stream().anyMatch(c -> ScanPlan.shardOf(c, n) == shard);
            if (!seen.contains(i + "/" + n) && hasCheckpoints) {
                out.add(i + "/" + n);
            }
        }
        return out;
    }

    static int unitsInPlan(String planJson) {
        if (planJson == null) {
            return -1;
        }
        try {
            JsonNode units = JSON.readTree(planJson).path("units");
            return units.isInt() ? units.asInt() : -1;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return -1;
        }
    }

    public boolean complete() {
        return stored >= planned;
    }

    /** "12 of 24 units of the plan; no units of: a, b; shard stores missing: 1/4" or "all 24 units of the plan". */
    public String describe() {
        if (complete()) {
            return "all " + planned + " units of the plan";
        }
        StringBuilder b = new StringBuilder(stored + " of " + planned + " units of the plan");
        if (!checkpointsMissing.isEmpty()) {
            b.append("; no units of ").append(String.join(", ", checkpointsMissing));
        }
        if (!shardsMissing.isEmpty()) {
            b.append("; shard stores missing: ").append(String.join(", ", shardsMissing));
        }
        return b.toString();
    }
}
