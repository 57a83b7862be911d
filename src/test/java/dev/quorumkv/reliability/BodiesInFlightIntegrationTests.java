package dev.quorumkv.reliability;

import dev.quorumkv.support.TestCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * A PUT body still on the wire holds a connection, not one of the container's worker threads. With two
 * workers, six PUTs whose bodies stop halfway (sized and chunked) are all being served at once, and while
 * every one of them is incomplete a normal client still writes and reads; nothing of a partial body is
 * stored. Once the rest arrives, each is acknowledged with its whole value. Proven by order (the normal
 * client is answered while the six are held), not by timing.
 */
class BodiesInFlightIntegrationTests {

    private static final int HELD = 6;
    private static final int HALF = 20;

    @TempDir
    Path storage;

    @Test
    void bodiesStillArrivingHoldNoWorkerThread() throws Exception {
        try (TestCluster node = TestCluster.of(storage).singleNode().arguments(
                "--server.tomcat.threads.max=2", "--server.tomcat.threads.min-spare=1",
                "--spring.main.sources=" + HeldRequestsReached.class.getName()).start()) {
            HeldRequestsReached.count.set(0);
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < HELD; i++) {
                    held.add(startPut(node, i));
                }
                // Every held request has reached the server and is being served.
                await().atMost(Duration.ofSeconds(30)).until(() -> HeldRequestsReached.count.get() == HELD);

                HttpResponse<byte[]> put = node.putBytes(1, "/kv/normal", "normal value".getBytes(StandardCharsets.UTF_8));
                assertThat(put.statusCode()).as("a normal PUT while %d bodies are half sent", HELD).isEqualTo(200);
                assertThat(node.getBytes(1, "/kv/normal").body()).asString().isEqualTo("normal value");
                assertThat(node.getBytes(1, "/kv/held0").statusCode()).as("half a body stores nothing").isEqualTo(404);
                assertThat(node.getBytes(1, "/kv/held1").statusCode()).as("half a chunked body stores nothing").isEqualTo(404);

                for (int i = 0; i < HELD; i++) {
                    finishPut(held.get(i), i);
                }
                for (int i = 0; i < HELD; i++) {
                    assertThat(RawHttp.read(held.get(i).getInputStream(), false).status()).as("held PUT %d", i).isEqualTo(200);
                    assertThat(node.getBytes(1, "/kv/held" + i).body()).as("held value %d", i).isEqualTo(value(i));
                }
            }
            finally {
                for (Socket socket : held) {
                    socket.close();
                }
            }
        }
    }

    @Test
    void aBodyCutShortStoresNothing() throws Exception {
        try (TestCluster node = TestCluster.of(storage).singleNode().start()) {
            for (int i = 0; i < 2; i++) {
                try (Socket socket = startPut(node, i)) {
                    socket.shutdownOutput(); // the client ends the stream halfway through the body
                    String outcome;
                    try {
                        outcome = Integer.toString(RawHttp.read(socket.getInputStream(), false).status());
                    }
                    catch (IOException ex) {
                        outcome = "closed";
                    }
                    assertThat(outcome).as("answer to body %d cut short", i).isIn("400", "closed");
                }
                assertThat(node.getBytes(1, "/kv/held" + i).statusCode()).as("body %d cut short stores nothing", i).isEqualTo(404);
            }
        }
    }

    /**
     * Tomcat ends a non-blocking read that waits longer than its connection timeout as a broken
     * connection and usually closes it; a 400 or 408 problem is fine too. What must not happen: a 5xx
     * (a stalled body was answered 500 when the answer raced the container's error callback; six
     * stalls at once make that race likely) or a stored half body.
     */
    @Test
    void aBodyThatStopsArrivingIsClosedOrRefusedAndStoresNothing() throws Exception {
        try (TestCluster node = TestCluster.of(storage).singleNode().arguments("--server.tomcat.connection-timeout=1s").start()) {
            List<Socket> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < HELD; i++) {
                    stalled.add(startPut(node, i)); // nothing more is sent: the container's read timeout ends the wait
                }
                for (int i = 0; i < HELD; i++) {
                    String outcome;
                    try {
                        outcome = Integer.toString(RawHttp.read(stalled.get(i).getInputStream(), false).status());
                    }
                    catch (IOException ex) {
                        outcome = "closed";
                    }
                    assertThat(outcome).as("answer to stalled body %d", i).isIn("400", "408", "closed");
                    assertThat(node.getBytes(1, "/kv/held" + i).statusCode()).as("stalled body %d stores nothing", i).isEqualTo(404);
                }
            }
            finally {
                for (Socket socket : stalled) {
                    socket.close();
                }
            }
        }
    }

    /** Head and the first half of the body; even ones sized (Content-Length), odd ones chunked. */
    private static Socket startPut(TestCluster node, int i) throws IOException {
        Socket socket = new Socket("127.0.0.1", node.port(1));
        socket.setSoTimeout(RawHttp.READ_TIMEOUT_MILLIS);
        OutputStream out = socket.getOutputStream();
        String requestLine = "PUT /kv/held" + i + " HTTP/1.1\r\nContent-Type: text/plain";
        if (chunked(i)) {
            out.write(RawHttp.head(node.port(1), requestLine + "\r\nTransfer-Encoding: chunked", 0));
            out.write(chunk(value(i), 0, HALF));
        }
        else {
            out.write(RawHttp.head(node.port(1), requestLine, value(i).length));
            out.write(value(i), 0, HALF);
        }
        out.flush();
        return socket;
    }

    private static void finishPut(Socket socket, int i) throws IOException {
        OutputStream out = socket.getOutputStream();
        byte[] value = value(i);
        if (chunked(i)) {
            out.write(chunk(value, HALF, value.length - HALF));
            out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        else {
            out.write(value, HALF, value.length - HALF);
        }
        out.flush();
    }

    private static boolean chunked(int i) {
        return i % 2 == 1;
    }

    private static byte[] value(int i) {
        return ("value of held request " + i + ", forty bytes or so").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] chunk(byte[] bytes, int offset, int length) {
        byte[] size = (Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
        byte[] chunk = new byte[size.length + length + 2];
        System.arraycopy(size, 0, chunk, 0, size.length);
        System.arraycopy(bytes, offset, chunk, size.length, length);
        chunk[chunk.length - 2] = '\r';
        chunk[chunk.length - 1] = '\n';
        return chunk;
    }

    /** Counts the held PUTs that reached the node's filter chain: their headers are read and they are being served. */
    @Configuration(proxyBeanMethods = false)
    static class HeldRequestsReached {

        static final AtomicInteger count = new AtomicInteger();

        @Bean
        FilterRegistrationBean<Filter> heldRequestsReachedFilter() {
            FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>((request, response, chain) -> {
                if (((HttpServletRequest) request).getRequestURI().startsWith("/kv/held")) {
                    count.incrementAndGet();
                }
                chain.doFilter(request, response);
            });
            registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
            return registration;
        }
    }
}
