package dev.overtune.onnx;

/** What produced an artifact: the engine's version, read from the jar manifest when there is one. */
public final class Versions {
    private Versions() {}

    public static String engine() {
        String v = Versions.class.getPackage().getImplementationVersion();
        return v != null ? v : "0.1.0-SNAPSHOT";
    }
}
