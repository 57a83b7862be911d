package dev.quorumkv.coordinator;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.FailureDetector;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.cluster.PartitionMap;
import dev.quorumkv.cluster.StaticPlacement;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.time.ManualTimeSource;
import dev.quorumkv.version.Version;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PeerProberTests {

    private final Member self = new Member("a", null);
    private final Member peer = new Member("b", null);
    private final Member healthy = new Member("c", null);
    private final List<Member> members = List.of(self, peer, healthy);
    private final Cluster cluster = new Cluster(self, members, PartitionMap.striped(members, 8, members.size()));
    private final ManualTimeSource time = new ManualTimeSource();
    private final FailureDetector detector = new FailureDetector(self, members, 3, time);
    private final ProbeOnly client = new ProbeOnly();
    private final PeerProber prober = new PeerProber(cluster, detector, member -> false, client, time, Duration.ofMillis(500));

    @Test
    void aPeerMarkedDownIsProbedUntilItAnswersAndThenIsUpAgain() {
        for (int i = 0; i < 3; i++) {
            detector.recordFailure(peer, new IllegalStateException("refused"));
        }

        client.answer = CompletableFuture.failedFuture(new IllegalStateException("still down"));
        prober.probePeers();
        assertThat(detector.isUp(peer)).isFalse();

        client.answer = CompletableFuture.completedFuture(null);
        prober.probePeers();
        assertThat(detector.isUp(peer)).isTrue();
        assertThat(client.probes.get()).as("only the down peer is probed").isEqualTo(2);
    }

    /** A node with no traffic still learns its peers' clocks; such a probe never changes a peer's state. */
    @Test
    void upPeersWithoutARecentClockSampleAreProbedAndStayUp() {
        PeerProber clockProber = new PeerProber(cluster, detector, member -> member.equals(healthy), client, time,
                Duration.ofMillis(500));
        client.answer = CompletableFuture.failedFuture(new IllegalStateException("answered 503: not ready"));

        clockProber.probePeers();

        assertThat(client.probes.get()).as("only the peer due for a clock sample").isEqualTo(1);
        assertThat(detector.isUp(healthy)).isTrue();
    }

    @Test
    void aPeerIsNotProbedAgainWhileItsLastProbeIsUnanswered() {
        for (int i = 0; i < 3; i++) {
            detector.recordFailure(peer, new IllegalStateException("refused"));
        }
        CompletableFuture<Void> hanging = new CompletableFuture<>();
        client.answer = hanging;

        prober.probePeers();
        prober.probePeers();
        assertThat(client.probes.get()).isEqualTo(1);

        hanging.complete(null);
        assertThat(detector.isUp(peer)).isTrue();
    }

    @Test
    void onceStartedItProbesEveryIntervalUntilStopped() {
        for (int i = 0; i < 3; i++) {
            detector.recordFailure(peer, new IllegalStateException("refused"));
        }
        client.answer = CompletableFuture.failedFuture(new IllegalStateException("still down"));
        prober.start();

        time.advance(Duration.ofMillis(499));
        assertThat(client.probes.get()).as("not before the first interval").isZero();
        time.advance(Duration.ofMillis(1));
        assertThat(client.probes.get()).isEqualTo(1);
        time.advance(Duration.ofMillis(1_000));
        assertThat(client.probes.get()).as("one probe per interval while it is down").isEqualTo(3);

        prober.stop();
        time.advance(Duration.ofSeconds(10));
        assertThat(client.probes.get()).as("stopped: no more probes").isEqualTo(3);
        assertThat(time.pending()).isZero();
    }

    @Test
    void aMemberThatJoinsIsProbedAndOneThatLeftIsNot() {
        Member joining = new Member("d", null);
        List<Member> withJoining = List.of(self, peer, healthy, joining);
        detector.follow(cluster);
        PeerProber clockProber = new PeerProber(cluster, detector, member -> true, client, time, Duration.ofMillis(500));

        cluster.update(new StaticPlacement(1, PartitionMap.striped(withJoining, 8, 3), withJoining));
        clockProber.probePeers();
        assertThat(client.probed).containsExactlyInAnyOrder("b", "c", "d");

        cluster.update(new StaticPlacement(2, PartitionMap.striped(members, 8, 3), members));
        client.probed.clear();
        clockProber.probePeers();
        assertThat(client.probed).containsExactlyInAnyOrder("b", "c");
    }

    /** Answers probes with whatever the test set; the prober never reads or writes. */
    static final class ProbeOnly implements ReplicaClient {

        volatile CompletableFuture<Void> answer = CompletableFuture.completedFuture(null);
        final AtomicInteger probes = new AtomicInteger();
        final List<String> probed = new CopyOnWriteArrayList<>();

        @Override
        public CompletableFuture<Version> write(Member replica, String key, Versioned value) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Optional<Versioned>> read(Member replica, String key) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Void> probe(Member replica) {
            probes.incrementAndGet();
            probed.add(replica.id());
            return answer;
        }
    }
}
