package dev.quorumkv.handoff;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.IntStream;

import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.FailureDetector;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.cluster.PartitionMap;
import dev.quorumkv.cluster.Placement;
import dev.quorumkv.cluster.StaticPlacement;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.time.ManualTimeSource;
import dev.quorumkv.version.Version;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hinted handoff on this node (n1) with time moved by hand: what is kept for a replica that missed a write,
 * and how it is delivered when that replica is back. Replicas apply writes to real stores, newer wins.
 */
class HintedHandoffTests {

    private static final Duration WINDOW = Duration.ofHours(3);
    private static final int RATE = 2000;
    /** At 2000 hints a second, the hints of one tick of 100 ms. */
    private static final int PER_TICK = 200;

    private final Member self = new Member("n1", null);
    private final Member target = new Member("n2", null);
    private final Member other = new Member("n3", null);
    private final List<Member> members = List.of(self, target, other);
    private final Cluster cluster = new Cluster(self, members, PartitionMap.striped(members, 8, members.size()));
    private final ManualTimeSource time = new ManualTimeSource();
    private final FailureDetector failureDetector = new FailureDetector(self, members, 3, Duration.ZERO, time);
    private final InMemoryHintStore hints = new InMemoryHintStore();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final HintMetrics metrics = new HintMetrics(registry, cluster.peers(), hints);

    @TempDir
    Path dir;
    private StoreReplicas replicas;
    private HintRecorder recorder;
    private HintDelivery delivery;

    @BeforeEach
    void start() {
        replicas = new StoreReplicas(List.of(target, other), dir);
        recorder = recorder(properties(true, DataSize.ofMegabytes(256)));
        delivery = new HintDelivery(cluster, failureDetector, hints, replicas, time, Runnable::run, metrics,
                properties(true, DataSize.ofMegabytes(256)));
        delivery.start();
    }

    @AfterEach
    void stop() {
        delivery.stop();
        replicas.close();
    }

    @Test
    void aWriteMissedByAReplicaIsDeliveredOnceItIsUpAgainAndThenForgotten() {
        markDown(target);
        recorder.missed(target, "k", value(1, "v")).join();
        assertThat(counter("quorumkv.hints.stored")).isEqualTo(1);
        assertThat(pending(target)).isEqualTo(1);

        time.advance(Duration.ofMinutes(10));
        assertThat(replicas.writes()).as("nothing is sent to a replica marked down").isEmpty();

        failureDetector.recordSuccess(target);
        time.advance(HintDelivery.TICK);

        assertThat(text(replicas.store(target).get("k").orElseThrow())).isEqualTo("v");
        assertThat(counter("quorumkv.hints.delivered")).isEqualTo(1);
        assertThat(pending(target)).isZero();
        time.advance(Duration.ofSeconds(10));
        assertThat(replicas.writes()).as("delivered once").containsExactly("n2:k");
    }

    @Test
    void aTombstoneIsKeptAndDeliveredLikeAnyWrite() {
        replicas.store(target).putIfNewer("k", value(1, "before the delete"));
        recorder.missed(target, "k", Versioned.tombstone(new Version(2, 0, "n1"))).join();

        time.advance(HintDelivery.TICK);

        assertThat(replicas.store(target).get("k").orElseThrow().isTombstone()).isTrue();
    }

    /** Hints carry old versions: the replica's newer-wins rule is what keeps a late one from undoing anything. */
    @Test
    void aHintReplayedOverANewerWriteOrANewerTombstoneChangesNothing() {
        markDown(target);
        recorder.missed(target, "written-since", value(1, "hinted")).join();
        recorder.missed(target, "deleted-since", value(1, "hinted")).join();
        replicas.store(target).putIfNewer("written-since", value(2, "newer"));
        replicas.store(target).putIfNewer("deleted-since", Versioned.tombstone(new Version(2, 0, "n3")));

        failureDetector.recordSuccess(target);
        time.advance(HintDelivery.TICK);

        assertThat(replicas.writes()).containsExactlyInAnyOrder("n2:written-since", "n2:deleted-since");
        assertThat(text(replicas.store(target).get("written-since").orElseThrow())).isEqualTo("newer");
        assertThat(replicas.store(target).get("deleted-since").orElseThrow().isTombstone()).isTrue();
        assertThat(pending(target)).as("answered: nothing left to deliver").isZero();
    }

    @Test
    void aReplicaDownLongerThanTheWindowGetsNoNewHints() {
        markDown(target);
        time.advance(WINDOW.minusMinutes(1));
        recorder.missed(target, "within", value(1, "v")).join();

        time.advance(Duration.ofMinutes(2));
        recorder.missed(target, "beyond", value(1, "v")).join();

        assertThat(hints.scan(target.id(), null, 10, Long.MAX_VALUE)).extracting(hint -> hint.key()).containsExactly("within");
        assertThat(dropped("window")).isEqualTo(1);
        assertThat(counter("quorumkv.hints.stored")).isEqualTo(1);
    }

    @Test
    void aReplicaWhoseHintsTakeTheByteLimitGetsNoMoreWhileOthersStillDo() {
        HintRecorder limited = recorder(properties(true, DataSize.ofBytes(10)));

        limited.missed(target, "a", value(1, "12345")).join();
        limited.missed(target, "b", value(1, "12345")).join();
        limited.missed(target, "c", value(1, "12345")).join();
        limited.missed(other, "c", value(1, "12345")).join();

        assertThat(pending(target)).isEqualTo(2);
        assertThat(pending(other)).isEqualTo(1);
        assertThat(dropped("full")).isEqualTo(1);
    }

    @Test
    void aHintOlderThanTheWindowWhenItsTurnComesIsDroppedUnsent() {
        markDown(target);
        recorder.missed(target, "old", value(1, "v")).join();
        time.advance(Duration.ofHours(2));
        recorder.missed(target, "recent", value(1, "v")).join();
        time.advance(Duration.ofHours(1).plusMinutes(1));

        failureDetector.recordSuccess(target);
        time.advance(HintDelivery.TICK);

        assertThat(replicas.writes()).containsExactly("n2:recent");
        assertThat(dropped("expired")).isEqualTo(1);
        assertThat(pending(target)).isZero();
    }

    /** The rate is kept by count: one batch of rate x tick per tick, however fast the replica answers. */
    @Test
    void deliveryKeepsToTheRateOneBatchPerTick() {
        markDown(target);
        for (int i = 0; i < 5 * PER_TICK; i++) {
            recorder.missed(target, String.format("k%04d", i), value(1, "v")).join();
        }
        failureDetector.recordSuccess(target);

        time.advance(HintDelivery.TICK);
        assertThat(replicas.writes()).hasSize(PER_TICK);
        assertThat(pending(target)).isEqualTo(4 * PER_TICK);

        time.advance(HintDelivery.TICK.multipliedBy(2));
        assertThat(replicas.writes()).hasSize(3 * PER_TICK);

        time.advance(HintDelivery.TICK.multipliedBy(10));
        assertThat(replicas.writes()).as("each hint sent once").hasSize(5 * PER_TICK).doesNotHaveDuplicates();
        assertThat(counter("quorumkv.hints.delivered")).isEqualTo(5 * PER_TICK);
    }

    /** Large values make few hints a lot of memory: a batch stops at its byte limit whatever the rate. */
    @Test
    void aBatchOfLargeValuesStopsAtItsByteLimit() {
        String mebibyte = "x".repeat(1024 * 1024);
        for (int i = 0; i < 10; i++) {
            recorder.missed(target, "large-" + i, value(1, mebibyte)).join();
        }

        time.advance(HintDelivery.TICK);
        assertThat(replicas.writes()).hasSize((int) (HintDelivery.MAX_BATCH_BYTES / mebibyte.length()));

        time.advance(HintDelivery.TICK.multipliedBy(2));
        assertThat(pending(target)).isZero();
    }

    @Test
    void noBatchLeavesForAReplicaWhileItsLastIsUnanswered() {
        for (int i = 0; i < 2 * PER_TICK; i++) {
            recorder.missed(target, String.format("k%04d", i), value(1, "v")).join();
        }
        replicas.hold(target);

        time.advance(HintDelivery.TICK.multipliedBy(5));
        assertThat(replicas.writes()).hasSize(PER_TICK);

        replicas.release(target);
        time.advance(HintDelivery.TICK);
        assertThat(replicas.writes()).hasSize(2 * PER_TICK);
    }

    /** The older hint's ack must not remove the newer one that replaced it while the older was on the wire. */
    @Test
    void aHintReplacedWhileTheOlderWasOnTheWireIsDeliveredNext() {
        recorder.missed(target, "k", value(1, "older")).join();
        replicas.hold(target);
        time.advance(HintDelivery.TICK);

        recorder.missed(target, "k", value(2, "newer")).join();
        replicas.release(target);
        assertThat(pending(target)).isEqualTo(1);

        time.advance(HintDelivery.TICK);
        assertThat(text(replicas.store(target).get("k").orElseThrow())).isEqualTo("newer");
        assertThat(pending(target)).isZero();
        assertThat(counter("quorumkv.hints.delivered")).isEqualTo(1);
    }

    @Test
    void aFailedDeliveryKeepsTheHintAndCountsAgainstTheReplica() {
        recorder.missed(target, "k", value(1, "v")).join();
        replicas.fail(target);

        time.advance(HintDelivery.TICK.multipliedBy(3));

        assertThat(pending(target)).isEqualTo(1);
        assertThat(failureDetector.isUp(target)).as("three failed calls mark it down").isFalse();
        assertThat(replicas.writes()).hasSize(3);
        time.advance(HintDelivery.TICK.multipliedBy(3));
        assertThat(replicas.writes()).as("no more batches while it is down").hasSize(3);
    }

    /**
     * n3 leaves and n4 joins with N=2: some partitions move away from n2. Its hints for those, and n3's for any, are
     * dropped unsent; the rest are delivered as before. The pending gauges follow the peers.
     */
    @Test
    void hintsForAReplicaThatNoLongerOwnsTheKeysPartitionAreDroppedUnsent() {
        metrics.follow(cluster);
        Member joined = new Member("n4", null);
        List<Member> after = List.of(self, target, joined);
        Placement next = new StaticPlacement(1, PartitionMap.striped(after, 8, 2), after);
        String stillOwned = keyWhere(next, owners -> owners.contains(target));
        String movedAway = keyWhere(next, owners -> !owners.contains(target));
        recorder.missed(target, stillOwned, value(1, "v")).join();
        recorder.missed(target, movedAway, value(1, "v")).join();
        recorder.missed(other, stillOwned, value(1, "v")).join();
        markDown(target);
        markDown(other);

        cluster.update(next);
        failureDetector.recordSuccess(target);
        time.advance(HintDelivery.TICK);

        assertThat(replicas.writes()).containsExactly("n2:" + stillOwned);
        assertThat(dropped("moved")).as("n2's hint for a partition it gave away, n3's as it left").isEqualTo(2);
        assertThat(hints.count(target.id())).isZero();
        assertThat(hints.count(other.id())).isZero();
        assertThat(registry.find("quorumkv.hints.pending").tag("peer", "n3").gauge()).isNull();
        assertThat(pending(joined)).isZero();
    }

    private static String keyWhere(Placement placement, Predicate<List<Member>> owners) {
        return IntStream.range(0, 1000).mapToObj(i -> "key-" + i)
                .filter(key -> owners.test(placement.writeReplicas(placement.partitionOf(key)))).findFirst().orElseThrow();
    }

    @Test
    void noHintIsKeptWhenHandoffIsOffNorForThisNodeItself() {
        recorder(properties(false, DataSize.ofMegabytes(256))).missed(target, "k", value(1, "v")).join();
        recorder.missed(self, "k", value(1, "v")).join();

        assertThat(pending(target)).isZero();
        assertThat(hints.count(self.id())).isZero();
        assertThat(counter("quorumkv.hints.stored")).isZero();
    }

    @Test
    void healthShowsTheHintsHeldForEachPeerAndStaysUp() {
        recorder.missed(target, "a", value(1, "v")).join();
        recorder.missed(target, "b", value(1, "v")).join();

        Health health = new HintsHealthIndicator(cluster, hints, true).health();

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("enabled", true)
                .containsEntry("pending", Map.of(target.id(), 2L, other.id(), 0L));
    }

    private HintRecorder recorder(HintsProperties properties) {
        return new HintRecorder(cluster, failureDetector, hints, time, Runnable::run, metrics, properties);
    }

    private static HintsProperties properties(boolean enabled, DataSize maxBytes) {
        return new HintsProperties(enabled, WINDOW, maxBytes, RATE);
    }

    private void markDown(Member member) {
        for (int i = 0; i < 3; i++) {
            failureDetector.recordFailure(member, new IllegalStateException("test"));
        }
    }

    private double counter(String name) {
        return registry.get(name).counter().count();
    }

    private double dropped(String reason) {
        return registry.get("quorumkv.hints.dropped").tag("reason", reason).counter().count();
    }

    private double pending(Member peer) {
        return registry.get("quorumkv.hints.pending").tag("peer", peer.id()).gauge().value();
    }

    private static Versioned value(long wallMillis, String text) {
        return Versioned.value(new Version(wallMillis, 0, "n1"), "text/plain", text.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(Versioned value) {
        return new String(value.value(), StandardCharsets.UTF_8);
    }
}
