package dev.overtune.scan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The units of several stores of one plan as one store would hold them: each unit once by its id (a done result
 * preferred to a failed one), the plan with the most checkpoints, and the stores' fingerprints, weight digests and
 * shards together. Stores of other plans, and units or checkpoints whose measurements disagree, are refused by name.
 */
public record StoreMerge(String planHash, String planJson, Map<String, String> meta, List<UnitResult> units, int duplicates) {
    /** @param stores opened for reading; named in messages by {@link ScanStore#location()} */
    public static StoreMerge of(List<? extends ScanStore> stores) {
        if (stores.isEmpty()) {
            throw new IllegalArgumentException("no stores to merge");
        }
        ScanStore first = stores.getFirst();
        String hash = first.planHash();
        Map<String, String> meta = new TreeMap<>();
        Map<String, String> metaFrom = new TreeMap<>();
        String planJson = null;
        int planUnits = -1;
        Map<String, UnitResult> units = new LinkedHashMap<>();
        Map<String, String> unitFrom = new TreeMap<>();
        List<String> conflicts = new ArrayList<>();
        int duplicates = 0;
        for (ScanStore s : stores) {
            if (!hash.equals(s.planHash())) {
                throw new StoreException(s.location() + " was made by another scan plan than " + first.location() + " (" + s.planHash() + " vs "
                        + hash + "); merge or report stores of one plan: the same task, held-out text and settings");
            }
            Map<String, String> m = s.meta();
            for (Map.Entry<String, String> e : m.entrySet()) {
                String key = e.getKey();
                if (key.startsWith("fingerprint:") || key.startsWith("weights:")) {
                    String had = meta.putIfAbsent(key, e.getValue());
                    if (had != null && !had.equals(e.getValue())) {
                        throw new StoreException(s.location() + " and " + metaFrom.get(key) + " measured different weights for checkpoint '"
                                + key.substring(key.indexOf(':') + 1) + "' (" + key.substring(0, key.indexOf(':')) + " " + abbrev(e.getValue()) + " vs "
                                + abbrev(had) + "); their results cannot be merged, rescan one of them");
                    }
                    metaFrom.putIfAbsent(key, s.location());
                } else if (key.startsWith(ResultStore.SHARD)) {
                    meta.put(key, e.getValue());
                }
            }
            int n = PlanCoverage.unitsInPlan(m.get("plan"));
            if (n > planUnits) {
                planUnits = n;
                planJson = m.get("plan");
            }
            for (UnitResult u : s.results()) {
                UnitResult had = units.get(u.unitId());
                if (had == null) {
                    units.put(u.unitId(), u);
                    unitFrom.put(u.unitId(), s.location());
                    continue;
                }
                duplicates++;
                if (!had.done() && u.done()) {
                    units.put(u.unitId(), u);
                    unitFrom.put(u.unitId(), s.location());
                } else if (had.done() && u.done() && !sameMeasurement(had, u)) {
                    conflicts.add("unit " + u.unitId() + " (" + u.checkpoint() + " " + u.kind().label() + " " + u.setting()
                            + (u.seed() != 0 ? " seed " + u.seed() : "") + ") differs between " + unitFrom.get(u.unitId()) + " and " + s.location()
                            + firstDifference(had, u));
                }
            }
        }
        if (!conflicts.isEmpty()) {
            throw new StoreException(conflicts.getFirst() + (conflicts.size() > 1 ? " (and " + (conflicts.size() - 1) + " more)" : "")
                    + "; the stores measured the same units differently (other weights, backend or build): merge only stores of one run");
        }
        meta.put("plan_hash", hash);
        if (planJson != null) {
            meta.put("plan", planJson);
        }
        return new StoreMerge(hash, planJson, meta, List.copyOf(units.values()), duplicates);
    }

    private static boolean sameMeasurement(UnitResult a, UnitResult b) {
        if (!a.metrics().equals(b.metrics()) || !a.curve().equals(b.curve()) || !a.samples().keySet().equals(b.samples().keySet())) {
            return false;
        }
        return a.samples().keySet().stream().allMatch(k -> java.util.Arrays.equals(a.samples().get(k), b.samples().get(k)));
    }

    private static String firstDifference(UnitResult a, UnitResult b) {
        for (String k : new TreeMap<>(a.metrics()).keySet()) {
            if (!a.metrics().get(k).equals(b.metrics().get(k))) {
                return " (" + k + " " + a.metrics().get(k) + " vs " + b.metrics().get(k) + ")";
            }
        }
        return "";
    }

    private static String abbrev(String digest) {
        return digest.length() > 16 ? digest.substring(0, 16) : digest;
    }
}
