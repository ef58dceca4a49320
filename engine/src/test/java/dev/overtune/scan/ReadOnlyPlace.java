package dev.overtune.scan;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes a directory and the files in it unwritable, the way a read-only mount is: with chmod for an ordinary
 * user, and with the immutable attribute (chattr +i) for root, whom permissions do not stop. Skips the test,
 * saying why, where neither works.
 */
final class ReadOnlyPlace implements AutoCloseable {
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));
    private final List<Path> locked = new ArrayList<>();

    static ReadOnlyPlace lock(Path dir) throws Exception {
        ReadOnlyPlace p = new ReadOnlyPlace();
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                p.lockOne(f);
            }
        }
        p.lockOne(dir);
        Path probe = dir.resolve("write-probe");
        try {
            Files.createFile(probe);
            Files.delete(probe);
            p.close();
            Assumptions.abort("cannot make " + dir + " unwritable here (no chattr +i and no effective chmod)");
        } catch (IOException expected) {
            // unwritable, as on read-only media
        }
        return p;
    }

    /** Only the file: its directory stays writable, so SQLite could create side files beside it. */
    static ReadOnlyPlace lockFile(Path file) throws Exception {
        ReadOnlyPlace p = new ReadOnlyPlace();
        p.lockOne(file);
        if (java.nio.file.Files.isWritable(file)) {
            p.close();
            Assumptions.abort("cannot make " + file + " unwritable here");
        }
        return p;
    }

    private void lockOne(Path f) throws Exception {
        if (ROOT) {
            run("chattr", "+i", f.toString());
        } else {
            run("chmod", "a-w", f.toString());
        }
        locked.add(f);
    }

    @Override
    public void close() throws Exception {
        for (int i = locked.size() - 1; i >= 0; i--) {
            Path f = locked.get(i);
            if (ROOT) {
                run("chattr", "-i", f.toString());
            } else {
                run("chmod", "u+w", f.toString());
            }
        }
        locked.clear();
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            Assumptions.abort(String.join(" ", command) + " failed here: " + out.strip());
        }
    }
}
