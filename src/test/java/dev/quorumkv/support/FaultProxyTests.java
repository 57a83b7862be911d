package dev.quorumkv.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * Every test proves its point by order: the proxy has provably read the bytes ({@link FaultProxy#bytesHeld()})
 * and the target provably has not, then a mode switch lets them through. No assertion measures time.
 */
@Timeout(60)
class FaultProxyTests {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final Target target = new Target();
    private final FaultProxy proxy = FaultProxy.start(target.port());
    private final List<Socket> clients = new ArrayList<>();

    @AfterEach
    void closeAll() throws IOException {
        for (Socket client : clients) {
            client.close();
        }
        proxy.close();
        target.close();
    }

    @Test
    void bytesPassBothWaysIntactAndEndOfStreamPassesToo() throws IOException {
        byte[] payload = new byte[1 << 20];
        new Random(42).nextBytes(payload);
        Socket client = connect();

        // Written while the echo is read, so neither side's buffers can fill and stall the other.
        CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
            try {
                client.getOutputStream().write(payload);
                client.shutdownOutput();
            }
            catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        });
        byte[] echoed = client.getInputStream().readAllBytes(); // ends only when the target's EOF came through
        sent.join();

        assertThat(echoed).isEqualTo(payload);
        assertThat(target.received()).containsExactly(new String(payload, ISO_8859_1));
        eventually().untilAsserted(() -> assertThat(proxy.openConnections()).isZero());
    }

    @Test
    void bytesSentWhileHeldReachTheTargetOnlyOnReleaseCompleteAndInOrder() throws IOException {
        Socket early = connect();
        assertThat(echo(early, "before;")).isEqualTo("before;");

        proxy.hold();
        send(early, "one;");
        send(early, "two;");
        Socket late = connect();
        send(late, "three;");
        send(late, "four;");
        Socket other = connect();
        send(other, "five;");
        eventually().untilAsserted(() -> assertThat(proxy.bytesHeld()).isEqualTo("one;two;three;four;five;".length()));
        assertThat(String.join("", target.received())).isEqualTo("before;");

        proxy.release();
        assertThat(read(early, 8)).isEqualTo("one;two;");
        assertThat(read(late, 11)).isEqualTo("three;four;");
        assertThat(read(other, 5)).isEqualTo("five;");
        assertThat(target.received()).containsExactlyInAnyOrder("before;one;two;", "three;four;", "five;");
        assertThat(proxy.bytesHeld()).isZero();
    }

    @Test
    void answersFromTheTargetStillFlowBackWhileRequestsAreHeld() throws IOException {
        Socket client = connect();
        assertThat(echo(client, "ping;")).isEqualTo("ping;");

        proxy.hold();
        send(client, "held;");
        eventually().untilAsserted(() -> assertThat(proxy.bytesHeld()).isEqualTo(5));
        target.peer(0).send("answer;");

        assertThat(read(client, 7)).isEqualTo("answer;");
        assertThat(target.received()).containsExactly("ping;");
        proxy.pass();
        assertThat(read(client, 5)).isEqualTo("held;");
    }

    @Test
    void aDelayedChunkWaitsForItsDelayAndPassLetsItGo() throws IOException {
        Socket client = connect();
        assertThat(echo(client, "fast;")).isEqualTo("fast;");

        proxy.delay(Duration.ofHours(1));
        send(client, "slow;");
        eventually().untilAsserted(() -> assertThat(proxy.bytesHeld()).isEqualTo(5));
        assertThat(target.received()).containsExactly("fast;");

        proxy.pass();
        assertThat(read(client, 5)).isEqualTo("slow;");
    }

    @Test
    void delayedBytesArriveIntactAndInOrder() throws IOException {
        proxy.delay(Duration.ofMillis(2));
        Socket client = connect();
        StringBuilder sent = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            send(client, i + ";");
            sent.append(i).append(';');
        }

        assertThat(read(client, sent.length())).isEqualTo(sent.toString());
        assertThat(target.received()).containsExactly(sent.toString());
    }

    @Test
    void noByteIsLostDoubledOrReorderedAcrossModeSwitches() throws IOException {
        Socket client = connect();
        StringBuilder sent = new StringBuilder();
        for (int i = 0; i < 2_000; i++) {
            send(client, i + "\n");
            sent.append(i).append('\n');
            switch (i % 4) {
                case 0 -> proxy.hold();
                case 1 -> proxy.pass();
                case 2 -> proxy.delay(Duration.ofMillis(1));
                default -> proxy.release();
            }
        }
        proxy.pass();

        assertThat(read(client, sent.length())).isEqualTo(sent.toString());
        assertThat(target.received()).containsExactly(sent.toString());
    }

    @Test
    void refuseResetsOpenConnectionsAndClosesNewOnesBeforeTheyReachTheTarget() throws IOException {
        Socket open = connect();
        assertThat(echo(open, "hi;")).isEqualTo("hi;");

        proxy.refuse();
        assertSeesClosed(open);
        assertThat(proxy.openConnections()).isZero();

        Socket refused = connect();
        sendQuietly(refused, "lost;");
        assertSeesClosed(refused);
        assertThat(target.accepted()).isEqualTo(1);
        assertThat(target.received()).containsExactly("hi;");

        proxy.pass();
        assertThat(echo(connect(), "back;")).isEqualTo("back;");
    }

    @Test
    void resetAllDropsOpenConnectionsButTheNextOneWorks() throws IOException {
        Socket first = connect();
        Socket second = connect();
        assertThat(echo(first, "a;")).isEqualTo("a;");
        assertThat(echo(second, "b;")).isEqualTo("b;");

        proxy.resetAll();
        assertSeesClosed(first);
        assertSeesClosed(second);
        assertThat(proxy.openConnections()).isZero();

        assertThat(echo(connect(), "c;")).isEqualTo("c;");
        assertThat(proxy.openConnections()).isEqualTo(1);
    }

    @Test
    void aConnectionIsClosedAtOnceWhenNothingListensBehindTheProxy() throws IOException {
        int deadPort;
        try (ServerSocket nothing = new ServerSocket(0, 1, LOOPBACK)) {
            deadPort = nothing.getLocalPort();
        }
        try (FaultProxy toNowhere = FaultProxy.start(deadPort);
                Socket client = new Socket(LOOPBACK, toNowhere.port())) {
            client.setSoTimeout(30_000);
            sendQuietly(client, "anyone?");
            assertSeesClosed(client);
            eventually().untilAsserted(() -> assertThat(toNowhere.openConnections()).isZero());
        }
    }

    @Test
    void closeEndsEveryConnectionAndThreadAndStopsAccepting() throws IOException {
        Socket client = connect();
        assertThat(echo(client, "x;")).isEqualTo("x;");
        int port = proxy.port();

        proxy.close();
        proxy.close();

        assertThat(proxy.openConnections()).isZero();
        assertSeesClosed(client);
        assertThatThrownBy(() -> new Socket(LOOPBACK, port).close()).isInstanceOf(ConnectException.class);
        assertThat(Thread.getAllStackTraces().keySet())
                .noneMatch(thread -> thread.getName().startsWith("fault-proxy-" + port + "-"));
    }

    private Socket connect() throws IOException {
        Socket client = new Socket(LOOPBACK, proxy.port());
        // Bounds a read that would otherwise hang, so a broken proxy fails with a message; not a timing check.
        client.setSoTimeout(30_000);
        clients.add(client);
        return client;
    }

    private static ConditionFactory eventually() {
        return await().atMost(Duration.ofSeconds(30));
    }

    private static String echo(Socket client, String text) throws IOException {
        send(client, text);
        return read(client, text.length());
    }

    private static void send(Socket client, String text) throws IOException {
        client.getOutputStream().write(text.getBytes(ISO_8859_1));
    }

    /** Writing to a connection that is being reset may fail or not; only what the reader sees matters. */
    private static void sendQuietly(Socket client, String text) {
        try {
            send(client, text);
        }
        catch (IOException resetAlready) {
            // fine: the connection is already gone
        }
    }

    private static String read(Socket client, int length) throws IOException {
        byte[] bytes = client.getInputStream().readNBytes(length);
        assertThat(bytes).as("bytes before end of stream").hasSize(length);
        return new String(bytes, ISO_8859_1);
    }

    /** End of stream or a reset: either is what a caller sees when the node's side goes away. */
    private static void assertSeesClosed(Socket client) {
        try {
            assertThat(client.getInputStream().read()).isEqualTo(-1);
        }
        catch (SocketTimeoutException ex) {
            fail("the connection is still open");
        }
        catch (IOException reset) {
            // a reset: closed as well
        }
    }

    /** The node behind the proxy: echoes every byte and records, per accepted connection, what arrived. */
    private static final class Target implements AutoCloseable {

        private final ServerSocket server;
        private final List<Peer> peers = new CopyOnWriteArrayList<>();

        Target() {
            try {
                server = new ServerSocket(0, 50, LOOPBACK);
            }
            catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            daemon("target-accept", this::acceptLoop);
        }

        int port() {
            return server.getLocalPort();
        }

        int accepted() {
            return peers.size();
        }

        Peer peer(int index) {
            return peers.get(index);
        }

        List<String> received() {
            return peers.stream().map(Peer::received).toList();
        }

        private void acceptLoop() {
            try {
                while (true) {
                    Peer peer = new Peer(server.accept());
                    peers.add(peer);
                    daemon("target-echo", peer::echo);
                }
            }
            catch (IOException closed) {
                // the test is over
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Peer peer : peers) {
                peer.socket.close();
            }
        }

        private static void daemon(String name, Runnable body) {
            Thread thread = new Thread(body, name);
            thread.setDaemon(true);
            thread.start();
        }
    }

    private static final class Peer {

        private final Socket socket;
        private final ByteArrayOutputStream arrived = new ByteArrayOutputStream();

        Peer(Socket socket) {
            this.socket = socket;
        }

        void echo() {
            try {
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                byte[] buffer = new byte[8192];
                for (int n; (n = in.read(buffer)) != -1;) {
                    synchronized (this) {
                        arrived.write(buffer, 0, n);
                    }
                    out.write(buffer, 0, n);
                }
                socket.shutdownOutput(); // half-close back, so end of stream crosses the proxy both ways
            }
            catch (IOException closed) {
                // reset by the proxy, or the test is over
            }
        }

        void send(String text) throws IOException {
            socket.getOutputStream().write(text.getBytes(ISO_8859_1));
        }

        synchronized String received() {
            return arrived.toString(ISO_8859_1);
        }
    }
}
