package dev.overtune.scan;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A PostgreSQL store's address, {@code postgresql://[USER[:PASSWORD]@]HOST[:PORT]/DB[?schema=NAME]}, with the user and
 * password found as libpq finds them: the URL, then {@code PGUSER}/{@code PGPASSWORD}, then {@code ~/.pgpass}
 * ({@code PGPASSFILE}). Its string form names host, port, database and schema, never the password.
 */
public record PgLocation(String host, int port, String database, String schema, String user, String password) {
    public static final int DEFAULT_PORT = 5432;
    /** Tables go into this schema unless the URL names another: several plans can share one database, one per schema. */
    public static final String DEFAULT_SCHEMA = "overtune";

    /** Whether a --store value names PostgreSQL rather than a SQLite file. */
    public static boolean isUrl(String store) {
        return store.startsWith("postgresql://") || store.startsWith("postgres://");
    }

    public static PgLocation parse(String url) {
        return parse(url, System.getenv(), Path.of(System.getProperty("user.home"), ".pgpass"));
    }

    /**
     * @param env     where PGUSER, PGPASSWORD and PGPASSFILE are looked up
     * @param pgpass  the password file used when neither the URL nor the environment gives a password
     */
    static PgLocation parse(String url, Map<String, String> env, Path pgpass) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw bad(url, "not a URL (" + e.getReason() + ")");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw bad(url, "no host");
        }
        int port = uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort();
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        String database = decode(path.startsWith("/") ? path.substring(1) : path);
        if (database.isEmpty() || database.contains("/")) {
            throw bad(url, "no database name after the host (postgresql://HOST[:PORT]/DB)");
        }
        String schema = DEFAULT_SCHEMA;
        if (uri.getRawQuery() != null) {
            for (String pair : uri.getRawQuery().split("&")) {
                String[] kv = pair.split("=", 2);
                if (kv.length == 2 && kv[0].equals("schema") && kv[1].matches("[A-Za-z_][A-Za-z0-9_]{0,62}")) {
                    schema = kv[1];
                } else {
                    throw bad(url, "the only parameter is schema=NAME (letters, digits, _), got '" + decode(pair) + "'");
                }
            }
        }
        String user = null;
        String password = null;
        if (uri.getRawUserInfo() != null) {
            String[] up = uri.getRawUserInfo().split(":", 2);
            user = decode(up[0]);
            password = up.length == 2 ? decode(up[1]) : null;
        }
        if (user == null || user.isEmpty()) {
            user = env.getOrDefault("PGUSER", System.getProperty("user.name"));
        }
        if (password == null) {
            password = env.get("PGPASSWORD");
        }
        if (password == null) {
            Path file = env.containsKey("PGPASSFILE") ? Path.of(env.get("PGPASSFILE")) : pgpass;
            password = fromPgpass(file, host, port, database, user).orElse(null);
        }
        return new PgLocation(host, port, database, schema, user, password);
    }

    /** The first line of a .pgpass file matching host:port:database:user ({@code *} matches anything, {@code \} escapes). */
    static Optional<String> fromPgpass(Path file, String host, int port, String database, String user) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return Optional.empty(); // as libpq: an unreadable password file is as good as none
        }
        String[] want = {host, Integer.toString(port), database, user};
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            List<String> fields = splitPgpass(line);
            if (fields.size() != 5) {
                continue;
            }
            boolean match = true;
            for (int i = 0; i < 4 && match; i++) {
                String f = fields.get(i);
                match = f.equals("*") || f.equals(want[i]) || (i == 0 && f.equals("localhost") && want[0].equals("127.0.0.1"));
            }
            if (match) {
                return Optional.of(fields.get(4));
            }
        }
        return Optional.empty();
    }

    private static List<String> splitPgpass(String line) {
        List<String> out = new java.util.ArrayList<>();
        StringBuilder field = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                field.append(line.charAt(++i));
            } else if (c == ':' && out.size() < 4) {
                out.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        out.add(field.toString());
        return out;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/" + database;
    }

    /** postgresql://host:port/db, and the schema when it is not the default: what messages name. */
    @Override
    public String toString() {
        return "postgresql://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/" + database
                + (schema.equals(DEFAULT_SCHEMA) ? "" : "?schema=" + schema);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static StoreException bad(String url, String why) {
        String shown = url.replaceFirst("(://[^:/@]*):[^@/]*@", "$1:***@"); // never echo a password
        return new StoreException("--store " + shown + ": " + why + "; use postgresql://[USER@]HOST[:PORT]/DB (password from PGPASSWORD or ~/.pgpass)");
    }
}
