package dev.orch.kernel.bus;

import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Maps failures to status codes, for bus replies and HTTP answers alike. */
public final class Failures {
  private static final Logger LOG = LoggerFactory.getLogger(Failures.class);
  public static final String INTERNAL = "Internal server error";

  private Failures() {}

  /** Replies {@code err} to a bus request; unexpected errors are logged once and their text hidden. */
  public static void reply(Message<?> msg, Throwable err) {
    if (err instanceof OrchestratorException oe) {
      msg.fail(oe.status(), oe.getMessage());
    } else if (err instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
      msg.fail(re.failureCode(), re.getMessage());
    } else {
      LOG.error("bus request failed [address: {}]", msg.address(), err);
      msg.fail(500, INTERNAL);
    }
  }

  /** The HTTP status a bus failure stands for. */
  public static int status(ReplyException err) {
    return switch (err.failureType()) {
      case TIMEOUT -> 504;
      case NO_HANDLERS -> 503;
      default -> err.failureCode() >= 400 && err.failureCode() < 600 ? err.failureCode() : 500;
    };
  }
}
