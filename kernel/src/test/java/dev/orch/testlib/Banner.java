package dev.orch.testlib;

/**
 * A "library" class the kernel's class path holds in one version while two test plugins bundle two
 * others under the same name (see ToolHostIT): each must see its own.
 */
public final class Banner {
  private Banner() {}

  public static String text() {
    return "kernel banner";
  }
}
