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
 * The client API's entry: every request whose raw path is under {@code /kv} is served here, at the end of
 * the filter chain, by {@link KvEndpoint}, instead of going on to Spring MVC's DispatcherServlet. Everything
 * else (actuator, {@code /internal/replica}, errors) goes on to Spring MVC.
 *
 * <p>Why (the one place this reason is kept; docs/architecture.md points here): keys are read from the raw
 * path, and only a filter sees every raw path. The container maps servlets, and Spring MVC its handlers, by
 * the normalized path, where a key such as {@code %2E%2E}, {@code %2E} or {@code a;b} would disappear or
 * change. It was first introduced as a fast path, when a profile showed the dispatcher's per-request work
 * costing more than the quorum write under it; measured again side by side with the same endpoint behind
 * the dispatcher, the difference was within the run-to-run noise (docs/benchmarks.md), so correctness is
 * what keeps it. What still runs first: the container's filters, {@code system.MalformedPathFilter}, and the
 * {@code http.server.requests} observation, which leaves {@code /kv} out ({@link KvRequestObservations}).
 */
@Component
@Order(Ordered.LOWEST_PRECEDENCE)
class KvRawPathFilter extends HttpFilter {

    private final KvEndpoint endpoint;

    KvRawPathFilter(KvEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (isKvPath(request.getRequestURI())) {
            endpoint.serve(request, response);
        }
        else {
            chain.doFilter(request, response);
        }
    }

    static boolean isKvPath(String rawPath) {
        return rawPath.startsWith(KvEndpoint.PREFIX) || rawPath.equals("/kv") || rawPath.startsWith("/kv;");
    }
}
