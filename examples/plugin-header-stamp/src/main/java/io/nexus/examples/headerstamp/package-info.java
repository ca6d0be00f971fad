/** An example gateway plugin: a middleware that stamps a configured header and counts what it stamped. */
package io.nexus.examples.headerstamp;
