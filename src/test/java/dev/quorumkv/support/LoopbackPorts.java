package dev.quorumkv.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntPredicate;

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

    private LoopbackPorts() {
    }

    /** A port nobody listens on now, whose every {@code alsoFree} neighbour is free too. */
    public static int unused(IntPredicate alsoFree) {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(FIRST, LAST + 1);
            if (isFree(port) && alsoFree.test(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free loopback port in " + FIRST + ".." + LAST + " after 1000 tries");
    }

    public static int unused() {
        return unused(port -> true);
    }

    public static boolean isFree(int port) {
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
