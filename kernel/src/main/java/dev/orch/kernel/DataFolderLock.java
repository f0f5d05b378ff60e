package dev.orch.kernel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One server per data folder, unless the servers are a cluster. A server outside a cluster takes
 * every lease it did not write for a dead predecessor's and runs the task again: a second server on
 * the same folder (a second {@code ./orch serve} in another terminal, a restart that overlaps the old
 * process) would run the first one's tasks twice and bill them twice. The lock is the operating
 * system's on {@code <data>/orch.lock}; it goes with the process, however that ends, so a crashed
 * server never leaves its folder locked.
 */
final class DataFolderLock {
  static final String FILE = "orch.lock";
  /** Held for the life of the process: a channel no longer referenced would be closed, and the lock with it. */
  private static FileChannel held;

  /** The folder is in use by another server; the message says which and what to do. */
  static final class InUse extends Exception {
    InUse(String message) {
      super(message);
    }
  }

  private DataFolderLock() {}

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
}
