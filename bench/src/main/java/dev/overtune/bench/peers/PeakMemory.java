package dev.overtune.bench.peers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * A process's peak resident memory (VmHWM) from Linux's /proc, and its reset, so that each row of
 * the table gets the peak of its own job: writing 5 to /proc/PID/clear_refs sets the high-water mark
 * back to the current resident size (Linux 4.0+).
 */
public final class PeakMemory {
    private PeakMemory() {}

    /** VmHWM in KiB, or empty where /proc is absent or the process is gone. */
    public static OptionalLong peakKiB(long pid) {
        try {
            return parseVmHwmKiB(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    /** Whether the reset worked; where it does not, peaks are since the process started. */
    public static boolean reset(long pid) {
        try {
            Files.writeString(Path.of("/proc", Long.toString(pid), "clear_refs"), "5");
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The "VmHWM:   1234 kB" line of a /proc/PID/status text. */
    static OptionalLong parseVmHwmKiB(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmHWM:")) {
                String[] words = line.substring("VmHWM:".length()).strip().split("\\s+");
                if (words.length == 2 && words[1].equals("kB")) {
                    return OptionalLong.of(Long.parseLong(words[0]));
                }
            }
        }
        return OptionalLong.empty();
    }
}
