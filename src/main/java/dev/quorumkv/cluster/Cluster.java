package dev.quorumkv.cluster;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import dev.quorumkv.InvalidConfigurationException;
import dev.quorumkv.version.Version;

/**
 * Who this node is, who its peers are, and the {@link Placement} that puts keys on them. The placement changes
 * when the membership does ({@link #update}); everything else reads the current one each time it needs it.
 */
public final class Cluster {

    private final Member self;
    private final List<Consumer<Placement>> listeners = new CopyOnWriteArrayList<>();
    private final Map<CompletableFuture<Placement>, Long> epochWaiters = new ConcurrentHashMap<>();
    private volatile Placement placement;

    public Cluster(Member self, List<Member> members, PartitionMap partitions) {
        this(self, new StaticPlacement(0, partitions, members));
    }

    public Cluster(Member self, Placement placement) {
        this.self = self;
        this.placement = placement;
    }

    /**
     * Builds the cluster from {@code quorumkv.cluster.members}; every mistake is reported as one sentence a
     * person can act on, since it stops the node from starting.
     */
    public static Cluster fromConfiguration(String nodeId, String membersText, int partitionCount, int replicas) {
        return fromConfiguration(nodeId, membersText, partitionCount, replicas, false, null);
    }

    /**
     * As above; with {@code autoJoin}, a node whose id is not among the members is let start as a joiner, at
     * {@code selfUrl}: the members are then its contact points, and the placement it starts with does not name it.
     */
    public static Cluster fromConfiguration(String nodeId, String membersText, int partitionCount, int replicas,
            boolean autoJoin, URI selfUrl) {
        if (!Version.isValidNodeId(nodeId)) {
            throw new InvalidConfigurationException("quorumkv.node-id '" + nodeId
                    + "' is invalid: use letters, digits, '.', '_' or '-' (at most 253 characters)");
        }
        if (membersText == null || membersText.isBlank()) {
            Member self = new Member(nodeId, null);
            return new Cluster(self, List.of(self), PartitionMap.striped(List.of(self), partitionCount, replicas));
        }
        Map<String, Member> members = new LinkedHashMap<>();
        for (String entry : membersText.split(",")) {
            Member member = parseMember(entry.strip());
            if (members.putIfAbsent(member.id(), member) != null) {
                throw new InvalidConfigurationException("quorumkv.cluster.members names '" + member.id() + "' twice");
            }
        }
        Member self = members.get(nodeId);
        if (self == null && autoJoin) {
            if (selfUrl == null) {
                throw new InvalidConfigurationException("quorumkv.node-id '" + nodeId + "' is not one of quorumkv.cluster.members "
                        + members.keySet() + ", so it joins by itself (quorumkv.cluster.auto-join): set quorumkv.cluster.url "
                        + "(env QUORUMKV_CLUSTER_URL) to where peers reach it, e.g. http://10.0.0.4:8080");
            }
            self = parseMember(nodeId + "=" + selfUrl);
        }
        else if (self == null) {
            throw new InvalidConfigurationException("quorumkv.node-id '" + nodeId + "' is not one of quorumkv.cluster.members "
                    + members.keySet() + ": set the node id to its own entry in the members list, or set "
                    + "quorumkv.cluster.auto-join=true to join the cluster they form");
        }
        List<Member> all = new ArrayList<>(members.values());
        return new Cluster(self, all, PartitionMap.striped(all, partitionCount, replicas));
    }

    private static Member parseMember(String entry) {
        int equals = entry.indexOf('=');
        if (equals <= 0 || equals == entry.length() - 1) {
            throw new InvalidConfigurationException("quorumkv.cluster.members entry '" + entry
                    + "' is not of the form id=url, e.g. node1=http://10.0.0.1:8080");
        }
        String id = entry.substring(0, equals).strip();
        if (!Version.isValidNodeId(id)) {
            throw new InvalidConfigurationException("quorumkv.cluster.members id '" + id
                    + "' is invalid: use letters, digits, '.', '_' or '-'");
        }
        URI url;
        try {
            url = URI.create(entry.substring(equals + 1).strip().replaceAll("/+$", ""));
        }
        catch (IllegalArgumentException ex) {
            throw new InvalidConfigurationException("quorumkv.cluster.members url of '" + id + "' is not a URL: " + ex.getMessage());
        }
        if (!("http".equals(url.getScheme()) || "https".equals(url.getScheme())) || url.getHost() == null) {
            throw new InvalidConfigurationException("quorumkv.cluster.members url of '" + id
                    + "' must be an http(s) URL with a host, e.g. http://10.0.0.1:8080");
        }
        return new Member(id, url);
    }

    public Member self() {
        return self;
    }

    /** By id: a placement from the topology names this node with the url it was given there, which may be spelled otherwise. */
    public boolean isSelf(Member member) {
        return self.id().equals(member.id());
    }

    /** The current placement: read it once per operation, so one operation sees one epoch. */
    public Placement placement() {
        return placement;
    }

    /**
     * Moves to a newer placement and tells the listeners; an older or equal epoch is ignored, so placements
     * arriving out of order never move the view back.
     */
    public void update(Placement next) {
        synchronized (listeners) {
            if (next.epoch() <= placement.epoch()) {
                return;
            }
            placement = next;
            for (Consumer<Placement> listener : listeners) {
                listener.accept(next);
            }
        }
        epochWaiters.forEach((waiter, epoch) -> {
            if (next.epoch() >= epoch) {
                waiter.complete(next);
            }
        });
    }

    /**
     * Completes with the first placement at {@code epoch} or later: at once if the current one is, else once
     * {@link #update} brings it (on the updating thread). A caller that stops waiting cancels the future, which
     * forgets it. Registered before the current placement is read, so an update meanwhile is not missed.
     */
    public CompletableFuture<Placement> awaitEpoch(long epoch) {
        CompletableFuture<Placement> waiter = new CompletableFuture<>();
        epochWaiters.put(waiter, epoch);
        waiter.whenComplete((reached, failure) -> epochWaiters.remove(waiter));
        Placement now = placement;
        if (now.epoch() >= epoch) {
            waiter.complete(now);
        }
        return waiter;
    }

    /** Runs {@code listener} on every later placement, in epoch order, on the thread that updates. */
    public void onUpdate(Consumer<Placement> listener) {
        listeners.add(listener);
    }

    /**
     * Runs {@code listener} on the current placement now, then as {@link #onUpdate}: what keeps something per member
     * (a detector's state, a meter) starts from the members of now and misses no later change, even one committed
     * while it subscribes.
     */
    public void follow(Consumer<Placement> listener) {
        synchronized (listeners) {
            listener.accept(placement);
            listeners.add(listener);
        }
    }

    public List<Member> members() {
        return placement.replicaMembers();
    }

    public List<Member> peers() {
        return peersIn(placement);
    }

    /** The members of {@code placement} other than this node. */
    public List<Member> peersIn(Placement placement) {
        return placement.replicaMembers().stream().filter(member -> !isSelf(member)).toList();
    }

    public int size() {
        return members().size();
    }

    public List<Member> preferenceList(String key, int n) {
        return placement.owners().preferenceList(key, n);
    }

    public PartitionMap partitionMap() {
        return placement.owners();
    }
}
