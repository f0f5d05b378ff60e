package dev.orch.kernel.projects;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A JSON object too large to build in memory: its members are either values at hand or arrays read
 * a page at a time. The HTTP edge writes it as it reads, with one page in memory, and reads the next
 * page only once a slow client has taken the last one; no database connection is held meanwhile.
 */
public final class JsonDocument {
  /** Rows per page of the arrays read by offset. */
  public static final int PAGE = 50;

  /**
   * The pages of one array, read one after the other by one writer.
   */
  @FunctionalInterface
  public interface Pages {
    /**
     * The next page; an empty one ends the array.
     *
     * @param last the last item of the previous page; null for the first page
     */
    Future<JsonArray> next(JsonObject last);

    /**
     * Pages of up to {@link #PAGE} rows read by {@code LIMIT}/{@code OFFSET} within a window of
     * {@code limit} rows from {@code offset}; a short page ends the array without another read.
     *
     * @param read reads {@code (limit, offset)}
     */
    static Pages byOffset(int offset, int limit, Reader read) {
      int[] next = {offset};
      boolean[] done = {limit <= 0};
      return last -> {
        int left = offset + limit - next[0];
        if (done[0] || left <= 0) {
          return Future.succeededFuture(new JsonArray());
        }
        int size = Math.min(PAGE, left);
        return read.page(size, next[0]).onSuccess(page -> {
          next[0] += page.size();
          done[0] = page.size() < size;
        });
      };
    }
  }

  /** Reads {@code limit} rows from {@code offset}. */
  @FunctionalInterface
  public interface Reader {
    Future<JsonArray> page(int limit, int offset);
  }

  /** A member: {@code value} is a JSON value, or {@code pages} an array read page by page. */
  public record Member(String name, Object value, Pages pages) {}

  private final List<Member> members = new ArrayList<>();

  /** Adds a member whose value is at hand (a JSON object, array, string, number, boolean or null). */
  public JsonDocument value(String name, Object value) {
    members.add(new Member(name, value, null));
    return this;
  }

  /** Adds an array member read page by page. */
  public JsonDocument array(String name, Pages pages) {
    members.add(new Member(name, null, pages));
    return this;
  }

  public List<Member> members() {
    return List.copyOf(members);
  }
}
