/** Route traffic policies: header edits, path rewrite and CORS, applied around the proxy. */
package io.nexus.gateway.traffic;
