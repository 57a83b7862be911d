package dev.quorumkv.api;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import dev.quorumkv.InvalidInputException;
import dev.quorumkv.QuorumKvProperties;
import dev.quorumkv.api.AdmissionControl.Reservation;
import dev.quorumkv.api.RequestBodies.BodyInterruptedException;
import dev.quorumkv.coordinator.CoordinatorMetrics;
import dev.quorumkv.coordinator.Operation;
import dev.quorumkv.coordinator.QuorumReadService;
import dev.quorumkv.coordinator.QuorumReadService.ReadResult;
import dev.quorumkv.coordinator.QuorumWriteService;
import dev.quorumkv.coordinator.QuorumWriteService.WriteResult;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.version.Version;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

/**
 * The client API, {@code /kv/{key}}, entered by its raw path ({@link KvRawPathFilter}). Whichever node a
 * request reaches coordinates it; answers are asynchronous (no request thread waits for replicas) and
 * written by {@link AsyncResponder}, errors included, as RFC 9457 problems. Everything in the request is
 * validated before anything is stamped or sent, so bad input never changes stored data; each refusal is
 * counted as an {@code invalid} read or write where it is found. Then the request reserves the bytes it will
 * hold, before its body is read ({@link ClientAdmission}), or is refused as {@code overloaded}.
 */
@Component
class KvEndpoint {

    static final String X_VERSION = "X-Version";
    static final String X_QUORUM_ACKS = "X-Quorum-Acks";
    static final String X_CONTEXT = "X-Context";
    static final String PREFIX = "/kv/";
    private static final String ALLOWED = "GET, HEAD, PUT, DELETE, OPTIONS";
    private static final int MAX_CONTENT_TYPE_LENGTH = 1024;

    private final QuorumWriteService writes;
    private final QuorumReadService reads;
    private final CoordinatorMetrics metrics;
    private final AsyncResponder responder;
    private final long maxValueBytes;
    private final ClientAdmission admission;

    KvEndpoint(QuorumWriteService writes, QuorumReadService reads, CoordinatorMetrics metrics, AsyncResponder responder,
            QuorumKvProperties properties, ClientAdmission admission) {
        this.writes = writes;
        this.reads = reads;
        this.metrics = metrics;
        this.responder = responder;
        this.maxValueBytes = properties.maxValueBytes().toBytes();
        this.admission = admission;
    }

    /** Any request whose raw path is {@code /kv} or starts with {@code /kv/}. */
    void serve(HttpServletRequest request, HttpServletResponse response) {
        switch (request.getMethod()) {
            case "PUT" -> responder.answer(request, response, () -> put(request), KvEndpoint::written);
            case "DELETE" -> responder.answer(request, response, () -> delete(request), KvEndpoint::written);
            case "GET", "HEAD" -> responder.answer(request, response, () -> get(request), KvEndpoint::found);
            case "OPTIONS" -> responder.answer(request, response, () -> {
                key(request);
                return CompletableFuture.completedFuture(null);
            }, ignored -> ResponseEntity.ok().header(HttpHeaders.ALLOW, ALLOWED).build());
            default -> responder.answer(request, response, () -> CompletableFuture.completedFuture(null),
                    ignored -> methodNotAllowed(request));
        }
    }

    /** Everything in the headers is checked before the body is read, and the body before anything is stamped. */
    private CompletableFuture<WriteResult> put(HttpServletRequest request) {
        record Put(String key, Integer w, boolean sloppy, Version context, String contentType) {
        }
        Put put = validated(Operation.WRITE, () -> new Put(key(request), quorum(request, "w"), sloppy(request),
                context(request.getHeader(X_CONTEXT)), contentType(request.getContentType())));
        CompletableFuture<Void> valueReleased = new CompletableFuture<>();
        Reservation reserved = admission.put(request, put.w(), valueReleased);
        Runnable release = () -> valueReleased.complete(null);
        return RequestBodies.readAsync(request, maxValueBytes, admission.bodyGrowth(reserved, put.w()))
                .whenComplete((body, failure) -> {
                    if (failure != null) {
                        release.run();
                    }
                    if (failure instanceof InvalidInputException || failure instanceof BodyInterruptedException) {
                        metrics.invalid(Operation.WRITE); // too large, unreadable, or cut off mid-way
                    }
                })
                .thenCompose(value -> {
                    admission.bodyRead(reserved, value.length);
                    try {
                        return writes.put(put.key(), put.contentType(), value, put.w(), put.sloppy(), put.context(), release);
                    }
                    catch (RuntimeException ex) {
                        release.run();
                        throw ex;
                    }
                });
    }

    private CompletableFuture<WriteResult> delete(HttpServletRequest request) {
        record Delete(String key, Integer w, boolean sloppy, Version context) {
        }
        Delete delete = validated(Operation.WRITE,
                () -> new Delete(key(request), quorum(request, "w"), sloppy(request), context(request.getHeader(X_CONTEXT))));
        admission.delete(request, delete.w());
        return writes.delete(delete.key(), delete.w(), delete.sloppy(), delete.context());
    }

    private CompletableFuture<ReadResult> get(HttpServletRequest request) {
        record Get(String key, Integer r) {
        }
        Get get = validated(Operation.READ, () -> new Get(key(request), quorum(request, "r")));
        return reads.get(get.key(), get.r(), admission.get(request, get.r()));
    }

    /** Parses what the request asks for; input it refuses is counted as an invalid read or write. */
    private <T> T validated(Operation operation, Supplier<T> parse) {
        try {
            return parse.get();
        }
        catch (InvalidInputException invalid) {
            metrics.invalid(operation);
            throw invalid;
        }
    }

    private static ResponseEntity<?> methodNotAllowed(HttpServletRequest request) {
        return ResponseEntity.status(HttpStatus.METHOD_NOT_ALLOWED).header(HttpHeaders.ALLOW, ALLOWED)
                .body(ProblemWriter.problem(HttpStatus.METHOD_NOT_ALLOWED, "Method Not Allowed",
                        "Method '" + request.getMethod() + "' is not supported on /kv/{key}: use " + ALLOWED + ".", null));
    }

    private static ResponseEntity<?> written(WriteResult result) {
        return ResponseEntity.ok()
                .header(X_VERSION, result.version().toString())
                .header(X_QUORUM_ACKS, Integer.toString(result.acks()))
                .body(WriteResponse.of(result));
    }

    private static ResponseEntity<?> found(ReadResult result) {
        if (!result.found()) {
            throw new KeyNotFoundException(result);
        }
        Versioned value = result.newest().orElseThrow();
        return ResponseEntity.ok()
                .contentType(responseContentType(value.contentType()))
                .header(X_VERSION, value.version().toString())
                .header(X_QUORUM_ACKS, Integer.toString(result.acks()))
                .body(value.value());
    }

    private static String key(HttpServletRequest request) {
        return KeyDecoder.fromRawPath(request.getRequestURI(), PREFIX);
    }

    /** The quorum the request asks for ({@code w} or {@code r}), or null for the configured one. */
    private static Integer quorum(HttpServletRequest request, String name) {
        String text = parameter(request, name);
        if (text == null) {
            return null;
        }
        try {
            return Integer.valueOf(text.strip());
        }
        catch (NumberFormatException ex) {
            throw new InvalidInputException("Invalid quorum", name + " must be a whole number between 1 and N");
        }
    }

    /** Whether a write asks for a sloppy quorum: {@code ?sloppy=true}; strict when absent or false. */
    private static boolean sloppy(HttpServletRequest request) {
        String text = parameter(request, "sloppy");
        if (text == null || text.strip().equalsIgnoreCase("false")) {
            return false;
        }
        if (text.strip().equalsIgnoreCase("true")) {
            return true;
        }
        throw new InvalidInputException("Invalid sloppy", "sloppy must be true (a sloppy quorum) or false (a strict one, the default)");
    }

    /** The container parses the whole query string at the first look and refuses all of it if any part is malformed. */
    private static String parameter(HttpServletRequest request, String name) {
        try {
            return request.getParameter(name);
        }
        catch (IllegalStateException ex) {
            throw new InvalidInputException("Invalid query string", "the query string could not be parsed: " + ex.getMessage());
        }
    }

    private static Version context(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Version.parse(text);
        }
        catch (IllegalArgumentException ex) {
            throw new InvalidInputException("Invalid X-Context",
                    "X-Context must be a version quorumkv returned (X-Version): " + ex.getMessage());
        }
    }

    /**
     * The Content-Type stored with the value, normalized ({@link MediaType#toString()}), so that GET sends back
     * a header that means what the client sent. Refused: a wildcard type or subtype (a media range for
     * Accept, which no answer can carry as its Content-Type), anything that does not parse, and a parameter
     * named twice or without a value, which the parser would silently drop.
     */
    private static String contentType(String header) {
        if (header == null || header.isBlank()) {
            return MediaType.APPLICATION_OCTET_STREAM_VALUE;
        }
        if (header.length() > MAX_CONTENT_TYPE_LENGTH) {
            throw new InvalidInputException("Invalid Content-Type",
                    "Content-Type is longer than " + MAX_CONTENT_TYPE_LENGTH + " characters");
        }
        MediaType type;
        try {
            type = MediaType.parseMediaType(header);
        }
        catch (InvalidMediaTypeException ex) {
            throw new InvalidInputException("Invalid Content-Type", "Content-Type is not a valid media type: " + ex.getMessage());
        }
        if (type.isWildcardType() || type.isWildcardSubtype()) {
            throw new InvalidInputException("Wildcard Content-Type", "Content-Type '" + header.strip()
                    + "' is a wildcard media range: a value needs a concrete media type, such as text/plain or "
                    + "application/octet-stream, which GET can send back");
        }
        checkParameters(header);
        return type.toString();
    }

    /** Each parameter once (names are case-insensitive) and as name=value; empty ones (";;") are allowed. */
    private static void checkParameters(String header) {
        Set<String> names = new HashSet<>();
        for (int start = header.indexOf(';'); start >= 0; ) {
            int end = endOfParameter(header, start + 1);
            String parameter = header.substring(start + 1, end).strip();
            if (!parameter.isEmpty()) {
                int equals = parameter.indexOf('=');
                if (equals < 0) {
                    throw new InvalidInputException("Invalid Content-Type",
                            "Content-Type parameter '" + parameter + "' has no value: parameters are name=value");
                }
                String name = parameter.substring(0, equals).strip().toLowerCase(Locale.ROOT);
                if (!names.add(name)) {
                    throw new InvalidInputException("Invalid Content-Type",
                            "Content-Type names the parameter '" + name + "' more than once");
                }
            }
            start = end < header.length() ? end : -1;
        }
    }

    /** Where the parameter starting at {@code from} ends: the next ';' outside quotes, split as Spring's parser does. */
    private static int endOfParameter(String header, int from) {
        boolean quoted = false;
        for (int i = from; i < header.length(); i++) {
            char c = header.charAt(i);
            if (quoted && c == '\\') {
                i++; // an escaped character inside a quoted string: \" does not end it
            }
            else if (c == '"') {
                quoted = !quoted;
            }
            else if (c == ';' && !quoted) {
                return i;
            }
        }
        return header.length();
    }

    /**
     * The stored Content-Type as the answer's header. A value stored before PUT refused wildcards (or by
     * an older node) is answered as application/octet-stream: its bytes are still readable.
     */
    private static MediaType responseContentType(String stored) {
        try {
            MediaType type = MediaType.parseMediaType(stored);
            if (!type.isWildcardType() && !type.isWildcardSubtype()) {
                return type;
            }
        }
        catch (InvalidMediaTypeException ex) {
            // answered as bytes below
        }
        return MediaType.APPLICATION_OCTET_STREAM;
    }
}
