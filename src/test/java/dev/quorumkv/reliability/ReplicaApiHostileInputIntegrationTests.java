package dev.quorumkv.reliability;

import static dev.quorumkv.reliability.PublicApiHostileInputIntegrationTests.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quorumkv.storage.Versioned;
import dev.quorumkv.storage.VersionedCodec;
import dev.quorumkv.version.Version;
import dev.quorumkv.support.TestCluster;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input on /internal/replica of a real node that has a peer (so it demands the cluster secret).
 * Every rejected body here would otherwise win: it carries a version newer than the stored one, and a
 * control test shows that the same body, well-formed and with the secret, is stored. So "nothing stored"
 * after a rejection is a real check.
 */
class ReplicaApiHostileInputIntegrationTests {

    private static final String SECRET = TestCluster.SECRET;
    private static final String VICTIM = "victim";
    private static final byte[] ORIGINAL = "original".getBytes(StandardCharsets.UTF_8);
    private static final byte[] EVIL = "evil".getBytes(StandardCharsets.UTF_8);

    @TempDir
    static Path storage;

    private static TestCluster node;
    private byte[] storedReplicaBody;

    @BeforeAll
    static void startNode() {
        node = TestCluster.of(storage).nodes(2).startOnly(1).start();
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @BeforeEach
    void storeVictim() throws IOException {
        RawHttp.Response put = RawHttp.exchange(node.port(1), "PUT /kv/" + VICTIM + "?w=1 HTTP/1.1", ORIGINAL);
        assertThat(put.status()).as("storing the victim with w=1 (the peer is absent)").isEqualTo(200);
        RawHttp.Response replica = internal("GET", VICTIM, "Bearer " + SECRET, new byte[0]);
        assertThat(replica.status()).as("GET /internal/replica with the secret").isEqualTo(200);
        storedReplicaBody = replica.body();
    }

    @AfterEach
    void victimIsUnchanged() throws IOException {
        RawHttp.Response get = RawHttp.exchange(node.port(1), "GET /kv/" + VICTIM + "?r=1 HTTP/1.1");
        assertThat(get.status()).isEqualTo(200);
        assertThat(get.body()).as("the victim's value").isEqualTo(ORIGINAL);
        RawHttp.Response replica = internal("GET", VICTIM, "Bearer " + SECRET, new byte[0]);
        assertThat(replica.body()).as("the victim's replica record, version included").isEqualTo(storedReplicaBody);
    }

    @Test
    void wellFormedNewerBodyWithTheSecretIsStored() throws IOException {
        RawHttp.Response post = internal("POST", "control", "Bearer " + SECRET, newerBody());
        assertThat(post.status()).as("control: a valid replica write").isBetween(200, 299);
        RawHttp.Response get = RawHttp.exchange(node.port(1), "GET /kv/control?r=1 HTTP/1.1");
        assertThat(get.status()).isEqualTo(200);
        assertThat(get.body()).isEqualTo(EVIL);
    }

    @Test
    void replicaCallsWithoutTheSecretAreRejected() throws IOException {
        assertUnauthorized(internal("POST", VICTIM, null, newerBody()), "POST without Authorization");
        assertUnauthorized(internal("GET", VICTIM, null, new byte[0]), "GET without Authorization");
    }

    @Test
    void replicaCallsWithAWrongSecretAreRejected() throws IOException {
        List<String> wrong = List.of("Bearer wrong", "Bearer " + SECRET + "x", "Bearer " + SECRET.substring(1),
                "Bearer " + SECRET.toUpperCase(), "Bearer", "Bearer ", "Bearer  " + SECRET, SECRET,
                "Basic " + Base64.getEncoder().encodeToString(("peer:" + SECRET).getBytes(StandardCharsets.UTF_8)),
                "Bearer " + "x".repeat(4000));
        for (String authorization : wrong) {
            String what = "Authorization: " + authorization.substring(0, Math.min(40, authorization.length()));
            assertUnauthorized(internal("POST", VICTIM, authorization, newerBody()), "POST with " + what);
            assertUnauthorized(internal("GET", VICTIM, authorization, new byte[0]), "GET with " + what);
        }
    }

    @Test
    void malformedTruncatedOrGarbageBodiesWithTheSecretAreRejected() throws IOException {
        byte[] valid = newerBody();
        Map<String, byte[]> bodies = new LinkedHashMap<>();
        bodies.put("empty", new byte[0]);
        for (int length : new int[] {1, 2, 9, 14, 16, valid.length / 2, valid.length - 1}) {
            bodies.put("truncated to " + length + " of " + valid.length + " bytes", Arrays.copyOf(valid, length));
        }
        bodies.put("one trailing byte", Arrays.copyOf(valid, valid.length + 1));
        byte[] garbage = new byte[300];
        new Random(5).nextBytes(garbage);
        bodies.put("random garbage", garbage);
        bodies.put("JSON instead of the binary form", "{\"version\":\"1.0.n2\",\"value\":\"evil\"}".getBytes(StandardCharsets.UTF_8));
        bodies.putAll(malformedVersions());
        for (Map.Entry<String, byte[]> body : bodies.entrySet()) {
            RawHttp.Response post = internal("POST", VICTIM, "Bearer " + SECRET, body.getValue());
            assertProblem(post, "POST /internal/replica with a body " + body.getKey());
        }
    }

    /** A peer with the secret but a clock years ahead (or a forged version) must not drag the node's clock. */
    @Test
    void aReplicaWriteStampedYearsAheadIsRefusedAndLeavesTheClockAlone() throws IOException {
        long yearsAhead = System.currentTimeMillis() + Duration.ofDays(3 * 365).toMillis();
        for (long wallMillis : new long[] {yearsAhead, Version.MAX_WALL_MILLIS + 1}) {
            byte[] body = patch(newerBody(), 2, ByteBuffer.allocate(8).putLong(wallMillis).array());
            assertProblem(internal("POST", VICTIM, "Bearer " + SECRET, body), "POST /internal/replica stamped at " + wallMillis);
        }

        RawHttp.Response put = RawHttp.exchange(node.port(1), "PUT /kv/after-the-rogue?w=1 HTTP/1.1", ORIGINAL);
        assertThat(put.status()).isEqualTo(200);
        Version stamped = Version.parse(put.header("X-Version"));
        assertThat(stamped.wallMillis()).as("the node still stamps by its own clock")
                .isLessThan(System.currentTimeMillis() + Duration.ofMinutes(1).toMillis());
    }

    @Test
    void oversizedBodyWithTheSecretIsRejected() throws IOException {
        byte[] huge = new byte[3 * 1024 * 1024];
        new Random(7).nextBytes(huge);
        assertProblem(internal("POST", VICTIM, "Bearer " + SECRET, huge), "POST /internal/replica with 3 MiB");
    }

    @Test
    void invalidKeysOnTheReplicaApiAreRejected() throws IOException {
        for (String key : List.of("k".repeat(513), "%FF", "%C3%28")) {
            assertProblem(internal("POST", key, "Bearer " + SECRET, newerBody()), "POST /internal/replica/" + key);
            assertProblem(internal("GET", key, "Bearer " + SECRET, new byte[0]), "GET /internal/replica/" + key);
        }
    }

    /**
     * Bodies in the layout VersionedCodec documents, well-formed but for the version (or a length):
     * format(1) flags(1) wallMillis(8) counter(4) nodeIdLen(2) nodeId contentTypeLen(2) contentType
     * valueLen(4) value.
     */
    private static Map<String, byte[]> malformedVersions() {
        Map<String, byte[]> bodies = new LinkedHashMap<>();
        bodies.put("with an unknown format", patch(newerBody(), 0, new byte[] {9}));
        bodies.put("with unknown flags", patch(newerBody(), 1, new byte[] {7}));
        bodies.put("that is a tombstone carrying a value", patch(newerBody(), 1, new byte[] {1}));
        bodies.put("with a negative wallMillis", patch(newerBody(), 2, ByteBuffer.allocate(8).putLong(-1).array()));
        bodies.put("with a negative counter", patch(newerBody(), 10, ByteBuffer.allocate(4).putInt(-5).array()));
        bodies.put("with an invalid node id", patch(newerBody(), 16, "n!".getBytes(StandardCharsets.UTF_8)));
        bodies.put("with a node id of invalid UTF-8", patch(newerBody(), 16, new byte[] {(byte) 0xFF, (byte) 0xFE}));
        bodies.put("with an empty node id", emptyNodeId());
        bodies.put("with a node id length past the end", patch(newerBody(), 14, new byte[] {(byte) 0xFF, (byte) 0xFF}));
        byte[] body = newerBody();
        bodies.put("with a value length past the end", patch(body, body.length - EVIL.length - 4,
                ByteBuffer.allocate(4).putInt(EVIL.length + 1).array()));
        bodies.put("with a negative value length", patch(newerBody(), body.length - EVIL.length - 4,
                ByteBuffer.allocate(4).putInt(-1).array()));
        return bodies;
    }

    /** A valid encoded value "evil" with a version newer than anything the node has stamped. */
    private static byte[] newerBody() {
        Version newer = new Version(System.currentTimeMillis() + 10_000, 0, "n2");
        byte[] body = VersionedCodec.encode(Versioned.value(newer, "text/plain", EVIL));
        assertThat(body[14] * 256 + body[15]).as("node id length where the layout says").isEqualTo(2);
        return body;
    }

    private static byte[] emptyNodeId() {
        byte[] body = newerBody();
        ByteBuffer buffer = ByteBuffer.allocate(body.length - 2);
        buffer.put(body, 0, 14).putShort((short) 0).put(body, 18, body.length - 18);
        return buffer.array();
    }

    private static byte[] patch(byte[] body, int offset, byte[] bytes) {
        byte[] patched = body.clone();
        System.arraycopy(bytes, 0, patched, offset, bytes.length);
        return patched;
    }

    private static void assertUnauthorized(RawHttp.Response response, String request) {
        assertThat(response.status()).as(request).isEqualTo(401);
        assertProblem(response, request);
        assertThat(response.bodyText()).as(request + " does not echo the secret").doesNotContain(SECRET);
    }

    private static RawHttp.Response internal(String method, String key, String authorization, byte[] body)
            throws IOException {
        String head = method + " /internal/replica/" + key + " HTTP/1.1\r\nContent-Type: application/octet-stream"
                + (authorization == null ? "" : "\r\nAuthorization: " + authorization);
        return RawHttp.exchange(node.port(1), head, body);
    }
}
