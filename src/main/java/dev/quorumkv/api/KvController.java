package dev.quorumkv.api;

import dev.quorumkv.QuorumKvProperties;
import dev.quorumkv.coordinator.QuorumReadService;
import dev.quorumkv.coordinator.QuorumReadService.ReadResult;
import dev.quorumkv.coordinator.QuorumWriteService;
import dev.quorumkv.coordinator.QuorumWriteService.WriteResult;
import dev.quorumkv.storage.Keys.InvalidKeyException;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.system.RequestBodies;
import dev.quorumkv.version.Version;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The client API. Whichever node a request reaches coordinates it; answers are asynchronous (no request
 * thread waits for replicas) and written by {@link AsyncResponder}. Validation happens before anything is stamped or sent, so bad input never
 * changes stored data.
 */
@RestController
class KvController {

    static final String X_VERSION = "X-Version";
    static final String X_QUORUM_ACKS = "X-Quorum-Acks";
    static final String X_CONTEXT = "X-Context";
    private static final String PREFIX = "/kv/";

    private final QuorumWriteService writes;
    private final QuorumReadService reads;
    private final AsyncResponder responder;
    private final long maxValueBytes;

    KvController(QuorumWriteService writes, QuorumReadService reads, AsyncResponder responder, QuorumKvProperties properties) {
        this.writes = writes;
        this.reads = reads;
        this.responder = responder;
        this.maxValueBytes = properties.maxValueBytes().toBytes();
    }

    @PutMapping(PREFIX + "{key}")
    void put(HttpServletRequest request, HttpServletResponse response,
            @RequestParam(name = "w", required = false) String w,
            @RequestHeader(name = X_CONTEXT, required = false) String context) {
        String key = KeyDecoder.fromRawPath(request.getRequestURI(), PREFIX);
        Integer writeQuorum = quorumParameter("w", w);
        Version seen = context(context);
        String contentType = contentType(request.getContentType());
        byte[] value = RequestBodies.read(request, maxValueBytes);
        responder.answer(request, response, writes.put(key, contentType, value, writeQuorum, seen), KvController::written);
    }

    @DeleteMapping(PREFIX + "{key}")
    void delete(HttpServletRequest request, HttpServletResponse response,
            @RequestParam(name = "w", required = false) String w,
            @RequestHeader(name = X_CONTEXT, required = false) String context) {
        String key = KeyDecoder.fromRawPath(request.getRequestURI(), PREFIX);
        responder.answer(request, response, writes.delete(key, quorumParameter("w", w), context(context)), KvController::written);
    }

    @GetMapping(PREFIX + "{key}")
    void get(HttpServletRequest request, HttpServletResponse response,
            @RequestParam(name = "r", required = false) String r) {
        String key = KeyDecoder.fromRawPath(request.getRequestURI(), PREFIX);
        responder.answer(request, response, reads.get(key, quorumParameter("r", r)), KvController::found);
    }

    /** {@code /kv} and {@code /kv/} name no key: say so rather than answer a bare 404. */
    @RequestMapping({"/kv", PREFIX})
    void missingKey() {
        throw new InvalidKeyException("the key is empty: use /kv/{key} with a key of 1..512 bytes of UTF-8");
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
                .contentType(MediaType.parseMediaType(value.contentType()))
                .header(X_VERSION, value.version().toString())
                .header(X_QUORUM_ACKS, Integer.toString(result.acks()))
                .body(value.value());
    }

    private static Integer quorumParameter(String name, String text) {
        if (text == null) {
            return null;
        }
        try {
            return Integer.valueOf(text.strip());
        }
        catch (NumberFormatException ex) {
            throw new BadRequestException("Invalid quorum", name + " must be a whole number between 1 and N");
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
            throw new BadRequestException("Invalid X-Context",
                    "X-Context must be a version quorumkv returned (X-Version): " + ex.getMessage());
        }
    }

    /** Stored as given so GET returns it; it must parse, since GET will send it back as a header. */
    private static String contentType(String header) {
        if (header == null || header.isBlank()) {
            return MediaType.APPLICATION_OCTET_STREAM_VALUE;
        }
        try {
            MediaType.parseMediaType(header);
        }
        catch (InvalidMediaTypeException ex) {
            throw new BadRequestException("Invalid Content-Type", "Content-Type is not a valid media type: " + ex.getMessage());
        }
        if (header.length() > 1024) {
            throw new BadRequestException("Invalid Content-Type", "Content-Type is longer than 1024 characters");
        }
        return header.strip();
    }
}
