package com.example.orch.hello;

import org.pf4j.Plugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plugin's lifecycle. Optional: a plugin without start or stop work leaves Plugin-Class out. The
 * server calls both on a thread of their own, with a deadline (plugins.start_timeout_sec).
 */
public class HelloPlugin extends Plugin {
  private static final Logger LOG = LoggerFactory.getLogger(HelloPlugin.class);

  @Override
  public void start() {
    LOG.info("hello plugin started");
  }

  @Override
  public void stop() {
    LOG.info("hello plugin stopped");
  }
}
