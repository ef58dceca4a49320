package dev.overtune.scan;

/** Names a worker: its host, and an owner id for its claims that is unique to one open store. */
final class WorkerName {
    private static final String HOST = lookUpHost();

    private WorkerName() {}

    static String host() {
        return HOST;
    }

    /** host:pid:random. */
    static String newOwner() {
        return HOST + ":" + ProcessHandle.current().pid() + ":" + Long.toHexString(new java.security.SecureRandom().nextLong());
    }

    private static String lookUpHost() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName().replace(':', '_');
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }
}
