// Starts a real Neo4j Community server in this JVM from the Maven jars in lib/, for tests and local use.
//
//   java -Xmx1g -cp 'lib/*' Launcher.java DATA_DIR
//
// Environment: NEO4J_PORT (7687), NEO4J_PASSWORD (auth stays off unless set), NEO4J_PAGECACHE_MB (512),
// NEO4J_PLUGINS_DIR (plugins/ beside this file: APOC core and Graph Data Science).
// Prints one line "READY bolt://127.0.0.1:PORT" when Bolt answers; SIGTERM shuts the database down cleanly.

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;

public class Launcher {
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: java -cp 'lib/*' Launcher.java DATA_DIR");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        Files.createDirectories(home);
        Map<String, String> env = System.getenv();
        int port = Integer.parseInt(env.getOrDefault("NEO4J_PORT", "7687"));
        String password = env.get("NEO4J_PASSWORD");
        boolean auth = password != null && !password.isEmpty();
        long pageCacheMb = Long.parseLong(env.getOrDefault("NEO4J_PAGECACHE_MB", "512"));
        Path plugins = Path.of(env.getOrDefault("NEO4J_PLUGINS_DIR", "plugins")).toAbsolutePath();

        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(GraphDatabaseSettings.auth_enabled, auth)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pageCacheMb))
                .setConfig(GraphDatabaseSettings.procedure_unrestricted, List.of("gds.*", "apoc.*"));
        if (Files.isDirectory(plugins)) {
            builder.setConfig(GraphDatabaseSettings.plugin_dir, plugins);
        }
        DatabaseManagementService service = builder.build();
        Runtime.getRuntime().addShutdownHook(new Thread(service::shutdown, "neo4j-shutdown"));

        if (auth) {
            // a new store's neo4j user must change its password before use: set it then, once (a
            // restarted store keeps the password it has); never print it
            var system = service.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
            boolean fresh = system.executeTransactionally(
                    "SHOW USERS YIELD user, passwordChangeRequired WHERE user = 'neo4j' RETURN passwordChangeRequired",
                    Map.of(), result -> result.hasNext() && (Boolean) result.next().get("passwordChangeRequired"));
            if (fresh) {
                system.executeTransactionally(
                        "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED", Map.of("password", password));
            }
        }
        service.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME).executeTransactionally("RETURN 1");
        System.out.println("READY bolt://127.0.0.1:" + port);
        System.out.flush();
        Thread.currentThread().join();  // until SIGTERM runs the shutdown hook
    }
}
