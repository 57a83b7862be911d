package dev.quorumkv.system;

import java.io.IOException;

import dev.quorumkv.api.ProblemWriter;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Errors raised outside the handlers (the servlet container refusing a request, a filter failing) still
 * answer as RFC 9457 problems rather than Boot's default JSON or HTML. Never echoes request data.
 */
@RestController
class ProblemErrorController implements ErrorController {

    @RequestMapping("${server.error.path:/error}")
    void error(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        int status = code instanceof Integer value && value >= 400 && value < 600 ? value : 500;
        ProblemWriter.write(response, ResponseEntity.status(status).body(containerProblem(status)));
    }

    /** The problem for a request the container refused, or failed, before quorumkv could answer it. */
    static ProblemDetail containerProblem(int status) {
        HttpStatusCode code = HttpStatusCode.valueOf(status);
        HttpStatus known = HttpStatus.resolve(status);
        String title = known != null ? known.getReasonPhrase() : "Error";
        return ProblemWriter.problem(code, title, status < 500
                ? "The request was refused before it reached quorumkv: check the method, path and headers."
                : "The node failed to handle the request.", null);
    }
}
