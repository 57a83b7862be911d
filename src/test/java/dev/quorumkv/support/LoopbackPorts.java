package dev.quorumkv.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for nodes a test starts later, taken below the kernel's ephemeral range (32768-60999 by default). A port the
 * kernel handed out for a moment ({@code new ServerSocket(0)}) is in that range, and between the moment it is known
 * and the node's bind any outgoing connection on the machine may take it as its local port: a starting node's own
 * calls to its peers did, and the next node failed with "port already in use".
 */
public final class LoopbackPorts {

    private static final int FIRST = 20_000;
    /** Room for a port + 1000 (a node's Raft port) below the ephemeral range. */
    private static final int LAST = 30_999;

    /**
     * Every port handed out in this JVM, never handed out again: a node is given its ports before it binds them, and
     * another cluster picking meanwhile found them free too (two clusters, or one node's HTTP port that was another's
     * Raft port, given one port; a taken Raft port once made Ratis end the test JVM).
     */
    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    private LoopbackPorts() {
    }

    /** A port nobody listens on now that this JVM has not handed out before. */
    public static int unused() {
        return unusedWithNeighbour(0);
    }

    /** Such a port whose neighbour at {@code port + offset} is the same (free, not handed out); both are handed out. */
    public static synchronized int unusedWithNeighbour(int offset) {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(FIRST, LAST + 1);
            if (available(port) && available(port + offset)) {
                HANDED_OUT.add(port);
                HANDED_OUT.add(port + offset);
                return port;
            }
        }
        throw new IllegalStateException("no free loopback port in " + FIRST + ".." + LAST + " after 1000 tries");
    }

    private static boolean available(int port) {
        return !HANDED_OUT.contains(port) && isFree(port);
    }

    private static boolean isFree(int port) {
        if (port > 65535) {
            return false;
        }
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        }
        catch (IOException ex) {
            return false;
        }
    }
}
