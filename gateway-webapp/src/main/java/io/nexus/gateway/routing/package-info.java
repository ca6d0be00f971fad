/** Request routing: an immutable route table (exact map, then longest-prefix trie) built once per config. */
package io.nexus.gateway.routing;
