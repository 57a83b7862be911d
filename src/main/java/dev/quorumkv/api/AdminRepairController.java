package dev.quorumkv.api;

import java.util.LinkedHashMap;
import java.util.Map;
import java.time.Duration;

import dev.quorumkv.antientropy.AntiEntropyJob;
import dev.quorumkv.antientropy.RoundResult;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;

/**
 * {@code POST /admin/repair}: one anti-entropy round with every peer now, answered once it has ended: 200 with
 * the partitions whose exchanges all completed and the keys copied, or 503 saying which exchanges did not
 * complete. The admin API's authentication guards it with the other /admin calls.
 */
@RestController
class AdminRepairController {

    /**
     * Far above a round's length (each exchange copies a capped number of keys), and far above the servlet
     * container's default 30 s, which a round on a large store may exceed.
     */
    private static final Duration ROUND_LIMIT = Duration.ofHours(1);

    private final AntiEntropyJob antiEntropy;

    AdminRepairController(AntiEntropyJob antiEntropy) {
        this.antiEntropy = antiEntropy;
    }

    /** Asynchronous: the round runs on anti-entropy's own thread and holds no request worker while it does. */
    @PostMapping("/admin/repair")
    DeferredResult<ResponseEntity<?>> repair() {
        DeferredResult<ResponseEntity<?>> answer = new DeferredResult<>(ROUND_LIMIT.toMillis());
        antiEntropy.repairSoon().whenComplete((result, failure) -> {
            if (failure != null) {
                answer.setErrorResult(failure);
            }
            else {
                answer.setResult(answer(result));
            }
        });
        return answer;
    }

    private static ResponseEntity<?> answer(RoundResult result) {
        if (result.complete()) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("partitions", result.partitions());
            body.put("keysRepaired", result.keysRepaired());
            return ResponseEntity.ok(body);
        }
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
                "not every exchange of the round completed: " + String.join("; ", result.failures()));
        problem.setTitle("Repair incomplete");
        problem.setProperty("partitions", result.partitions());
        problem.setProperty("keysRepaired", result.keysRepaired());
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body(problem);
    }
}
