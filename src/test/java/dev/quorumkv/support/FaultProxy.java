package dev.quorumkv.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * A TCP proxy on loopback that sits in front of one quorumkv node in integration tests, so that a test can
 * make that node's replica role slow ({@link #delay}), paused ({@link #hold}) or unreachable
 * ({@link #refuse}) for its peers while the node itself keeps running. Peers reach the node through the
 * proxy (its {@link #port()} is what goes into the members list); the node's own coordinator reaches its
 * local replica in-process, never through the proxy, and the test's client talks to the node directly.
 *
 * <p>Each connection has three daemon threads: one reads from the client into a queue, one delivers that
 * queue to the target when the mode allows, one copies the target's answers back. Reading never waits for
 * the mode, so held bytes are counted by {@link #bytesHeld()} and delays do not add up chunk after chunk.
 */
public final class FaultProxy implements AutoCloseable {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);
    private static final byte[] END_OF_STREAM = new byte[0]; // a read never yields zero bytes

    private enum Mode { PASS, HOLD, DELAY, REFUSE }

    private record Chunk(byte[] bytes, long readAtNanos) {
    }

    private final ServerSocket server;
    private final int targetPort;
    private final String name;
    // One lock for the mode and every connection's queue: a chunk leaves its queue only under the mode in
    // force at that moment, so no byte is lost, doubled or reordered across a switch.
    private final ReentrantLock lock = new ReentrantLock();
    private final Set<Link> links = new HashSet<>();
    private final Set<Thread> threads = new HashSet<>();
    private Mode mode = Mode.PASS;
    private long delayNanos;
    private long pendingBytes;
    private boolean closed;
    private int lastLinkId;

    private FaultProxy(ServerSocket server, int targetPort) {
        this.server = server;
        this.targetPort = targetPort;
        this.name = "fault-proxy-" + server.getLocalPort();
    }

    /** Listens on a free loopback port and forwards every connection to 127.0.0.1:{@code targetPort}. */
    public static FaultProxy start(int targetPort) {
        return startOn(0, targetPort);
    }

    /** Listens on loopback port {@code listenPort} (0: any free one) and forwards every connection to 127.0.0.1:{@code targetPort}. */
    public static FaultProxy startOn(int listenPort, int targetPort) {
        try {
            FaultProxy proxy = new FaultProxy(new ServerSocket(listenPort, 200, LOOPBACK), targetPort);
            proxy.spawn("accept", proxy::acceptLoop);
            return proxy;
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Normal forwarding; first delivers whatever was held or delayed, in order, per connection. */
    public void pass() {
        switchTo(Mode.PASS, 0);
    }

    /** Same as {@link #pass()}; reads better after {@link #hold()}. */
    public void release() {
        pass();
    }

    /** Keeps every byte bound for the target, new connections' too, until release; answers still flow. */
    public void hold() {
        switchTo(Mode.HOLD, 0);
    }

    /** Delivers each chunk read from a client {@code delay} after it was read, in order, until pass(). */
    public void delay(Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative: " + delay);
        }
        switchTo(Mode.DELAY, delay.toNanos());
    }

    /** Resets every open connection and closes new ones at once, as a crashed node would, until pass(). */
    public void refuse() {
        locked(() -> {
            switchTo(Mode.REFUSE, 0);
            resetAll();
        });
    }

    /** Resets every open connection (both sides) without changing the mode: the link crashed. */
    public void resetAll() {
        locked(() -> List.copyOf(links).forEach(link -> link.end(true)));
    }

    public int openConnections() {
        return locked(links::size);
    }

    /** Bytes read from clients and not yet delivered to the target (held or delayed). */
    public long bytesHeld() {
        return locked(() -> pendingBytes);
    }

    /** Stops accepting, resets every connection and waits for the proxy's threads to end. Idempotent. */
    @Override
    public void close() {
        List<Thread> running = locked(() -> {
            if (closed) {
                return List.<Thread>of();
            }
            closed = true;
            closeQuietly(server);
            resetAll();
            return List.copyOf(threads);
        });
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        try {
            for (Thread thread : running) {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    private void switchTo(Mode next, long nanos) {
        locked(() -> {
            mode = next;
            delayNanos = nanos;
            links.forEach(link -> link.changed.signalAll());
        });
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            }
            catch (IOException ex) {
                continue; // closed: the loop ends; anything else: keep serving
            }
            locked(() -> {
                if (closed || mode == Mode.REFUSE) {
                    reset(client);
                    return;
                }
                Link link = new Link(client, ++lastLinkId);
                links.add(link);
                spawn(link.id + "-up", link::readFromClient);
            });
        }
    }

    // A thread registers under the lock before it starts, so close() sees every thread it must wait for.
    private void spawn(String role, Runnable body) {
        Thread thread = new Thread(() -> {
            try {
                body.run();
            }
            finally {
                locked(() -> threads.remove(Thread.currentThread()));
            }
        }, name + "-" + role);
        thread.setDaemon(true);
        locked(() -> {
            threads.add(thread);
            thread.start();
        });
    }

    private void locked(Runnable body) {
        locked(() -> {
            body.run();
            return null;
        });
    }

    private <T> T locked(Supplier<T> body) {
        lock.lock();
        try {
            return body.get();
        }
        finally {
            lock.unlock();
        }
    }

    /** One client connection and its connection to the target; fields guarded by the proxy's lock. */
    private final class Link {

        private final Socket client;
        private final int id;
        private final ArrayDeque<Chunk> queue = new ArrayDeque<>();
        private final Condition changed = lock.newCondition();
        private Socket target;
        private boolean ended;
        private int directionsDone;

        Link(Socket client, int id) {
            this.client = client;
            this.id = id;
        }

        void readFromClient() {
            Socket socket = new Socket();
            try {
                client.setTcpNoDelay(true);
                socket.setTcpNoDelay(true);
                socket.connect(new InetSocketAddress(LOOPBACK, targetPort), CONNECT_TIMEOUT_MILLIS);
            }
            catch (IOException targetDown) {
                reset(socket);
                end(true); // the caller sees its connection die, as if the node refused it
                return;
            }
            boolean started = locked(() -> {
                if (ended) {
                    return false;
                }
                target = socket;
                spawn(id + "-deliver", () -> deliver(socket));
                spawn(id + "-down", () -> copyBack(socket));
                return true;
            });
            if (!started) {
                reset(socket);
                return;
            }
            try {
                InputStream in = client.getInputStream();
                byte[] buffer = new byte[16 * 1024];
                for (int n; (n = in.read(buffer)) != -1;) {
                    enqueue(Arrays.copyOf(buffer, n));
                }
                enqueue(END_OF_STREAM);
            }
            catch (IOException ex) {
                end(true);
            }
        }

        private void enqueue(byte[] bytes) {
            locked(() -> {
                if (!ended) {
                    queue.addLast(new Chunk(bytes, System.nanoTime()));
                    pendingBytes += bytes.length;
                    changed.signalAll();
                }
            });
        }

        private void deliver(Socket target) {
            try {
                OutputStream out = target.getOutputStream();
                for (Chunk chunk; (chunk = nextDeliverable()) != null;) {
                    if (chunk.bytes() == END_OF_STREAM) {
                        target.shutdownOutput(); // the client's end of stream, after its last byte
                        directionDone();
                        return;
                    }
                    out.write(chunk.bytes());
                }
            }
            catch (IOException | InterruptedException ex) {
                end(true);
            }
        }

        /** Waits until the mode lets the oldest chunk go; null once the link has ended. */
        private Chunk nextDeliverable() throws InterruptedException {
            lock.lock();
            try {
                while (!ended) {
                    Chunk head = queue.peekFirst();
                    long wait = head == null || mode == Mode.HOLD || mode == Mode.REFUSE ? Long.MAX_VALUE
                            : mode == Mode.DELAY ? delayNanos - (System.nanoTime() - head.readAtNanos()) : 0;
                    if (wait <= 0) {
                        pendingBytes -= queue.removeFirst().bytes().length;
                        return head;
                    }
                    changed.awaitNanos(wait);
                }
                return null;
            }
            finally {
                lock.unlock();
            }
        }

        private void copyBack(Socket target) {
            try {
                target.getInputStream().transferTo(client.getOutputStream());
                client.shutdownOutput();
                directionDone();
            }
            catch (IOException ex) {
                end(true);
            }
        }

        private void directionDone() {
            locked(() -> {
                if (++directionsDone == 2) {
                    end(false);
                }
            });
        }

        /** Closes both sides; {@code reset} sends a reset (SO_LINGER 0) so each peer learns at once. */
        void end(boolean reset) {
            locked(() -> {
                if (ended) {
                    return;
                }
                ended = true;
                links.remove(this);
                queue.forEach(chunk -> pendingBytes -= chunk.bytes().length);
                queue.clear();
                changed.signalAll();
                for (Socket socket : new Socket[] { client, target }) {
                    if (reset) {
                        reset(socket);
                    }
                    else {
                        closeQuietly(socket);
                    }
                }
            });
        }
    }

    private static void reset(Socket socket) {
        try {
            if (socket != null) {
                socket.setSoLinger(true, 0);
            }
        }
        catch (IOException alreadyClosed) {
            // closing is all that is left to do
        }
        closeQuietly(socket);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            if (closeable != null) {
                closeable.close();
            }
        }
        catch (Exception ex) {
            // the connection is gone either way
        }
    }
}
