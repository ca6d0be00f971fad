/** HOCON configuration: parsed once, validated with file/line/key errors, frozen into records. */
package io.nexus.gateway.config;
