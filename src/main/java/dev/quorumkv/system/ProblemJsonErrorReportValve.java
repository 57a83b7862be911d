package dev.quorumkv.system;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.quorumkv.api.ProblemWriter;

import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;

/**
 * Tomcat refuses some requests before any servlet runs (a URI that is not valid UTF-8, a malformed
 * escape); its default valve then writes an HTML page. This one writes an RFC 9457 problem instead, so
 * every error a client can cause is problem+json. Never echoes the request or a stack trace.
 * Public with a no-argument constructor: Tomcat instantiates it by class name.
 */
public class ProblemJsonErrorReportValve extends ErrorReportValve {

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        AtomicBoolean ioAllowed = new AtomicBoolean(true);
        response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
        if (status < 400 || response.getContentWritten() > 0 || !ioAllowed.get()) {
            return;
        }
        String body = new String(ProblemWriter.json(ProblemErrorController.containerProblem(status)), StandardCharsets.UTF_8);
        try {
            response.setContentType("application/problem+json");
            response.setCharacterEncoding("UTF-8");
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write(body);
                response.finishResponse();
            }
        }
        catch (IOException | IllegalStateException ex) {
            // The client is gone or the response was committed meanwhile: nothing more to tell it.
        }
    }
}
