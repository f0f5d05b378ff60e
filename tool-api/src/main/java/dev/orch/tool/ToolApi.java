package dev.orch.tool;

/**
 * The version of this API. A plugin states the versions it works with in its manifest,
 * {@code Plugin-Requires: >=1.0.0 & <2.0.0}; the kernel refuses a plugin that requires another.
 * The minor version grows when something is added (old plugins keep working), the major version
 * when something changes or goes.
 *
 * @since 1.0
 */
public final class ToolApi {
  /** This API's version, in PF4J's semantic-version form. */
  public static final String VERSION = "1.1.0";

  private ToolApi() {}
}
