package dev.quorumkv.reliability;

import dev.quorumkv.support.TestCluster;
import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input on the public API of a real single node: every request here is bad or odd, and each
 * must be answered with a 4xx problem+json (or, for odd but valid input, stored exactly), never a 5xx,
 * and must leave stored data alone: after every test the "victim" key still holds its value and version.
 */
class PublicApiHostileInputIntegrationTests {

    private static final int MAX_VALUE_BYTES = 1024 * 1024;
    private static final String VICTIM = "victim";
    private static final byte[] VICTIM_VALUE = "the victim's value".getBytes(StandardCharsets.UTF_8);

    @TempDir
    static Path storage;

    private static TestCluster node;
    private String victimVersion;

    @BeforeAll
    static void startNode() {
        node = TestCluster.of(storage).singleNode().start();
    }

    @BeforeEach
    void storeVictim() throws IOException {
        RawHttp.Response put = raw("PUT /kv/" + VICTIM + " HTTP/1.1\r\nContent-Type: text/plain", VICTIM_VALUE);
        assertThat(put.status()).as("storing the victim key").isEqualTo(200);
        victimVersion = put.header("x-version");
        assertThat(victimVersion).isNotBlank();
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @AfterEach
    void victimIsUnchanged() throws IOException {
        RawHttp.Response get = raw("GET /kv/" + VICTIM + " HTTP/1.1");
        assertThat(get.status()).as("victim still readable").isEqualTo(200);
        assertThat(get.body()).as("victim value").isEqualTo(VICTIM_VALUE);
        assertThat(get.header("x-version")).as("victim version").isEqualTo(victimVersion);
    }

    @Test
    void keysOf512BytesAreStoredAnd513BytesAreRejected() throws IOException {
        String ascii512 = "k".repeat(512);
        String twoByte512 = "%C3%A9".repeat(256); // "é" is 2 bytes of UTF-8
        for (String key : List.of(ascii512, twoByte512)) {
            assertStored("/kv/" + key, "at the limit".getBytes(StandardCharsets.UTF_8));
        }
        for (String key : List.of(ascii512 + "k", twoByte512 + "k")) {
            assertProblem(raw("PUT /kv/" + key + " HTTP/1.1", "x".getBytes(StandardCharsets.UTF_8)), "PUT 513-byte key");
            assertProblem(raw("GET /kv/" + key + " HTTP/1.1"), "GET 513-byte key");
            assertProblem(raw("DELETE /kv/" + key + " HTTP/1.1"), "DELETE 513-byte key");
        }
    }

    @Test
    void emptyKeyIsRejected() throws IOException {
        for (String path : List.of("/kv/", "/kv")) {
            assertProblem(raw("PUT " + path + " HTTP/1.1", "x".getBytes(StandardCharsets.UTF_8)), "PUT " + path);
            assertProblem(raw("GET " + path + " HTTP/1.1"), "GET " + path);
            assertProblem(raw("DELETE " + path + " HTTP/1.1"), "DELETE " + path);
        }
    }

    @Test
    void encodedSlashDotsAndNulAreOneOpaqueKeyOrRejected() throws IOException {
        for (String key : List.of("a%2Fb", "%2F", "%2E%2E", "..%2F" + VICTIM, "%2E%2E%2F" + VICTIM, "a%00b",
                "%00", "%5C..%5C" + VICTIM)) {
            String path = "/kv/" + key;
            byte[] value = ("value of " + key).getBytes(StandardCharsets.UTF_8);
            RawHttp.Response put = raw("PUT " + path + " HTTP/1.1", value);
            if (put.status() == 200) {
                RawHttp.Response get = raw("GET " + path + " HTTP/1.1");
                assertThat(get.status()).as("GET " + path + " after it was stored").isEqualTo(200);
                assertThat(get.body()).as("GET " + path).isEqualTo(value);
            } else {
                assertProblem(put, "PUT " + path);
            }
        }
    }

    /** Regression: Tomcat refused the async dispatch of such a path, so the answer came only after 60 s. */
    @Test
    void keyWithEncodedDotSegmentsAboveTheRootIsAnsweredWithoutHanging() throws IOException {
        for (String key : List.of("..%2F..%2F" + VICTIM, "..%2F..%2F..%2F..%2Fetc%2Fpasswd", "%2E%2E%2F%2E%2E%2Fx")) {
            String path = "/kv/" + key;
            byte[] value = ("value of " + key).getBytes(StandardCharsets.UTF_8);
            RawHttp.Response put = raw("PUT " + path + " HTTP/1.1", value); // times out (fails) if unanswered
            if (put.status() == 200) {
                RawHttp.Response get = raw("GET " + path + " HTTP/1.1");
                assertThat(get.status()).as("GET " + path).isEqualTo(200);
                assertThat(get.body()).as("GET " + path).isEqualTo(value);
            } else {
                assertProblem(put, "PUT " + path);
            }
            RawHttp.Response delete = raw("DELETE " + path + " HTTP/1.1");
            assertThat(delete.status()).as("DELETE " + path).isLessThan(500);
        }
    }

    @Test
    void rawDotSegmentsDoNotReachAnotherKey() throws IOException {
        for (String path : List.of("/kv/../" + VICTIM, "/kv/./../kv2/" + VICTIM, "/kv/..", "/kv/.", "/kv/./x")) {
            byte[] value = ("dots " + path).getBytes(StandardCharsets.UTF_8);
            RawHttp.Response put = raw("PUT " + path + " HTTP/1.1", value);
            if (put.status() == 200) { // then the path named some key, and GET of the same path finds it
                RawHttp.Response get = raw("GET " + path + " HTTP/1.1");
                assertThat(get.body()).as("GET " + path + " after it was stored").isEqualTo(value);
            } else {
                assertProblem(put, "PUT " + path);
            }
        }
    }

    @Test
    void invalidUtf8AndMalformedEscapesAreRejected() throws IOException {
        for (String key : List.of("%FF", "%C3%28", "%ED%A0%80", "%F8%88%80%80%80", "%C0%AF", "a%E2%82", "%ZZ", "%",
                "abc%4", "%%41")) {
            for (String method : List.of("PUT", "GET", "DELETE", "OPTIONS", "POST", "FOO")) {
                String request = method + " /kv/" + key;
                assertProblem(raw(request + " HTTP/1.1", "x".getBytes(StandardCharsets.UTF_8)), request);
            }
        }
    }

    /** Regression: a malformed escape after a raw ';' (Tomcat's path-parameter separator) was a 500. */
    @Test
    void keyWithASemicolonAndAMalformedEscapeIsRejectedNotAServerError() throws IOException {
        for (String key : List.of("b;%ZZ", "b;x%%F9", "a;b%", "a;%G1=2")) {
            for (String method : List.of("PUT", "GET", "DELETE", "OPTIONS", "FOO")) {
                String request = method + " /kv/" + key;
                assertProblem(raw(request + " HTTP/1.1", "x".getBytes(StandardCharsets.UTF_8)), request);
            }
        }
    }

    @Test
    void nulAndControlBytesInTheRequestLineAreRejected() throws IOException {
        for (String path : List.of("/kv/a\0b", "/kv/a\u0001b", "/kv/a\u007Fb", "/kv/a b")) {
            RawHttp.Response put = raw("PUT " + path + " HTTP/1.1", "x".getBytes(StandardCharsets.UTF_8));
            assertProblem(put, "PUT with a raw control byte or space in the path");
        }
    }

    @Test
    void longQueryStringsAreIgnoredWhenTheyFitAndRejectedWhenTheyDoNot() throws IOException {
        String fits = "/kv/longquery?w=1&pad=" + "a".repeat(4000);
        assertStored(fits, "long query".getBytes(StandardCharsets.UTF_8));
        for (int length : new int[] {9_000, 70_000}) {
            String path = "/kv/" + VICTIM + "?pad=" + "a".repeat(length);
            RawHttp.Response put = raw("PUT " + path + " HTTP/1.1", "too long".getBytes(StandardCharsets.UTF_8));
            assertProblem(put, "PUT with a " + length + "-byte query");
        }
    }

    @Test
    void valuesAtTheLimitAreStoredAndLargerOnesRejected() throws IOException {
        byte[] atLimit = randomBytes(MAX_VALUE_BYTES, 1);
        assertStored("/kv/big", atLimit);
        byte[] above = randomBytes(MAX_VALUE_BYTES + 1, 2);
        RawHttp.Response put = raw("PUT /kv/big HTTP/1.1\r\nContent-Type: application/octet-stream", above);
        assertThat(put.status()).as("PUT one byte above the limit").isEqualTo(413);
        assertProblem(put, "PUT above the limit");
        RawHttp.Response chunked = RawHttp.exchangeChunked(node.port(1), "PUT /kv/big HTTP/1.1", above, 64 * 1024);
        assertThat(chunked.status()).as("chunked PUT above the limit").isEqualTo(413);
        assertProblem(chunked, "chunked PUT above the limit");
        assertProblem(raw("PUT /kv/" + VICTIM + " HTTP/1.1", above), "PUT victim above the limit");
        RawHttp.Response chunkedAtLimit = RawHttp.exchangeChunked(node.port(1), "PUT /kv/big-chunked HTTP/1.1", atLimit, 7 * 1024);
        assertThat(chunkedAtLimit.status()).as("chunked PUT at the limit, in 7 KiB chunks").isEqualTo(200);
        assertThat(raw("GET /kv/big-chunked HTTP/1.1").body()).as("the chunked value, byte for byte").isEqualTo(atLimit);
        RawHttp.Response get = raw("GET /kv/big HTTP/1.1");
        assertThat(get.status()).isEqualTo(200);
        assertThat(get.body()).as("the value at the limit survives rejected larger ones").isEqualTo(atLimit);
    }

    @Test
    void anyContentTypeOrNoneIsStoredByteForByte() throws IOException {
        byte[] body = "a=b&c=%ZZ&{not json}\0\u00ff".getBytes(StandardCharsets.ISO_8859_1);
        List<String> headers = List.of("", "\r\nContent-Type: application/x-www-form-urlencoded",
                "\r\nContent-Type: application/json",
                "\r\nContent-Type: application/xml");
        for (int i = 0; i < headers.size(); i++) {
            RawHttp.Response put = raw("PUT /kv/ctype" + i + " HTTP/1.1" + headers.get(i), body);
            assertThat(put.status()).as("PUT with" + headers.get(i).replace("\r\n", " ")).isEqualTo(200);
            RawHttp.Response get = raw("GET /kv/ctype" + i + " HTTP/1.1");
            assertThat(get.status()).isEqualTo(200);
            assertThat(get.body()).as("stored byte for byte with" + headers.get(i).replace("\r\n", " ")).isEqualTo(body);
        }
        for (String contentType : List.of("garbage", "/", "text/", ";;;", "a/b; c", "text/plain; charset=no-such")) {
            RawHttp.Response put = raw("PUT /kv/odd-ctype HTTP/1.1\r\nContent-Type: " + contentType, body);
            if (put.status() != 200) {
                assertProblem(put, "PUT with Content-Type " + contentType);
            }
        }
    }

    /** Regression: Spring's multipart resolver parsed such a PUT and the node stored an empty value. */
    @Test
    void putWithMultipartContentTypeStoresTheBodyByteForByte() throws IOException {
        byte[] body = "--xyz\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nhello\r\n--xyz--\r\n"
                .getBytes(StandardCharsets.UTF_8);
        assertStored("/kv/multipart", body, "multipart/form-data; boundary=xyz");
        assertStored("/kv/multipart-mixed", body, "multipart/mixed; boundary=xyz");
    }

    /** Regression: a multipart Content-Type without a boundary made the node answer 500. */
    @Test
    void putWithMultipartContentTypeWithoutBoundaryIsNotAServerError() throws IOException {
        byte[] body = "not multipart at all".getBytes(StandardCharsets.UTF_8);
        for (String contentType : List.of("multipart/form-data", "multipart/mixed")) {
            RawHttp.Response put = raw("PUT /kv/" + VICTIM + " HTTP/1.1\r\nContent-Type: " + contentType, body);
            if (put.status() == 200) {
                RawHttp.Response get = raw("GET /kv/" + VICTIM + " HTTP/1.1");
                assertThat(get.body()).as("stored byte for byte with " + contentType).isEqualTo(body);
                storeVictim(); // a legitimate write: put the victim back for victimIsUnchanged()
            } else {
                assertProblem(put, "PUT with Content-Type " + contentType);
            }
        }
    }

    @Test
    void badQuorumParametersAreRejected() throws IOException {
        for (String value : List.of("0", "-1", "2", "4", "abc", "", "1.5", "99999999999999999999", "%00", "0x1", "1e0")) {
            assertProblem(raw("PUT /kv/" + VICTIM + "?w=" + value + " HTTP/1.1", "bad w".getBytes(StandardCharsets.UTF_8)),
                    "PUT ?w=" + value);
            assertProblem(raw("DELETE /kv/" + VICTIM + "?w=" + value + " HTTP/1.1"), "DELETE ?w=" + value);
            assertProblem(raw("GET /kv/" + VICTIM + "?r=" + value + " HTTP/1.1"), "GET ?r=" + value);
        }
    }

    @Test
    void malformedOrFarFutureContextIsRejected() throws IOException {
        long farFuture = System.currentTimeMillis() + 3_600_000L;
        for (String context : List.of("garbage", "1.2", "-1.0.n1", "1.-1.n1", "1.0.", "1.0.n 1", "1.0.n/1", "..",
                "1234567890123456.0.n1", "1.9999999999.n1", farFuture + ".0.n1", "999999999999999.0.n1")) {
            assertProblem(raw("PUT /kv/" + VICTIM + " HTTP/1.1\r\nX-Context: " + context,
                    "bad context".getBytes(StandardCharsets.UTF_8)), "PUT with X-Context " + context);
            assertProblem(raw("DELETE /kv/" + VICTIM + " HTTP/1.1\r\nX-Context: " + context),
                    "DELETE with X-Context " + context);
        }
    }

    /** Regression: the container refuses a whole query string with one bad part; that was a 500 once. */
    @Test
    void malformedQueryStringsAreRejectedAndChangeNothing() throws IOException {
        for (String query : List.of("x=%ZZ", "w=1&x=%G0", "=&w", "w=2&=", "r=%")) {
            for (String method : List.of("PUT", "DELETE", "GET", "HEAD")) {
                String request = method + " /kv/" + VICTIM + "?" + query;
                RawHttp.Response response = RawHttp.exchange(node.port(1), request + " HTTP/1.1",
                        "overwritten?".getBytes(StandardCharsets.UTF_8), method.equals("HEAD"));
                if (method.equals("HEAD")) {
                    assertThat(response.status()).as(request).isEqualTo(400);
                }
                else {
                    assertProblem(response, request);
                }
            }
        }
    }

    @Test
    void unknownAndUnsupportedMethodsAreRejected() throws IOException {
        for (String method : List.of("POST", "PATCH", "FOO", "PROPFIND", "MKCOL", "TRACE")) {
            RawHttp.Response response = raw(method + " /kv/" + VICTIM + " HTTP/1.1", "x".getBytes(StandardCharsets.UTF_8));
            assertProblem(response, method + " /kv/" + VICTIM);
        }
    }

    @Test
    void randomRequestsNeverCauseServerErrors() throws IOException {
        Random random = new Random(20251123);
        String[] methods = {"GET", "PUT", "DELETE", "POST", "PATCH", "HEAD", "OPTIONS", "FOO"};
        String[] contentTypes = {"", "text/plain", "application/json", "application/x-www-form-urlencoded",
                "multipart/form-data", "application/octet-stream", "garbage/;", "*/*"};
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String method = methods[random.nextInt(methods.length)];
            String path = "/kv/" + randomKey(random) + randomQuery(random);
            StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1");
            String contentType = contentTypes[random.nextInt(contentTypes.length)];
            if (!contentType.isEmpty()) {
                head.append("\r\nContent-Type: ").append(contentType);
            }
            if (random.nextInt(4) == 0) {
                head.append("\r\nX-Context: ").append(randomContext(random));
            }
            byte[] body = method.equals("GET") || method.equals("HEAD") ? new byte[0] : randomBytes(random.nextInt(2048), i);
            String request = head.toString().replace("\r\n", " | ");
            RawHttp.Response response = RawHttp.exchange(node.port(1), head.toString(), body, method.equals("HEAD"));
            if (response.status() >= 500) {
                failures.add(response.status() + " for " + request);
            } else if (response.status() >= 400 && !method.equals("HEAD")
                    && !String.valueOf(response.header("content-type")).startsWith("application/problem+json")) {
                failures.add(response.status() + " as " + response.header("content-type") + " for " + request);
            }
        }
        assertThat(failures).as("random requests answered with a 5xx or a 4xx that is not problem+json").isEmpty();
    }

    /** Random keys: printable, reserved and escaped bytes, invalid escapes, lengths near the limit. */
    private static String randomKey(Random random) {
        int length = switch (random.nextInt(5)) {
            case 0 -> random.nextInt(3);
            case 1 -> 510 + random.nextInt(5);
            default -> 1 + random.nextInt(40);
        };
        String alphabet = "abcXYZ019-_.~!$&'()*+,;=:@";
        StringBuilder key = new StringBuilder();
        for (int i = 0; i < length; i++) {
            switch (random.nextInt(6)) {
                case 0 -> key.append(String.format("%%%02X", random.nextInt(256)));
                case 1 -> key.append(random.nextBoolean() ? "%" : "%G");
                default -> key.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
        }
        String result = key.toString();
        return result.equals(VICTIM) ? "not-" + result : result;
    }

    private static String randomQuery(Random random) {
        String[] parts = {"w=1", "r=1", "w=0", "r=9", "w=x", "r=", "w", "=", "&&", "w=1&w=2", "x=%ZZ", "a=" + "q".repeat(300)};
        StringBuilder query = new StringBuilder();
        for (int i = random.nextInt(4); i > 0; i--) {
            query.append(query.isEmpty() ? "?" : "&").append(parts[random.nextInt(parts.length)]);
        }
        return query.toString();
    }

    private static String randomContext(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> Long.toString(random.nextLong());
            case 1 -> random.nextInt(1000) + "." + random.nextInt(10) + ".n1";
            case 2 -> "9999999999999.0.n1";
            default -> "%%..";
        };
    }

    private static void assertStored(String path, byte[] value) throws IOException {
        assertStored(path, value, "application/octet-stream");
    }

    private static void assertStored(String path, byte[] value, String contentType) throws IOException {
        RawHttp.Response put = raw("PUT " + path + " HTTP/1.1\r\nContent-Type: " + contentType, value);
        assertThat(put.status()).as("PUT " + abbreviate(path)).isEqualTo(200);
        RawHttp.Response get = raw("GET " + path + " HTTP/1.1");
        assertThat(get.status()).as("GET " + abbreviate(path)).isEqualTo(200);
        assertThat(get.body()).as("GET " + abbreviate(path) + " returns the stored bytes").isEqualTo(value);
    }

    static void assertProblem(RawHttp.Response response, String request) {
        String what = abbreviate(request);
        assertThat(response.status()).as(what + " answers a 4xx").isBetween(400, 499);
        assertThat(response.header("content-type")).as(what + " answers problem+json")
                .startsWith("application/problem+json");
        String title = JsonPath.read(response.bodyText(), "$.title");
        assertThat(title).as(what + " has a title").isNotBlank();
    }

    private static String abbreviate(String text) {
        return text.length() <= 160 ? text : text.substring(0, 150) + "...(" + text.length() + " chars)";
    }

    private static RawHttp.Response raw(String head, byte[] body) throws IOException {
        return RawHttp.exchange(node.port(1), head, body);
    }

    private static RawHttp.Response raw(String head) throws IOException {
        return RawHttp.exchange(node.port(1), head);
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
