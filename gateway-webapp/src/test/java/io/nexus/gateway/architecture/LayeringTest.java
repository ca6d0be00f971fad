package io.nexus.gateway.architecture;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The webapp's packages in layers, as drawn in {@code docs/architecture.md}: a package imports
 * only from the packages listed for it, all of them lower; packages on one row never import each
 * other. Bottom to top: spi (the plugin SPI, module gateway-spi), exchange; config, error;
 * observability; upstream, concurrency; middleware; auth, ratelimit, traffic, plugin; routing;
 * snapshot; filter, proxy; reload, export; admin; lifecycle (the composition root, which nothing
 * imports).
 */
@AnalyzeClasses(packages = "io.nexus.gateway", importOptions = ImportOption.DoNotIncludeTests.class)
class LayeringTest {

    private static final String ROOT = "io.nexus.gateway.";

    @ArchTest
    static final ArchRule noPackageCycles = slices().matching("io.nexus.gateway.(*)..").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule layersImportOnlyDownwards = layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("spi").definedBy(ROOT + "spi..")
        .layer("exchange").definedBy(ROOT + "exchange..")
        .layer("config").definedBy(ROOT + "config..")
        .layer("error").definedBy(ROOT + "error..")
        .layer("observability").definedBy(ROOT + "observability..")
        .layer("upstream").definedBy(ROOT + "upstream..")
        .layer("concurrency").definedBy(ROOT + "concurrency..")
        .layer("middleware").definedBy(ROOT + "middleware..")
        .layer("auth").definedBy(ROOT + "auth..")
        .layer("ratelimit").definedBy(ROOT + "ratelimit..")
        .layer("traffic").definedBy(ROOT + "traffic..")
        .layer("plugin").definedBy(ROOT + "plugin..")
        .layer("routing").definedBy(ROOT + "routing..")
        .layer("snapshot").definedBy(ROOT + "snapshot..")
        .layer("filter").definedBy(ROOT + "filter..")
        .layer("proxy").definedBy(ROOT + "proxy..")
        .layer("reload").definedBy(ROOT + "reload..")
        .layer("export").definedBy(ROOT + "export..")
        .layer("admin").definedBy(ROOT + "admin..")
        .layer("lifecycle").definedBy(ROOT + "lifecycle..")
        .whereLayer("spi").mayNotAccessAnyLayer()
        .whereLayer("exchange").mayNotAccessAnyLayer()
        .whereLayer("config").mayOnlyAccessLayers("spi")
        .whereLayer("error").mayOnlyAccessLayers("exchange")
        .whereLayer("observability").mayOnlyAccessLayers("exchange", "config")
        .whereLayer("upstream").mayOnlyAccessLayers("config", "observability")
        .whereLayer("concurrency").mayOnlyAccessLayers("exchange", "config")
        .whereLayer("middleware").mayOnlyAccessLayers("spi", "exchange", "config", "error", "observability")
        .whereLayer("auth").mayOnlyAccessLayers("exchange", "config", "error", "observability", "middleware")
        .whereLayer("ratelimit").mayOnlyAccessLayers("exchange", "config", "error", "observability", "middleware")
        .whereLayer("traffic").mayOnlyAccessLayers("exchange", "config", "error", "observability", "upstream", "middleware")
        .whereLayer("plugin").mayOnlyAccessLayers("spi", "config", "observability", "middleware")
        .whereLayer("routing").mayOnlyAccessLayers("exchange", "config", "observability", "upstream", "middleware", "ratelimit", "traffic")
        .whereLayer("snapshot").mayOnlyAccessLayers("exchange", "config", "observability", "upstream", "middleware", "routing")
        .whereLayer("filter").mayOnlyAccessLayers("exchange", "config", "error", "observability", "middleware", "routing", "snapshot",
            "concurrency")
        .whereLayer("proxy").mayOnlyAccessLayers("exchange", "config", "error", "observability", "upstream", "auth", "routing",
            "traffic", "concurrency")
        .whereLayer("reload").mayOnlyAccessLayers("config", "observability")
        .whereLayer("export").mayOnlyAccessLayers("config")
        .whereLayer("admin").mayOnlyAccessLayers("config", "error", "upstream", "middleware", "routing", "snapshot", "reload")
        .whereLayer("lifecycle").mayNotBeAccessedByAnyLayer();
}
