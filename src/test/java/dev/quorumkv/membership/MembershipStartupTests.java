package dev.quorumkv.membership;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.IntStream;

import dev.quorumkv.InvalidConfigurationException;
import dev.quorumkv.time.ManualTimeSource;
import org.junit.jupiter.api.Test;

import static dev.quorumkv.membership.TopologyFixture.PARTITIONS;
import static dev.quorumkv.membership.TopologyFixture.N;
import static dev.quorumkv.membership.TopologyFixture.apply;
import static dev.quorumkv.membership.TopologyFixture.finish;
import static dev.quorumkv.membership.TopologyFixture.formedUnclaimed;
import static dev.quorumkv.membership.TopologyFixture.host;
import static dev.quorumkv.membership.TopologyFixture.url;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A node taking its place at start: forming the cluster, claiming, coming back as its own replacement, refusing a LEFT host. */
class MembershipStartupTests {

    private static final Duration RETRY = Duration.ofSeconds(1);

    private final ManualTimeSource time = new ManualTimeSource();

    @Test
    void theFirstNodeToStartFormsTheClusterUnclaimedAndClaimsItsOwnPlace() {
        InMemoryTopologyLog log = new InMemoryTopologyLog();

        Topology placed = startup(log, 2, host(2)).takePlace().join();

        assertThat(placed.epoch()).isEqualTo(2);
        assertThat(placed.member("node2").orElseThrow().hostId()).isEqualTo(host(2));
        assertThat(placed.members()).filteredOn(member -> !member.id().equals("node2")).allMatch(member -> !member.claimed());
    }

    @Test
    void everyFirstMemberClaimsItsPlaceOnceAndARestartAddsNoEpoch() {
        InMemoryTopologyLog log = new InMemoryTopologyLog();
        for (int node = 1; node <= 3; node++) {
            startup(log, node, host(node)).takePlace().join();
        }
        assertThat(log.current().epoch()).as("1 + 3 claims").isEqualTo(4);

        Topology restarted = startup(log, 2, host(2)).takePlace().join();

        assertThat(restarted.epoch()).isEqualTo(4);
        assertThat(restarted.members()).allMatch(TopologyMember::claimed).allMatch(member -> member.state() == MemberState.NORMAL);
    }

    @Test
    void aNodeWhosePlaceIsClaimedByAnotherHostComesBackAsItsOwnReplacement() {
        InMemoryTopologyLog log = new InMemoryTopologyLog(claimedByAll());
        UUID newDisk = UUID.randomUUID();

        Topology replaced = startup(log, 3, newDisk).takePlace().join();

        TopologyMember node3 = replaced.member("node3").orElseThrow();
        assertThat(node3.hostId()).isEqualTo(newDisk);
        assertThat(node3.state()).isEqualTo(MemberState.JOINING);
        assertThat(replaced.change().orElseThrow().kind()).isEqualTo(MemberChange.Kind.REPLACE);
        assertThat(replaced.retiredHostIds()).containsExactly(host(3));
    }

    @Test
    void aNodeWhoseHostIdHasLeftRefusesToStart() {
        Topology withNode4 = finish(apply(claimedByAll(), new Join("node4", host(4), url(4))));
        Topology left = finish(new Leave("node4").apply(withNode4));
        InMemoryTopologyLog log = new InMemoryTopologyLog(left);
        MembershipStartup startup = startup(log, 4, host(4));

        assertThatThrownBy(startup::refuseIfRetired).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("host id " + host(4)).hasMessageContaining("has LEFT").hasMessageContaining("empty quorumkv.storage.dir");
        assertThat(startup.takePlace()).failsWithin(Duration.ZERO).withThrowableThat().withCauseInstanceOf(InvalidConfigurationException.class);
    }

    @Test
    void aJoinerAddedByAnOperatorClaimsTheKeptPlaceWhenItStarts() {
        InMemoryTopologyLog log = new InMemoryTopologyLog(claimedByAll());
        log.submit(new Join("node4", null, url(4))).join();

        Topology claimed = startup(log, 4, host(4)).takePlace().join();

        assertThat(claimed.member("node4").orElseThrow().hostId()).isEqualTo(host(4));
        assertThat(claimed.member("node4").orElseThrow().state()).isEqualTo(MemberState.JOINING);
        assertThat(claimed.change().orElseThrow().kind()).isEqualTo(MemberChange.Kind.JOIN);
    }

    @Test
    void whileTheLogIsUnavailableStartUpKeepsTryingAndSaysWhatItWaitsFor() {
        UnavailableAtFirst log = new UnavailableAtFirst();
        MembershipStartup startup = startup(log, 1, host(1));

        startup.start();
        time.advance(Duration.ZERO);

        assertThat(startup.placed()).isFalse();
        assertThat(startup.waitingFor()).contains("majority", "no majority yet");
        log.available.set(true);
        time.advance(RETRY);

        assertThat(startup.placed()).isTrue();
        assertThat(log.current().member("node1").orElseThrow().hostId()).isEqualTo(host(1));
        startup.stop();
    }

    @Test
    void readinessIsUpOnlyOnceThisNodeIsNormalUnderItsHostId() {
        InMemoryTopologyLog log = new InMemoryTopologyLog();
        MembershipStartup startup = startup(log, 1, host(1));
        MembershipHealthIndicator health = new MembershipHealthIndicator(log, startup);
        assertThat(health.health().getStatus().getCode()).isEqualTo("DOWN");

        startup.takePlace().join();

        assertThat(health.health().getStatus().getCode()).isEqualTo("UP");
        MembershipStartup replacement = startup(log, 1, UUID.randomUUID());
        replacement.takePlace().join();
        assertThat(new MembershipHealthIndicator(log, replacement).health().getStatus().getCode()).as("a JOINING replacement").isEqualTo("DOWN");
    }

    @Test
    void aJoinerAsksAContactPointToAddItUntilTheLogReachesItAndNeverFormsAClusterOfItsOwn() {
        InMemoryTopologyLog cluster = new InMemoryTopologyLog(claimedByAll());
        AtomicBoolean added = new AtomicBoolean(); // by the leader, to the Raft group: then its log has the cluster's
        TopologyLog joinersLog = new TopologyLog() {
            @Override
            public Topology current() {
                return added.get() ? cluster.current() : Topology.empty();
            }

            @Override
            public CompletableFuture<Topology> submit(TopologyChange change) {
                return added.get() ? cluster.submit(change)
                        : CompletableFuture.failedFuture(new TopologyLogUnavailableException("not in the group yet", null));
            }

            @Override
            public void onCommit(Consumer<Topology> listener) {
            }

            @Override
            public void close() {
            }
        };
        java.util.List<String> asked = new java.util.ArrayList<>();
        JoinRequester contact = (id, url, hostId) -> {
            asked.add(id);
            return cluster.submit(new Join(id, hostId, url)).thenApply(topology -> null);
        };
        Bootstrap first = new Bootstrap(IntStream.rangeClosed(1, 3)
                .mapToObj(number -> new TopologyMember("node" + number, null, url(number), MemberState.NORMAL)).toList(), PARTITIONS, N);
        MembershipStartup startup = new MembershipStartup(joinersLog, first, "node4", url(4), host(4), time, RETRY, contact);
        startup.start();
        time.advance(Duration.ZERO);

        assertThat(asked).containsExactly("node4");
        assertThat(startup.placed()).isFalse();
        assertThat(joinersLog.current().isEmpty()).as("it formed nothing itself").isTrue();
        assertThat(startup.waitingFor()).contains("add it to the Raft group");

        added.set(true);
        time.advance(RETRY);

        assertThat(startup.placed()).isTrue();
        assertThat(joinersLog.current().member("node4").orElseThrow().state()).isEqualTo(MemberState.JOINING);
        startup.stop();
    }

    private MembershipStartup startup(TopologyLog log, int node, UUID hostId) {
        Bootstrap first = new Bootstrap(IntStream.rangeClosed(1, 3)
                .mapToObj(number -> new TopologyMember("node" + number, null, url(number), MemberState.NORMAL)).toList(), PARTITIONS, N);
        return new MembershipStartup(log, first, "node" + node, url(node), hostId, time, RETRY);
    }

    private static Topology claimedByAll() {
        return apply(formedUnclaimed(3), new Claim("node1", host(1)), new Claim("node2", host(2)), new Claim("node3", host(3)));
    }

    /** A log whose submissions fail as unavailable (no majority) until it is made available. */
    private static final class UnavailableAtFirst implements TopologyLog {

        final AtomicBoolean available = new AtomicBoolean();
        private final InMemoryTopologyLog log = new InMemoryTopologyLog();

        @Override
        public Topology current() {
            return log.current();
        }

        @Override
        public CompletableFuture<Topology> submit(TopologyChange change) {
            return available.get() ? log.submit(change)
                    : CompletableFuture.failedFuture(new TopologyLogUnavailableException("no majority yet", null));
        }

        @Override
        public void onCommit(Consumer<Topology> listener) {
            log.onCommit(listener);
        }

        @Override
        public void close() {
            log.close();
        }
    }
}
