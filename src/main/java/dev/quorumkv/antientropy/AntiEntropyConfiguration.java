package dev.quorumkv.antientropy;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.Placement;
import dev.quorumkv.coordinator.GcGrace;
import dev.quorumkv.coordinator.ReplicaClient;
import dev.quorumkv.membership.PartitionCopier;
import dev.quorumkv.storage.ReplicaStore;
import dev.quorumkv.storage.StampedKeys;
import dev.quorumkv.time.TimeSource;
import dev.quorumkv.version.ClockStateStore;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class AntiEntropyConfiguration {

    /** Built from a scan of the store while the context starts, before the node takes any request. */
    @Bean
    HashTrees hashTrees(StampedKeys store, Cluster cluster) {
        return HashTrees.of(store, cluster.partitionMap());
    }

    /** The clock mark is read before this node stamps or stores anything: it still tells when the node last ran. */
    @Bean
    ReadFence readFence(ClockStateStore clockState, GcGrace gcGrace) {
        return ReadFence.afterAbsence(clockState.load(), gcGrace);
    }

    @Bean
    AntiEntropyReplica antiEntropyReplica(HashTrees trees, StampedKeys store, ReplicaStore values) {
        return new AntiEntropyReplica(trees, store, values);
    }

    /** {@code replicaClient} by name: the one that reaches this node locally and peers over HTTP, batched. */
    @Bean
    AntiEntropyJob antiEntropyJob(Cluster cluster, HashTrees trees, StampedKeys store, AntiEntropyReplica local,
            AntiEntropyClient peers, ReplicaClient replicaClient, TimeSource time, MeterRegistry registry,
            AntiEntropyProperties properties, GcGrace gcGrace, ReadFence readFence) {
        RepairHistory history = new RepairHistory(cluster.partitionMap().partitions());
        Exchange exchange = new Exchange(cluster.self(), local, peers, replicaClient, gcGrace, time, properties.timeout(),
                properties.maxKeysPerExchange());
        return new AntiEntropyJob(new AntiEntropyRound(cluster, exchange, history, time, registry),
                new TombstonePurger(store, trees, history, gcGrace, registry), readFence, time, properties.interval(),
                Executors.newSingleThreadExecutor(task -> {
                    Thread thread = new Thread(task, "anti-entropy");
                    thread.setDaemon(true);
                    return thread;
                }));
    }

    /** Streams partitions for a membership change: exchanges like a round's, on the membership task's thread. */
    @Bean
    PartitionCopier partitionCopier(Cluster cluster, AntiEntropyReplica local, AntiEntropyClient peers,
            ReplicaClient replicaClient, TimeSource time, MeterRegistry registry, AntiEntropyProperties properties,
            GcGrace gcGrace) {
        return new ExchangeCopier(new Exchange(cluster.self(), local, peers, replicaClient, gcGrace, time,
                properties.timeout(), properties.maxKeysPerExchange()), registry);
    }

    /**
     * After every placement, on a thread of its own, the keys of partitions this node gave away are removed. The
     * executor runs one drop at a time; placements arriving meanwhile queue behind it.
     */
    @Bean(destroyMethod = "shutdownNow")
    ExecutorService partitionDrops(Cluster cluster, StampedKeys store) {
        PartitionDropper dropper = new PartitionDropper(cluster.self().id(), store);
        ExecutorService thread = Executors.newSingleThreadExecutor(task -> {
            Thread dropping = new Thread(task, "partition-drop");
            dropping.setDaemon(true);
            return dropping;
        });
        cluster.onUpdate(updated -> thread.execute(() -> {
            Placement current = cluster.placement(); // the newest by now, not the one that queued this drop
            long dropped = dropper.dropNotHeld(current);
            if (dropped > 0) {
                LoggerFactory.getLogger(PartitionDropper.class).info("Removed {} keys of partitions this node no longer holds (epoch {})",
                        dropped, current.epoch());
            }
        }));
        return thread;
    }

    @Bean("antiEntropy")
    AntiEntropyHealthIndicator antiEntropyHealthIndicator(AntiEntropyJob job, ReadFence readFence) {
        return new AntiEntropyHealthIndicator(job, readFence);
    }
}
