package dev.quorumkv.replica;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;

import com.sun.net.httpserver.HttpServer;
import dev.quorumkv.cluster.ClockOffsets;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.coordinator.ReplicaClient;
import dev.quorumkv.coordinator.ReplicaOverloadedException;
import dev.quorumkv.coordinator.ReplicaRejectedException;
import dev.quorumkv.coordinator.StaleTopologyException;
import dev.quorumkv.storage.KeyedValue;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.storage.VersionedCodec;
import dev.quorumkv.time.ManualTimeSource;
import dev.quorumkv.version.Version;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The HTTP adapter against a stand-in replica on loopback that answers batched reads one key at a time. */
class WebClientReplicaClientTests {

    private static final String SECRET = "test-secret";

    private final List<List<String>> batchesAsked = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final List<String> epochsReceived = new CopyOnWriteArrayList<>();
    private final List<Received> writesReceived = new CopyOnWriteArrayList<>();

    private record Received(String path, byte[] body) {
    }

    private static final Duration CALL_LIMIT = Duration.ofSeconds(1);

    private HttpServer replica;
    private Member member;
    private WebClientReplicaClient client;
    private ClockOffsets clockOffsets;
    private final ManualTimeSource time = new ManualTimeSource(NOW);

    private static final long NOW = 1_800_000_000_000L;
    private static final Version SHADOW = new Version(NOW + 5_000, 0, "ahead");

    @BeforeEach
    void startStandInReplica() throws IOException {
        replica = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        replica.createContext(InternalApi.READ_BATCH_PATH, exchange -> {
            List<String> keys = ReplicaBatchCodec.decodeReads(exchange.getRequestBody().readAllBytes());
            batchesAsked.add(keys);
            authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
            Optional<Versioned> answer = keys.get(0).startsWith("absent") ? Optional.empty() : Optional.of(valueOf(keys.get(0)));
            // A budget of one byte: like a replica whose values are too large to answer more than one at a time.
            byte[] body = ReplicaBatchCodec.encodeReadAnswers(List.of(answer, answer), 1);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        // Records what arrives. A batch: holds a newer version of its second write only, and says its clock
        // is a minute ahead of ours. A single write: holds it.
        replica.createContext(InternalApi.WRITE_BATCH_PATH, exchange -> {
            byte[] received = exchange.getRequestBody().readAllBytes();
            writesReceived.add(new Received(exchange.getRequestURI().getRawPath(), received));
            if (!exchange.getRequestURI().getRawPath().equals(InternalApi.WRITE_BATCH_PATH)) {
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
                return;
            }
            List<KeyedValue> writes = ReplicaBatchCodec.decode(received);
            List<Version> held = new ArrayList<>(writes.stream().map(write -> write.value().version()).toList());
            held.set(1, SHADOW);
            byte[] body = ReplicaBatchCodec.encodeShadowed(writes, held);
            exchange.getResponseHeaders().add(ClockOffsets.TIME_HEADER, Long.toString(NOW + 60_000));
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        // A stand-in's hint: records it and answers 204 once "kept".
        replica.createContext("/internal/hints/", exchange -> {
            writesReceived.add(new Received(exchange.getRequestURI().getRawPath(), exchange.getRequestBody().readAllBytes()));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        replica.createContext("/overloaded/internal/hints/", exchange -> {
            exchange.getResponseHeaders().add(InternalApi.OVERLOADED, "true");
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        });
        // A replica at epoch 9: refuses whatever it is sent as routed with a stale topology, recording the epoch named.
        replica.createContext("/stale/internal/replica", exchange -> {
            epochsReceived.add(String.valueOf(exchange.getRequestHeaders().getFirst(InternalApi.EPOCH)));
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add(InternalApi.EPOCH, "9");
            exchange.sendResponseHeaders(409, -1);
            exchange.close();
        });
        replica.createContext("/fails" + InternalApi.READ_BATCH_PATH, exchange -> {
            exchange.sendResponseHeaders(500, -1);
            exchange.close();
        });
        replica.createContext("/refuses" + InternalApi.READ_BATCH_PATH, exchange -> {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        replica.createContext("/overloaded" + InternalApi.WRITE_BATCH_PATH, exchange -> {
            exchange.getResponseHeaders().add(InternalApi.OVERLOADED, "true");
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        });
        // Takes the call and answers nothing for ten times the client's limit: a hung peer.
        replica.createContext("/hangs" + InternalApi.WRITE_BATCH_PATH, exchange -> {
            try {
                Thread.sleep(CALL_LIMIT.multipliedBy(10).toMillis());
            }
            catch (InterruptedException stopped) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        replica.createContext("/fails" + InternalApi.WRITE_BATCH_PATH, exchange -> {
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        });
        replica.start();
        String url = "http://127.0.0.1:" + replica.getAddress().getPort();
        member = new Member("stand-in", URI.create(url));
        clockOffsets = new ClockOffsets(List.of(member), time, Duration.ofMillis(500), new SimpleMeterRegistry());
        client = new WebClientReplicaClient(WebClient.create(), SECRET, Duration.ofSeconds(5), Duration.ofSeconds(30), clockOffsets, time);
    }

    @AfterEach
    void stopStandInReplica() {
        replica.stop(0);
    }

    @Test
    void aCallToAPeerThatNeverAnswersFailsAtItsLimitSoTheValueItHoldsIsLetGo() {
        Member hung = new Member("hung", URI.create(member.url() + "/hangs"));
        WebClientReplicaClient limited = new WebClientReplicaClient(WebClient.create(), SECRET, Duration.ofSeconds(5), CALL_LIMIT,
                clockOffsets, time);

        assertThatThrownBy(() -> limited.write(hung, "k", valueOf("k")).join()).hasRootCauseInstanceOf(TimeoutException.class);
    }

    @Test
    void aBatchedReadAnsweredInPartsAsksAgainForTheRestAndKeepsTheOrder() {
        List<Optional<Versioned>> answers = client.readBatch(member, List.of("k1", "absent-2", "k3"), ReplicaClient.NO_EPOCH).join();

        assertThat(batchesAsked).containsExactly(List.of("k1", "absent-2", "k3"), List.of("absent-2", "k3"), List.of("k3"));
        assertThat(answers).hasSize(3);
        assertThat(new String(answers.get(0).orElseThrow().value(), StandardCharsets.UTF_8)).isEqualTo("k1");
        assertThat(answers.get(1)).isEmpty();
        assertThat(new String(answers.get(2).orElseThrow().value(), StandardCharsets.UTF_8)).isEqualTo("k3");
        assertThat(authorizations).containsOnly("Bearer " + SECRET);
    }

    /** A 404 is a wrong URL or a wrong build, never "absent": the call is refused, not retried key by key. */
    @Test
    void aReplicaAnswering404ToABatchedReadRejectsTheBatch() {
        Member refusing = new Member("refusing", URI.create(member.url() + "/refuses"));

        assertThatThrownBy(() -> client.readBatch(refusing, List.of("a", "b"), ReplicaClient.NO_EPOCH).join())
                .hasCauseInstanceOf(ReplicaRejectedException.class).hasMessageContaining("refusing answered 404");
    }

    @Test
    void aFailingReplicaFailsTheBatch() {
        Member failing = new Member("failing", URI.create(member.url() + "/fails"));

        assertThatThrownBy(() -> client.readBatch(failing, List.of("a", "b"), ReplicaClient.NO_EPOCH).join()).hasMessageContaining("failing answered 500");
    }

    @Test
    void aBatchedWriteAnswerNamesTheVersionHeldForEachWrite() {
        List<KeyedValue> writes = List.of(new KeyedValue("held", valueOf("held")), new KeyedValue("shadowed", valueOf("shadowed")),
                new KeyedValue("also-held", valueOf("also-held")));

        List<Version> held = client.writeBatch(member, writes, ReplicaClient.NO_EPOCH).join();

        assertThat(held).containsExactly(writes.get(0).value().version(), SHADOW, writes.get(2).value().version());
    }

    /** A sloppy quorum's stand-in is asked to hold the write for its owner: the owner and key in the path, the value as a write's. */
    @Test
    void aHintForAnOwnerArrivesAtTheStandInAsItsEncodedFormAndAnswersTheWritesVersion() {
        Versioned value = valueOf("held for n3");
        Member owner = new Member("n3", URI.create("http://127.0.0.1:1"));

        Version held = client.hold(member, owner, "a/b", value).join();

        assertThat(held).isEqualTo(value.version());
        assertThat(writesReceived).singleElement().satisfies(received -> {
            assertThat(received.path()).isEqualTo("/internal/hints/n3/a%2Fb");
            assertThat(received.body()).isEqualTo(VersionedCodec.encode(value));
        });
    }

    /** A stand-in with no room for the hint is alive: a refusal, never a reason to mark it down. */
    @Test
    void aStandInThatCannotKeepTheHintRefusesAsOverloaded() {
        Member full = new Member("full", URI.create(member.url() + "/overloaded"));

        assertThatThrownBy(() -> client.hold(full, new Member("n3", null), "k", valueOf("v")).join())
                .hasCauseInstanceOf(ReplicaOverloadedException.class);
    }

    /** The peer stamped its wall clock on its answer: with no time passing here, the offset is exact. */
    @Test
    void everyAnswerMeasuresThePeersClockOffset() {
        assertThat(clockOffsets.offset(member)).isEmpty();

        client.writeBatch(member, List.of(new KeyedValue("a", valueOf("a")), new KeyedValue("b", valueOf("b"))), ReplicaClient.NO_EPOCH).join();

        assertThat(clockOffsets.offset(member)).contains(Duration.ofMinutes(1));
        assertThat(clockOffsets.trusted()).as("a minute away from its only peer").isFalse();
    }

    /** A value goes out behind a head, uncopied: the replica receives exactly the encoded form it decodes. */
    @Test
    void aWriteAndABatchArriveAsTheirEncodedForms() {
        Versioned big = Versioned.value(new Version(7, 1, "n1"), "application/octet-stream", new byte[300_000]);
        big.value()[299_999] = 42;
        Versioned tombstone = Versioned.tombstone(new Version(8, 0, "n1"));

        client.write(member, "one", big).join();
        client.write(member, "gone", tombstone).join();
        client.writeBatch(member, List.of(new KeyedValue("a", big), new KeyedValue("b", tombstone), new KeyedValue("c", valueOf("c"))), ReplicaClient.NO_EPOCH)
                .join();

        assertThat(writesReceived).hasSize(3);
        assertThat(writesReceived.get(0).path()).isEqualTo("/internal/replica/one");
        assertThat(writesReceived.get(0).body()).isEqualTo(VersionedCodec.encode(big));
        assertThat(writesReceived.get(1).body()).isEqualTo(VersionedCodec.encode(tombstone));
        assertThat(writesReceived.get(2).path()).isEqualTo(InternalApi.WRITE_BATCH_PATH);
        List<KeyedValue> batch = ReplicaBatchCodec.decode(writesReceived.get(2).body());
        assertThat(batch).extracting(KeyedValue::key).containsExactly("a", "b", "c");
        assertThat(batch.get(0).value().value()).isEqualTo(big.value());
        assertThat(batch.get(1).value().isTombstone()).isTrue();
    }

    /** Overloaded is a refusal from a live replica (never a reason to mark it down); a plain 503 is a failure. */
    @Test
    void aReplicaAnsweringOverloadedRefusesTheWriteAndAPlain503FailsIt() {
        Member overloaded = new Member("busy", URI.create(member.url() + "/overloaded"));
        Member failing = new Member("failing", URI.create(member.url() + "/fails"));
        List<KeyedValue> batch = List.of(new KeyedValue("a", valueOf("a")), new KeyedValue("b", valueOf("b")));

        assertThatThrownBy(() -> client.writeBatch(overloaded, batch, ReplicaClient.NO_EPOCH).join())
                .cause().isInstanceOf(ReplicaOverloadedException.class).isInstanceOf(ReplicaRejectedException.class)
                .hasMessageContaining("busy answered 503 (overloaded)");
        assertThatThrownBy(() -> client.writeBatch(failing, batch, ReplicaClient.NO_EPOCH).join())
                .cause().isNotInstanceOf(ReplicaRejectedException.class).hasMessageContaining("failing answered 503");
    }

    /** Each call names the epoch it was routed with; a 409 naming the replica's epoch is a typed stale refusal. */
    @Test
    void aCallRoutedWithAStaleTopologyIsRefusedWithTheReplicasEpoch() {
        Member stale = new Member("ahead", URI.create(member.url() + "/stale"));
        List<KeyedValue> batch = List.of(new KeyedValue("a", valueOf("a")), new KeyedValue("b", valueOf("b")));

        assertThatThrownBy(() -> client.write(stale, "k", valueOf("k"), 3).join()).cause()
                .isInstanceOfSatisfying(StaleTopologyException.class, refused -> assertThat(refused.replicaEpoch()).isEqualTo(9))
                .hasMessageContaining("stale topology");
        assertThatThrownBy(() -> client.read(stale, "k", 4).join()).cause().isInstanceOf(StaleTopologyException.class);
        assertThatThrownBy(() -> client.writeBatch(stale, batch, 5).join()).cause().isInstanceOf(StaleTopologyException.class);
        assertThatThrownBy(() -> client.readBatch(stale, List.of("a", "b"), 6).join()).cause().isInstanceOf(StaleTopologyException.class);
        assertThatThrownBy(() -> client.write(stale, "k", valueOf("k")).join()).as("not routed: no epoch named")
                .cause().isInstanceOf(StaleTopologyException.class);

        assertThat(epochsReceived).containsExactly("3", "4", "5", "6", "null");
    }

    private static Versioned valueOf(String key) {
        return Versioned.value(new Version(1, 0, "n"), "text/plain", key.getBytes(StandardCharsets.UTF_8));
    }
}
