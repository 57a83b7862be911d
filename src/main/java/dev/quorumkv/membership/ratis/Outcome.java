package dev.quorumkv.membership.ratis;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The reply to a submitted command, as the leader's state machine sends it back: one tag byte, then the state after
 * the command ({@code 0}) or the reason it was refused in UTF-8 ({@code 1}).
 */
final class Outcome {

    private static final byte ACCEPTED = 0;
    private static final byte REFUSED = 1;

    private Outcome() {
    }

    static byte[] encode(ReplicatedState.Result result) {
        byte[] body;
        byte tag;
        if (result instanceof ReplicatedState.Accepted accepted) {
            tag = ACCEPTED;
            body = accepted.state();
        }
        else {
            tag = REFUSED;
            body = ((ReplicatedState.Refused) result).reasonBytes();
        }
        byte[] encoded = new byte[body.length + 1];
        encoded[0] = tag;
        System.arraycopy(body, 0, encoded, 1, body.length);
        return encoded;
    }

    static ReplicatedState.Result decode(byte[] encoded) {
        if (encoded.length == 0 || (encoded[0] != ACCEPTED && encoded[0] != REFUSED)) {
            throw new IllegalArgumentException("not an outcome: " + encoded.length + " bytes");
        }
        byte[] body = Arrays.copyOfRange(encoded, 1, encoded.length);
        return encoded[0] == ACCEPTED ? new ReplicatedState.Accepted(body)
                : new ReplicatedState.Refused(new String(body, StandardCharsets.UTF_8));
    }
}
