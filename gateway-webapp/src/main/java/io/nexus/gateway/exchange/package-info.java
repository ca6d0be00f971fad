/** The per-request exchange and its attributes: the one object every stage of a request shares; imports no other gateway package. */
package io.nexus.gateway.exchange;
