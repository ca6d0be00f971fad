/** Plugins for the plugin tests, packed into jars at test time: they use only the SPI and the Servlet API, as a real plugin must. */
package io.nexus.testplugin;
