package dev.quorumkv.ycsb;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A stand-in for one quorumkv node's public API on 127.0.0.1: stores PUT bodies by decoded key, answers
 * GET with them (404 when absent), DELETE removes; records every request it receives. A test can force
 * every answer's status or hold every request until a latch opens.
 */
final class FakeNode implements AutoCloseable {

    record Received(String method, String rawPath, String key, String rawQuery, String contentType, byte[] body,
            int remotePort) {
    }

    final Map<String, byte[]> store = new ConcurrentHashMap<>();
    final List<Received> received = new CopyOnWriteArrayList<>();
    volatile int forcedStatus;
    volatile CountDownLatch hold;
    volatile boolean chunked;

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();

    FakeNode() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String method = exchange.getRequestMethod();
            String key = exchange.getRequestURI().getPath().substring("/kv/".length());
            received.add(new Received(method, exchange.getRequestURI().getRawPath(), key,
                    exchange.getRequestURI().getRawQuery(), exchange.getRequestHeaders().getFirst("Content-Type"),
                    body, exchange.getRemoteAddress().getPort()));
            CountDownLatch latch = hold;
            if (latch != null) {
                latch.await();
            }
            if (forcedStatus != 0) {
                respond(exchange, forcedStatus, "{\"title\":\"forced\"}".getBytes(UTF_8));
                return;
            }
            switch (method) {
                case "PUT" -> {
                    store.put(key, body);
                    respond(exchange, 200, "{\"acks\":1}".getBytes(UTF_8));
                }
                case "GET" -> {
                    byte[] value = store.get(key);
                    if (value == null) {
                        respond(exchange, 404, "{\"title\":\"Not Found\"}".getBytes(UTF_8));
                    } else {
                        respond(exchange, 200, value);
                    }
                }
                case "DELETE" -> {
                    store.remove(key);
                    respond(exchange, 200, "{\"acks\":1}".getBytes(UTF_8));
                }
                default -> respond(exchange, 405, new byte[0]);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
        // 0 makes HttpServer send the body chunked; a length sends it with Content-Length.
        exchange.sendResponseHeaders(status, chunked ? 0 : body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
