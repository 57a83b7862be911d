package dev.quorumkv.ycsb;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP/1.1 framing the binding relies on, against a server that writes scripted answers byte for
 * byte: the i-th connection it accepts gets the i-th list of answers, one per request, then is closed.
 */
class Http11ConnectionTests {

    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    private ScriptedServer server;
    private Http11Connection connection;

    @AfterEach
    void stop() throws IOException {
        if (connection != null) {
            connection.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aChunkedBodyIsReadWholeAndTheConnectionStaysInUse() throws IOException {
        start(List.of(List.of(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\na;ext=1\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n",
                OK)));

        assertThat(get()).isEqualTo(200);
        assertThat(body()).isEqualTo("abc0123456789");
        assertThat(get()).isEqualTo(200);
        assertThat(body()).isEqualTo("ok");
        assertThat(connection.connects()).isEqualTo(1);
    }

    @Test
    void anAnswerThatClosesTheConnectionIsFollowedByANewOne() throws IOException {
        start(List.of(
                List.of("HTTP/1.1 404 Not Found\r\nconnection: Close\r\ncontent-length: 3\r\n\r\nnot"),
                List.of(OK)));

        assertThat(get()).isEqualTo(404);
        assertThat(body()).isEqualTo("not");
        assertThat(get()).isEqualTo(200);
        assertThat(connection.connects()).isEqualTo(2);
    }

    @Test
    void aKeptAliveConnectionTheServerDroppedIsTriedOnceMoreOnANewOne() throws IOException {
        start(List.of(List.of(OK), List.of(OK)));

        assertThat(get()).isEqualTo(200);
        assertThat(get()).isEqualTo(200);

        assertThat(connection.connects()).isEqualTo(2);
        assertThat(server.requests).hasSize(2);
    }

    @Test
    void aFreshConnectionDroppedBeforeAnAnswerFails() throws IOException {
        start(List.of(List.of()));

        assertThatThrownBy(this::get).isInstanceOf(IOException.class);
        assertThat(connection.connects()).isEqualTo(1);
    }

    @Test
    void aBodyWithoutLengthRunsToTheCloseAndInterimAnswersAreSkipped() throws IOException {
        start(List.of(
                List.of("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end"),
                List.of("HTTP/1.1 204 No Content\r\n\r\n" + OK)));

        assertThat(get()).isEqualTo(200);
        assertThat(body()).isEqualTo("until the end");
        assertThat(get()).isEqualTo(204);
        assertThat(body()).isEmpty();
        assertThat(get()).isEqualTo(200);
        assertThat(connection.connects()).isEqualTo(2);
    }

    @Test
    void aBodyLargerThanTheBuffersIsReadWhole() throws IOException {
        byte[] big = new byte[100_000];
        Arrays.fill(big, (byte) 'x');
        start(List.of(List.of("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + new String(big, US_ASCII), OK)));

        assertThat(get()).isEqualTo(200);
        assertThat(connection.bodyLength()).isEqualTo(100_000);
        assertThat(get()).isEqualTo(200);
        assertThat(body()).isEqualTo("ok");
    }

    @Test
    void theRequestIsSentAsGiven() throws IOException {
        start(List.of(List.of(OK)));
        byte[] request = "PUT /kv/k HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc".getBytes(US_ASCII);

        assertThat(connection.exchange(request, request.length)).isEqualTo(200);

        assertThat(server.requests).containsExactly(new String(request, US_ASCII));
    }

    private void start(List<List<String>> script) throws IOException {
        server = new ScriptedServer(script);
        connection = new Http11Connection("127.0.0.1", server.port(), 5000);
    }

    private int get() throws IOException {
        byte[] request = "GET /kv/k HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(US_ASCII);
        return connection.exchange(request, request.length);
    }

    private String body() {
        return new String(connection.body(), 0, connection.bodyLength(), US_ASCII);
    }

    private static final class ScriptedServer implements AutoCloseable {

        final List<String> requests = new CopyOnWriteArrayList<>();
        private final ServerSocket socket;
        private final Thread thread;

        ScriptedServer(List<List<String>> script) throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            thread = new Thread(() -> serve(new ArrayList<>(script)), "scripted-server");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void serve(List<List<String>> script) {
            for (List<String> answers : script) {
                try (Socket connection = socket.accept()) {
                    InputStream in = connection.getInputStream();
                    for (String answer : answers) {
                        requests.add(readRequest(in));
                        connection.getOutputStream().write(answer.getBytes(US_ASCII));
                    }
                } catch (IOException e) {
                    return;
                }
            }
        }

        /** One request: its head up to the blank line, then Content-Length bytes of body. */
        private static String readRequest(InputStream in) throws IOException {
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            while (!request.toString(US_ASCII).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("closed");
                }
                request.write(b);
            }
            String head = request.toString(US_ASCII);
            int at = head.indexOf("Content-Length: ");
            if (at >= 0) {
                int length = Integer.parseInt(head.substring(at + 16, head.indexOf("\r\n", at)));
                request.write(in.readNBytes(length));
            }
            return request.toString(US_ASCII);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
