/** The executable jar: builds and runs the embedded Jetty server around the gateway webapp's code. */
package io.nexus.launcher;
