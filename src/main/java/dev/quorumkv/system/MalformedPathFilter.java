package dev.quorumkv.system;

import java.io.IOException;

import dev.quorumkv.api.ProblemWriter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses a request path with a malformed percent-escape before Spring parses it. Tomcat checks escapes
 * only outside path parameters ({@code ;...}), and Spring's path parser throws on the rest, which would
 * surface as a 500 for what is plainly bad input.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class MalformedPathFilter extends OncePerRequestFilter {

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (hasMalformedEscape(request.getRequestURI())) {
            // No instance: the path is not a valid URI reference.
            ProblemWriter.write(response, ResponseEntity.badRequest().body(ProblemWriter.problem(HttpStatus.BAD_REQUEST,
                    "Invalid path", "The path has a malformed percent-escape: '%' must be followed by two hex digits.", null)));
            return;
        }
        chain.doFilter(request, response);
    }

    static boolean hasMalformedEscape(String rawPath) {
        for (int i = rawPath.indexOf('%'); i >= 0; i = rawPath.indexOf('%', i + 1)) {
            if (i + 2 >= rawPath.length() || Character.digit(rawPath.charAt(i + 1), 16) < 0
                    || Character.digit(rawPath.charAt(i + 2), 16) < 0) {
                return true;
            }
        }
        return false;
    }
}
