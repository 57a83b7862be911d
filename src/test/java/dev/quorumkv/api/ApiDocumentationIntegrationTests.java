package dev.quorumkv.api;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import dev.quorumkv.support.TestCluster;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.MediaType;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The OpenAPI document a real node serves at {@code /v3/api-docs}, held against the node itself: it is the
 * hand-written file, every documented path and method answers a real request, and every answer those
 * requests get (status, Content-Type, required headers, JSON members) is one the document describes. A
 * path the document lacks, a status or Content-Type it does not list, a member it does not describe, or a
 * documented operation no request here exercises, fails.
 */
class ApiDocumentationIntegrationTests {

    private static final int MAX_VALUE_BYTES = 1024;
    private static final String KV = "/kv/{key}";
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    private static final JsonMapper JSON = JsonMapper.shared();

    @TempDir
    static Path data;

    static TestCluster cluster;

    static JsonNode document;

    @BeforeAll
    static void startNode() {
        cluster = TestCluster.start(data, 1, "--quorumkv.max-value-bytes=" + MAX_VALUE_BYTES + "B");
        HttpResponse<String> docs = cluster.get(1, "/v3/api-docs");
        assertThat(docs.statusCode()).as("GET /v3/api-docs").isEqualTo(200);
        document = JSON.readTree(docs.body());
    }

    @AfterAll
    static void stopNode() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void theServedDocumentIsTheHandWrittenFileWithNothingIntrospectedAdded() throws IOException {
        JsonNode written;
        try (InputStream in = new ClassPathResource(ApiDocumentation.LOCATION).getInputStream()) {
            written = JSON.valueToTree(new Yaml().load(in));
        }
        assertThat(differences("", written, document)).as("served /v3/api-docs against " + ApiDocumentation.LOCATION).isEmpty();
    }

    @Test
    void everyDocumentedOperationAnswersARealRequestAndEveryAnswerIsDocumented() {
        List<Exchange> exchanges = exerciseEveryOperation();
        SoftAssertions softly = new SoftAssertions();
        for (Exchange exchange : exchanges) {
            JsonNode operation = document.path("paths").path(exchange.path()).path(exchange.method());
            if (operation.isMissingNode()) {
                softly.fail("%s: the document has no %s %s", exchange, exchange.method().toUpperCase(), exchange.path());
                continue;
            }
            JsonNode responses = operation.path("responses");
            JsonNode response = responses.path(Integer.toString(exchange.status()));
            if (response.isMissingNode()) {
                softly.fail("%s: status %d is not documented (documented: %s)", exchange, exchange.status(), responses.propertyNames());
                continue;
            }
            checkHeaders(softly, exchange, resolve(response));
            checkContent(softly, exchange, resolve(response));
        }
        Set<String> exercised = exchanges.stream().map(Exchange::operation).collect(Collectors.toCollection(TreeSet::new));
        softly.assertThat(exercised).as("operations a real request exercised here, against the documented ones")
                .containsAll(documentedOperations());
        softly.assertAll();
    }

    @Test
    void aWriteAnswersWithExactlyTheDocumentedMembers() {
        Exchange put = send(KV, put("/kv/exact-members", "text/plain", "v".getBytes(StandardCharsets.UTF_8)));
        assertThat(put.status()).as(put.toString()).isEqualTo(200);
        Members documented = members(document.at("/components/schemas/WriteResponse"), JSON.createObjectNode());

        assertThat(documented.required()).as("WriteResponse: every property required").isEqualTo(documented.properties());
        assertThat(names(JSON.readTree(put.body()))).as(put + ": members").isEqualTo(documented.required());

        Exchange sloppy = send(KV, put("/kv/exact-members?sloppy=true", "text/plain", "v".getBytes(StandardCharsets.UTF_8)));
        JsonNode sloppyBody = JSON.readTree(sloppy.body());
        Members documentedSloppy = members(document.at("/components/schemas/WriteResponse"), sloppyBody);
        assertThat(documentedSloppy.required()).as("WriteResponse with sloppy: every property required")
                .isEqualTo(documentedSloppy.properties()).contains("sloppy", "hinted");
        assertThat(names(sloppyBody)).as(sloppy + ": members").isEqualTo(documentedSloppy.required());
    }

    @Test
    void problemsCarryTheDocumentedMembers() {
        Members problem = members(document.at("/components/schemas/Problem"), JSON.createObjectNode());
        assertThat(problem.properties()).as("Problem: RFC 9457's members")
                .containsExactlyInAnyOrder("type", "title", "status", "detail", "instance");

        for (Exchange exchange : List.of(send(KV, get("/kv/never-written")), send(KV, get("/kv/any?r=0")))) {
            JsonNode response = operationResponse(exchange);
            assertThat(response.isMissingNode()).as(exchange + ": documented").isFalse();
            JsonNode schema = resolve(response).at("/content/application~1problem+json/schema");
            Members documented = members(schema, JSON.createObjectNode());
            JsonNode body = JSON.readTree(exchange.body());

            assertThat(names(body)).as(exchange + ": members").containsAll(documented.required())
                    .containsAll(problem.properties()).isSubsetOf(documented.properties());
            assertThat(body.path("status").asInt()).as(exchange + ": status member").isEqualTo(exchange.status());
        }
    }

    @Test
    void swaggerUiShowsTheDocument() {
        Exchange ui = send("", get("/swagger-ui/index.html"));
        assertThat(ui.status()).as(ui.toString()).isEqualTo(200);
        assertThat(ui.contentType()).as(ui + ": Content-Type").startsWith("text/html");
        assertThat(send("", get("/swagger-ui.html")).response().headers().firstValue("Location"))
                .as("/swagger-ui.html redirects to the UI").hasValueSatisfying(location -> assertThat(location).endsWith("/swagger-ui/index.html"));
        JsonNode config = JSON.readTree(cluster.get(1, "/v3/api-docs/swagger-config").body());
        assertThat(config.path("url").asString()).as("the document Swagger UI loads").isEqualTo("/v3/api-docs");
    }

    @Test
    void infoShowsTheBuildVersionTheDocumentCarriesAndTheGitCommit() throws IOException {
        JsonNode info = JSON.readTree(cluster.get(1, "/actuator/info").body());
        String buildVersion = text(info.at("/build/version"));
        assertThat(buildVersion).as("build.version in /actuator/info").isNotBlank();
        assertThat(text(document.at("/info/version"))).as("info.version of the document: the project's version")
                .isEqualTo(buildVersion);

        assumeTrue(builtInAGitCheckout(), "built without a .git directory, so without git.properties");
        ClassPathResource gitProperties = new ClassPathResource("git.properties");
        assertThat(gitProperties.exists()).as("git.properties on the class path of a build in a git checkout").isTrue();
        Properties git = new Properties();
        try (InputStream in = gitProperties.getInputStream()) {
            git.load(in);
        }
        assertThat(text(info.at("/git/commit/id"))).as("git.commit.id in /actuator/info")
                .isNotBlank().isEqualTo(git.getProperty("git.commit.id.abbrev"));
    }

    /** One request per documented answer that one healthy node can give; keep one per operation at least. */
    private static List<Exchange> exerciseEveryOperation() {
        byte[] hello = "hello".getBytes(StandardCharsets.UTF_8);
        List<Exchange> exchanges = new ArrayList<>();
        exchanges.add(send(KV, put("/kv/documented", "text/plain", hello)));
        exchanges.add(send(KV, put("/kv/documented?w=0", "text/plain", hello)));
        exchanges.add(send(KV, put("/kv/documented?sloppy=true", "text/plain", hello)));
        exchanges.add(send(KV, put("/kv/documented?sloppy=maybe", "text/plain", hello)));
        exchanges.add(send(KV, put("/kv/too-large", "application/octet-stream", new byte[MAX_VALUE_BYTES + 1])));
        Exchange read = send(KV, get("/kv/documented"));
        exchanges.add(read);
        exchanges.add(send(KV, get("/kv/never-written")));
        exchanges.add(send(KV, get("/kv/documented?r=abc")));
        exchanges.add(send(KV, request("/kv/documented").method("HEAD", HttpRequest.BodyPublishers.noBody())));
        exchanges.add(send(KV, request("/kv/never-written").method("HEAD", HttpRequest.BodyPublishers.noBody())));
        exchanges.add(send(KV, request("/kv/documented").method("OPTIONS", HttpRequest.BodyPublishers.noBody())));
        exchanges.add(send(KV, put("/kv/deleted", "text/plain", hello)));
        exchanges.add(send(KV, request("/kv/deleted").DELETE()));
        exchanges.add(send(KV, get("/kv/deleted")));
        for (String path : List.of("/actuator/health", "/livez", "/readyz", "/actuator/info", "/actuator/prometheus")) {
            exchanges.add(send(path, get(path)));
        }
        assertThat(read.contentType()).as(read + ": the Content-Type the value was written with").isEqualTo("text/plain");
        return exchanges;
    }

    private static void checkHeaders(SoftAssertions softly, Exchange exchange, JsonNode response) {
        for (var documented : response.path("headers").properties()) {
            JsonNode header = resolve(documented.getValue());
            Optional<String> value = exchange.response().headers().firstValue(documented.getKey());
            if (header.path("required").isBoolean() && header.path("required").booleanValue()) {
                softly.assertThat(value).as("%s: required header %s", exchange, documented.getKey()).isPresent();
            }
            JsonNode schema = resolve(header.path("schema"));
            value.ifPresent(actual -> {
                if (schema.path("pattern").isString()) {
                    softly.assertThat(actual).as("%s: header %s", exchange, documented.getKey()).matches(schema.path("pattern").stringValue());
                }
                if (schema.path("const").isString()) {
                    softly.assertThat(actual).as("%s: header %s", exchange, documented.getKey()).isEqualTo(schema.path("const").stringValue());
                }
            });
        }
    }

    /** A documented body: a listed Content-Type and, for JSON, the required members and no undocumented one. */
    private static void checkContent(SoftAssertions softly, Exchange exchange, JsonNode response) {
        JsonNode content = response.path("content");
        if (content.isEmpty()) {
            softly.assertThat(exchange.body()).as("%s: documented without a body", exchange).isEmpty();
            return;
        }
        if (exchange.contentType() == null) {
            softly.fail("%s: no Content-Type; documented: %s", exchange, content.propertyNames());
            return;
        }
        MediaType actual = MediaType.parseMediaType(exchange.contentType());
        MediaType withoutParameters = new MediaType(actual.getType(), actual.getSubtype());
        Optional<String> listed = content.propertyNames().stream()
                .filter(type -> MediaType.parseMediaType(type).includes(withoutParameters)).findFirst();
        if (listed.isEmpty()) {
            softly.fail("%s: Content-Type %s is not documented (documented: %s)", exchange, actual, content.propertyNames());
            return;
        }
        boolean json = actual.getSubtype().equals("json") || actual.getSubtype().endsWith("+json");
        if (json && exchange.body().length > 0) {
            JsonNode body = JSON.readTree(exchange.body());
            Members documented = members(content.path(listed.get()).path("schema"), body);
            if (!documented.properties().isEmpty()) {
                softly.assertThat(names(body)).as("%s: members", exchange)
                        .containsAll(documented.required()).isSubsetOf(documented.properties());
            }
        }
    }

    /** Properties and required members of an object schema, along $ref and allOf, and the anyOf branch the body fits. */
    private static Members members(JsonNode schemaOrRef, JsonNode body) {
        JsonNode schema = resolve(schemaOrRef);
        Set<String> properties = new TreeSet<>(schema.path("properties").propertyNames());
        Set<String> required = new TreeSet<>(strings(schema.path("required")));
        for (JsonNode part : schema.path("allOf").values()) {
            Members members = members(part, body);
            properties.addAll(members.properties());
            required.addAll(members.required());
        }
        schema.path("anyOf").values().stream().map(branch -> members(branch, body))
                .filter(branch -> names(body).containsAll(branch.required())).findFirst()
                .ifPresent(branch -> {
                    properties.addAll(branch.properties());
                    required.addAll(branch.required());
                });
        return new Members(properties, required);
    }

    private static JsonNode operationResponse(Exchange exchange) {
        return document.path("paths").path(exchange.path()).path(exchange.method()).path("responses")
                .path(Integer.toString(exchange.status()));
    }

    private static Set<String> documentedOperations() {
        Set<String> operations = new TreeSet<>();
        for (var path : document.path("paths").properties()) {
            path.getValue().propertyNames().stream().filter(METHODS::contains)
                    .forEach(method -> operations.add(method.toUpperCase() + " " + path.getKey()));
        }
        return operations;
    }

    /** Follows local references ({@code #/components/...}) to what they name. */
    private static JsonNode resolve(JsonNode node) {
        JsonNode resolved = node;
        while (resolved.path("$ref").isString()) {
            String ref = resolved.path("$ref").stringValue();
            assertThat(ref).as("a local reference").startsWith("#/");
            resolved = document.at(ref.substring(1));
            assertThat(resolved.isMissingNode()).as("%s resolves", ref).isFalse();
        }
        return resolved;
    }

    /** Where the served document differs from the written one; {@code required} is a set, so its order is not compared. */
    private static List<String> differences(String at, JsonNode written, JsonNode served) {
        List<String> found = new ArrayList<>();
        if (written.isObject() && served.isObject()) {
            Set<String> names = new TreeSet<>(written.propertyNames());
            names.addAll(served.propertyNames());
            for (String name : names) {
                String where = at + "/" + name;
                if (!served.has(name)) {
                    found.add(where + ": written, not served");
                }
                else if (!written.has(name)) {
                    found.add(where + ": served, not written: " + served.get(name));
                }
                else if (name.equals("required") && written.get(name).isArray() && served.get(name).isArray()) {
                    if (!new TreeSet<>(strings(written.get(name))).equals(new TreeSet<>(strings(served.get(name))))) {
                        found.add(where + ": written " + written.get(name) + ", served " + served.get(name));
                    }
                }
                else {
                    found.addAll(differences(where, written.get(name), served.get(name)));
                }
            }
        }
        else if (written.isArray() && served.isArray() && written.size() == served.size()) {
            for (int i = 0; i < written.size(); i++) {
                found.addAll(differences(at + "/" + i, written.get(i), served.get(i)));
            }
        }
        else if (!written.equals(served)) {
            found.add(at + ": written " + written + ", served " + served);
        }
        return found;
    }

    private static boolean builtInAGitCheckout() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve(".git"))) {
                return true;
            }
        }
        return false;
    }

    private static Set<String> names(JsonNode object) {
        return new TreeSet<>(object.propertyNames());
    }

    private static List<String> strings(JsonNode array) {
        return array.values().stream().map(JsonNode::stringValue).toList();
    }

    private static String text(JsonNode node) {
        return node.isString() ? node.stringValue() : null;
    }

    private static HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create(cluster.url(1) + pathAndQuery));
    }

    private static HttpRequest.Builder get(String pathAndQuery) {
        return request(pathAndQuery).GET();
    }

    private static HttpRequest.Builder put(String pathAndQuery, String contentType, byte[] body) {
        return request(pathAndQuery).header("Content-Type", contentType).PUT(HttpRequest.BodyPublishers.ofByteArray(body));
    }

    /** {@code path} is the document's path template the request is an instance of. */
    private static Exchange send(String path, HttpRequest.Builder request) {
        HttpRequest built = request.build();
        return new Exchange(path, built.method().toLowerCase(), cluster.sendForBytes(built));
    }

    private record Exchange(String path, String method, HttpResponse<byte[]> response) {

        int status() {
            return response.statusCode();
        }

        byte[] body() {
            return response.body();
        }

        String contentType() {
            return response.headers().firstValue("Content-Type").orElse(null);
        }

        String operation() {
            return method.toUpperCase() + " " + path;
        }

        @Override
        public String toString() {
            return method.toUpperCase() + " " + response.uri().getRawPath()
                    + (response.uri().getRawQuery() == null ? "" : "?" + response.uri().getRawQuery()) + " -> " + status();
        }
    }

    private record Members(Set<String> properties, Set<String> required) {
    }
}
