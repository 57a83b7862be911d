package dev.quorumkv.api;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.cluster.Placement;
import dev.quorumkv.coordinator.ReplicaClient;
import dev.quorumkv.coordinator.ReplicationProperties;
import dev.quorumkv.membership.Abort;
import dev.quorumkv.membership.Join;
import dev.quorumkv.membership.Leave;
import dev.quorumkv.membership.MemberState;
import dev.quorumkv.membership.Topology;
import dev.quorumkv.membership.TopologyChange;
import dev.quorumkv.membership.TopologyChangeRefusedException;
import dev.quorumkv.membership.TopologyLog;
import dev.quorumkv.membership.TopologyLogUnavailableException;
import dev.quorumkv.storage.Keys;
import dev.quorumkv.storage.Versioned;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;

/**
 * The operators' view of where things live and the membership changes they start (DESIGN.md, "Admin API"); the
 * cluster secret is checked before this runs ({@link ClusterSecretInterceptor}). The topology is the one this node's
 * topology log has applied; a change is submitted to the log and answered 202 once committed: the change has begun
 * (it runs through its phases afterwards).
 */
@RestController
class AdminController {

    static final String KEYS_PREFIX = ClusterSecretInterceptor.ADMIN_PREFIX + "keys/";
    static final String MEMBERS = ClusterSecretInterceptor.ADMIN_PREFIX + "members";
    static final String CHANGE = ClusterSecretInterceptor.ADMIN_PREFIX + "change";

    /** Far above the topology log's own limits (a commit, or a few when the topology moved meanwhile). */
    private static final Duration CHANGE_LIMIT = Duration.ofMinutes(1);

    private final Cluster cluster;
    private final ReplicaClient replicas;
    private final TopologyLog topologyLog;
    private final Duration timeout;

    AdminController(Cluster cluster, ReplicaClient replicas, TopologyLog topologyLog, ReplicationProperties replication) {
        this.cluster = cluster;
        this.replicas = replicas;
        this.topologyLog = topologyLog;
        this.timeout = replication.timeout();
    }

    record MemberView(String id, String hostId, String url, String state) {
    }

    record MoveView(int partition, String from, String to, String phase) {
    }

    record TopologyView(long epoch, int partitions, List<MemberView> members, List<MoveView> moves) {

        static TopologyView of(Topology topology) {
            return new TopologyView(topology.epoch(), topology.partitions(),
                    topology.members().stream().map(member -> new MemberView(member.id(),
                            member.claimed() ? member.hostId().toString() : null,
                            member.url() == null ? null : member.url().toString(), member.state().name())).toList(),
                    topology.moves().stream().map(move -> new MoveView(move.partition(), move.from(), move.to(),
                            move.phase().name())).toList());
        }
    }

    /**
     * A member to add: its id and the url peers reach it at; {@code hostId} only when the node asks for itself (it is
     * running and knows it), else the node claims its place with its host id when it starts.
     */
    record JoinRequest(String id, String url, String hostId) {
    }

    /** Epoch 0 and no members until the cluster is formed (a majority of its first members has started). */
    @GetMapping(ClusterSecretInterceptor.ADMIN_PREFIX + "topology")
    TopologyView topology() {
        return TopologyView.of(topologyLog.current());
    }

    /** A new member: JOINING, its partitions moving to it; 202 once the change has begun. */
    @PostMapping(MEMBERS)
    DeferredResult<ResponseEntity<?>> join(@RequestBody(required = false) JoinRequest request) {
        if (request == null || request.id() == null) {
            return answered(refusal(HttpStatus.BAD_REQUEST, "Invalid member", "the body must be JSON {\"id\", \"url\"}"));
        }
        URI url;
        UUID hostId;
        try {
            url = request.url() == null ? null : new URI(request.url().strip().replaceAll("/+$", ""));
            hostId = request.hostId() == null ? null : UUID.fromString(request.hostId());
        }
        catch (URISyntaxException | IllegalArgumentException ex) {
            return answered(refusal(HttpStatus.BAD_REQUEST, "Invalid member", "the url or host id of '" + request.id()
                    + "' cannot be read: " + ex.getMessage()));
        }
        Topology current = topologyLog.current();
        if (hostId != null && current.member(request.id())
                .filter(member -> hostId.equals(member.hostId()) && member.state() != MemberState.LEFT).isPresent()) {
            // The same host asking again (its first answer was lost): its join has begun, or ended, already.
            return answered(ResponseEntity.accepted().body(TopologyView.of(current)));
        }
        return changed(new Join(request.id(), hostId, url));
    }

    /** A decommission: the member LEAVING, its partitions moving to the others; 202 once the change has begun. */
    @DeleteMapping(MEMBERS + "/{id}")
    DeferredResult<ResponseEntity<?>> leave(@PathVariable String id) {
        return changed(new Leave(id));
    }

    /**
     * Rolls the running join or leave back ({@link Abort}): a joiner is no member again, a leaver NORMAL again; 409
     * when no change runs, or it has reached READ_NEW (reads use the new owners: only forward then), or it is a
     * replacement. A join whose new node never came up would otherwise wait for it for ever.
     */
    @DeleteMapping(CHANGE)
    DeferredResult<ResponseEntity<?>> abort() {
        return changed(new Abort(topologyLog.current().epoch()));
    }

    private DeferredResult<ResponseEntity<?>> changed(TopologyChange change) {
        DeferredResult<ResponseEntity<?>> answer = new DeferredResult<>(CHANGE_LIMIT.toMillis());
        topologyLog.submit(change).whenComplete((topology, failure) -> {
            if (failure == null) {
                answer.setResult(ResponseEntity.accepted().body(TopologyView.of(topology)));
                return;
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (cause instanceof TopologyChangeRefusedException refused) {
                answer.setResult(refused.kind() == TopologyChangeRefusedException.Kind.CONFLICT
                        ? refusal(HttpStatus.CONFLICT, "Membership change in conflict", refused.reason())
                        : refusal(HttpStatus.BAD_REQUEST, "Membership change refused", refused.reason()));
            }
            else if (cause instanceof TopologyLogUnavailableException unavailable) {
                answer.setResult(refusal(HttpStatus.SERVICE_UNAVAILABLE, "Topology log unavailable", unavailable.getMessage()
                        + ". The change may still commit: read GET /admin/topology, or send it again (a repeat is safe)"));
            }
            else {
                answer.setErrorResult(cause);
            }
        });
        return answer;
    }

    private static DeferredResult<ResponseEntity<?>> answered(ResponseEntity<?> response) {
        DeferredResult<ResponseEntity<?>> answer = new DeferredResult<>();
        answer.setResult(response);
        return answer;
    }

    private static ResponseEntity<ProblemDetail> refusal(HttpStatus status, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setTitle(title);
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
    }

    /**
     * Where a key lives and what each owner holds now, asked of every owner at once, each within the
     * replication timeout: an owner that does not answer in time, or fails, is listed with its error.
     */
    @GetMapping(KEYS_PREFIX + "**")
    Map<String, Object> key(HttpServletRequest request) {
        String key = KeyDecoder.fromRawPath(request.getRequestURI(), KEYS_PREFIX);
        Keys.requireValid(key);
        Placement placement = cluster.placement();
        int partition = placement.partitionOf(key);
        List<Member> ownerList = placement.owners().owners(partition);
        List<CompletableFuture<Map<String, Object>>> owners = ownerList.stream().map(owner -> held(owner, key)).toList();
        // While a change runs, the new owners being written too.
        List<CompletableFuture<Map<String, Object>>> pending = placement.writeReplicas(partition).stream()
                .filter(member -> !ownerList.contains(member)).map(member -> held(member, key)).toList();
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("key", key);
        answer.put("partition", partition);
        answer.put("owners", owners.stream().map(CompletableFuture::join).toList());
        answer.put("pending", pending.stream().map(CompletableFuture::join).toList());
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
