package dev.quorumkv.reliability;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

import dev.quorumkv.reliability.RawHttp.Response;
import dev.quorumkv.support.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Clients cannot take a node down. Three nodes, each its own JVM with a 256 MiB heap and
 * {@code -XX:+ExitOnOutOfMemoryError}, so an OutOfMemoryError would end the process and fail the test; the
 * value limit is 6 MiB. Against node1: hundreds of 1 MiB bodies at once, slow readers of a 6 MiB
 * value, a flood of small requests. What must hold: the node sheds what does not fit with 503
 * {@code overloaded} and {@code Retry-After}, serves the rest, stays alive and answering, its peers keep
 * seeing it up and keep writing through it, and once the load stops it answers normally again with
 * nothing left counted in flight. Proven by outcomes and order, not by timing: waits are generous limits.
 */
class AdmissionControlIntegrationTests {

    private static final int MIB = 1024 * 1024;
    private static final int BODIES = 300;
    /**
     * Larger than the most the kernel lets a socket buffer (tcp_wmem's maximum, 4 MiB by default): a value
     * that small can be taken whole by the server's send buffer on loopback, and then nothing stays held.
     */
    private static final int LARGE_VALUE = 6 * MIB;
    private static final int SLOW_READERS = 60;
    private static final int SMALL_REQUESTS = 3_000;
    private static final String OVERLOADED = "503 overloaded Retry-After: 1";
    private static final Duration LIMIT = Duration.ofSeconds(120);

    @TempDir
    static Path storage;

    private static TestCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = TestCluster.of(storage).nodes(3).separateProcesses()
                .jvmOptions("-Xmx256m", "-XX:+ExitOnOutOfMemoryError")
                // A loaded machine must not turn slow replicas into quorum timeouts: only overload may refuse here.
                .arguments("--quorumkv.max-value-bytes=6MB", "--quorumkv.replication.timeout=10s")
                .start();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @AfterEach
    void theNodeIsAliveAndAnswersNormallyAgainWithNothingInFlight() throws IOException {
        assertThat(cluster.isAlive(1)).as("node1's process is alive (an OutOfMemoryError would have ended it)").isTrue();
        assertThat(Files.readString(cluster.log(1))).doesNotContain("OutOfMemoryError");
        await().atMost(LIMIT).pollInterval(Duration.ofMillis(250)).ignoreExceptions().untilAsserted(() -> {
            assertThat(cluster.put(1, "/kv/after-the-load", "normal").statusCode()).isEqualTo(200);
            assertThat(cluster.get(1, "/kv/after-the-load").body()).isEqualTo("normal");
            assertThat(inFlightBytes(1)).as("bytes counted in flight once the load has stopped").isZero();
        });
        assertNobodyMarkedDown();
    }

    @Test
    void concurrentBodiesAtTheLimitShedWithOverloadedAndTheNodeRecovers() throws Exception {
        byte[] body = new byte[MIB];
        new Random(42).nextBytes(body);
        CountDownLatch halfSent = new CountDownLatch(BODIES);
        CountDownLatch sendTheRest = new CountDownLatch(1);
        ExecutorService clients = Executors.newFixedThreadPool(BODIES);
        try (PeerWriters peers = new PeerWriters()) {
            List<Future<String>> outcomes = new ArrayList<>();
            for (int i = 0; i < BODIES; i++) {
                int id = i;
                outcomes.add(clients.submit(() -> slowPut(id, body, halfSent, sendTheRest)));
            }
            assertThat(halfSent.await(LIMIT.toSeconds(), TimeUnit.SECONDS)).as("every client sent half its body").isTrue();
            // Every body is half in: the node holds what it admitted, has refused the rest, and still answers.
            assertThat(cluster.isAlive(1)).isTrue();
            assertNobodyMarkedDown();
            sendTheRest.countDown();

            Map<String, Long> counts = counted(outcomes);
            assertThat(counts.keySet()).as("outcomes of %d PUTs of 1 MiB at once: %s", BODIES, counts)
                    .allMatch(outcome -> outcome.equals("200") || outcome.equals(OVERLOADED) || outcome.equals("reset"));
            assertThat(counts).as("some are served").containsKey("200");
            assertThat(counts).as("some are shed, saying so").containsKey(OVERLOADED);
            peers.assertAllWritten();
        }
        finally {
            clients.shutdownNow();
        }
        HttpResponse<byte[]> stored = cluster.getBytes(1, "/kv/big0");
        assertThat(stored.statusCode()).as("big0 was either stored whole or refused").isIn(200, 404);
        if (stored.statusCode() == 200) {
            assertThat(stored.body()).isEqualTo(body);
        }
    }

    @Test
    void slowReadersOfALargeValueAreShedAndHoldNoWorkerThread() throws Exception {
        byte[] value = new byte[LARGE_VALUE];
        new Random(7).nextBytes(value);
        await().atMost(LIMIT).ignoreExceptions()
                .until(() -> cluster.putBytes(1, "/kv/large", value).statusCode() == 200);
        List<Socket> readers = new ArrayList<>();
        try (PeerWriters peers = new PeerWriters()) {
            for (int i = 0; i < SLOW_READERS; i++) {
                Socket socket = new Socket();
                socket.setReceiveBufferSize(4096); // before connecting: a small window, so the answer cannot all be sent
                socket.setSoTimeout(RawHttp.READ_TIMEOUT_MILLIS);
                socket.connect(new InetSocketAddress("127.0.0.1", cluster.port(1)));
                socket.getOutputStream().write(RawHttp.head(cluster.port(1), "GET /kv/large HTTP/1.1", 0));
                socket.getOutputStream().flush();
                readers.add(socket);
            }
            // Many values are held for readers that read nothing: more than the 8 worker threads could write blocking.
            await().atMost(LIMIT).until(() -> inFlightBytes(1) >= 16L * MIB);

            assertThat(cluster.put(1, "/kv/while-readers-stall", "normal").statusCode())
                    .as("a normal PUT while %d readers stall", SLOW_READERS).isEqualTo(200);
            assertThat(cluster.get(1, "/kv/while-readers-stall").body()).isEqualTo("normal");
            assertNobodyMarkedDown();

            List<String> outcomes = new ArrayList<>();
            for (Socket reader : readers) {
                outcomes.add(outcome(reader, response -> response.status() == 200 && !java.util.Arrays.equals(response.body(), value)
                        ? "200 with the wrong body" : null));
            }
            Map<String, Long> counts = outcomes.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
            assertThat(counts.keySet()).as("outcomes of %d stalled GETs of 6 MiB: %s", SLOW_READERS, counts)
                    .allMatch(outcome -> outcome.equals("200") || outcome.equals(OVERLOADED));
            assertThat(counts).as("some are served").containsKey("200");
            assertThat(counts).as("some are shed, saying so").containsKey(OVERLOADED);
            peers.assertAllWritten();
        }
        finally {
            for (Socket reader : readers) {
                reader.close();
            }
        }
    }

    /** A body of unknown length is counted as its buffer grows, not at the limit up front, and given back whole. */
    @Test
    void aLargeChunkedBodyIsCountedAsItArrivesAndStoredWhole() throws Exception {
        byte[] value = new byte[MIB];
        new Random(3).nextBytes(value);

        Response response = RawHttp.exchangeChunked(cluster.port(1), "PUT /kv/chunked HTTP/1.1\r\nContent-Type: application/octet-stream",
                value, 64 * 1024);

        assertThat(response.status()).isEqualTo(200);
        assertThat(cluster.getBytes(1, "/kv/chunked").body()).isEqualTo(value);
    }

    /** Thousands of small PUTs sent at once, each on its own connection, before any answer is read. */
    @Test
    void aFloodOfSmallRequestsIsServedOrShedAndTheNodeRecovers() throws Exception {
        byte[] body = "small".getBytes(StandardCharsets.UTF_8);
        List<Socket> flood = new ArrayList<>();
        try (PeerWriters peers = new PeerWriters()) {
            for (int i = 0; i < SMALL_REQUESTS; i++) {
                Socket socket = new Socket("127.0.0.1", cluster.port(1));
                socket.setSoTimeout(RawHttp.READ_TIMEOUT_MILLIS * 3);
                OutputStream out = socket.getOutputStream();
                out.write(RawHttp.head(cluster.port(1), "PUT /kv/small" + i + " HTTP/1.1\r\nContent-Type: text/plain", body.length));
                out.write(body);
                out.flush();
                flood.add(socket);
            }
            List<String> outcomes = new ArrayList<>();
            for (Socket socket : flood) {
                outcomes.add(outcome(socket, response -> null));
            }
            Map<String, Long> counts = outcomes.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
            assertThat(counts.keySet()).as("outcomes of %d small PUTs at once: %s", SMALL_REQUESTS, counts)
                    .allMatch(outcome -> outcome.equals("200") || outcome.equals(OVERLOADED));
            assertThat(counts).containsKey("200");
            peers.assertAllWritten();
        }
        finally {
            for (Socket socket : flood) {
                socket.close();
            }
        }
    }

    /**
     * One PUT of a 1 MiB body sent in two halves: the first at once, the second when the test says. A refused
     * PUT is answered (and its connection closed) before its body is read, so a write of the rest may fail:
     * the answer already sent is read all the same.
     */
    private static String slowPut(int id, byte[] body, CountDownLatch halfSent, CountDownLatch sendTheRest) throws Exception {
        Socket socket = new Socket();
        try (socket) {
            boolean writing = true;
            try {
                socket.connect(new InetSocketAddress("127.0.0.1", cluster.port(1)));
                socket.setSoTimeout(RawHttp.READ_TIMEOUT_MILLIS * 3);
                OutputStream out = socket.getOutputStream();
                out.write(RawHttp.head(cluster.port(1), "PUT /kv/big" + id + " HTTP/1.1\r\nContent-Type: application/octet-stream",
                        body.length, false));
                out.write(body, 0, body.length / 2);
                out.flush();
            }
            catch (IOException refusedOrNotConnected) {
                writing = false;
            }
            finally {
                halfSent.countDown();
            }
            if (!socket.isConnected()) {
                return "could not connect";
            }
            if (!sendTheRest.await(LIMIT.toSeconds(), TimeUnit.SECONDS)) {
                return "never told to send the rest";
            }
            if (writing) {
                try {
                    OutputStream out = socket.getOutputStream();
                    out.write(body, body.length / 2, body.length - body.length / 2);
                    out.flush();
                }
                catch (IOException refusedAndClosed) {
                    // the answer, if it arrived, is still there to read
                }
            }
            return outcome(socket, response -> null);
        }
    }

    /** "200", {@link #OVERLOADED}, another status with what it said, or "reset" when no answer could be read. */
    private static String outcome(Socket socket, Function<Response, String> check) {
        Response response;
        try {
            response = RawHttp.read(socket.getInputStream(), false);
        }
        catch (IOException ex) {
            return "reset";
        }
        String problem = check.apply(response);
        if (problem != null) {
            return problem;
        }
        if (response.status() == 503 && response.bodyText().contains("\"reason\":\"overloaded\"")) {
            return "503 overloaded Retry-After: " + response.header("Retry-After");
        }
        return response.status() == 200 ? "200" : response.status() + " " + response.bodyText();
    }

    private static Map<String, Long> counted(List<Future<String>> outcomes) throws Exception {
        List<String> all = new ArrayList<>();
        for (Future<String> outcome : outcomes) {
            all.add(outcome.get(LIMIT.toSeconds(), TimeUnit.SECONDS));
        }
        return all.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }

    /** Node1's peers see it up, and it sees them up: nobody has been marked down because of node1's load. */
    private static void assertNobodyMarkedDown() {
        for (int peer = 2; peer <= 3; peer++) {
            assertThat(cluster.get(peer, "/actuator/health").body()).as("node%d's health", peer).contains("\"node1\":\"UP\"");
        }
        assertThat(cluster.get(1, "/actuator/health").body()).as("node1's health")
                .contains("\"node2\":\"UP\"", "\"node3\":\"UP\"");
    }

    private static long inFlightBytes(int node) {
        return cluster.get(node, "/actuator/prometheus").body().lines()
                .filter(line -> line.startsWith("quorumkv_admission_inflight_bytes "))
                .mapToLong(line -> (long) Double.parseDouble(line.substring(line.indexOf(' ') + 1)))
                .findFirst().orElseThrow();
    }

    /**
     * Small writes through node2 and node3 for as long as the load lasts: every key's replicas include
     * node1, which must keep taking its peers' copies (their share of its budget) or refuse them as
     * overloaded; either way the quorum of W=2 is had and nobody marks anybody down. A peer may itself shed
     * a write as overloaded (503 with reason overloaded: it also sends node1 the large value for each stalled
     * read): load shed, counted apart; a write that fails any other way fails the test, with its answer.
     */
    private static final class PeerWriters implements AutoCloseable {

        private final AtomicBoolean running = new AtomicBoolean(true);
        private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        private final AtomicInteger acknowledged = new AtomicInteger();
        private final ExecutorService writers = Executors.newFixedThreadPool(2);
        private final List<Future<Integer>> written = new ArrayList<>();

        PeerWriters() {
            for (int node = 2; node <= 3; node++) {
                int coordinator = node;
                written.add(writers.submit(() -> {
                    int count = 0;
                    while (running.get() || count == 0) {
                        String key = "/kv/through-node" + coordinator + "-" + (count % 50);
                        HttpResponse<String> answer = cluster.put(coordinator, key, "value " + count);
                        if (answer.statusCode() == 200) {
                            acknowledged.incrementAndGet();
                        }
                        else if (!(answer.statusCode() == 503 && answer.body().contains("\"reason\":\"overloaded\""))) {
                            failures.add("PUT " + key + " through node" + coordinator + ": " + answer.statusCode() + " " + answer.body());
                        }
                        count++;
                    }
                    return count;
                }));
            }
        }

        void assertAllWritten() throws Exception {
            running.set(false);
            for (Future<Integer> writer : written) {
                assertThat(writer.get(LIMIT.toSeconds(), TimeUnit.SECONDS)).isPositive();
            }
            assertThat(failures).as("writes through node1's peers during the load").isEmpty();
            assertThat(acknowledged.get()).as("writes through node1's peers acknowledged during the load").isPositive();
        }

        @Override
        public void close() {
            running.set(false);
            writers.shutdownNow();
        }
    }
}
