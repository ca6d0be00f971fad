/** Client authentication per route: the authenticator contract, API keys, JWTs, and the identity headers sent upstream. */
package io.nexus.gateway.auth;
