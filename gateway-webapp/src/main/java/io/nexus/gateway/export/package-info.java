/** Export to another data plane (EX3): a validated config as an nginx http block or an Envoy static bootstrap, with the settings neither can express. */
package io.nexus.gateway.export;
