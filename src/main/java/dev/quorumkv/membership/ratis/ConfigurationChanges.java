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
 * Adding, promoting and removing members, voters and listeners, one at a time, through Ratis's admin API: each change
 * is a compare-and-set from the configuration this member sees, voters and listeners both, so of two concurrent changes
 * the second fails instead of undoing the first.
 * <p>
 * Every change names the listeners of the new configuration as well as its voters: Ratis takes a missing list as
 * empty, so a voter change that left them out would drop every listener (and a compare-and-set that left out the
 * current ones would never match while there are any).
 */
final class ConfigurationChanges {

    private static final Logger log = LoggerFactory.getLogger(ConfigurationChanges.class);

    /** The group's current configuration: who votes, and who only follows the log. */
    record Group(List<RaftPeer> voters, List<RaftPeer> listeners) {

        Group {
            voters = List.copyOf(voters);
            listeners = List.copyOf(listeners);
        }

        Optional<RaftPeer> voter(String id) {
            return find(voters, id);
        }

        Optional<RaftPeer> listener(String id) {
            return find(listeners, id);
        }

        private static Optional<RaftPeer> find(List<RaftPeer> peers, String id) {
            return peers.stream().filter(p -> p.getId().toString().equals(id)).findFirst();
        }

        private static List<RaftPeer> without(List<RaftPeer> peers, String id) {
            return peers.stream().filter(p -> !p.getId().toString().equals(id)).toList();
        }

        private static List<RaftPeer> with(List<RaftPeer> peers, RaftPeer peer) {
            List<RaftPeer> next = new ArrayList<>(peers);
            next.add(peer);
            return next;
        }

        @Override
        public String toString() {
            return "voters " + voters + ", listeners " + listeners;
        }
    }

    private final RaftLogSettings settings;
    private final RaftClient client;
    private final Supplier<Group> currentGroup;

    ConfigurationChanges(RaftLogSettings settings, RaftClient client, Supplier<Group> currentGroup) {
        this.settings = settings;
        this.client = client;
        this.currentGroup = currentGroup;
    }

    /** Adds a voter; a listener at that address is promoted instead. */
    void add(String id, String address) {
        RaftLogSettings.HostPort.parse(address);
        Group current = currentGroup.get();
        if (requireAddress(current.voter(id), id, address).isPresent()) {
            return;
        }
        if (requireAddress(current.listener(id), id, address).isPresent()) {
            promote(id);
            return;
        }
        requireRoomForAVoter(current);
        change(current, new Group(Group.with(current.voters(), RaftCommandLog.peer(id, address)), current.listeners()),
                "add voter " + id);
    }

    /** Adds a listener: it takes the log and applies it, and votes for nothing. Nothing when it is in the group. */
    void addListener(String id, String address) {
        RaftLogSettings.HostPort.parse(address);
        Group current = currentGroup.get();
        if (requireAddress(current.voter(id), id, address).isPresent()
                || requireAddress(current.listener(id), id, address).isPresent()) {
            return;
        }
        if (current.voters().isEmpty()) {
            throw new IllegalStateException("cannot add listener " + id + ": this member knows no group yet");
        }
        change(current, new Group(current.voters(), Group.with(current.listeners(), RaftCommandLog.peer(id, address))),
                "add listener " + id);
    }

    /** Makes a listener a voter. Nothing when it votes already. */
    void promote(String id) {
        Group current = currentGroup.get();
        if (current.voter(id).isPresent()) {
            return;
        }
        RaftPeer listener = current.listener(id)
                .orElseThrow(() -> new IllegalArgumentException(id + " is not a listener of the group"));
        requireRoomForAVoter(current);
        change(current, new Group(Group.with(current.voters(), listener), Group.without(current.listeners(), id)),
                "promote listener " + id);
    }

    /** Removes a voter or a listener. Nothing when it is neither. */
    void remove(String id) {
        Group current = currentGroup.get();
        if (current.listener(id).isPresent()) {
            change(current, new Group(current.voters(), Group.without(current.listeners(), id)), "remove listener " + id);
            return;
        }
        if (current.voter(id).isEmpty()) {
            return;
        }
        List<RaftPeer> voters = Group.without(current.voters(), id);
        if (voters.isEmpty()) {
            throw new IllegalStateException("cannot remove " + id + ", the last voter of the group");
        }
        change(current, new Group(voters, current.listeners()), "remove voter " + id);
    }

    private static Optional<RaftPeer> requireAddress(Optional<RaftPeer> existing, String id, String address) {
        if (existing.isPresent() && !existing.get().getAddress().equals(address)) {
            throw new IllegalArgumentException(id + " is a member at " + existing.get().getAddress() + ", not " + address);
        }
        return existing;
    }

    private static void requireRoomForAVoter(Group current) {
        if (current.voters().size() >= RaftLogSettings.MAX_MEMBERS) {
            throw new IllegalStateException("the group has " + current.voters().size()
                    + " members voting, the most it may have");
        }
    }

    private void change(Group current, Group next, String change) {
        SetConfigurationRequest.Arguments arguments = SetConfigurationRequest.Arguments.newBuilder()
                .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
                .setServersInCurrentConf(current.voters())
                .setListenersInCurrentConf(current.listeners())
                .setServersInNewConf(next.voters())
                .setListenersInNewConf(next.listeners())
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
