package dev.quorumkv.api;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Hands every {@code /kv} request to {@link KvController} at the end of the filter chain, after the
 * container's, Spring's and quorumkv's filters (path checks; the {@code http.server.requests} observation
 * leaves {@code /kv} out, see {@link KvRequestObservations}), instead of through Spring MVC's dispatcher:
 * handler lookup, argument resolution and the rest cost about as much CPU per request as the quorum
 * write itself (see docs/benchmarks.md).
 * It routes by the raw path, as {@link KeyDecoder} reads keys, rather than by a servlet mapping,
 * because the container maps servlets by the normalized path and a key such as {@code %2E%2E} would
 * normalize away. Everything else (actuator, {@code /internal/replica}, errors) goes on to Spring MVC.
 */
@Component
@Order(Ordered.LOWEST_PRECEDENCE)
class KvApiFilter extends HttpFilter {

    private final KvController api;

    KvApiFilter(KvController api) {
        this.api = api;
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        String path = request.getRequestURI();
        if (!isKvPath(path)) {
            chain.doFilter(request, response);
            return;
        }
        api.serve(request, response);
    }

    static boolean isKvPath(String rawPath) {
        return rawPath.startsWith(KvController.PREFIX) || rawPath.equals("/kv") || rawPath.startsWith("/kv;");
    }
}
