package dev.cmk.service;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The service's packages form a one-way graph (CONVENTIONS.md): each feature owns its persistence,
 * {@code store} holds only the database plumbing every feature uses, and no two packages import
 * each other, directly or around a loop. Checked on the compiled main classes.
 */
class ServicePackagesTest {
  static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.cmk.service");
  }

  @Test
  void packagesAreFreeOfCycles() {
    slices().matching("dev.cmk.service.(*)..").should().beFreeOfCycles().check(classes);
  }

  /** The database plumbing knows no feature: a feature's JDBC code lives in its own package. */
  @Test
  void storeDependsOnNoFeature() {
    noClasses()
        .that()
        .resideInAPackage("dev.cmk.service.store..")
        .should()
        .dependOnClassesThat(
            DescribedPredicate.describe(
                "are in a feature package of the service",
                (JavaClass c) ->
                    c.getPackageName().startsWith("dev.cmk.service.")
                        && !c.getPackageName().startsWith("dev.cmk.service.store")))
        .check(classes);
  }
}
