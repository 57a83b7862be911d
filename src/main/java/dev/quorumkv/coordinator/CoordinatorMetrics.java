package dev.quorumkv.coordinator;

import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.time.TimeSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The meters of DESIGN.md, registered up front with every tag value, so that dashboards and rate()
 * see zero-valued series before the first failure rather than no series at all. Tags are low-cardinality
 * only: outcome, peer (a member id), op. The per-peer meters follow the membership ({@link #follow}): registered
 * for a member when a placement adds it, removed once one leaves it.
 */
public class CoordinatorMetrics {

    public enum WriteOutcome { SUCCESS, FAILED, TIMEOUT, UNAVAILABLE, OVERLOADED, INVALID }

    public enum ReadOutcome { SUCCESS, NOT_FOUND, FAILED, TIMEOUT, UNAVAILABLE, OVERLOADED, INVALID }

    private final Map<WriteOutcome, Counter> writes = new EnumMap<>(WriteOutcome.class);
    private final Map<WriteOutcome, Timer> writeLatency = new EnumMap<>(WriteOutcome.class);
    private final Map<ReadOutcome, Counter> reads = new EnumMap<>(ReadOutcome.class);
    private final Map<ReadOutcome, Timer> readLatency = new EnumMap<>(ReadOutcome.class);
    private final DistributionSummary writeAcks;
    private final Counter underReplicated;
    private final Counter readRepairs;
    private final Counter restamped;
    private final Map<String, Counter> speculativeReads = new ConcurrentHashMap<>();
    /** Per member id, resolved once: the hot path looks meters up without building tag or key strings. */
    private final Map<String, PeerMeters> peers = new ConcurrentHashMap<>();
    private final MeterRegistry registry;
    private final TimeSource time;

    public CoordinatorMetrics(MeterRegistry registry, List<Member> members, TimeSource time) {
        this.time = time;
        for (WriteOutcome outcome : WriteOutcome.values()) {
            String tag = outcome.name().toLowerCase();
            writes.put(outcome, Counter.builder("quorumkv.writes").tag("outcome", tag)
                    .description("Client writes (PUT and DELETE) by outcome").register(registry));
            writeLatency.put(outcome, Timer.builder("quorumkv.write.latency").tag("outcome", tag)
                    .publishPercentileHistogram().description("Time to answer a client write").register(registry));
        }
        for (ReadOutcome outcome : ReadOutcome.values()) {
            String tag = outcome.name().toLowerCase();
            reads.put(outcome, Counter.builder("quorumkv.reads").tag("outcome", tag)
                    .description("Client reads by outcome").register(registry));
            readLatency.put(outcome, Timer.builder("quorumkv.read.latency").tag("outcome", tag)
                    .publishPercentileHistogram().description("Time to answer a client read").register(registry));
        }
        writeAcks = DistributionSummary.builder("quorumkv.write.acks")
                // One bucket per possible count, so dashboards can show the real distribution. Micrometer allows
                // only positive bounds: zero-ack answers (nothing sent, "unavailable") share the le=1 bucket.
                .serviceLevelObjectives(IntStream.rangeClosed(1, members.size()).asDoubleStream().toArray())
                .description("Replica acks a write had when it was answered").register(registry);
        underReplicated = Counter.builder("quorumkv.write.under_replicated")
                .description("Writes that reached fewer than N replicas once every replica had answered or timed out")
                .register(registry);
        restamped = Counter.builder("quorumkv.write.restamped")
                .description("Writes stamped again past a newer version a replica held (a clock that ran ahead)")
                .register(registry);
        readRepairs = Counter.builder("quorumkv.read.repairs")
                .description("Stale or missing replicas sent the newest version after a read").register(registry);
        for (String reason : List.of("failed", "slow")) {
            speculativeReads.put(reason, Counter.builder("quorumkv.read.speculative").tag("reason", reason)
                    .description("Replicas asked by a read beyond its first R: one of those failed, or none answered "
                            + "within quorumkv.read.speculative-delay").register(registry));
        }
        this.registry = registry;
        track(members);
    }

    /** Meters the members of every placement of {@code cluster}, from the current one on. */
    public void follow(Cluster cluster) {
        cluster.follow(placement -> track(placement.replicaMembers()));
    }

    /** Meters exactly these members from now on: a new one's meters are registered, those of one gone removed. */
    synchronized void track(List<Member> members) {
        for (Member member : members) {
            peers.computeIfAbsent(member.id(), this::register);
        }
        Set<String> ids = members.stream().map(Member::id).collect(Collectors.toSet());
        peers.keySet().stream().filter(id -> !ids.contains(id)).toList().forEach(gone -> peers.remove(gone).meters()
                .forEach(registry::remove));
    }

    private PeerMeters register(String peer) {
        PeerMeters meters = new PeerMeters(new Counter[Operation.values().length][ReplicaOutcome.values().length],
                new Timer[Operation.values().length]);
        for (Operation op : Operation.values()) {
            for (ReplicaOutcome outcome : ReplicaOutcome.values()) {
                meters.requests()[op.ordinal()][outcome.ordinal()] = Counter.builder("quorumkv.replica.requests")
                        .tags("peer", peer, "op", op.label(), "outcome", outcome.label())
                        .description("Calls from this coordinator to each replica").register(registry);
            }
            meters.latency()[op.ordinal()] = Timer.builder("quorumkv.replica.latency")
                    .tags("peer", peer, "op", op.label())
                    .description("Time each replica took to answer this coordinator").register(registry);
        }
        return meters;
    }

    /** When an operation begins, for the latency recorded when it ends. */
    long start() {
        return time.nanoTime();
    }

    /** A write answered; {@code startNanos} is the {@link #start()} at which it began. */
    void write(WriteOutcome outcome, int acks, long startNanos) {
        writes.get(outcome).increment();
        writeLatency.get(outcome).record(since(startNanos));
        writeAcks.record(acks);
    }

    /** A client request refused as invalid input where it was validated: in the API or by the coordinator. */
    public void invalid(Operation operation) {
        if (operation == Operation.WRITE) {
            writes.get(WriteOutcome.INVALID).increment();
        }
        else {
            reads.get(ReadOutcome.INVALID).increment();
        }
    }

    /**
     * A client request refused before anything was done for it, because the node had no room for its bytes
     * ({@code quorumkv.admission.max-inflight-bytes}). No latency is recorded: nothing was attempted.
     */
    public void overloaded(Operation operation) {
        if (operation == Operation.WRITE) {
            writes.get(WriteOutcome.OVERLOADED).increment();
        }
        else {
            reads.get(ReadOutcome.OVERLOADED).increment();
        }
    }

    void read(ReadOutcome outcome, long startNanos) {
        reads.get(outcome).increment();
        readLatency.get(outcome).record(since(startNanos));
    }

    void underReplicated() {
        underReplicated.increment();
    }

    void restamped() {
        restamped.increment();
    }

    /** @param reason {@code failed} or {@code slow} */
    void speculativeRead(String reason) {
        speculativeReads.get(reason).increment();
    }

    void readRepair() {
        readRepairs.increment();
    }

    void replicaCall(Member member, Operation op, ReplicaOutcome outcome, long startNanos) {
        PeerMeters meters = peers.get(member.id());
        if (meters == null) {
            // A member of a placement whose meters are not registered yet (the update is telling its listeners), or
            // one that has just left: one call unmetered, rather than meters registered for a member that is gone.
            return;
        }
        meters.requests()[op.ordinal()][outcome.ordinal()].increment();
        meters.latency()[op.ordinal()].record(since(startNanos));
    }

    private Duration since(long startNanos) {
        return Duration.ofNanos(time.nanoTime() - startNanos);
    }

    private record PeerMeters(Counter[][] requests, Timer[] latency) {

        List<Meter> meters() {
            return Stream.concat(Arrays.stream(requests).flatMap(Arrays::stream), Arrays.stream(latency)).map(Meter.class::cast).toList();
        }
    }
}
