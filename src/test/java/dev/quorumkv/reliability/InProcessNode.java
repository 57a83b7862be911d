package dev.quorumkv.reliability;

import dev.quorumkv.QuorumKvApplication;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** A real quorumkv node started in this JVM on a free loopback port, for hostile-input tests. */
final class InProcessNode implements AutoCloseable {

    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);

    private final ConfigurableApplicationContext context;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final int port;

    private InProcessNode(ConfigurableApplicationContext context) {
        this.context = context;
        this.port = Integer.parseInt(context.getEnvironment().getRequiredProperty("local.server.port"));
    }

    /** A single-node cluster (N=W=R=1 once capped), no secret needed. */
    static InProcessNode single(Path storage, String... extraArgs) {
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--quorumkv.node-id=n1",
                "--quorumkv.storage.dir=" + storage));
        args.addAll(List.of(extraArgs));
        return start(args);
    }

    /** Node n1 of a two-member cluster whose peer n2 is never started; peers need the secret. */
    static InProcessNode withAbsentPeer(Path storage, String secret) {
        int own = freePort();
        int peer = freePort();
        return start(List.of("--server.port=" + own, "--server.address=127.0.0.1", "--quorumkv.node-id=n1",
                "--quorumkv.storage.dir=" + storage,
                "--quorumkv.cluster.members=n1=http://127.0.0.1:" + own + ",n2=http://127.0.0.1:" + peer,
                "--quorumkv.cluster.secret=" + secret));
    }

    private static InProcessNode start(List<String> args) {
        return new InProcessNode(new SpringApplicationBuilder(QuorumKvApplication.class)
                .run(args.toArray(String[]::new)));
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }

    URI uri(String rawPathAndQuery) {
        return URI.create("http://127.0.0.1:" + port + rawPathAndQuery);
    }

    HttpResponse<byte[]> send(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(REQUEST_TIMEOUT).build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new IllegalStateException("request failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    HttpResponse<byte[]> put(String rawPathAndQuery, byte[] body) {
        return send(HttpRequest.newBuilder(uri(rawPathAndQuery)).PUT(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    HttpResponse<byte[]> get(String rawPathAndQuery) {
        return send(HttpRequest.newBuilder(uri(rawPathAndQuery)).GET());
    }

    @Override
    public void close() {
        context.close();
    }
}
