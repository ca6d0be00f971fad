package io.nexus.gateway.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigResolveOptions;

/**
 * reference.conf, parsed once: the one place where defaults are written. Merged under every
 * file (so that readers find every key with a default), the type model of
 * {@code checkValid}, and the templates of the optional blocks ({@code nexus-block-defaults}).
 */
final class ReferenceConfig {

    /** As written, with {@code ${?NEXUS_ADMIN_TOKEN}} still open: merged under a file and resolved with it. */
    static final Config UNRESOLVED = ConfigFactory.parseResourcesAnySyntax(ReferenceConfig.class.getClassLoader(), "reference.conf");

    /** Resolved without an environment (optional substitutions drop out): what files are checked against. */
    static final Config RESOLVED = UNRESOLVED.resolve(ConfigResolveOptions.defaults().setUseSystemEnvironment(false));

    /** The root of the optional blocks' templates, beside {@code nexus}. */
    static final String BLOCK_DEFAULTS = "nexus-block-defaults";

    private ReferenceConfig() {
    }

    /** The template of an optional block, e.g. {@code route.retries}: what the block leaves out. */
    static ConfigObject blockDefaults(String path) {
        return RESOLVED.getObject(BLOCK_DEFAULTS + "." + path);
    }
}
