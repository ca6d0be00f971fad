/** The composition root: builds the running gateway from every other package and wires it into a servlet context; nothing imports it. */
package io.nexus.gateway.lifecycle;
