/** The config plane: file watching, validated hot reload, version history, diff, rollback and the last-known-good copy. */
package io.nexus.gateway.reload;
