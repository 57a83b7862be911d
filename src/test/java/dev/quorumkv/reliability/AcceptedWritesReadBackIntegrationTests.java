package dev.quorumkv.reliability;

import static dev.quorumkv.reliability.PublicApiHostileInputIntegrationTests.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quorumkv.storage.Versioned;
import dev.quorumkv.storage.VersionedCodec;
import dev.quorumkv.support.TestCluster;
import dev.quorumkv.version.Version;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.MediaType;

/**
 * Whatever a PUT accepts, a GET returns: on three real nodes (N=3, W=2, R=2), every odd but accepted key
 * and Content-Type reads back through every node as 200 with the same bytes and an equivalent
 * Content-Type; every refused one is a 4xx problem that leaves the key's previous value as it was.
 * Requests go over a raw socket so that the headers reach the node exactly as written here.
 */
class AcceptedWritesReadBackIntegrationTests {

    private static final String PREVIOUS_TYPE = "text/plain";

    /** Accepted as they are; the value is stored under its Content-Type, normalized. */
    private static final List<String> ACCEPTED_CONTENT_TYPES = List.of(
            "text/plain",
            "text/plain; charset=UTF-8",
            "Text/Plain;Charset=utf-8",
            "TEXT/CSV; header=present",
            "text/html; charset=\"iso-8859-1\"",
            "text/plain; charset=latin1",
            "application/json;charset=utf-8",
            "application/x-www-form-urlencoded",
            "application/octet-stream",
            "application/problem+json",
            "image/svg+xml",
            "multipart/form-data; boundary=xyz",
            "multipart/mixed; boundary=\"a;b=c\"",
            "application/vnd.example.v2+json; version=\"1.0\"; profile=\"urn:x\"",
            "text/plain; format=flowed; delsp=yes",
            "text/plain;;",
            "text/plain ; q=0.5",
            "text/plain; note=\"caf\u00e9\"",
            "text/plain; quoted=\"a\\\"b\"",
            "text/plain; a=\"x\\\"; a=y\"");

    /** Wildcards cannot be sent back as a Content-Type; the others do not parse or name a parameter twice. */
    private static final List<String> REFUSED_CONTENT_TYPES = List.of(
            "*/*",
            "text/*",
            "*",
            "*/plain",
            "*; q=0.1",
            "application/*+json",
            "garbage",
            "text/",
            "/plain",
            "text/plain; a=1; a=2",
            "text/plain; charset=utf-8; Charset=UTF-8",
            "text/plain; charset=no-such-charset",
            "text/plain; novalue",
            "text/plain; a=",
            "text/plain; a=\"unterminated");

    /** Hostile but valid keys, as they appear in the request line: each is one opaque key. */
    private static final List<String> KEYS = List.of(
            "plain",
            "hello%20world",
            "a+b",
            "%25",
            "%2E%2E",
            "%2E",
            "a%2Fb",
            "a;b",
            "a;b=c",
            "caf%C3%A9",
            "%E2%82%AC",
            "%F0%9F%98%80",
            "%E4%B8%AD%E6%96%87",
            "~!$&'()*+,=:@",
            "k".repeat(512),
            "%C3%A9".repeat(256),
            "%F0%9F%98%80".repeat(128));

    @TempDir
    static Path data;

    private static TestCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = TestCluster.start(data, 3, "--quorumkv.replication.timeout=5s");
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void everyAcceptedContentTypeReadsBackThroughEveryNode() throws IOException {
        for (int i = 0; i < ACCEPTED_CONTENT_TYPES.size(); i++) {
            String contentType = ACCEPTED_CONTENT_TYPES.get(i);
            String key = "ctype-" + i;
            byte[] value = ("a=1&b=%ZZ&{not json} " + contentType).getBytes(StandardCharsets.UTF_8);
            RawHttp.Response put = put(1 + i % 3, key, contentType, value);
            assertThat(put.status()).as("PUT with Content-Type [%s]", contentType).isEqualTo(200);
            assertReadsBackThroughEveryNode(key, value, contentType);
        }
    }

    @Test
    void aValueWithoutContentTypeReadsBackAsOctetStream() throws IOException {
        byte[] value = {0, 1, 2, (byte) 0xFF};
        RawHttp.Response put = RawHttp.exchange(cluster.port(2), "PUT /kv/no-ctype HTTP/1.1", value);
        assertThat(put.status()).as("PUT without Content-Type").isEqualTo(200);
        assertReadsBackThroughEveryNode("no-ctype", value, MediaType.APPLICATION_OCTET_STREAM_VALUE);
    }

    @Test
    void aWildcardContentTypeIsRefusedAndLeavesTheKeyReadable() throws IOException {
        for (String wildcard : List.of("*/*", "text/*", "*")) {
            String key = "wildcard-" + wildcard.replace("*", "star").replace("/", "-");
            RawHttp.Response refused = refusedAfterAPreviousValue(key, wildcard);
            assertThat(refused.bodyText()).as("the problem names the wildcard").contains("wildcard");
        }
    }

    /** As a node from before wildcards were refused, or a peer, could have stored it: still readable, as bytes. */
    @Test
    void aValueAlreadyStoredWithAWildcardContentTypeReadsBackAsOctetStream() {
        byte[] value = "stored before PUT checked".getBytes(StandardCharsets.UTF_8);
        Versioned stored = Versioned.value(new Version(System.currentTimeMillis(), 0, "node1"), "*/*", value);
        for (int node = 1; node <= cluster.size(); node++) {
            HttpResponse<String> write = cluster.send(HttpRequest.newBuilder(cluster.uri(node, "/internal/replica/old-wildcard"))
                    .header("Authorization", "Bearer " + TestCluster.SECRET)
                    .header("Content-Type", MediaType.APPLICATION_OCTET_STREAM_VALUE)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(VersionedCodec.encode(stored))).build());
            assertThat(write.statusCode()).as("node%d stores the old value", node).isBetween(200, 299);
        }
        for (int node = 1; node <= cluster.size(); node++) {
            HttpResponse<byte[]> get = cluster.getBytes(node, "/kv/old-wildcard");
            assertThat(get.statusCode()).as("GET through node%d", node).isEqualTo(200);
            assertThat(get.body()).isEqualTo(value);
            assertThat(get.headers().firstValue("Content-Type")).hasValue(MediaType.APPLICATION_OCTET_STREAM_VALUE);
        }
    }

    @Test
    void everyRefusedContentTypeLeavesThePreviousValueUnchanged() throws IOException {
        for (int i = 0; i < REFUSED_CONTENT_TYPES.size(); i++) {
            refusedAfterAPreviousValue("refused-ctype-" + i, REFUSED_CONTENT_TYPES.get(i));
        }
    }

    @Test
    void everyHostileButValidKeyReadsBackThroughEveryNode() throws IOException {
        for (int i = 0; i < KEYS.size(); i++) {
            String key = KEYS.get(i);
            String contentType = ACCEPTED_CONTENT_TYPES.get(i % ACCEPTED_CONTENT_TYPES.size());
            byte[] value = ("value of " + key).getBytes(StandardCharsets.UTF_8);
            RawHttp.Response put = put(1 + i % 3, key, contentType, value);
            assertThat(put.status()).as("PUT /kv/%s", abbreviate(key)).isEqualTo(200);
            assertReadsBackThroughEveryNode(key, value, contentType);
        }
    }

    @Test
    void everyKeyAndContentTypeTogetherEitherReadsBackOrLeavesThePreviousValue() throws IOException {
        List<String> contentTypes = List.of("*/*", "Text/Plain;Charset=utf-8", "text/plain; a=1; A=2",
                "application/x-www-form-urlencoded", "text/*");
        for (String key : List.of("%2E%2E", "a;b", "caf%C3%A9", "x".repeat(512))) {
            for (String contentType : contentTypes) {
                String versionBefore = storePrevious(key);
                byte[] value = ("new value of " + key + " as " + contentType).getBytes(StandardCharsets.UTF_8);
                RawHttp.Response put = put(3, key, contentType, value);
                if (put.status() / 100 == 2) {
                    assertReadsBackThroughEveryNode(key, value, contentType);
                }
                else {
                    assertProblem(put, "PUT /kv/" + abbreviate(key) + " as " + contentType);
                    assertPreviousValueUnchanged(key, versionBefore);
                }
            }
        }
    }

    /** Stores a previous value, then PUTs with {@code contentType}: a 4xx problem that changes nothing. */
    private static RawHttp.Response refusedAfterAPreviousValue(String key, String contentType) throws IOException {
        String versionBefore = storePrevious(key);
        RawHttp.Response put = put(1, key, contentType, "must not be stored".getBytes(StandardCharsets.UTF_8));
        assertThat(put.status()).as("PUT with Content-Type [%s]", contentType).isEqualTo(400);
        assertProblem(put, "PUT with Content-Type " + contentType);
        assertPreviousValueUnchanged(key, versionBefore);
        return put;
    }

    private static String storePrevious(String key) throws IOException {
        RawHttp.Response put = put(2, key, PREVIOUS_TYPE, previousValue(key));
        assertThat(put.status()).as("storing the previous value of %s", abbreviate(key)).isEqualTo(200);
        return put.header("x-version");
    }

    private static void assertPreviousValueUnchanged(String key, String versionBefore) throws IOException {
        for (int node = 1; node <= cluster.size(); node++) {
            RawHttp.Response get = get(node, key);
            assertThat(get.status()).as("GET /kv/%s through node%d", abbreviate(key), node).isEqualTo(200);
            assertThat(get.body()).as("previous value of %s through node%d", abbreviate(key), node)
                    .isEqualTo(previousValue(key));
            assertThat(get.header("x-version")).as("previous version of %s", abbreviate(key)).isEqualTo(versionBefore);
            assertThat(MediaType.parseMediaType(get.header("content-type"))).isEqualTo(MediaType.TEXT_PLAIN);
        }
    }

    private static void assertReadsBackThroughEveryNode(String key, byte[] value, String contentType) throws IOException {
        MediaType sent = MediaType.parseMediaType(contentType);
        for (int node = 1; node <= cluster.size(); node++) {
            RawHttp.Response get = get(node, key);
            String what = "GET /kv/" + abbreviate(key) + " through node" + node + " after a PUT as [" + contentType + "]";
            assertThat(get.status()).as(what).isEqualTo(200);
            assertThat(get.body()).as(what + ": the same bytes").isEqualTo(value);
            assertThat(get.header("content-type")).as(what + ": a Content-Type").isNotNull();
            assertThat(MediaType.parseMediaType(get.header("content-type"))).as(what + ": an equivalent Content-Type")
                    .isEqualTo(sent);
        }
    }

    private static byte[] previousValue(String key) {
        return ("previous value of " + key).getBytes(StandardCharsets.UTF_8);
    }

    private static RawHttp.Response put(int node, String key, String contentType, byte[] value) throws IOException {
        return RawHttp.exchange(cluster.port(node), "PUT /kv/" + key + " HTTP/1.1\r\nContent-Type: " + contentType, value);
    }

    private static RawHttp.Response get(int node, String key) throws IOException {
        return RawHttp.exchange(cluster.port(node), "GET /kv/" + key + " HTTP/1.1");
    }

    private static String abbreviate(String text) {
        return text.length() <= 60 ? text : text.substring(0, 50) + "...(" + text.length() + " chars)";
    }
}
