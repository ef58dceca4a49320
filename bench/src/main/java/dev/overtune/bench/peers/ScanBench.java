package dev.overtune.bench.peers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.overtune.model.LanguageModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@code bin/bench-peers --job scan}: one checkpoint's whole scan protocol ({@link ScanProtocol}) on overtune (the
 * engine's Scan API into a store) and on two PyTorch peers (bench/peers/scan_peer.py): a loop as a researcher writes
 * it, and a functorch ensemble as an expert batches it. Three long-lived workers; one call each that also checks the
 * sides agree unit by unit (the warm-up), then rounds that run all three back to back, the first worker rotating.
 */
final class ScanBench {
    /** Work that is the same on every side (base, quantisations, fine-tunes) must give these losses. */
    static final double SAME_WORK_AGREEMENT = 1e-5;
    /**
     * Fine-tunes: the median over the fine-tune units of each unit's largest relative difference. Forty float32 AdamW
     * steps on two engines drift apart by reassociation, and at the highest rates AdamW amplifies the drift in a few
     * units (it divides near-zero gradients by their near-zero second moments) to 1e-3 or more; the median stays near
     * 1e-7 (demo, overtrained) to 4e-6 (small) when the work is the same, and moves to the size of the loss change when
     * it is not: a clip norm taken in float32 on small's 1M-element embedding gradient (4e-4 off) put it at 1.1e-3.
     */
    static final double FINETUNE_AGREEMENT = 1e-4;
    private static final List<String> METRICS = List.of("id_val_loss", "id_test_loss", "ood_loss", "train_loss_last");

    private ScanBench() {}

    /** A side's worker and its rounds. */
    private record Side(String name, WorkerProcess worker, Path results, List<Call> calls) {}

    static int run(PeersOptions options, LanguageModel model, String[] args) throws IOException {
        String loadBefore = BenchPeers.loadAverage();
        Path work = Files.createTempDirectory("bench-peers-scan-");
        Path checkpoint = work.resolve("checkpoint");
        BenchPeers.writeCheckpoint(checkpoint, model);
        ScanProtocol protocol = ScanProtocol.standard(options.model(), options.threads());
        Path protocolFile = work.resolve("protocol.json");
        protocol.write(protocolFile);
        Optional<String> noTorch = TorchAvailability.problem(options.python());
        if (noTorch.isPresent()) {
            System.err.println("bench-peers: --job scan needs the PyTorch peer: " + noTorch.get() + "; " + TorchAvailability.INSTALL_HINT);
            return 3;
        }
        int ftBatch = protocol.settings().fineTune().batchSize();
        int ftSeq = protocol.settings().fineTune().seqLen();
        PeersOptions shape = new PeersOptions(options.model(), ftBatch, ftSeq, options.threads(), options.rounds(), options.roundSeconds(),
                options.json(), options.python(), options.job(), options.coretype(), options.lanes());
        PeerBlas blas;
        try {
            blas = BenchPeers.choosePeerBlas(shape, model, ftSeq, checkpoint, work);
        } catch (WorkerProcess.WorkerFailure | IllegalStateException e) {
            System.err.println("bench-peers: " + e.getMessage());
            return 1;
        }
        List<Side> sides = new ArrayList<>();
        try {
            sides.add(new Side("overtune", startOvertune(options, checkpoint, protocolFile, work), work.resolve("overtune-results.json"), new ArrayList<>()));
            for (String form : List.of("loop", "ensemble")) {
                Path results = work.resolve("pytorch-" + form + "-results.json");
                List<String> flags = List.of("--form", form, "--model", options.model(), "--threads", Integer.toString(options.threads()),
                        "--checkpoint", checkpoint.toString(), "--protocol", protocolFile.toString(), "--results", results.toString());
                sides.add(new Side("PyTorch " + form, BenchPeers.startPython(options, "scan_peer.py", flags, "pytorch-" + form, blas,
                        work.resolve("pytorch-" + form + ".log")), results, new ArrayList<>()));
            }
            List<String> refusals = new ArrayList<>();
            for (Side s : sides.subList(1, sides.size())) {
                refusals.addAll(sides.get(0).worker().config().differencesFrom(s.worker().config()));
            }
            if (!refusals.isEmpty()) {
                System.err.println("bench-peers: refusing to compare: the workers run different protocols:\n  " + String.join("\n  ", refusals));
                return 3;
            }
            for (Side s : sides) {
                PeakMemory.reset(s.worker().pid());
            }
            WorkerProtocol.Command once = new WorkerProtocol.Command(Job.SCAN, 1);
            System.err.printf(Locale.ROOT, "bench-peers: scan protocol of %d units; a first call on each side (compared unit by unit), then %d rounds%n",
                    protocol.units(), options.rounds());
            List<Call> first = new ArrayList<>();
            for (Side s : sides) {
                first.add(s.worker().call(once));
                System.err.printf(Locale.ROOT, "bench-peers:   %s: %.1f s%n", s.name(), first.getLast().seconds());
            }
            Map<String, JsonNode> results = new LinkedHashMap<>();
            for (Side s : sides) {
                results.put(s.name(), new ObjectMapper().readTree(s.results().toFile()).get("units"));
            }
            String agreement = agreement(results);
            // Said now as well: on `small` the rounds take many minutes, and a run whose sides disagree is not worth waiting for.
            System.err.print("bench-peers: after the warm-up call, " + agreement);
            for (int r = 0; r < options.rounds(); r++) {
                for (int i = 0; i < sides.size(); i++) {
                    Side s = sides.get((i + r) % sides.size());
                    s.calls().add(s.worker().call(once));
                }
                System.err.printf(Locale.ROOT, "bench-peers:   round %d: %s%n", r + 1, String.join(", ",
                        sides.stream().map(s -> String.format(Locale.ROOT, "%s %.1f s", s.name(), s.calls().getLast().seconds())).toList()));
            }
            List<OptionalLong> rss = sides.stream().map(s -> PeakMemory.peakKiB(s.worker().pid())).toList();
            String loadAfter = BenchPeers.loadAverage();
            String table = table(sides, protocol.units(), rss);
            System.out.println();
            System.out.printf(Locale.ROOT, "scan protocol, one checkpoint: %s '%s' (%,d parameters), %d threads each; %d measured round%s after a"
                            + " warm-up call%n", sides.get(0).worker().config().modelType(), options.model(), sides.get(0).worker().config().params(),
                    options.threads(), options.rounds(), options.rounds() == 1 ? "" : "s");
            System.out.println("  protocol: " + describe(protocol));
            for (Side s : sides) {
                System.out.println("  " + s.name() + ": " + versions(s.worker().config()));
            }
            System.out.print(BenchPeers.blasReport(blas));
            System.out.println();
            System.out.print(table);
            System.out.println();
            System.out.print(agreement);
            System.out.printf("load average (1/5/15 min): %s before, %s after; %d cores%n", loadBefore, loadAfter,
                    Runtime.getRuntime().availableProcessors());
            if (options.json() != null) {
                writeJson(options, args, protocol, blas, sides, rss, results, loadBefore, loadAfter);
                System.out.println("wrote " + options.json());
            }
        } catch (WorkerProcess.WorkerFailure e) {
            System.err.println("bench-peers: " + e.getMessage());
            System.err.println("bench-peers: worker logs kept in " + work);
            return 1;
        } finally {
            for (Side s : sides) {
                s.worker().close();
            }
        }
        BenchPeers.deleteTree(work);
        return 0;
    }

    private static WorkerProcess startOvertune(PeersOptions options, Path checkpoint, Path protocolFile, Path work) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(BenchPeers.launcherFlags());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), OvertuneWorker.class.getName(),
                "--model", options.model(), "--checkpoint", checkpoint.toString(), "--protocol", protocolFile.toString(),
                "--results", work.resolve("overtune-results.json").toString(), "--lanes", Integer.toString(options.lanes())));
        return WorkerProcess.start("overtune", command, Map.of(), work.resolve("overtune-worker.log"));
    }

    static String describe(ScanProtocol p) {
        var s = p.settings();
        var ft = s.fineTune();
        JsonNode w = p.summary().get("windows");
        return String.format(Locale.ROOT, "%d units = base + %d LR x %d seeds fine-tunes (%d steps, batch %d x %d) + %d gamma x %d noise draws + %d"
                        + " quantisations; every evaluation on whole splits (%d validation, %d test, %d OOD windows of %d, batch %d)",
                p.units(), ft.learningRates().size(), ft.seeds().size(), ft.steps(), ft.batchSize(), ft.seqLen(), s.noise().gammas().size(),
                s.noise().samples(), s.quant().formats().size(), w.get("val").asLong(), w.get("test").asLong(), w.get("ood").asLong(),
                s.eval().seqLen(), s.eval().batchSize());
    }

    private static String versions(WorkerConfig c) {
        List<String> parts = new ArrayList<>();
        c.versions().forEach((k, v) -> parts.add(k + " " + v));
        return String.join(", ", parts);
    }

    /** units/s per side, overtune's ratio to each peer per round (median, min–max), peak RSS. */
    static String table(List<Side> sides, int units, List<OptionalLong> rss) {
        StringBuilder out = new StringBuilder();
        String row = "%-18s %12s %12s  %-26s %10s%n";
        out.append(String.format(Locale.ROOT, row, "side", "units/s", "s/protocol", "overtune speed-up", "peak RSS"));
        out.append(String.format(Locale.ROOT, row, "", "median", "median", "median (min–max)", "MiB"));
        double[] ot = perRound(sides.get(0), units);
        for (int i = 0; i < sides.size(); i++) {
            Side s = sides.get(i);
            double[] f = perRound(s, units);
            String ratio = "";
            if (i > 0) {
                double[] ratios = new double[f.length];
                for (int r = 0; r < f.length; r++) {
                    ratios[r] = ot[r] / f[r];
                }
                ratio = String.format(Locale.ROOT, "%.2fx (%.2f–%.2f)", Stats.median(ratios), Stats.min(ratios), Stats.max(ratios));
            }
            out.append(String.format(Locale.ROOT, row, s.name(), PeerTable.figure(Stats.median(f)), PeerTable.figure(units / Stats.median(f)),
                    ratio, PeerTable.mib(rss.get(i))));
        }
        out.append("units/s: the protocol's units over one call's seconds (measured inside each worker); speed-up: overtune's units/s\n"
                + "over the peer's in the same round; peak RSS: VmHWM of each worker, reset before the warm-up call.\n");
        return out.toString();
    }

    private static double[] perRound(Side s, int units) {
        return s.calls().stream().mapToDouble(c -> c.count() * (double) units / c.seconds()).toArray();
    }

    /**
     * Unit by unit, overtune's metrics against each peer's: the largest relative difference per probe, checked against
     * {@link #SAME_WORK_AGREEMENT} (base, quantisation) or {@link #FINETUNE_AGREEMENT}; noise draws differ by construction
     * (Philox there, torch's generator here), so their mean OOD loss per γ is shown side by side instead.
     */
    static String agreement(Map<String, JsonNode> results) {
        List<String> names = new ArrayList<>(results.keySet());
        JsonNode ot = results.get(names.get(0));
        StringBuilder out = new StringBuilder("agreement with overtune, unit by unit (relative difference of id_val_loss, id_test_loss,"
                + " ood_loss, train_loss_last: the largest per probe; for fine-tunes the median over units of each unit's largest):\n");
        for (String peer : names.subList(1, names.size())) {
            JsonNode pt = results.get(peer);
            Map<String, double[]> byProbe = new LinkedHashMap<>();
            Map<String, Double> finetunes = new LinkedHashMap<>();
            List<String> problems = new ArrayList<>();
            ot.fieldNames().forEachRemaining(key -> {
                String probe = key.split(" ")[0];
                JsonNode a = ot.get(key);
                JsonNode b = pt.get(key);
                if (b == null) {
                    problems.add(key + ": missing on " + peer);
                    return;
                }
                if (a.has("failed") || b.has("failed")) {
                    problems.add(key + ": failed (" + (a.has("failed") ? "overtune: " + a.get("failed").asText() : peer + ": " + b.get("failed").asText()) + ")");
                    return;
                }
                double[] acc = byProbe.computeIfAbsent(probe, k -> new double[3]);
                for (String m : METRICS) {
                    if (a.has(m) && b.has(m)) {
                        double x = a.get(m).asDouble();
                        double y = b.get(m).asDouble();
                        double relative = Math.abs(x - y) / Math.max(1e-12, Math.abs(x));
                        acc[0] = Math.max(acc[0], relative);
                        if (probe.equals("finetune")) {
                            finetunes.merge(key, relative, Math::max);
                        }
                        if (m.equals("ood_loss")) {
                            acc[1] += x;
                            acc[2] += y;
                        }
                    }
                }
            });
            List<String> parts = new ArrayList<>();
            boolean agrees = problems.isEmpty();
            for (Map.Entry<String, double[]> e : byProbe.entrySet()) {
                double[] acc = e.getValue();
                if (e.getKey().equals("noise")) {
                    parts.add(String.format(Locale.ROOT, "noise: other draws by design, mean OOD loss %.4f vs %.4f", acc[1] / count(ot, "noise"),
                            acc[2] / count(ot, "noise")));
                    continue;
                }
                if (e.getKey().equals("finetune")) {
                    double median = Stats.median(finetunes.values().stream().mapToDouble(Double::doubleValue).toArray());
                    String worst = finetunes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse("");
                    agrees &= median <= FINETUNE_AGREEMENT;
                    parts.add(String.format(Locale.ROOT, "finetune median %.1e%s, largest %.1e (%s)", median,
                            median <= FINETUNE_AGREEMENT ? "" : " (ABOVE " + FINETUNE_AGREEMENT + ")", acc[0], worst));
                    continue;
                }
                agrees &= acc[0] <= SAME_WORK_AGREEMENT;
                parts.add(String.format(Locale.ROOT, "%s %.1e%s", e.getKey(), acc[0], acc[0] <= SAME_WORK_AGREEMENT ? "" : " (ABOVE " + SAME_WORK_AGREEMENT + ")"));
            }
            out.append(String.format(Locale.ROOT, "  %-18s %s%s%n", peer + ":", String.join("; ", parts),
                    agrees ? "" : " -- THE SIDES DISAGREE: they are not doing the same work"));
            for (String p : problems) {
                out.append("      ").append(p).append('\n');
            }
        }
        return out.toString();
    }

    private static int count(JsonNode units, String probe) {
        int n = 0;
        for (var it = units.fieldNames(); it.hasNext(); ) {
            if (it.next().startsWith(probe + " ")) {
                n++;
            }
        }
        return n;
    }

    private static void writeJson(PeersOptions options, String[] args, ScanProtocol protocol, PeerBlas blas, List<Side> sides,
                                  List<OptionalLong> rss, Map<String, JsonNode> results, String loadBefore, String loadAfter) throws IOException {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode out = mapper.createObjectNode();
        out.put("command", "bin/bench-peers " + String.join(" ", args));
        out.put("git", System.getProperty("overtune.git", "unknown"));
        out.put("date", Instant.now().toString());
        out.put("cores", Runtime.getRuntime().availableProcessors());
        out.put("load_average_before", loadBefore).put("load_average_after", loadAfter);
        out.set("protocol", protocol.summary());
        out.put("openblas", blas.label()).put("openblas_reason", blas.reason());
        blas.tried().forEach(out.putArray("openblas_tried")::add);
        ArrayNode arr = out.putArray("sides");
        for (int i = 0; i < sides.size(); i++) {
            Side s = sides.get(i);
            ObjectNode o = arr.addObject().put("side", s.name());
            o.set("worker", s.worker().config().toJson());
            rss.get(i).ifPresentOrElse(v -> o.put("peak_rss_kib", v), () -> o.putNull("peak_rss_kib"));
            ArrayNode rounds = o.putArray("rounds_seconds");
            s.calls().forEach(c -> rounds.add(c.seconds()));
            o.set("units", results.get(s.name()));
        }
        mapper.writeValue(options.json().toFile(), out);
    }
}
