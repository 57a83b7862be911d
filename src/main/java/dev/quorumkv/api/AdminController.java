package dev.quorumkv.api;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.cluster.PartitionMap;
import dev.quorumkv.coordinator.ReplicaClient;
import dev.quorumkv.coordinator.ReplicationProperties;
import dev.quorumkv.storage.HostId;
import dev.quorumkv.storage.Keys;
import dev.quorumkv.storage.Versioned;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The operators' view of where things live (DESIGN.md, "Admin API"); the cluster secret is checked before
 * this runs ({@link ClusterSecretInterceptor}). Membership is fixed by configuration for now: epoch 1, every
 * member NORMAL, nothing moving.
 */
@RestController
class AdminController {

    static final String KEYS_PREFIX = ClusterSecretInterceptor.ADMIN_PREFIX + "keys/";

    private static final long TOPOLOGY_EPOCH = 1;
    private static final String NORMAL = "NORMAL";

    private final Cluster cluster;
    private final ReplicaClient replicas;
    private final HostId hostId;
    private final Duration timeout;

    AdminController(Cluster cluster, ReplicaClient replicas, HostId hostId, ReplicationProperties replication) {
        this.cluster = cluster;
        this.replicas = replicas;
        this.hostId = hostId;
        this.timeout = replication.timeout();
    }

    record TopologyMember(String id, String hostId, String url, String state) {
    }

    record Topology(long epoch, int partitions, List<TopologyMember> members, List<Object> moves) {
    }

    /** Peers' host ids are not known here yet (they come with replicated membership): null but this node's. */
    @GetMapping(ClusterSecretInterceptor.ADMIN_PREFIX + "topology")
    Topology topology() {
        List<TopologyMember> members = cluster.members().stream()
                .map(member -> new TopologyMember(member.id(), cluster.isSelf(member) ? hostId.toString() : null,
                        member.url() == null ? null : member.url().toString(), NORMAL))
                .toList();
        return new Topology(TOPOLOGY_EPOCH, cluster.partitionMap().partitions(), members, List.of());
    }

    /**
     * Where a key lives and what each owner holds now, asked of every owner at once, each within the
     * replication timeout: an owner that does not answer in time, or fails, is listed with its error.
     */
    @GetMapping(KEYS_PREFIX + "**")
    Map<String, Object> key(HttpServletRequest request) {
        String key = KeyDecoder.fromRawPath(request.getRequestURI(), KEYS_PREFIX);
        Keys.requireValid(key);
        PartitionMap partitions = cluster.partitionMap();
        int partition = partitions.partitionOf(key);
        List<CompletableFuture<Map<String, Object>>> owners = partitions.owners(partition).stream()
                .map(owner -> held(owner, key)).toList();
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("key", key);
        answer.put("partition", partition);
        answer.put("owners", owners.stream().map(CompletableFuture::join).toList());
        answer.put("pending", List.of());
        return answer;
    }

    private CompletableFuture<Map<String, Object>> held(Member owner, String key) {
        return replicas.read(owner, key).orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).handle((value, failure) -> {
            Map<String, Object> held = new LinkedHashMap<>();
            held.put("id", owner.id());
            if (failure != null) {
                held.put("error", failure instanceof CompletionException && failure.getCause() != null
                        ? describe(failure.getCause()) : describe(failure));
                return held;
            }
            held.put("version", value.map(versioned -> versioned.version().toString()).orElse(null));
            held.put("tombstone", value.map(Versioned::isTombstone).orElse(false));
            return held;
        });
    }

    private static String describe(Throwable failure) {
        return failure instanceof TimeoutException ? "no answer within the replication timeout"
                : failure.getClass().getSimpleName() + (failure.getMessage() == null ? "" : ": " + failure.getMessage());
    }
}
