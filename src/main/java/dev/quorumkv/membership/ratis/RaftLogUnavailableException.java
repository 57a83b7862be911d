package dev.quorumkv.membership.ratis;

import dev.quorumkv.membership.TopologyLogUnavailableException;

/**
 * The log could not do what was asked in time: no leader, no quorum, this member closed or not (yet) in the group.
 * For a submitted command the outcome is unknown: it may still commit later (a command should therefore be safe to
 * submit twice, or carry what makes a second application a refusal, such as an expected version). It is the topology
 * log's {@link TopologyLogUnavailableException}, the one its users (the admin API) know.
 */
public class RaftLogUnavailableException extends TopologyLogUnavailableException {

    RaftLogUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    RaftLogUnavailableException(String message) {
        super(message, null);
    }
}
