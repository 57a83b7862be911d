package dev.quorumkv.cluster;

import java.time.Duration;
import java.util.List;

import dev.quorumkv.time.ManualTimeSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Offsets measured on calls, with time moved by hand; the trust rule is CockroachDB's "most peers". */
class ClockOffsetsTests {

    private static final long NOW = 1_763_935_200_000L;

    private final Member b = new Member("b", null);
    private final Member c = new Member("c", null);
    private final Member d = new Member("d", null);
    private final Member e = new Member("e", null);
    private final ManualTimeSource time = new ManualTimeSource(NOW);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ClockOffsets offsets = new ClockOffsets(List.of(b, c, d, e), time, Duration.ofMillis(500), registry);

    /** b, c and d leave; e, far off, joins: the node is judged by the peers it has now, and meters those only. */
    @Test
    void itMeasuresThePeersOfEachPlacementAndThoseThatLeftNoLongerVote() {
        Member self = new Member("a", null);
        List<Member> before = List.of(self, b, c, d);
        Cluster cluster = new Cluster(self, before, PartitionMap.striped(before, 8, 3));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        ClockOffsets following = new ClockOffsets(cluster.peers(), time, Duration.ofMillis(500), meters);
        following.follow(cluster);
        following.record(b, NOW, NOW, NOW + 3_000);
        following.record(c, NOW, NOW, NOW + 3_000);
        following.record(d, NOW, NOW, NOW + 10);
        assertThat(following.trusted()).isFalse();

        List<Member> after = List.of(self, d, e);
        cluster.update(new StaticPlacement(1, PartitionMap.striped(after, 8, 3), after));

        assertThat(following.trusted()).as("b and c, far off, have left").isTrue();
        assertThat(following.peers()).containsExactly(d, e);
        assertThat(meters.find("quorumkv.clock.offset").tag("peer", "b").gauge()).isNull();
        assertThat(meters.find("quorumkv.clock.offset").tag("peer", "e").gauge()).isNotNull();
        following.record(e, NOW, NOW, NOW + 3_000);
        following.record(b, NOW, NOW, NOW + 3_000);
        assertThat(following.lastOffset(b)).as("no sample is kept for a member that left").isEmpty();
        assertThat(following.trusted()).as("one of two far off is not most").isTrue();
    }

    @Test
    void theOffsetIsThePeersTimeAgainstTheMiddleOfTheCall() {
        offsets.record(b, NOW, NOW + 100, NOW + 50 + 2_000);

        assertThat(offsets.offset(b)).contains(Duration.ofSeconds(2));
        assertThat(registry.get("quorumkv.clock.offset").tag("peer", "b").gauge().value()).isEqualTo(2.0);
    }

    @Test
    void aCallSlowerThanTheMaxOffsetMeasuresNothing() {
        offsets.record(b, NOW, NOW + 800, NOW + 60_000);

        assertThat(offsets.offset(b)).isEmpty();
        assertThat(registry.get("quorumkv.clock.offset").tag("peer", "b").gauge().value()).isNaN();
    }

    @Test
    void aNodeFarFromMostOfItsPeersDistrustsItsClock() {
        offsets.record(b, NOW, NOW, NOW + 3_000);
        offsets.record(c, NOW, NOW, NOW + 3_000);
        offsets.record(d, NOW, NOW, NOW + 3_000);
        offsets.record(e, NOW, NOW, NOW + 10);

        assertThat(offsets.trusted()).isFalse();
    }

    @Test
    void aNodeFarFromHalfItsPeersOrFewerStillTrustsItsClock() {
        offsets.record(b, NOW, NOW, NOW + 3_000);
        offsets.record(c, NOW, NOW, NOW - 3_000);
        offsets.record(d, NOW, NOW, NOW + 10);
        offsets.record(e, NOW, NOW, NOW - 10);

        assertThat(offsets.trusted()).isTrue();
    }

    /** The moment after a restart on a wrong clock: nothing says yet that the clock is wrong, nor that it is right. */
    @Test
    void aNodeWithPeersDistrustsItsClockUntilItHasComparedItWithOne() {
        assertThat(offsets.compared()).isFalse();
        assertThat(offsets.trusted()).isFalse();

        offsets.record(b, NOW, NOW + 10, NOW + 5);

        assertThat(offsets.compared()).isTrue();
        assertThat(offsets.trusted()).isTrue();
        assertThat(new ClockOffsets(List.of(), time, Duration.ofMillis(500), registry).trusted()).as("no peers").isTrue();

        ClockOffsets unanswered = new ClockOffsets(List.of(b), time, Duration.ofMillis(500), registry);
        time.advance(ClockOffsets.FIRST_SAMPLE_GRACE);
        assertThat(unanswered.trusted()).as("no peer answered within the grace: nothing to judge by").isTrue();
    }

    /** Found on a node restarted on a clock two minutes ahead: its warm-up calls to itself outvoted its only peer. */
    @Test
    void aCallToThisNodeItselfIsNoSample() {
        ClockOffsets withOnePeer = new ClockOffsets(List.of(b), time, Duration.ofMillis(500), registry);

        withOnePeer.record(new Member("self", null), NOW, NOW, NOW);
        assertThat(withOnePeer.compared()).isFalse();
        withOnePeer.record(b, NOW, NOW, NOW - 120_000);

        assertThat(withOnePeer.trusted()).isFalse();
    }

    @Test
    void oldSamplesStopCountingAndThePeerIsDueForANewOne() {
        offsets.record(b, NOW, NOW, NOW + 3_000);
        assertThat(offsets.trusted()).isFalse();
        assertThat(offsets.needsSample(b)).isFalse();

        time.advance(ClockOffsets.SAMPLE_REFRESH.plusMillis(1));
        assertThat(offsets.needsSample(b)).isTrue();

        time.advance(ClockOffsets.SAMPLE_LIFETIME);
        assertThat(offsets.offset(b)).as("no longer exported").isEmpty();
        assertThat(offsets.trusted()).as("the last word on b stands until a new sample").isFalse();

        offsets.record(b, NOW, NOW, NOW);
        assertThat(offsets.trusted()).isTrue();
    }
}
