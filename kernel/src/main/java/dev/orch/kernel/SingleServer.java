package dev.orch.kernel;

import dev.orch.kernel.store.PgUrls;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;

/**
 * One server per data folder and per database, unless the servers are a cluster. A server outside a
 * cluster takes every lease it did not write for a dead predecessor's and runs the task again: a
 * second server on the same folder or database (a second {@code ./orch serve} in another terminal, a
 * restart that overlaps the old process) would run the first one's tasks twice and bill them twice.
 * Both locks go with the process, however it ends, so a crash never leaves one behind: the operating
 * system's on {@code <data>/orch.lock}, and on PostgreSQL a session advisory lock on the database and
 * schema, held by a connection of its own.
 */
final class SingleServer {
  static final String FILE = "orch.lock";
  /** Held for the life of the process: a channel no longer referenced would be closed, and the lock with it. */
  private static FileChannel held;
  /** The advisory lock's first key (any fixed number; the group commit's transaction lock uses another form). */
  private static final int LOCK_CLASS = 4207312;
  private static Connection database;

  /** The folder or database is in use by another server; the message says which and what to do. */
  static final class InUse extends Exception {
    InUse(String message) {
      super(message);
    }
  }

  private SingleServer() {}

  /** Takes the folder for this process, creating it if needed, and writes this process's id into the lock file. */
  static synchronized void hold(Path dataDir) throws InUse, IOException {
    Files.createDirectories(dataDir);
    Path file = dataDir.resolve(FILE);
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException sameProcess) {
      lock = null;
    }
    if (lock == null) {
      String holder = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).strip();
      channel.close();
      throw new InUse("another orch server is running on the data folder " + dataDir
          + (holder.isEmpty() ? "" : " (pid " + holder + ")")
          + ": stop it first, or give this one a data folder of its own (ORCH_DATA_DIR)");
    }
    channel.truncate(0);
    channel.write(ByteBuffer.wrap(String.valueOf(ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)), 0);
    channel.force(false);
    held = channel;
  }

  /**
   * Takes the PostgreSQL database at {@code url} (the schema its {@code currentSchema} names, else
   * {@code public}) for this process. The lock lasts
   * as long as the connection: a database restart releases it, and the check is then only made again
   * at the next start.
   */
  static synchronized void holdDatabase(String url) throws InUse, SQLException {
    String schema = PgUrls.currentSchema(url);
    schema = schema == null ? "public" : schema;
    Properties options = new Properties();
    options.setProperty("connectTimeout", "5");
    Connection c = DriverManager.getConnection(url, options);
    try (PreparedStatement st = c.prepareStatement(
        "SELECT pg_try_advisory_lock(?, hashtext(current_database() || '.' || ?)) AS taken")) {
      st.setInt(1, LOCK_CLASS);
      st.setString(2, schema);
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        if (!rs.getBoolean("taken")) {
          throw new InUse("another orch server outside a cluster is using this PostgreSQL database (schema "
              + schema + "): stop it first, or run both as a cluster (--cluster)");
        }
      }
    } catch (InUse | SQLException | RuntimeException e) {
      c.close();
      throw e;
    }
    database = c;
  }
}
