package dev.quorumkv.membership;

import java.net.URI;
import java.util.UUID;

import dev.quorumkv.version.Version;

import static dev.quorumkv.membership.TopologyChangeRefusedException.badRequest;
import static dev.quorumkv.membership.TopologyChangeRefusedException.conflict;

/** The refusals several commands share, each worded for the operator who sent the change. */
final class ChangeChecks {

    private ChangeChecks() {
    }

    /** A host that comes to take places (a joiner, a replacement): a usable id and url, into a formed cluster. */
    static void requireArrival(Topology topology, String id, URI url) {
        requireValidId(id);
        requireValidUrl(id, url);
        requireFormed(topology);
    }

    static void requireValidId(String id) {
        if (!Version.isValidNodeId(id)) {
            throw badRequest("member id '" + id + "' is invalid: use letters, digits, '.', '_' or '-' (at most 253 characters)");
        }
    }

    static void requireValidUrl(String id, URI url) {
        if (url == null || !("http".equals(url.getScheme()) || "https".equals(url.getScheme())) || url.getHost() == null
                || url.getRawUserInfo() != null || url.getRawQuery() != null || url.getRawFragment() != null) {
            throw badRequest("the url of '" + id + "' must be an http(s) URL with a host and no query, e.g. http://10.0.0.4:8080, not "
                    + url);
        }
    }

    static void requireFormed(Topology topology) {
        if (topology.isEmpty()) {
            throw conflict("the cluster's topology has not been formed yet: it is formed from quorumkv.cluster.members at first start");
        }
    }

    static void requireNoChange(Topology topology) {
        topology.change().ifPresent(running -> {
            throw conflict("another change is in progress (" + running + " at epoch " + topology.epoch()
                    + "): wait until it has finished, or abort it");
        });
    }

    static void requireEpoch(Topology topology, long expected) {
        if (topology.epoch() != expected) {
            throw conflict("the topology is at epoch " + topology.epoch() + ", not " + expected
                    + " as expected: another change was committed first; read the topology again");
        }
    }

    /** A host id is one data directory: it belongs to one member, and once it has LEFT it never comes back. */
    static void requireNewHostId(Topology topology, UUID hostId) {
        if (topology.retiredHostIds().contains(hostId)) {
            throw badRequest("host id " + hostId + " has LEFT the cluster and can never come back: its data is out of date."
                    + " Start the node with an empty data directory");
        }
        topology.members().stream().filter(member -> hostId.equals(member.hostId())).findFirst().ifPresent(member -> {
            throw badRequest("host id " + hostId + " already belongs to member " + member.id());
        });
    }

    static void requireFreeUrl(Topology topology, URI url, String exceptId) {
        topology.members().stream()
                .filter(member -> member.state() != MemberState.LEFT && !member.id().equals(exceptId) && url.equals(member.url()))
                .findFirst().ifPresent(member -> {
                    throw badRequest("url " + url + " is already member " + member.id() + "'s");
                });
    }
}
