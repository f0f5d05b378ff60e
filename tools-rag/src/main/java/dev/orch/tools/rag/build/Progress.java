package dev.orch.tools.rag.build;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress of one step on the terminal: a bar redrawn in place when the stream is a terminal, else a
 * plain line at every tenth, so a log or a CI transcript stays readable.
 */
final class Progress {
  private static final int WIDTH = 30;
  private static final long REDRAW_NANOS = 100_000_000;

  private final PrintStream out;
  private final boolean terminal;
  private final String label;
  private final String unit;
  private final long total;
  private long done;
  private long drawnAt;
  private long drawn = -1;
  private int lastTenth;

  Progress(PrintStream out, boolean terminal, String label, String unit, long total) {
    this.out = out;
    this.terminal = terminal;
    this.label = label;
    this.unit = unit;
    this.total = Math.max(total, 0);
  }

  void advance(long n) {
    done = Math.min(total, done + n);
    if (terminal) {
      long now = System.nanoTime();
      if ((now - drawnAt >= REDRAW_NANOS || done == total) && done != drawn) {
        drawnAt = now;
        drawn = done;
        out.print("\r" + line());
        out.flush();
      }
    } else {
      int tenth = total == 0 ? 10 : (int) (done * 10 / total);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        out.println(line());
      }
    }
  }

  /** Ends the bar's line. */
  void finish() {
    advance(0);
    if (terminal) {
      out.println();
    }
  }

  String line() {
    double fraction = total == 0 ? 1 : (double) done / total;
    String counts = String.format(Locale.ROOT, "%3d%% %d/%d %s", Math.round(fraction * 100), done, total, unit);
    if (!terminal) {
      return "orch rag: " + label + " " + counts;
    }
    int filled = (int) Math.round(fraction * WIDTH);
    return String.format(Locale.ROOT, "%-10s [%s%s] %s", label, "#".repeat(filled), "-".repeat(WIDTH - filled), counts);
  }
}
