package dev.quorumkv.reliability;

import dev.quorumkv.support.TestCluster;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slow and abusive clients must not starve well-behaved ones: while a few connections trickle a request
 * one byte at a time and many others push bodies twice the size limit, a normal client's sequential
 * PUT/GET pairs all succeed. Everything is bounded in count; nothing asserts durations.
 */
class SlowAndAbusiveClientsIntegrationTests {

    private static final int TRICKLERS = 5;
    private static final int TRICKLE_BODY_BYTES = 40;
    private static final long TRICKLE_PAUSE_MILLIS = 50; // ~130 bytes each: about 7 s of trickling
    private static final int OVERSIZED_SENDERS = 20;
    private static final int OVERSIZED_ROUNDS = 2;
    private static final int OVERSIZED_BYTES = 2 * 1024 * 1024;
    private static final int MIN_NORMAL_PAIRS = 50;
    private static final int MAX_NORMAL_PAIRS = 5_000;

    @TempDir
    static Path storage;

    private static TestCluster node;

    @BeforeAll
    static void startNode() {
        node = TestCluster.of(storage).singleNode().start();
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void trickledAndOversizedRequestsDoNotStarveNormalClients() throws Exception {
        byte[] victimValue = "unchanged".getBytes(StandardCharsets.UTF_8);
        assertThat(node.putBytes(1, "/kv/victim", victimValue).statusCode()).isEqualTo(200);

        ExecutorService abusers = Executors.newFixedThreadPool(TRICKLERS + OVERSIZED_SENDERS);
        CountDownLatch abuseDone = new CountDownLatch(TRICKLERS + OVERSIZED_SENDERS);
        ConcurrentLinkedQueue<String> trickleOutcomes = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> oversizedOutcomes = new ConcurrentLinkedQueue<>();
        List<Future<?>> futures = new ArrayList<>();
        try {
            for (int i = 0; i < TRICKLERS; i++) {
                int id = i;
                futures.add(abusers.submit(() -> {
                    try {
                        trickleOutcomes.add(trickle(id));
                    } finally {
                        abuseDone.countDown();
                    }
                }));
            }
            for (int i = 0; i < OVERSIZED_SENDERS; i++) {
                int id = i;
                futures.add(abusers.submit(() -> {
                    try {
                        for (int round = 0; round < OVERSIZED_ROUNDS; round++) {
                            oversizedOutcomes.add(sendOversized(id * OVERSIZED_ROUNDS + round));
                        }
                    } finally {
                        abuseDone.countDown();
                    }
                }));
            }

            int pairs = 0;
            List<String> normalFailures = new ArrayList<>();
            while (pairs < MAX_NORMAL_PAIRS && (pairs < MIN_NORMAL_PAIRS || abuseDone.getCount() > 0)) {
                String key = "normal" + (pairs % 20);
                byte[] value = ("value " + pairs).getBytes(StandardCharsets.UTF_8);
                HttpResponse<byte[]> put = node.sendForBytes(HttpRequest.newBuilder(node.uri(1, "/kv/" + key)).timeout(Duration.ofSeconds(20))
                        .header("Content-Type", "text/plain").PUT(HttpRequest.BodyPublishers.ofByteArray(value)).build());
                HttpResponse<byte[]> get = node.getBytes(1, "/kv/" + key);
                if (put.statusCode() != 200 || get.statusCode() != 200 || !Arrays.equals(get.body(), value)) {
                    normalFailures.add("pair " + pairs + ": PUT " + put.statusCode() + ", GET " + get.statusCode());
                }
                pairs++;
            }
            assertThat(abuseDone.await(120, TimeUnit.SECONDS)).as("abusive clients finished").isTrue();
            for (Future<?> future : futures) {
                future.get(); // surfaces an unexpected exception in an abuser
            }

            assertThat(normalFailures).as("normal PUT/GET pairs that failed, of " + pairs).isEmpty();
            assertThat(pairs).isGreaterThanOrEqualTo(MIN_NORMAL_PAIRS);
            assertThat(trickleOutcomes).as("trickled requests are served, timed out (4xx) or closed, never a 5xx")
                    .hasSize(TRICKLERS).allMatch(o -> o.equals("closed") || o.matches("[24]\\d\\d"));
            assertThat(oversizedOutcomes).as("oversized bodies are refused with 413 or a closed connection")
                    .hasSize(OVERSIZED_SENDERS * OVERSIZED_ROUNDS).allMatch(o -> o.equals("413") || o.equals("closed"))
                    .contains("413");
            HttpResponse<byte[]> victim = node.getBytes(1, "/kv/victim");
            assertThat(victim.statusCode()).isEqualTo(200);
            assertThat(victim.body()).as("the key oversized bodies aimed at").isEqualTo(victimValue);
        } finally {
            abusers.shutdownNow();
            assertThat(abusers.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** One valid PUT sent a byte at a time; returns the status, or "closed" if the node hung up. */
    private static String trickle(int id) {
        byte[] body = ("t".repeat(TRICKLE_BODY_BYTES)).getBytes(StandardCharsets.UTF_8);
        byte[] head = RawHttp.head(node.port(1), "PUT /kv/trickle" + id + " HTTP/1.1\r\nContent-Type: text/plain",
                body.length);
        try (Socket socket = new Socket("127.0.0.1", node.port(1))) {
            socket.setSoTimeout(RawHttp.READ_TIMEOUT_MILLIS);
            OutputStream out = socket.getOutputStream();
            for (byte[] part : List.of(head, body)) {
                for (byte b : part) {
                    out.write(b);
                    out.flush();
                    Thread.sleep(TRICKLE_PAUSE_MILLIS);
                }
            }
            return Integer.toString(RawHttp.read(socket.getInputStream(), false).status());
        } catch (IOException e) {
            return "closed";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** A PUT twice the size limit at the key "victim"; returns the status, or "closed". */
    private static String sendOversized(long seed) {
        byte[] body = new byte[OVERSIZED_BYTES];
        new Random(seed).nextBytes(body);
        try {
            return Integer.toString(RawHttp.exchange(node.port(1),
                    "PUT /kv/victim HTTP/1.1\r\nContent-Type: application/octet-stream", body).status());
        } catch (IOException e) {
            return "closed";
        }
    }
}
