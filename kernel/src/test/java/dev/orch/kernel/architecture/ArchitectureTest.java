package dev.orch.kernel.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** How the kernel's packages may depend on each other, and on Vert.x (ArchUnit rules on the main classes). */
class ArchitectureTest {
  /** The one class allowed to use the Vert.x JDBC client's internals (and its nested decoder). */
  static final DescribedPredicate<JavaClass> VERTX_INTERNALS = DescribedPredicate.describe(
      "the isolated store.VertxJdbcInternals", c -> c.getName().startsWith("dev.orch.kernel.store.VertxJdbcInternals"));

  static JavaClasses kernel;

  @BeforeAll
  static void importKernel() {
    kernel = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.orch.kernel");
  }

  @Test
  @DisplayName("packages form no cycle: a component uses another through its contract, never back")
  void packagesHaveNoCycles() {
    slices().matching("dev.orch.kernel.(*)..").should().beFreeOfCycles().check(kernel);
  }

  @Test
  @DisplayName("only public Vert.x API is used, except in the one class that names why")
  void noVertxInternals() {
    noClasses().that(DescribedPredicate.not(VERTX_INTERNALS))
        .should().dependOnClassesThat().resideInAnyPackage("io.vertx..impl..", "io.vertx..internal..")
        .check(kernel);
  }

  @Test
  @DisplayName("the state machines depend on no component: every component moves tasks and projects through them")
  void stateDependsOnNoComponent() {
    noClasses().that().resideInAPackage("..kernel.state..")
        .should().dependOnClassesThat().resideInAnyPackage("..kernel.executor..", "..kernel.tasks..",
            "..kernel.projects..", "..kernel.planner..", "..kernel.http..", "..kernel.budget..")
        .check(kernel);
  }
}
