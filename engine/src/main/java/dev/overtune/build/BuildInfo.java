package dev.overtune.build;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * What produced an artifact or a result: the engine's version (from the jar manifest when there is one)
 * and the git commit the build came from ("unknown" outside git).
 */
public final class BuildInfo {
    private static final Properties GIT = load();

    private BuildInfo() {}

    public static String engineVersion() {
        String v = BuildInfo.class.getPackage().getImplementationVersion();
        return v != null ? v : "0.1.0-SNAPSHOT";
    }

    public static String gitHash() {
        String id = GIT.getProperty("git.commit.id.abbrev", "unknown");
        return "true".equals(GIT.getProperty("git.dirty")) ? id + "-dirty" : id;
    }

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("/dev/overtune/git.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException ignored) {
            // No build metadata: results say "unknown".
        }
        return p;
    }
}
