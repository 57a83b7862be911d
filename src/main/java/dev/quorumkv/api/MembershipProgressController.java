package dev.quorumkv.api;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.quorumkv.membership.LocalProgress;
import dev.quorumkv.membership.MemberProgress;
import dev.quorumkv.replica.InternalApi;

/**
 * This node's progress through the running membership change, for the change driver on the Raft leader. Peers
 * only: the cluster secret is checked before this runs ({@link ClusterSecretInterceptor}).
 */
@RestController
class MembershipProgressController {

    private final LocalProgress progress;

    MembershipProgressController(LocalProgress progress) {
        this.progress = progress;
    }

    @GetMapping(InternalApi.MEMBERSHIP_PROGRESS_PATH)
    MemberProgress progress() {
        return progress.progress();
    }
}
