package dev.quorumkv.coordinator;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import dev.quorumkv.cluster.ClockOffsets;
import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.FailureDetector;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.cluster.PartitionMap;
import dev.quorumkv.time.ManualTimeSource;
import dev.quorumkv.version.HybridLogicalClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * One coordinator wired to {@link FakeReplicas} (replicas and stand-ins) with the production classes for everything else:
 * ring, fan-out, collector, failure detector, metrics. Members are n1..nM; this coordinator is n1.
 */
final class CoordinatorFixture {

    static final Duration GC_GRACE = Duration.ofDays(10);
    static final Duration SPECULATIVE_DELAY = Duration.ofMillis(100);

    final List<Member> members;
    final Cluster cluster;
    final FakeReplicas replicas;
    final FailureDetector failureDetector;
    final ManualTimeSource time;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final QuorumWriteService writes;
    final HybridLogicalClock clock;
    final ClockOffsets clockOffsets;
    /** Reads as DESIGN.md has them: every replica asked. */
    final QuorumReadService reads;
    /** Reads asking R replicas, this node first then the others in preference order, one more after {@link #SPECULATIVE_DELAY}. */
    final QuorumReadService speculativeReads;
    final KeptMisses missed = new KeptMisses();
    final CoordinatorMetrics metrics;

    CoordinatorFixture(int memberCount, Quorum quorum, Duration timeout) {
        this(members(memberCount), new FakeReplicas(members(memberCount)), "n1", quorum, timeout, new ManualTimeSource());
    }

    /** A coordinator {@code selfId} sharing {@code replicas} with others, with its own time (and wall clock). */
    CoordinatorFixture(List<Member> members, FakeReplicas replicas, String selfId, Quorum quorum, Duration timeout,
            ManualTimeSource time) {
        // N owners per partition, as the node builds its map: a key's replicas are its partition's owners.
        this(new Cluster(members.stream().filter(m -> m.id().equals(selfId)).findFirst().orElseThrow(), members,
                PartitionMap.striped(members, 64, quorum.n())), replicas, quorum, timeout, time);
    }

    /** A coordinator of {@code cluster}, whose placement may be any (a membership topology) and may change. */
    CoordinatorFixture(Cluster cluster, FakeReplicas replicas, Quorum quorum, Duration timeout, ManualTimeSource time) {
        this.time = time;
        this.cluster = cluster;
        this.members = cluster.members();
        this.replicas = replicas;
        // No minimum silence: these tests send a few calls at once and check how each outcome counts.
        this.failureDetector = new FailureDetector(cluster.self(), members, 3, Duration.ZERO, time);
        failureDetector.follow(cluster);
        this.metrics = new CoordinatorMetrics(registry, members, time);
        metrics.follow(cluster);
        ReplicaFanOut fanOut = new ReplicaFanOut(cluster, failureDetector, metrics, time, timeout);
        this.clock = new HybridLogicalClock(cluster.self().id(), time, Duration.ofMinutes(1));
        this.clockOffsets = new ClockOffsets(cluster.peers(), time, Duration.ofMillis(500), registry);
        clockOffsets.follow(cluster);
        // Compared with every peer, all on the same time: the clock rules' tests change it.
        cluster.peers().forEach(peer -> clockOffsets.record(peer, time.wallMillis(), time.wallMillis(), time.wallMillis()));
        StaleTopologyRetry staleRetry = new StaleTopologyRetry(cluster, time, timeout);
        this.writes = new QuorumWriteService(cluster, quorum, clock, clockOffsets, replicas, fanOut, metrics, missed,
                new StandInPicker(failureDetector), replicas, staleRetry);
        this.reads = new QuorumReadService(cluster, quorum, clock, replicas, fanOut, metrics, new GcGrace(GC_GRACE, time), staleRetry,
                new ReadProperties(null), new ReadOrder(cluster::isSelf, bound -> 0));
        this.speculativeReads = new QuorumReadService(cluster, quorum, clock, replicas, fanOut, metrics,
                new GcGrace(GC_GRACE, time), staleRetry, new ReadProperties(SPECULATIVE_DELAY),
                new ReadOrder(cluster::isSelf, bound -> 0));
    }

    static List<Member> members(int count) {
        return IntStream.rangeClosed(1, count).mapToObj(i -> new Member("n" + i, null)).toList();
    }

    /** Time whose wall clock reads {@code epochMillis}: coordinators given different ones disagree on the time. */
    static ManualTimeSource clockAt(long epochMillis) {
        return new ManualTimeSource(epochMillis);
    }

    /** The key's preference list: with 3 members and N=3, every member, primary first. */
    List<Member> replicasOf(String key, int n) {
        return cluster.preferenceList(key, n);
    }

    double count(String meter, String outcome) {
        var counter = registry.find(meter).tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    void markDown(Member member) {
        for (int i = 0; i < 3; i++) {
            failureDetector.recordFailure(member, new IllegalStateException("test"));
        }
    }
}
