package dev.quorumkv.coordinator;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.version.Version;

/**
 * An in-memory replica network for quorum tests. Each replica applies writes last-writer-wins like a real
 * one, and can be made to fail (an error), refuse (a rejection), or be held: its calls stay pending, and
 * a held write is applied only when {@link #release} lets it through, as a slow replica would. A member
 * asked to stand in keeps the write as a hint for its owner ({@link #hints}), in the same modes. A replica put
 * {@link #atEpoch at an epoch} refuses reads and writes routed more than one epoch before it, as a real one does.
 */
final class FakeReplicas implements ReplicaClient, StandInClient {

    /**
     * WRITES_FAILING: answers reads and probes but fails every write, as a replica with a full disk does;
     * WRITES_OVERLOADED: answers reads and probes but refuses every write as too busy (its write budget is full);
     * OVERLOADED: alive, refuses every call as too busy.
     */
    enum Mode { HEALTHY, FAILING, REJECTING, OVERLOADED, HELD, WRITES_FAILING, WRITES_OVERLOADED }

    private record Pending(Runnable apply, CompletableFuture<?> answer) {
    }

    private final Map<Member, Map<String, Versioned>> stores = new ConcurrentHashMap<>();
    private final Map<Member, Mode> modes = new ConcurrentHashMap<>();
    private final Map<Member, List<Pending>> held = new ConcurrentHashMap<>();
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private final Map<Member, Map<String, Versioned>> hints = new ConcurrentHashMap<>();
    private final Map<Member, Long> epochs = new ConcurrentHashMap<>();
    private final List<String> routed = new CopyOnWriteArrayList<>();

    FakeReplicas(List<Member> members) {
        members.forEach(member -> {
            stores.put(member, new ConcurrentHashMap<>());
            modes.put(member, Mode.HEALTHY);
            held.put(member, new CopyOnWriteArrayList<>());
            hints.put(member, new ConcurrentHashMap<>());
        });
    }

    void set(Member member, Mode mode) {
        modes.put(member, mode);
    }

    /** Lets every held call of {@code member} through, in the order they were made, and heals it. */
    void release(Member member) {
        modes.put(member, Mode.HEALTHY);
        List<Pending> pending = new ArrayList<>(held.get(member));
        held.get(member).clear();
        pending.forEach(call -> call.apply().run());
    }

    /** Fails every held call of {@code member}, in order, as a replica that went down mid-request would. */
    void failHeld(Member member) {
        List<Pending> pending = new ArrayList<>(held.get(member));
        held.get(member).clear();
        pending.forEach(call -> call.answer().completeExceptionally(new IllegalStateException(member.id() + " went down")));
    }

    Optional<Versioned> stored(Member member, String key) {
        return Optional.ofNullable(stores.get(member).get(key));
    }

    /** Puts a value straight into one replica, as if an earlier write had reached only it. */
    void seed(Member member, String key, Versioned value) {
        apply(member, key, value);
    }

    /** What {@code standIn} holds as hints, keyed "owner:key". */
    Map<String, Versioned> hints(Member standIn) {
        return hints.get(standIn);
    }

    /** {@code member}'s topology is at {@code epoch} from now on. */
    void atEpoch(Member member, long epoch) {
        epochs.put(member, epoch);
    }

    /** Every read and write routed with a placement, as "op:member:key@epoch", in order. */
    List<String> routed() {
        return routed;
    }

    /** Every call made, as "op:member:key" ("hold:stand-in:owner:key" for a stand-in), in order. */
    List<String> calls() {
        return calls;
    }

    @Override
    public CompletableFuture<Version> write(Member replica, String key, Versioned value) {
        calls.add("write:" + replica.id() + ":" + key);
        CompletableFuture<Version> answer = new CompletableFuture<>();
        if (modes.get(replica) == Mode.WRITES_FAILING) {
            return CompletableFuture.failedFuture(new IllegalStateException(replica.id() + " cannot write"));
        }
        if (modes.get(replica) == Mode.WRITES_OVERLOADED) {
            return CompletableFuture.failedFuture(new ReplicaOverloadedException(replica.id() + " answered 503, overloaded"));
        }
        dispatch(replica, answer, () -> answer.complete(apply(replica, key, value).version()));
        return answer;
    }

    @Override
    public CompletableFuture<Version> write(Member replica, String key, Versioned value, long epoch) {
        routed.add("write:" + replica.id() + ":" + key + "@" + epoch);
        return refusedAt(replica, epoch).<CompletableFuture<Version>>map(CompletableFuture::failedFuture)
                .orElseGet(() -> write(replica, key, value));
    }

    @Override
    public CompletableFuture<Optional<Versioned>> read(Member replica, String key, long epoch) {
        routed.add("read:" + replica.id() + ":" + key + "@" + epoch);
        return refusedAt(replica, epoch).<CompletableFuture<Optional<Versioned>>>map(CompletableFuture::failedFuture)
                .orElseGet(() -> read(replica, key));
    }

    private Optional<StaleTopologyException> refusedAt(Member replica, long epoch) {
        long own = epochs.getOrDefault(replica, 0L);
        return StaleTopologyException.isStale(epoch, own)
                ? Optional.of(new StaleTopologyException(replica.id() + " answered 409 (stale topology: it is at epoch " + own + ")", own))
                : Optional.empty();
    }

    @Override
    public CompletableFuture<Version> hold(Member standIn, Member owner, String key, Versioned value) {
        calls.add("hold:" + standIn.id() + ":" + owner.id() + ":" + key);
        CompletableFuture<Version> answer = new CompletableFuture<>();
        dispatch(standIn, answer, () -> {
            hints.get(standIn).put(owner.id() + ":" + key, value);
            answer.complete(value.version());
        });
        return answer;
    }

    @Override
    public CompletableFuture<Optional<Versioned>> read(Member replica, String key) {
        calls.add("read:" + replica.id() + ":" + key);
        CompletableFuture<Optional<Versioned>> answer = new CompletableFuture<>();
        dispatch(replica, answer, () -> answer.complete(Optional.ofNullable(stores.get(replica).get(key))));
        return answer;
    }

    @Override
    public CompletableFuture<Void> probe(Member replica) {
        calls.add("probe:" + replica.id());
        return switch (modes.get(replica)) {
            case HEALTHY, REJECTING, OVERLOADED, WRITES_FAILING, WRITES_OVERLOADED -> CompletableFuture.completedFuture(null);
            case FAILING -> CompletableFuture.failedFuture(new IllegalStateException(replica.id() + " is down"));
            case HELD -> new CompletableFuture<>();
        };
    }

    private void dispatch(Member replica, CompletableFuture<?> answer, Runnable apply) {
        switch (modes.get(replica)) {
            case HEALTHY, WRITES_FAILING, WRITES_OVERLOADED -> apply.run();
            case FAILING -> answer.completeExceptionally(new IllegalStateException("connection refused by " + replica.id()));
            case REJECTING -> answer.completeExceptionally(new ReplicaRejectedException(replica.id() + " answered 401"));
            case OVERLOADED -> answer.completeExceptionally(new ReplicaOverloadedException(replica.id() + " answered 503, overloaded"));
            case HELD -> held.get(replica).add(new Pending(apply, answer));
        }
    }

    /** Last writer wins; returns what the replica holds afterwards, as a real one answers. */
    private Versioned apply(Member replica, String key, Versioned value) {
        return stores.get(replica).merge(key, value, (old, incoming) -> incoming.isNewerThan(old) ? incoming : old);
    }
}
