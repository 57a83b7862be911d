package dev.quorumkv.ycsb;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import site.ycsb.ByteArrayByteIterator;
import site.ycsb.ByteIterator;
import site.ycsb.DBException;
import site.ycsb.Status;

/** The etcd binding against a stand-in for etcd's v3 JSON gateway: put, range and deleterange of single keys. */
class EtcdGatewayClientTests {

    private static final Pattern KEY = Pattern.compile("\"key\":\"([^\"]*)\"");
    private static final Pattern VALUE = Pattern.compile("\"value\":\"([^\"]*)\"");

    private final Map<String, String> store = new ConcurrentHashMap<>();
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private volatile int forcedStatus;
    private HttpServer server;
    private EtcdGatewayClient client;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v3/kv/", this::handle);
        server.start();
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.cleanup();
        }
        server.stop(0);
    }

    @Test
    void aPutRecordReadsBackFieldForField() throws DBException {
        client = client(false);

        assertThat(client.insert("usertable", "user1", record("field0", "zero", "field1", "one"))).isEqualTo(Status.OK);
        Map<String, ByteIterator> result = new HashMap<>();
        assertThat(client.read("usertable", "user1", null, result)).isEqualTo(Status.OK);

        assertThat(strings(result)).containsExactlyInAnyOrderEntriesOf(Map.of("field0", "zero", "field1", "one"));
        assertThat(store).containsKey(Base64.getEncoder().encodeToString("usertable:user1".getBytes(UTF_8)));
        assertThat(calls).containsExactly("/v3/kv/put", "/v3/kv/range");
    }

    @Test
    void anAbsentOrDeletedKeyIsNotFoundAndARefusedReadIsAnError() throws DBException {
        client = client(false);
        client.insert("usertable", "gone", record("field0", "x"));

        assertThat(client.delete("usertable", "gone")).isEqualTo(Status.OK);
        assertThat(client.read("usertable", "gone", null, new HashMap<>())).isEqualTo(Status.NOT_FOUND);
        assertThat(client.read("usertable", "never", null, new HashMap<>())).isEqualTo(Status.NOT_FOUND);
        forcedStatus = 500;
        assertThat(client.read("usertable", "never", null, new HashMap<>())).isEqualTo(Status.ERROR);
    }

    @Test
    void aPartialUpdateMergesIntoTheStoredRecordAndAFullOneOverwrites() throws DBException {
        client = client(false);
        client.insert("usertable", "u", record("field0", "a", "field1", "b"));

        assertThat(client.update("usertable", "u", record("field1", "B"))).isEqualTo(Status.OK);
        Map<String, ByteIterator> merged = new HashMap<>();
        client.read("usertable", "u", Set.of("field0", "field1"), merged);
        assertThat(strings(merged)).containsExactlyInAnyOrderEntriesOf(Map.of("field0", "a", "field1", "B"));

        client.cleanup();
        client = client(true);
        calls.clear();
        assertThat(client.update("usertable", "u", record("field1", "C"))).isEqualTo(Status.OK);
        Map<String, ByteIterator> overwritten = new HashMap<>();
        client.read("usertable", "u", null, overwritten);
        assertThat(strings(overwritten)).containsExactlyInAnyOrderEntriesOf(Map.of("field1", "C"));
        assertThat(calls).containsExactly("/v3/kv/put", "/v3/kv/range");
    }

    private EtcdGatewayClient client(boolean writeAllFields) throws DBException {
        EtcdGatewayClient etcd = new EtcdGatewayClient();
        Properties properties = new Properties();
        properties.setProperty(EtcdGatewayClient.URLS, "http://127.0.0.1:" + server.getAddress().getPort());
        properties.setProperty(QuorumKvClient.WRITE_ALL_FIELDS, String.valueOf(writeAllFields));
        etcd.setProperties(properties);
        etcd.init();
        return etcd;
    }

    /** etcd's gateway as far as the binding uses it: JSON in, JSON out, keys and values in base64. */
    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            calls.add(path);
            String json = new String(exchange.getRequestBody().readAllBytes(), UTF_8);
            if (forcedStatus != 0) {
                respond(exchange, forcedStatus, "{\"error\":\"forced\"}");
                return;
            }
            String key = group(KEY, json);
            String header = "\"header\":{\"cluster_id\":\"1\",\"revision\":\"7\"}";
            switch (path) {
                case "/v3/kv/put" -> {
                    store.put(key, group(VALUE, json));
                    respond(exchange, 200, "{" + header + "}");
                }
                case "/v3/kv/range" -> {
                    String value = store.get(key);
                    respond(exchange, 200, value == null ? "{" + header + "}"
                            : "{" + header + ",\"kvs\":[{\"key\":\"" + key + "\",\"create_revision\":\"2\",\"value\":\""
                                    + value + "\"}],\"count\":\"1\"}");
                }
                case "/v3/kv/deleterange" -> {
                    store.remove(key);
                    respond(exchange, 200, "{" + header + ",\"deleted\":\"1\"}");
                }
                default -> respond(exchange, 404, "{}");
            }
        }
    }

    private static String group(Pattern pattern, String json) {
        Matcher matcher = pattern.matcher(json);
        return matcher.find() ? matcher.group(1) : null;
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static Map<String, ByteIterator> record(String... namesAndValues) {
        Map<String, ByteIterator> record = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            record.put(namesAndValues[i], new ByteArrayByteIterator(namesAndValues[i + 1].getBytes(UTF_8)));
        }
        return record;
    }

    private static Map<String, String> strings(Map<String, ByteIterator> result) {
        Map<String, String> out = new HashMap<>();
        result.forEach((name, value) -> out.put(name, new String(value.toArray(), UTF_8)));
        return out;
    }
}
