package dev.quorumkv.handoff;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.coordinator.ReplicaClient;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.storage.rocksdb.RocksDbReplicaStore;
import dev.quorumkv.version.Version;

/**
 * Replicas that apply writes to real RocksDB stores, newer wins, as the replica endpoint does; each can fail
 * every call, or hold its writes until released.
 */
final class StoreReplicas implements ReplicaClient, AutoCloseable {

    private final Map<String, RocksDbReplicaStore> stores = new ConcurrentHashMap<>();
    private final Set<String> failing = ConcurrentHashMap.newKeySet();
    private final Set<String> holding = ConcurrentHashMap.newKeySet();
    private final List<Runnable> held = new CopyOnWriteArrayList<>();
    private final List<String> writes = new CopyOnWriteArrayList<>();

    StoreReplicas(List<Member> members, Path dir) {
        members.forEach(member -> stores.put(member.id(), new RocksDbReplicaStore(dir.resolve(member.id()), false)));
    }

    RocksDbReplicaStore store(Member member) {
        return stores.get(member.id());
    }

    void fail(Member member) {
        failing.add(member.id());
    }

    void hold(Member member) {
        holding.add(member.id());
    }

    /** Applies the held writes, in order, and takes the next ones at once. */
    void release(Member member) {
        holding.remove(member.id());
        List<Runnable> pending = new ArrayList<>(held);
        held.clear();
        pending.forEach(Runnable::run);
    }

    /** Every write sent, as "member:key". */
    List<String> writes() {
        return writes;
    }

    @Override
    public CompletableFuture<Version> write(Member replica, String key, Versioned value) {
        writes.add(replica.id() + ":" + key);
        if (failing.contains(replica.id())) {
            return CompletableFuture.failedFuture(new IllegalStateException("connection refused by " + replica.id()));
        }
        CompletableFuture<Version> answer = new CompletableFuture<>();
        Runnable apply = () -> {
            RocksDbReplicaStore store = stores.get(replica.id());
            store.putIfNewer(key, value);
            answer.complete(store.get(key).orElseThrow().version());
        };
        if (holding.contains(replica.id())) {
            held.add(apply);
        }
        else {
            apply.run();
        }
        return answer;
    }

    @Override
    public CompletableFuture<Optional<Versioned>> read(Member replica, String key) {
        return CompletableFuture.completedFuture(stores.get(replica.id()).get(key));
    }

    @Override
    public CompletableFuture<Void> probe(Member replica) {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void close() {
        stores.values().forEach(RocksDbReplicaStore::close);
    }
}
