package dev.quorumkv.membership.ratis;

import java.net.URI;

import dev.quorumkv.InvalidConfigurationException;
import dev.quorumkv.membership.MembershipProperties;

/**
 * Where a member's topology log (Raft) server listens: its url's host, at {@code quorumkv.membership.raft-port} or,
 * unset, at its url's port + 1000. Every member derives every address, its own included, from the urls alone, so all
 * agree without a second list of addresses to keep in step.
 */
final class RaftAddresses {

    private final Integer raftPort;

    RaftAddresses(Integer raftPort) {
        this.raftPort = raftPort;
    }

    String of(String id, URI url) {
        int port = raftPort != null ? raftPort : urlPort(url) + MembershipProperties.RAFT_PORT_OFFSET;
        if (port > 65535) {
            throw new InvalidConfigurationException("the Raft port of '" + id + "' (its url's port + "
                    + MembershipProperties.RAFT_PORT_OFFSET + ") is above 65535: set quorumkv.membership.raft-port");
        }
        return url.getHost() + ":" + port;
    }

    private static int urlPort(URI url) {
        if (url.getPort() != -1) {
            return url.getPort();
        }
        return "https".equals(url.getScheme()) ? 443 : 80;
    }
}
