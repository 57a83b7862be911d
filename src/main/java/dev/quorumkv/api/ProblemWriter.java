package dev.quorumkv.api;

import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes every error the node answers as an RFC 9457 {@code application/problem+json} body: the client
 * API, the internal replica API, the servlet container's own refusals and the filters that answer before
 * any handler. The one place that turns a problem into bytes, so every path answers the same shape.
 * Static, because Tomcat creates its error valve by class name, outside Spring.
 */
public final class ProblemWriter {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ProblemWriter() {
    }

    /** A problem with a title a person understands; the instance is the request path when it is a valid URI. */
    public static ProblemDetail problem(HttpStatusCode status, String title, String detail, String path) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setTitle(title);
        if (path != null) {
            try {
                problem.setInstance(URI.create(path));
            }
            catch (IllegalArgumentException ex) {
                // A request path that is not a valid URI reference is left out rather than failing the answer.
            }
        }
        return problem;
    }

    /** RFC 9457 members first, then the extension members at the top level, as Spring's own converter writes them. */
    public static byte[] json(ProblemDetail problem) {
        Map<String, Object> members = new LinkedHashMap<>();
        members.put("type", problem.getType() == null ? "about:blank" : problem.getType().toString());
        members.put("title", problem.getTitle());
        members.put("status", problem.getStatus());
        if (problem.getDetail() != null) {
            members.put("detail", problem.getDetail());
        }
        if (problem.getInstance() != null) {
            members.put("instance", problem.getInstance().toString());
        }
        if (problem.getProperties() != null) {
            members.putAll(problem.getProperties());
        }
        return JSON.writeValueAsBytes(members);
    }

    /** Writes a whole problem answer: status, the entity's headers, the problem+json body. */
    public static void write(HttpServletResponse response, ResponseEntity<ProblemDetail> answer) throws IOException {
        byte[] body = json(answer.getBody());
        response.setStatus(answer.getStatusCode().value());
        answer.getHeaders().forEach((name, values) -> values.forEach(value -> response.addHeader(name, value)));
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
