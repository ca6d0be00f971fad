package bench.scg;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.context.annotation.Bean;

/**
 * Spring Cloud Gateway baseline: one route, every path to one upstream, no filters.
 * Port: --server.port=N (default 18084). Upstream: --upstream=http://127.0.0.1:18081.
 */
@SpringBootApplication
public class ScgBaseline {

    public static void main(String[] args) {
        SpringApplication.run(ScgBaseline.class, args);
    }

    @Bean
    RouteLocator routes(RouteLocatorBuilder builder, @Value("${upstream}") String upstream) {
        return builder.routes()
                .route("all", r -> r.path("/**").uri(upstream))
                .build();
    }
}
