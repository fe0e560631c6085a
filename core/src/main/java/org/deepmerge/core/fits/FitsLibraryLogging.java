package org.deepmerge.core.fits;

import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps nom-tam-fits' own logging of hostile stamps out of the operator's log.
 *
 * <p>nom-tam-fits logs through {@code java.util.logging} under {@code nom.tam}, at WARNING and with a stack trace,
 * when it meets a malformed header card or truncated data: for stamps a producer controls, one bad message a second
 * would fill the log with ~20-line traces. {@link StampDecoder} already rejects such stamps with a reason (one
 * dead letter or reject line each), so the library's records (JUL's level, INFO and above by default) are
 * forwarded to SLF4J at DEBUG, under their JUL logger names: {@code <logger name="nom.tam" level="DEBUG"/>} in logback shows them again.
 */
public final class FitsLibraryLogging {
    /** The JUL logger every nom-tam-fits class logs under; held strongly so that its configuration is kept. */
    private static final Logger NOM_TAM = Logger.getLogger("nom.tam");

    private FitsLibraryLogging() {
    }

    /**
     * Routes every {@code nom.tam} JUL record to SLF4J at DEBUG instead of JUL's parent handlers (the console).
     * Idempotent and thread-safe; called by {@link StampDecoder} when it is loaded.
     */
    public static synchronized void demoteToDebug() {
        for (Handler h : NOM_TAM.getHandlers()) {
            if (h instanceof DebugForwarder) {
                return;
            }
        }
        NOM_TAM.setUseParentHandlers(false);
        NOM_TAM.addHandler(new DebugForwarder());
    }

    /** Forwards JUL records to SLF4J at DEBUG, cheaply dropped when DEBUG is off. */
    private static final class DebugForwarder extends Handler {
        @Override
        public void publish(LogRecord r) {
            String name = r.getLoggerName() == null ? "nom.tam" : r.getLoggerName();
            org.slf4j.Logger log = LoggerFactory.getLogger(name);
            if (log.isDebugEnabled()) {
                log.debug("{} {}", r.getLevel(), r.getMessage(), r.getThrown());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
