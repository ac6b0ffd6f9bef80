package dev.cmk.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.cmk.service.audit.AuditLog;
import dev.cmk.service.audit.JdbcAuditLog;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module boundaries of CONVENTIONS.md, checked on the compiled classes: SDKs stay inside their
 * provider module, the domain knows neither HTTP nor concrete providers, and only the composition
 * root names concrete providers.
 */
class ArchitectureTest {
  static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            // the service's test-jar (test helpers on this module's test classpath) is tests too
            .withImportOption(location -> !location.contains("-tests.jar"))
            .importPackages("dev.cmk");
  }

  /**
   * No service can be built that audits nothing: its log is a final field set by its constructor,
   * and the database log is the only production implementation (no "drop everything" default).
   */
  @Test
  void everyAuditedServiceTakesTheLogByConstructor() {
    fields().that().haveRawType(AuditLog.class).should().beFinal().check(classes);
    classes()
        .that()
        .implement(AuditLog.class)
        .should()
        .be(JdbcAuditLog.class)
        .allowEmptyShould(false)
        .check(classes);
  }

  @Test
  void cloudSdksStayInsideTheirProviderModule() {
    noClasses()
        .that()
        .resideOutsideOfPackages("dev.cmk.provider.aws..", "dev.cmk.blob.s3..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("software.amazon..")
        .check(classes);
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.cmk.provider.aws..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("software.amazon.awssdk.services.kms..")
        .check(classes);
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.cmk.provider.azure..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("com.azure..")
        .check(classes);
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.cmk.provider.oci..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("com.oracle.bmc..")
        .check(classes);
  }

  @Test
  void cryptoCoreDependsOnTheJdkAlone() {
    noClasses()
        .that()
        .resideInAPackage("dev.cmk.crypto..")
        .should()
        .dependOnClassesThat()
        // JSpecify's nullness annotations are read by the compiler (NullAway), not needed at run
        // time
        .resideOutsideOfPackages("dev.cmk.crypto..", "java..", "javax..", "org.jspecify..")
        .check(classes);
  }

  @Test
  void onlyTheCompositionRootNamesTheNativeCryptoProvider() {
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.cmk.app..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("com.amazon.corretto..")
        .check(classes);
  }

  @Test
  void theDomainKnowsNeitherHttpNorTheAppNorConcreteProviders() {
    noClasses()
        .that()
        .resideInAPackage("dev.cmk.service..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.cmk.http..",
            "dev.cmk.app..",
            "io.javalin..",
            "dev.cmk.provider.aws..",
            "dev.cmk.provider.azure..",
            "dev.cmk.provider.oci..",
            "dev.cmk.provider.pkcs11..",
            "dev.cmk.provider.local..",
            "dev.cmk.blob.s3..")
        .check(classes);
  }

  @Test
  void onlyTheCompositionRootNamesConcreteProviders() {
    noClasses()
        .that()
        .resideOutsideOfPackages("dev.cmk.app..", "dev.cmk.provider.aws..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.cmk.provider.aws..")
        .check(classes);
    noClasses()
        .that()
        .resideOutsideOfPackages("dev.cmk.app..", "dev.cmk.provider.azure..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.cmk.provider.azure..")
        .check(classes);
    noClasses()
        .that()
        .resideOutsideOfPackages("dev.cmk.app..", "dev.cmk.provider.oci..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.cmk.provider.oci..")
        .check(classes);
    noClasses()
        .that()
        .resideOutsideOfPackages("dev.cmk.app..", "dev.cmk.provider.pkcs11..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.cmk.provider.pkcs11..")
        .check(classes);
  }

  /** The S3 SDK stays inside cmk-blob-s3; only the composition root names the S3 store. */
  @Test
  void onlyTheS3BlobModuleNamesTheS3SdkAndOnlyTheRootNamesIt() {
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.cmk.blob.s3..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("software.amazon.awssdk.services.s3..")
        .check(classes);
    noClasses()
        .that()
        .resideOutsideOfPackages("dev.cmk.app..", "dev.cmk.blob.s3..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.cmk.blob.s3..")
        .check(classes);
    noClasses()
        .that()
        .resideOutsideOfPackages("dev.cmk.app..", "dev.cmk.service.blob..")
        .should()
        .dependOnClassesThat()
        .haveSimpleName("DirectoryBlobStore")
        .check(classes);
  }

  @Test
  void theProviderSpiHasNoSdkTypes() {
    noClasses()
        .that()
        .resideInAPackage("dev.cmk.provider")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("software.amazon..", "com.azure..", "com.oracle.bmc..", "io.javalin..")
        .check(classes);
  }
}
