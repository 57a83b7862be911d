package dev.quorumkv.membership.ratis;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.exceptions.SetConfigurationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adding and removing voting members, one at a time, through Ratis's admin API: each change is a compare-and-set from
 * the configuration this member sees, so of two concurrent changes the second fails instead of undoing the first.
 */
final class ConfigurationChanges {

    private static final Logger log = LoggerFactory.getLogger(ConfigurationChanges.class);

    private final RaftLogSettings settings;
    private final RaftClient client;
    private final Supplier<List<RaftPeer>> currentPeers;

    ConfigurationChanges(RaftLogSettings settings, RaftClient client, Supplier<List<RaftPeer>> currentPeers) {
        this.settings = settings;
        this.client = client;
        this.currentPeers = currentPeers;
    }

    void add(String id, String address) {
        RaftLogSettings.HostPort.parse(address);
        List<RaftPeer> current = currentPeers.get();
        Optional<RaftPeer> existing = current.stream().filter(p -> p.getId().toString().equals(id)).findFirst();
        if (existing.isPresent()) {
            if (existing.get().getAddress().equals(address)) {
                return;
            }
            throw new IllegalArgumentException(id + " is a member at " + existing.get().getAddress() + ", not " + address);
        }
        if (current.size() >= RaftLogSettings.MAX_MEMBERS) {
            throw new IllegalStateException("the group has " + current.size() + " members, the most it may have");
        }
        List<RaftPeer> next = new ArrayList<>(current);
        next.add(RaftCommandLog.peer(id, address));
        change(current, next, "add " + id);
    }

    void remove(String id) {
        List<RaftPeer> current = currentPeers.get();
        List<RaftPeer> next = current.stream().filter(p -> !p.getId().toString().equals(id)).toList();
        if (next.size() == current.size()) {
            return;
        }
        if (next.isEmpty()) {
            throw new IllegalStateException("cannot remove " + id + ", the last member of the group");
        }
        change(current, next, "remove " + id);
    }

    private void change(List<RaftPeer> current, List<RaftPeer> next, String change) {
        SetConfigurationRequest.Arguments arguments = SetConfigurationRequest.Arguments.newBuilder()
                .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
                .setServersInCurrentConf(current)
                .setServersInNewConf(next)
                .build();
        RaftClientReply reply;
        try {
            reply = client.admin().setConfiguration(arguments);
        }
        catch (SetConfigurationException ex) {
            throw new IllegalStateException("cannot " + change + ": " + ex.getMessage(), ex);
        }
        catch (IOException ex) {
            throw new RaftLogUnavailableException("cannot " + change + " within " + settings.requestTimeout() + ": "
                    + ex, ex);
        }
        if (!reply.isSuccess()) {
            throw new RaftLogUnavailableException("cannot " + change + ": " + reply.getException(),
                    reply.getException());
        }
        log.info("{}: {} done, the group is now {}", settings.memberId(), change, next);
    }
}
