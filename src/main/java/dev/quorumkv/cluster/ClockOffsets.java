package dev.quorumkv.cluster;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import dev.quorumkv.time.TimeSource;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * This node's wall-clock offset to each peer, measured on the calls it makes anyway: a peer stamps the
 * time it read into each answer ({@link #TIME_HEADER}), and the offset is that time against the midpoint
 * of the call (Cristian's algorithm). A sample whose round trip exceeds the max offset is dropped: its
 * error bound (half the round trip) would be as large as what it measures.
 * <p>
 * The node trusts its clock unless it is more than the max offset away from most of the peers it has
 * sampled (CockroachDB's rule): one peer with a bad clock marks that peer, not this node. Each peer counts
 * with its latest sample, however old: a node restarted on a wrong clock would otherwise stamp versions
 * with it before its first sample, and a node whose samples have aged (its peers unreachable) would go
 * back to trusting a clock last seen off. With no sample at all, a node with peers does not trust its
 * clock for {@link #FIRST_SAMPLE_GRACE} after its start, time enough to sample any peer that answers. The
 * exported offsets ({@link #offset}) are the recent samples only.
 * <p>
 * The peers are those of the cluster's current placement ({@link #follow}): a peer that joins gets its gauge, one
 * that leaves loses its gauge and its sample, so it no longer votes on this node's clock.
 */
public class ClockOffsets {

    /** The answering node's wall clock, in milliseconds since the epoch, on every internal answer. */
    public static final String TIME_HEADER = "X-Quorumkv-Time";

    /** A sample older than this says nothing about the clocks now. */
    static final Duration SAMPLE_LIFETIME = Duration.ofSeconds(30);
    /** How long after a start a node with peers but no sample distrusts its clock: long enough for the
     * prober to sample any peer that answers (it samples every probe interval). */
    public static final Duration FIRST_SAMPLE_GRACE = Duration.ofSeconds(5);
    /** A peer with no sample younger than this is probed for one. */
    static final Duration SAMPLE_REFRESH = Duration.ofSeconds(5);

    private record Sample(long offsetMillis, long takenAtNanos) {
    }

    private final TimeSource time;
    private final Duration maxOffset;
    private final MeterRegistry registry;
    private final Map<String, Sample> samples = new ConcurrentHashMap<>();
    private final Map<String, Gauge> gauges = new ConcurrentHashMap<>();
    private final long createdAtNanos;
    private volatile List<Member> peers = List.of();
    private volatile Set<String> peerIds = Set.of();

    public ClockOffsets(List<Member> peers, TimeSource time, Duration maxOffset, MeterRegistry registry) {
        this.time = time;
        this.maxOffset = maxOffset;
        this.registry = registry;
        this.createdAtNanos = time.nanoTime();
        track(peers);
    }

    /** Measures the peers of every placement of {@code cluster}, from the current one on. */
    public void follow(Cluster cluster) {
        cluster.follow(placement -> track(cluster.peersIn(placement)));
    }

    /** Measures exactly these peers from now on: a gauge for each new one; the gauge and sample of one gone are dropped. */
    synchronized void track(List<Member> current) {
        peers = List.copyOf(current);
        peerIds = peers.stream().map(Member::id).collect(Collectors.toUnmodifiableSet());
        for (Member peer : peers) {
            gauges.computeIfAbsent(peer.id(), id -> Gauge.builder("quorumkv.clock.offset",
                            () -> offset(peer).map(offset -> offset.toNanos() / 1e9).orElse(Double.NaN))
                    .description("The peer's wall clock minus this node's, in seconds, measured on recent calls")
                    .tag("peer", id)
                    .register(registry));
        }
        gauges.keySet().stream().filter(id -> !peerIds.contains(id)).toList().forEach(gone -> {
            registry.remove(gauges.remove(gone));
            samples.remove(gone);
        });
    }

    /**
     * Records one call to {@code peer}: sent and answered at these wall times of this node, with the peer's
     * wall time from its answer.
     */
    public void record(Member peer, long sentMillis, long answeredMillis, long peerMillis) {
        long roundTrip = answeredMillis - sentMillis;
        // Only peers: a call to this node itself (the start-up warm-up makes them) always agrees, and would
        // outvote the peers whose samples say its clock is off.
        if (roundTrip < 0 || roundTrip > maxOffset.toMillis() || !peerIds.contains(peer.id())) {
            return;
        }
        samples.put(peer.id(), new Sample(peerMillis - (sentMillis + answeredMillis) / 2, time.nanoTime()));
    }

    /** Whether this node has compared its clock with a peer since it started, or has no peers to compare with. */
    public boolean compared() {
        return !samples.isEmpty() || peers.isEmpty();
    }

    /** How long ago this node started measuring. */
    public Duration sinceStart() {
        return Duration.ofNanos(time.nanoTime() - createdAtNanos);
    }

    /** The peer's clock minus this node's, from a recent sample. */
    public Optional<Duration> offset(Member peer) {
        Sample sample = samples.get(peer.id());
        if (sample == null || time.nanoTime() - sample.takenAtNanos() > SAMPLE_LIFETIME.toNanos()) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofMillis(sample.offsetMillis()));
    }

    /** The peer's clock minus this node's, from the latest sample however old: what {@link #trusted} judges by. */
    public Optional<Duration> lastOffset(Member peer) {
        return Optional.ofNullable(samples.get(peer.id())).map(sample -> Duration.ofMillis(sample.offsetMillis()));
    }

    /** Whether no call has measured {@code peer}'s offset lately: the prober then asks it for the time. */
    public boolean needsSample(Member peer) {
        Sample sample = samples.get(peer.id());
        return sample == null || time.nanoTime() - sample.takenAtNanos() > SAMPLE_REFRESH.toNanos();
    }

    /** Whether this node may stamp versions: {@link #distrust} has nothing against its clock. */
    public boolean trusted() {
        return distrust().isEmpty();
    }

    /**
     * Why this node may not trust its clock now, or empty when it may: not before it has compared it with a
     * peer (for {@link #FIRST_SAMPLE_GRACE} after its start; with no peer answering by then, nothing to
     * judge by, and a node whose peers are all away still writes), and not when it is more than the max
     * offset from most peers, each judged by its latest sample.
     */
    public Optional<String> distrust() {
        if (peers.isEmpty()) {
            return Optional.empty();
        }
        // The peers' samples only: one taken from a peer just as it left may land after its own were dropped.
        Set<String> current = peerIds;
        List<Sample> peerSamples = samples.entrySet().stream().filter(sample -> current.contains(sample.getKey()))
                .map(Map.Entry::getValue).toList();
        if (peerSamples.isEmpty()) {
            return sinceStart().compareTo(FIRST_SAMPLE_GRACE) < 0
                    ? Optional.of("this node's clock has not been compared with a peer yet")
                    : Optional.empty();
        }
        long far = peerSamples.stream().filter(sample -> Math.abs(sample.offsetMillis()) > maxOffset.toMillis()).count();
        return far * 2 <= peerSamples.size()
                ? Optional.empty()
                : Optional.of("this node's clock is more than " + maxOffset.toMillis() + " ms away from most of its peers");
    }

    /** This node's wall clock, as it tells its peers in {@link #TIME_HEADER}. */
    public long wallMillis() {
        return time.wallMillis();
    }

    public Duration maxOffset() {
        return maxOffset;
    }

    public List<Member> peers() {
        return peers;
    }
}
