package io.nexus.benchmarks;

import io.nexus.gateway.testing.WebSocketEchoUpstream;

/**
 * bench/websocket.sh's upstream: the tests' Jetty WebSocket echo server on an ephemeral
 * loopback port, which it prints as {@code URL http://127.0.0.1:PORT}; runs until killed.
 */
public final class WebSocketEchoMain {

    private WebSocketEchoMain() {
    }

    public static void main(String[] args) throws Exception {
        WebSocketEchoUpstream upstream = WebSocketEchoUpstream.start();
        System.out.println("URL " + upstream.url());
        System.out.flush();
        Thread.currentThread().join();
    }
}
