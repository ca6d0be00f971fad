/** Plugins: finding middleware plugins (jars under plugins.dir, or the webapp's own class path), their class loaders, and their registration next to the built-ins. */
package io.nexus.gateway.plugin;
