package dev.quorumkv.membership;

import java.net.URI;
import java.util.Objects;
import java.util.UUID;

import dev.quorumkv.cluster.Member;

/**
 * One member as the topology knows it.
 *
 * @param id     the name people use (the node id); a member replaced after a lost disk keeps it
 * @param hostId the identity of its data directory: a new one means its data is gone; null while a first member
 *               has not yet claimed its place ({@link Claim}): the first topology is formed from
 *               {@code quorumkv.cluster.members}, which names ids and urls only
 * @param url    the base URL peers reach it at; null only for a single-node store, which has no peers
 * @param state  where it is in its life
 */
public record TopologyMember(String id, UUID hostId, URI url, MemberState state) {

    public TopologyMember {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(state, "state");
    }

    /** The member as the partition maps and the coordinator know it: its id and url. */
    public Member member() {
        return new Member(id, url);
    }

    /** Whether a host has claimed this member's place (a first member claims it when it first starts). */
    public boolean claimed() {
        return hostId != null;
    }

    TopologyMember withState(MemberState next) {
        return new TopologyMember(id, hostId, url, next);
    }

    @Override
    public String toString() {
        return id + "(" + state + ")";
    }
}
